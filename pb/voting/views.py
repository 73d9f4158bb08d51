"""Voting pages: the ballot, check your answers, the receipt; counting and results."""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from pb.access import public, roles, viewer_roles
from pb.accounts.models import User
from pb.downloads import attachment
from pb.extensions import db, htmx
from pb.forms import EmptyForm
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR, RESIDENT, Membership
from pb.neighbourhoods.services import person_matches, resident_of
from pb.numbers import whole_number
from pb.proposals.models import Proposal
from pb.ratelimits import CODES, DOWNLOADS, on_get, on_post
from pb.rounds.models import PUBLISHED, Round
from pb.rounds.queries import load_round
from pb.services import ServiceError, keep_loaded_after_commit
from pb.text import search_text

from . import ballots as rules_module
from . import services
from .models import METHODS, MISMATCH, PAPER_STATES, PaperEntry, PaperEvent, PaperSerial

bp = Blueprint("voting", __name__)


def raw_from_form(form, sections, kind) -> dict:
    """What the ballot form sent, per pot: checkbox values, or {proposal id: number}."""
    raw = {}
    for section in sections:
        name = f"pot-{section.pot_id}"
        if kind in (rules_module.APPROVAL, rules_module.KNAPSACK):
            raw[section.pot_id] = form.getlist(name)
        else:
            raw[section.pot_id] = {str(o.id): form.get(f"{name}-{o.id}", "") for o in section.options
                                   if f"{name}-{o.id}" in form}
    return raw


def _context(round_, sections, raw=None, checked=None, **extra):
    """What the ballot, check and totals templates need, from one reading of the ballot's sections."""
    errors = {}  # pot id (or None for the whole ballot): messages
    for field, message in (checked.problems if checked else []):
        errors.setdefault(int(field.split("-")[1]) if field.startswith("pot-") else None, []).append(message)
    return dict(hood=g.neighbourhood, round=round_, sections=sections, raw=raw or {}, checked=checked, errors=errors,
                rules=services.ballot_rules(round_), form=EmptyForm(), totals=_totals(round_, sections, checked),
                **extra)


def _totals(round_, sections, checked):
    """Per pot: (spent or points used, limit) for the live bars."""
    out = {}
    for section in sections:
        chosen = checked.choices.get(section.pot_id, []) if checked else []
        costs = {o.id: o.cost for o in section.options}
        if round_.ballot_type == rules_module.KNAPSACK:
            out[section.pot_id] = (sum(costs.get(pid, 0) for pid, _ in chosen), section.amount)
        elif round_.ballot_type == rules_module.CUMULATIVE:
            out[section.pot_id] = (sum(v for _, v in chosen), round_.ballot_points or 0)
        else:
            out[section.pot_id] = (len(chosen), round_.ballot_max)
    return out


def _ballot_page(context, problem=None, voted=None, status=200):
    return render_template("voting/ballot.html", problem=problem, voted=voted, **context), status


def _check_step(round_, sections, *, problem=None, voted=None, **extra):
    """The step after the ballot, shared by online and code voting: the live totals (htmx), back to
    the ballot with the choices kept, the ballot with its problems, or check your answers."""
    raw = raw_from_form(request.form, sections, round_.ballot_type)
    checked = services.check_ballot(round_, raw, sections)
    context = _context(round_, sections, raw, checked, **extra)
    if htmx and htmx.target == "ballot-totals":
        return render_template("voting/_totals.html", **context)
    if request.form.get("change"):  # back from check-your-answers, choices kept
        context["checked"], context["errors"] = None, {}
        return _ballot_page(context, problem, voted)
    if problem or not checked.ok:
        return _ballot_page(context, problem, voted, 400)
    proposals = {o.id: o for s in sections for o in s.options}
    return render_template("voting/check.html", proposals=proposals, **context)


def _cast_failed(round_, sections, error, voted=None, **extra):
    raw = raw_from_form(request.form, sections, round_.ballot_type)
    context = _context(round_, sections, raw, services.check_ballot(round_, raw, sections), **extra)
    context["form"].form_errors.append(error.message)
    return _ballot_page(context, voted=voted, status=400)


@bp.route("/n/<slug>/rounds/<int:round_id>/vote")
@roles(RESIDENT)
def ballot(slug, round_id):
    round_ = load_round(round_id)
    return _ballot_page(_context(round_, services.ballot_sections(round_)),
                        services.why_not_eligible(round_, current_user), services.has_voted(round_, current_user))


@bp.route("/n/<slug>/rounds/<int:round_id>/vote/check", methods=["POST"])
@roles(RESIDENT)
def check(slug, round_id):
    """Check your answers (or, from htmx, the live totals for the ballot as it stands)."""
    round_ = load_round(round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _check_step(round_, services.ballot_sections(round_), problem=services.why_not_eligible(round_, current_user),
                       voted=services.has_voted(round_, current_user))


@bp.route("/n/<slug>/rounds/<int:round_id>/vote/cast", methods=["POST"])
@roles(RESIDENT)
def cast(slug, round_id):
    round_ = load_round(round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    sections = services.ballot_sections(round_)
    keep_loaded_after_commit()
    try:
        tracker, replaced = services.cast_ballot(round_, current_user,
                                                 raw_from_form(request.form, sections, round_.ballot_type), sections)
    except ServiceError as error:
        return _cast_failed(round_, sections, error, voted=services.has_voted(round_, current_user))
    return render_template("voting/cast.html", hood=g.neighbourhood, round=round_, tracker=tracker, replaced=replaced)


@bp.route("/n/<slug>/rounds/<int:round_id>/receipt", methods=["GET", "POST"])
@public
@on_post(CODES)
def receipt(slug, round_id):
    round_ = load_round(round_id)
    form = EmptyForm()
    found = None
    code = (request.form.get("tracker") or "").strip()
    if form.validate_on_submit():
        if not code:
            form.form_errors.append("Enter the receipt code you were given when you voted")
        else:
            found = services.receipt_status(round_, code)
    proof = services.receipt_proof(round_, code) if found else None
    if proof is not None and request.form.get("format") == "json":
        response = Response(json.dumps(proof, indent=2, ensure_ascii=False), mimetype="application/json")
        response.headers["Content-Disposition"] = 'attachment; filename="receipt-proof.json"'
        return response
    return render_template("voting/receipt.html", hood=g.neighbourhood, round=round_, form=form, found=found,
                           code=code, proof=proof), 400 if form.has_errors else 200


# --- counting and results ------------------------------------------------------------------------------

@bp.route("/n/<slug>/rounds/<int:round_id>/count", methods=["GET", "POST"])
@roles(FACILITATOR)
def count(slug, round_id):
    round_ = load_round(round_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.count_round(round_, current_user)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Counted. The result is provisional until the partnership board signs it off.", "success")
            return redirect(url_for("voting.results", slug=slug, round_id=round_.id))
    return render_template("voting/count.html", hood=g.neighbourhood, round=round_, form=form,
                           result=services.current_result(round_), turnout=services.turnout(round_)), \
        400 if form.has_errors else 200


def _may_see_results(round_: Round) -> bool:
    return not round_.is_before(PUBLISHED) or bool(viewer_roles() & {FACILITATOR, BOARD_MEMBER, AUDITOR})


@bp.route("/n/<slug>/rounds/<int:round_id>/results")
@public
def results(slug, round_id):
    round_ = load_round(round_id)
    result = services.current_result(round_)
    if result is None or not _may_see_results(round_):
        return render_template("voting/no_results.html", hood=g.neighbourhood, round=round_), 404
    proposals = {p.id: p for p in db.session.query(Proposal).filter(Proposal.round_id == round_.id)}
    return render_template("voting/results.html", hood=g.neighbourhood, round=round_, result=result,
                           proposals=proposals, METHODS=METHODS, published=not round_.is_before(PUBLISHED))


@bp.route("/n/<slug>/rounds/<int:round_id>/results/ballots-<int:pot_id>.pb")
@public
@on_get(DOWNLOADS)
def download_ballots(slug, round_id, pot_id):
    round_ = load_round(round_id)
    pot = next((p for p in round_.pots if p.id == pot_id), None)
    if pot is None or services.current_result(round_) is None or not _may_see_results(round_):
        abort(404)
    return attachment(services.pabulib_export(round_, pot), f"{slug}-round-{round_.id}-pot-{pot.id}.pb",
                      "text/plain", open_data=False)


@bp.route("/n/<slug>/rounds/<int:round_id>/results.<fmt>")
@public
@on_get(DOWNLOADS)
def download_result(slug, round_id, fmt):
    round_ = load_round(round_id)
    result = services.current_result(round_)
    if fmt not in ("csv", "json") or result is None or not _may_see_results(round_):
        abort(404)
    if fmt == "csv":
        return attachment(services.results_csv(round_, result), f"{slug}-round-{round_.id}-result.csv", "text/csv",
                          open_data=False)
    body = json.dumps({"round": round_.name, "rule": result.rule, "status": result.status,
                       "ballots": result.ballot_count, "ballots_sha256": result.ballots_sha256,
                       "pots": result.result, "turnout": result.turnout}, indent=2, sort_keys=True)
    return attachment(body, f"{slug}-round-{round_.id}-result.json", "application/json",
                      open_data=False)


# --- board sign-off ---------------------------------------------------------------------------------

@bp.route("/n/<slug>/rounds/<int:round_id>/sign-off", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def sign_off(slug, round_id):
    round_ = load_round(round_id)
    form = EmptyForm()
    result = services.current_result(round_)
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "decline":
                proposal = db.session.get(Proposal, whole_number(request.form.get("proposal")) or 0)
                if proposal is None or proposal.round_id != round_.id:
                    raise ServiceError("Choose the project to decline", field="proposal")
                services.decline_project(round_, current_user, proposal, request.form.get("reason", ""))
                flash(f"{proposal.reference} is declined and the round recounted. Approvals start again for the new result.",
                      "success")
            else:
                reached = services.approve_result(round_, current_user,
                                                  no_interest_reason=request.form.get("no_interest_reason", ""))
                flash("Your approval is recorded." + (" The board's quorum is reached: the result is approved." if reached else ""),
                      "success")
        except ServiceError as error:
            form.fail(error)
        else:
            return redirect(url_for("voting.sign_off", slug=slug, round_id=round_.id))
    proposals = {p.id: p for p in db.session.query(Proposal).filter(Proposal.round_id == round_.id)}
    context = dict(hood=g.neighbourhood, round=round_, form=form, result=result, proposals=proposals)
    if result is not None:
        context.update(register=services.register_matches(round_, result, current_user),
                       approvals=services.approvals(result), quorum=services.quorum(round_, result),
                       conflicts=services.conflicts(round_, result), members=services.board_members(round_))
    return render_template("voting/sign_off.html", **context), 400 if form.has_errors else 200


# --- voting codes -----------------------------------------------------------------------------------

@bp.route("/n/<slug>/rounds/<int:round_id>/codes", methods=["GET", "POST"])
@roles(FACILITATOR)
def codes(slug, round_id):
    round_ = load_round(round_id)
    form = EmptyForm()
    query = search_text(request.args.get("q"))
    shown, total = services.code_candidates(round_, query)
    if form.validate_on_submit():
        try:
            chosen = None if request.form.get("all") else \
                [n for n in map(whole_number, request.form.getlist("residents")) if n is not None]
            batch, printed = services.issue_codes(round_, current_user, chosen)
        except ServiceError as error:
            form.fail(error)
        else:
            # Shown once: only digests are stored, so this page is the only copy of the codes.
            return render_template("voting/codes_print.html", hood=g.neighbourhood, round=round_, batch=batch,
                                   printed=printed)
    return render_template("voting/codes.html", hood=g.neighbourhood, round=round_, form=form, shown=shown,
                           total=total, query=query), 400 if form.has_errors else 200


@bp.route("/n/<slug>/rounds/<int:round_id>/code-vote", methods=["GET", "POST"])
@public
@on_post(CODES)
def code_vote(slug, round_id):
    """Voting with a code from a card: no account, large text, the same checks as online."""
    round_ = load_round(round_id)
    form = EmptyForm()
    code = (request.form.get("code") or "").strip()
    step = request.form.get("step", "code")
    code_url = url_for("voting.code_vote", slug=slug, round_id=round_.id)
    # The connecting address only: a client-supplied X-Forwarded-For would let a guesser pick a new
    # "address" for every try. Behind a proxy, wrap the app in werkzeug's ProxyFix so that
    # remote_addr is the client's.
    who = request.remote_addr or "unknown"
    if request.method == "GET" or not form.validate_on_submit():
        if request.method == "POST":
            abort(400)
        return render_template("voting/code_enter.html", hood=g.neighbourhood, round=round_, form=form, code=""), 200
    sections = services.ballot_sections(round_)
    try:
        services.resident_for_code(round_, code, who)
    except ServiceError as error:
        form.fail(error)
        return render_template("voting/code_enter.html", hood=g.neighbourhood, round=round_, form=form, code=code), 400
    if step == "code":
        return _ballot_page(_context(round_, sections, code=code, code_url=code_url))
    if step == "check":
        return _check_step(round_, sections, code=code, code_url=code_url)
    try:
        tracker = services.cast_with_code(round_, code, raw_from_form(request.form, sections, round_.ballot_type), who)
    except ServiceError as error:
        return _cast_failed(round_, sections, error, code=code, code_url=code_url)
    return render_template("voting/cast.html", hood=g.neighbourhood, round=round_, tracker=tracker, replaced=False,
                           code_vote=True)


# --- paper ballots ----------------------------------------------------------------------------------

def _int(value):
    return whole_number(value, commas=True)


def _date(value):
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@bp.route("/n/<slug>/rounds/<int:round_id>/paper", methods=["GET", "POST"])
@roles(FACILITATOR)
def paper(slug, round_id):
    """Events where ballots were handed out, what came back, and the queues."""

    round_ = load_round(round_id)
    form = EmptyForm()
    action = request.form.get("action")
    if form.validate_on_submit():
        try:
            if action == "event":
                services.add_paper_event(round_, current_user, name=request.form.get("name"),
                                         held_on=_date(request.form.get("held_on")),
                                         first_serial=_int(request.form.get("first_serial")),
                                         last_serial=_int(request.form.get("last_serial")))
                flash("Event recorded.", "success")
            elif action == "returns":
                event = db.session.get(PaperEvent, _int(request.form.get("event")) or 0)
                if event is None or event.round_id != round_.id:
                    abort(404)
                services.record_returns(event, current_user, _int(request.form.get("returned")),
                                        _int(request.form.get("outstanding")))
                flash(f"Returns recorded for {event.name}.", "success")
            elif action == "spoil":
                services.spoil_paper_ballot(round_, current_user, _int(request.form.get("serial")), request.form.get("reason"))
                flash(f"Ballot {request.form.get('serial')} recorded as spoilt.", "success")
            elif action == "give":
                resident = resident_of(round_.neighbourhood_id, _int(request.form.get("resident")))
                if resident is None:
                    raise ServiceError("Choose the resident", field="resident")
                services.give_paper_ballot(round_, current_user, resident)
                flash(f"{resident.name} is on the roll as voting on paper.", "success")
            else:
                abort(400)
        except ServiceError as error:
            form.fail(error)
        else:
            return redirect(url_for("voting.paper", slug=slug, round_id=round_.id))
    events = db.session.scalars(select(PaperEvent).where(PaperEvent.round_id == round_.id).order_by(PaperEvent.first_serial)).all()
    states = {}
    for event_id, status, n in db.session.execute(select(PaperSerial.event_id, PaperSerial.status, func.count()).where(
            PaperSerial.round_id == round_.id).group_by(PaperSerial.event_id, PaperSerial.status)):
        states.setdefault(event_id, {})[status] = n
    mismatches = db.session.scalars(select(PaperSerial.serial).where(PaperSerial.round_id == round_.id,
                                                                     PaperSerial.status == MISMATCH).order_by(PaperSerial.serial)).all()
    query = search_text(request.args.get("q"))
    found = []
    if query:
        found = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.neighbourhood_id == round_.neighbourhood_id, Membership.role == RESIDENT,
            person_matches(query)).order_by(User.name).limit(20)).all()
    return render_template("voting/paper.html", hood=g.neighbourhood, round=round_, form=form, events=events,
                           states=states, PAPER_STATES=PAPER_STATES, mismatches=mismatches, query=query, found=found,
                           problems=services.paper_problems(round_)), 400 if form.has_errors else 200


@bp.route("/n/<slug>/rounds/<int:round_id>/paper/key", methods=["GET", "POST"])
@roles(FACILITATOR)
def key_paper(slug, round_id):
    """Key in one paper ballot, or (with ?reconcile=SERIAL) record it as read from the paper."""

    round_ = load_round(round_id)
    form = EmptyForm()
    reconcile = _int(request.values.get("reconcile"))
    sections = services.ballot_sections(round_)
    raw = raw_from_form(request.form, sections, round_.ballot_type) if request.method == "POST" else {}
    serial_text = request.form.get("serial", str(reconcile) if reconcile else "")
    checked = None
    if form.validate_on_submit():
        try:
            if reconcile:
                services.reconcile_paper_ballot(round_, current_user, reconcile, raw)
                flash(f"Ballot {reconcile} is reconciled and in the ballot box.", "success")
                return redirect(url_for("voting.paper", slug=slug, round_id=round_.id))
            serial = _int(serial_text)
            status = services.key_paper_ballot(round_, current_user, serial, raw)
            flash({"keyed_once": f"Ballot {serial} keyed. A second facilitator must key it too.",
                   "matched": f"Ballot {serial} matches the first keying: it is in the ballot box.",
                   "mismatch": f"Ballot {serial} does not match the first keying: it is in the reconciliation queue."}[status],
                  "success" if status != "mismatch" else "error")
            return redirect(url_for("voting.key_paper", slug=slug, round_id=round_.id))
        except ServiceError as error:
            checked = services.check_ballot(round_, raw, sections)
            form.fail(error)
    entries = []
    if reconcile:
        row = db.session.scalar(select(PaperSerial).where(PaperSerial.round_id == round_.id, PaperSerial.serial == reconcile))
        if row is None:
            abort(404)
        entries = db.session.scalars(select(PaperEntry).where(PaperEntry.paper_serial_id == row.id).order_by(PaperEntry.id)).all()
    context = _context(round_, sections, raw, checked)
    context.update(form=form)
    labels = {o.id: o.label for s in sections for o in s.options}
    return render_template("voting/paper_key.html", serial=serial_text, reconcile=reconcile, entries=entries,
                           labels=labels, pot_names={str(s.pot_id): s.name for s in sections}, **context), \
        400 if form.has_errors else 200
