"""Proposals: the public list and pages, proposing and editing (residents), pictures, review
(facilitators) and interests (board and facilitators). Comments, supports, amendments and events
are in deliberation_views."""
from __future__ import annotations

import re

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import found, public, roles, viewer_roles
from pb.accounts.models import User
from pb.extensions import db
from pb.forms import EmptyForm, choices
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, RESIDENT
from pb.numbers import whole_number
from pb.ratelimits import UPLOADS, on_post, person_or_address
from pb.rounds.models import PROPOSALS, RESIDENTS_AND_GROUPS, Round
from pb.rounds.queries import load_round
from pb.services import ServiceError

from . import diff, images, queries, services
from .forms import (
    MIN_COST_ROWS,
    AdjustCostForm,
    CoProposerForm,
    ImageForm,
    InterestForm,
    MergeForm,
    ProposalForm,
    ReviewForm,
    SubmitForm,
    WithdrawForm,
)
from .models import (
    CATEGORIES,
    DRAFT,
    NEEDS_CHANGES,
    PUBLIC_STATUSES,
    STATUS_LABELS,
    SUBMITTED,
    Comment,
    CommentFlag,
    Proposal,
    ProposalAuthor,
    ProposalImage,
)
from .pages import (
    author_only,
    bp,
    form_status,
    htmx_partial,
    load_proposal,
    proposal_numbers,
    render_show,
)

# --- listing ---------------------------------------------------------------------------------------

@bp.route("/n/<slug>/rounds/<int:round_id>/proposals")
@public
def index(slug, round_id):
    round_ = load_round(round_id)
    filters = queries.Filters.from_args(request.args)
    rows, total, pages, page = queries.proposal_page(round_.id, filters)
    context = dict(hood=g.neighbourhood, round=round_, rows=rows, total=total, pages=pages, page=page,
                   filters=filters, SORTS=queries.SORTS, CATEGORIES=CATEGORIES, STATUS_LABELS=STATUS_LABELS,
                   PUBLIC_STATUSES=PUBLIC_STATUSES, mine=viewer_roles())
    if htmx_partial("proposal-results"):
        return render_template("proposals/_results.html", **context)
    return render_template("proposals/index.html", **context)


@bp.route("/n/<slug>/rounds/<int:round_id>/my-proposals")
@roles(RESIDENT)
def mine(slug, round_id):
    round_ = load_round(round_id)

    rows = db.session.scalars(select(Proposal).join(ProposalAuthor).where(
        Proposal.round_id == round_.id, ProposalAuthor.user_id == current_user.id).order_by(Proposal.number)).all()
    return render_template("proposals/mine.html", hood=g.neighbourhood, round=round_, rows=rows)


# --- proposing -------------------------------------------------------------------------------------

def _proposal_form(round_: Round, obj: Proposal | None = None) -> ProposalForm:
    if request.method == "POST":
        form = ProposalForm()
    elif obj is not None:
        data = {"title": obj.title, "summary": obj.summary, "description": obj.description, "need": obj.need,
                "beneficiaries": obj.beneficiaries, "place": obj.place, "category": obj.category,
                "intervention": obj.intervention or "",
                "pot_id": obj.pot_id, "group_name": obj.group_name or "",
                "lines": [{"item": c.item, "kind": c.kind, "amount": c.amount, "financial_year": c.financial_year}
                          for c in obj.cost_lines]}
        form = ProposalForm(data=data)
    else:
        form = ProposalForm(data={"lines": [{"financial_year": round_.fund_year}] * MIN_COST_ROWS})
    form.pot_id.choices = choices((p.id, p.name) for p in round_.pots)
    offered = services.intervention_choices(round_.neighbourhood)
    if offered:
        form.intervention.choices = choices([("", "Not sure, or none"), *offered.items()])
    else:
        del form.intervention
    if len(round_.pots) == 1 and form.pot_id.data is None:
        form.pot_id.data = round_.pots[0].id
    while len(form.lines) < MIN_COST_ROWS:
        form.lines.append_entry({"financial_year": round_.fund_year})
    return form


def _input(form: ProposalForm, round_: Round) -> services.ProposalInput:
    groups = round_.who_may_propose == RESIDENTS_AND_GROUPS  # the field is only shown when groups may propose
    return services.ProposalInput(
        title=form.title.data, summary=form.summary.data, description=form.description.data, need=form.need.data,
        beneficiaries=form.beneficiaries.data, place=form.place.data, category=form.category.data,
        pot_id=form.pot_id.data, group_name=form.group_name.data if groups else None,
        intervention=form.intervention.data if "intervention" in form else None,
        cost_lines=[services.CostLineInput(line.item.data or "", line.kind.data or "", line.amount.data,
                                           line.financial_year.data or "") for line in form.lines])


def _fail_line(form: ProposalForm, error: ServiceError) -> None:
    """Put a cost-line error next to its cell (lines-2-amount) or fall back to the summary."""
    match = re.match(r"^lines-(\d+)-(\w+)$", error.field or "")
    if match and int(match.group(1)) < len(form.lines):
        cell = getattr(form.lines[int(match.group(1))].form, match.group(2))
        if error.message not in cell.errors:
            cell.errors = [*cell.errors, error.message]
    else:
        form.fail(error)


def _check_rows(form: ProposalForm, round_: Round) -> None:
    """When the form itself has errors, also show every cost-line problem at once."""
    pot = next((p for p in round_.pots if p.id == form.pot_id.data), None)
    for field, message in services.line_problems(_input(form, round_).cost_lines, pot):
        _fail_line(form, ServiceError(message, field))


def _added_row(form: ProposalForm) -> bool:
    """The 'Add another cost line' button works without JavaScript: it posts the form back with one
    more row and saves nothing."""
    if "add_line" in request.form and len(form.lines) < 30:
        form.lines.append_entry({"financial_year": form.lines[-1].financial_year.data or ""})
        return True
    return False


@bp.route("/n/<slug>/rounds/<int:round_id>/proposals/new", methods=["GET", "POST"])
@roles(RESIDENT)
def new(slug, round_id):
    round_ = load_round(round_id)
    form = _proposal_form(round_)
    if request.method == "POST" and not _added_row(form) and form.validate_on_submit():
        try:
            proposal = services.create_draft(round_, current_user, _input(form, round_))
        except ServiceError as error:
            _fail_line(form, error)
        else:
            flash(f"Draft saved as {proposal.reference}. Check it, add pictures if you like, then submit it.", "success")
            return redirect(url_for("proposals.submit", slug=slug, proposal_id=proposal.id))
    if form.has_errors and not form.form_errors:
        _check_rows(form, round_)
    return render_template("proposals/form.html", hood=g.neighbourhood, round=round_, form=form, proposal=None,
                           closed=round_.phase != PROPOSALS), form_status(form)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@roles(RESIDENT)
def edit(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    author_only(proposal)
    round_ = proposal.round
    form = _proposal_form(round_, proposal)
    if request.method == "POST" and not _added_row(form) and form.validate_on_submit():
        try:
            services.update_proposal(proposal, current_user, _input(form, round_))
        except ServiceError as error:
            _fail_line(form, error)
        else:
            flash("Changes saved." + (f" This is now version {proposal.version}." if proposal.version else ""), "success")
            target = "proposals.submit" if proposal.status in (DRAFT, NEEDS_CHANGES) else "proposals.show"
            return redirect(url_for(target, slug=slug, proposal_id=proposal.id))
    if form.has_errors and not form.form_errors:
        _check_rows(form, round_)
    return render_template("proposals/form.html", hood=g.neighbourhood, round=round_, form=form, proposal=proposal,
                           closed=False), form_status(form)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/submit", methods=["GET", "POST"])
@roles(RESIDENT)
def submit(slug, proposal_id):
    """Check your answers, then submit (or resubmit with an answer to the facilitator's questions)."""
    proposal = load_proposal(proposal_id, detail=True)
    author_only(proposal)
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            services.submit(proposal, current_user, form.answer.data)
        except ServiceError as error:
            form.fail(error)
        else:
            return render_template("proposals/submitted.html", hood=g.neighbourhood, proposal=proposal)
    questions = [r for r in queries.reviews_of(proposal.id) if r.outcome == NEEDS_CHANGES]
    return render_template("proposals/submit.html", hood=g.neighbourhood, proposal=proposal, form=form,
                           questions=questions[-1] if questions else None, image_form=ImageForm(),
                           co_form=CoProposerForm()), form_status(form)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@roles(RESIDENT)
def withdraw(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    author_only(proposal)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(proposal, current_user, form.reason.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"{proposal.reference} is withdrawn.", "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id))
    return render_template("proposals/withdraw.html", hood=g.neighbourhood, proposal=proposal, form=form), form_status(form)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/co-proposers", methods=["POST"])
@roles(RESIDENT)
def add_co_proposer(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    form = CoProposerForm()
    if form.validate_on_submit():
        try:
            services.add_co_proposer(proposal, current_user, form.email.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash("Co-proposer added. They can now edit the proposal too.", "success")
    else:
        flash(next(iter(form.email.errors), "Enter an email address"), "error")
    return redirect(url_for("proposals.submit", slug=slug, proposal_id=proposal.id))


# --- the proposal page -------------------------------------------------------------------------------

@bp.route("/n/<slug>/proposals/<int:proposal_id>")
@public
def show(slug, proposal_id):
    proposal = load_proposal(proposal_id, detail=True)
    return render_show(proposal)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/history")
@public
def history(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    versions = queries.versions_of(proposal.id)
    numbers = [v.number for v in versions]
    old = whole_number(request.args.get("from", numbers[-2] if len(numbers) > 1 else 0)) or 0
    new = whole_number(request.args.get("to", numbers[-1] if numbers else 0)) or 0
    by_number = {v.number: v for v in versions}
    rows = None
    if old in by_number and new in by_number:
        rows = diff.compare(by_number[old].snapshot, by_number[new].snapshot)
    authors = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({v.created_by_id for v in versions}))).all()) if versions else {}
    return render_template("proposals/history.html", hood=g.neighbourhood, proposal=proposal, versions=versions,
                           old=old, new=new, rows=rows, authors=authors)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/images", methods=["POST"])
@roles(RESIDENT)
@on_post(UPLOADS, person_or_address)
def add_image(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    form = ImageForm()
    if form.validate_on_submit():
        upload = request.files.get("image")
        try:
            if upload is None or not upload.filename:
                raise ServiceError("Choose a picture to upload", field="image")
            services.add_image(proposal, current_user, upload.read(images.MAX_UPLOAD_BYTES + 1),
                               form.alt_text.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Picture added.", "success")
            return redirect(url_for("proposals.submit", slug=slug, proposal_id=proposal.id))
    detail = queries.proposal_detail(proposal.id)
    return render_template("proposals/submit.html", hood=g.neighbourhood, proposal=detail, form=SubmitForm(),
                           questions=None, image_form=form, co_form=CoProposerForm()), 400


@bp.route("/n/<slug>/images/<int:image_id>")
@public
def image(slug, image_id):
    picture = found(ProposalImage, image_id)
    proposal = load_proposal(picture.proposal_id)
    if proposal.hidden_at is not None:
        abort(404)  # hidden at its former author's request, pictures with the text
    response = Response(picture.data, mimetype=picture.mime_type)
    # Pictures never change (a new upload is a new id); a draft's stay private to its authors.
    response.headers["Cache-Control"] = "private, no-store" if proposal.status == DRAFT else "public, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/n/<slug>/images/<int:image_id>/remove", methods=["POST"])
@roles(RESIDENT, FACILITATOR)
def remove_image(slug, image_id):
    picture = found(ProposalImage, image_id)
    proposal = load_proposal(picture.proposal_id)
    if EmptyForm().validate_on_submit():
        try:
            services.remove_image(picture, current_user)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash("Picture removed.", "success")
    return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id))


# --- feasibility review (facilitators) -----------------------------------------------------------------

@bp.route("/n/<slug>/rounds/<int:round_id>/review")
@roles(FACILITATOR)
def queue(slug, round_id):
    round_ = load_round(round_id)
    waiting = db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id,
                                                        Proposal.status.in_([SUBMITTED, NEEDS_CHANGES]))
                                 .order_by(Proposal.status.desc(), Proposal.submitted_at)).all()
    flagged = db.session.execute(
        select(Comment, Proposal).join(Proposal, Proposal.id == Comment.proposal_id)
        .where(Proposal.round_id == round_.id, Comment.hidden_at.is_(None),
               Comment.id.in_(select(CommentFlag.comment_id).where(CommentFlag.resolved_at.is_(None))))
        .order_by(Comment.flag_count.desc(), Comment.id)).all()
    reasons = {}
    if flagged:
        for comment_id, reason in db.session.execute(select(CommentFlag.comment_id, CommentFlag.reason).where(
                CommentFlag.comment_id.in_([c.id for c, _ in flagged]), CommentFlag.resolved_at.is_(None))):
            reasons.setdefault(comment_id, []).append(reason)
    hide_requests = db.session.scalars(select(Proposal).where(
        Proposal.round_id == round_.id, Proposal.hide_requested_at.is_not(None)).order_by(Proposal.number)).all()
    return render_template("proposals/queue.html", hood=g.neighbourhood, round=round_, waiting=waiting,
                           flagged=flagged, reasons=reasons, hide_requests=hide_requests, empty=EmptyForm())


@bp.route("/n/<slug>/proposals/<int:proposal_id>/review", methods=["GET", "POST"])
@roles(FACILITATOR)
def review(slug, proposal_id):
    proposal = load_proposal(proposal_id, detail=True)
    form = ReviewForm(prefix="review")
    cost_form = AdjustCostForm(prefix="cost")
    which = request.form.get("action")
    if which == "review" and form.validate_on_submit():
        try:
            services.review(proposal, current_user, form.outcome.data, reason=form.reason.data,
                            questions=form.questions.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"{proposal.reference} is now ‘{proposal.status_label.lower()}’. Its authors have been told.", "success")
            return redirect(url_for("proposals.queue", slug=slug, round_id=proposal.round_id))
    elif which == "cost" and cost_form.validate_on_submit():
        try:
            services.adjust_cost(proposal, current_user, cost_form.cost.data, cost_form.reason.data)
        except ServiceError as error:
            cost_form.fail(error)
        else:
            flash(f"The cost of {proposal.reference} is adjusted.", "success")
            return redirect(url_for("proposals.review", slug=slug, proposal_id=proposal.id))
    conflict = services.declared_interest(proposal, current_user)
    status = 400 if form.has_errors or cost_form.has_errors else 200
    return render_template("proposals/review.html", hood=g.neighbourhood, proposal=proposal, form=form,
                           cost_form=cost_form, conflict=conflict, reviews=queries.reviews_of(proposal.id)), status


@bp.route("/n/<slug>/proposals/<int:proposal_id>/merge", methods=["GET", "POST"])
@roles(FACILITATOR)
def merge(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    form = MergeForm()
    if form.validate_on_submit():
        numbers = proposal_numbers(form.duplicates.data)
        try:
            if not numbers:
                raise ServiceError("Enter proposal numbers like P-4, P-9", field="duplicates")
            found = db.session.scalars(select(Proposal).where(Proposal.round_id == proposal.round_id,
                                                              Proposal.number.in_(numbers))).all()
            missing = sorted(set(numbers) - {p.number for p in found})
            if missing:
                raise ServiceError("No proposal " + ", ".join(f"P-{n}" for n in missing) + " in this round",
                                   field="duplicates")
            services.merge(proposal, list(found), current_user, form.reason.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"Merged into {proposal.reference}. All their authors can now edit it.", "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id))
    return render_template("proposals/merge.html", hood=g.neighbourhood, proposal=proposal, form=form), form_status(form)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/interest", methods=["GET", "POST"])
@roles(FACILITATOR, BOARD_MEMBER)
def interest(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    form = InterestForm()
    if form.validate_on_submit():
        try:
            services.declare_interest(proposal, current_user, form.description.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"Your interest in {proposal.reference} is recorded. You will not review it or decide on it.", "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id))
    existing = services.declared_interest(proposal, current_user)
    return render_template("proposals/interest.html", hood=g.neighbourhood, proposal=proposal, form=form,
                           existing=existing), form_status(form)

