"""Rounds: the public round page, set-up by facilitators, approval and rule changes by the board."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from pb import phases
from pb.access import public, roles, signed_in, viewer_roles
from pb.extensions import db
from pb.following import services as following
from pb.forms import EmptyForm
from pb.money import parse_pounds, pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.numbers import MAX_INT, whole_number
from pb.proposals.models import PUBLIC_STATUSES, Proposal
from pb.rounds.queries import load_round
from pb.services import ServiceError

from . import services
from .forms import ApproveForm, PotForm, RoundForm, RuleChangeForm, RulesForm, TimelineForm
from .models import (
    BALLOT_TYPES,
    COUNTING_RULES,
    LOCKED_RULES,
    PHASE_HINTS,
    PHASE_LABELS,
    PHASES,
    SETUP,
    SPEND_RULES,
    TIE_BREAKS,
    WHO_MAY_PROPOSE,
    BoardDecision,
    Pot,
    Round,
)

bp = Blueprint("rounds", __name__)


def _status(form) -> int:
    return 400 if form.has_errors else 200


@bp.route("/n/<slug>/rounds")
@public
def index(slug):
    rounds = db.session.scalars(select(Round).where(Round.neighbourhood_id == g.neighbourhood.id)
                                .order_by(Round.created_at.desc())).all()
    return render_template("rounds/index.html", hood=g.neighbourhood, rounds=rounds, mine=viewer_roles())


@bp.route("/n/<slug>/rounds/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new(slug):
    form = RoundForm()
    if form.validate_on_submit():
        try:
            round_ = services.create_round(g.neighbourhood, current_user, name=form.name.data,
                                           fund_year=form.fund_year.data, total_budget=form.total_budget.data,
                                           description=form.description.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Round created. Next: add its pots, timeline and rules, then ask the board to approve them.", "success")
            return redirect(url_for("rounds.show", slug=slug, round_id=round_.id))
    return render_template("rounds/new.html", hood=g.neighbourhood, form=form), _status(form)


@bp.route("/n/<slug>/rounds/<int:round_id>/")
@public
def show(slug, round_id):
    round_ = load_round(round_id)
    counts = dict(db.session.execute(select(Proposal.status, func.count()).where(
        Proposal.round_id == round_.id, Proposal.status.in_(PUBLIC_STATUSES)).group_by(Proposal.status)).all())
    decisions = db.session.scalars(select(BoardDecision).where(BoardDecision.round_id == round_.id)
                                   .order_by(BoardDecision.id)).all()
    mine = viewer_roles()
    return render_template("rounds/show.html", hood=g.neighbourhood, round=round_, counts=counts,
                           decisions=decisions, mine=mine, PHASES=PHASES, PHASE_LABELS=PHASE_LABELS,
                           PHASE_HINTS=PHASE_HINTS, labels=_labels(), problems=services.setup_problems(round_)
                           if round_.phase == SETUP else [], warnings=services.rule_warnings(round_)
                           if mine & {FACILITATOR, BOARD_MEMBER} and round_.is_before("voting") else [],
                           following=following.is_following("round", round_, current_user),
                           form=EmptyForm())


def _labels() -> dict:
    return {"ballot_type": BALLOT_TYPES, "counting_rule": COUNTING_RULES, "tie_break": TIE_BREAKS,
            "who_may_propose": WHO_MAY_PROPOSE, "spend_rule": SPEND_RULES}


@bp.route("/n/<slug>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@roles(FACILITATOR)
def edit(slug, round_id):
    round_ = load_round(round_id)
    form = RoundForm(obj=round_)
    if form.validate_on_submit():
        try:
            changes = {"name": form.name.data, "fund_year": form.fund_year.data, "description": form.description.data}
            if form.total_budget.data != round_.total_budget:
                changes["total_budget"] = form.total_budget.data
            services.update_rules(round_, current_user, **changes)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Round details saved.", "success")
            return redirect(url_for("rounds.show", slug=slug, round_id=round_.id))
    return render_template("rounds/edit.html", hood=g.neighbourhood, round=round_, form=form), _status(form)


@bp.route("/n/<slug>/rounds/<int:round_id>/rules", methods=["GET", "POST"])
@roles(FACILITATOR)
def rules(slug, round_id):
    round_ = load_round(round_id)
    form = RulesForm(obj=round_)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in LOCKED_RULES if name != "total_budget"}
        try:
            services.update_rules(round_, current_user, **values)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Rules saved.", "success")
            return redirect(url_for("rounds.show", slug=slug, round_id=round_.id))
    return render_template("rounds/rules.html", hood=g.neighbourhood, round=round_, form=form,
                           warnings=services.rule_warnings(round_)), _status(form)


@bp.route("/n/<slug>/rounds/<int:round_id>/pots", methods=["GET", "POST"])
@roles(FACILITATOR)
def pots(slug, round_id):
    round_ = load_round(round_id)
    form = PotForm()
    if form.validate_on_submit():
        try:
            services.add_pot(round_, current_user, name=form.name.data, amount=form.amount.data,
                             spend_rule=form.spend_rule.data, max_per_proposal=form.max_per_proposal.data,
                             description=form.description.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"Pot ‘{form.name.data.strip()}’ added.", "success")
            return redirect(url_for("rounds.pots", slug=slug, round_id=round_.id))
    return render_template("rounds/pots.html", hood=g.neighbourhood, round=round_, form=form,
                           remove_form=EmptyForm(), labels=_labels()), _status(form)


def _pot(round_: Round, pot_id: int) -> Pot:
    pot = db.session.get(Pot, pot_id)
    if pot is None or pot.round_id != round_.id:
        abort(404)
    return pot


@bp.route("/n/<slug>/rounds/<int:round_id>/pots/<int:pot_id>", methods=["GET", "POST"])
@roles(FACILITATOR)
def edit_pot(slug, round_id, pot_id):
    round_ = load_round(round_id)
    pot = _pot(round_, pot_id)
    form = PotForm(obj=pot)
    if form.validate_on_submit():
        try:
            services.update_pot(pot, current_user, name=form.name.data, amount=form.amount.data,
                                spend_rule=form.spend_rule.data, max_per_proposal=form.max_per_proposal.data,
                                description=form.description.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Pot saved.", "success")
            return redirect(url_for("rounds.pots", slug=slug, round_id=round_.id))
    return render_template("rounds/pot_edit.html", hood=g.neighbourhood, round=round_, pot=pot, form=form), _status(form)


@bp.route("/n/<slug>/rounds/<int:round_id>/pots/<int:pot_id>/remove", methods=["POST"])
@roles(FACILITATOR)
def remove_pot(slug, round_id, pot_id):
    round_ = load_round(round_id)
    pot = _pot(round_, pot_id)
    if EmptyForm().validate_on_submit():
        try:
            name = pot.name
            services.remove_pot(pot, current_user)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"Pot ‘{name}’ removed.", "success")
    return redirect(url_for("rounds.pots", slug=slug, round_id=round_.id))


@bp.route("/n/<slug>/rounds/<int:round_id>/timeline", methods=["GET", "POST"])
@roles(FACILITATOR)
def timeline(slug, round_id):
    round_ = load_round(round_id)
    form = TimelineForm(data={step.phase: step.starts_on for step in round_.timeline})
    started = {step.phase for step in round_.timeline if round_.phase_index(step.phase) <= round_.phase_index()}
    for phase in started:
        getattr(form, phase).render_kw = {"readonly": True}
    if form.validate_on_submit():
        try:
            services.set_timeline(round_, current_user, {p: getattr(form, p).data for p in PHASES if p != SETUP})
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Timeline saved.", "success")
            return redirect(url_for("rounds.show", slug=slug, round_id=round_.id))
    return render_template("rounds/timeline.html", hood=g.neighbourhood, round=round_, form=form,
                           phases=[p for p in PHASES if p != SETUP], PHASE_HINTS=PHASE_HINTS), _status(form)


@bp.route("/n/<slug>/rounds/<int:round_id>/advance", methods=["GET", "POST"])
@roles(FACILITATOR)
def advance(slug, round_id):
    round_ = load_round(round_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            target = phases.advance_phase(round_, current_user)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"{round_.name} is now in its ‘{PHASE_LABELS[target]}’ phase.", "success")
            return redirect(url_for("rounds.show", slug=slug, round_id=round_.id))
    target = round_.next_phase()
    return render_template("rounds/advance.html", hood=g.neighbourhood, round=round_, form=form, target=target,
                           PHASE_LABELS=PHASE_LABELS, PHASE_HINTS=PHASE_HINTS,
                           problems=phases.phase_problems(round_) if target else []), _status(form)


@bp.route("/n/<slug>/rounds/<int:round_id>/approve", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def approve(slug, round_id):
    round_ = load_round(round_id)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            services.approve_setup(round_, current_user, decided_on=form.decided_on.data, note=form.note.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("The board's approval is recorded. Facilitators can now open proposals.", "success")
            return redirect(url_for("rounds.show", slug=slug, round_id=round_.id))
    return render_template("rounds/approve.html", hood=g.neighbourhood, round=round_, form=form, labels=_labels(),
                           problems=services.setup_problems(round_), PHASE_LABELS=PHASE_LABELS), _status(form)


def _parse_rule_value(rule: str, raw: str):
    """The board's new value for a rule, from text; raises ServiceError on the value field."""
    raw = (raw or "").strip()
    if rule == "allow_ballot_changes":
        if raw.lower() in ("yes", "true", "1"):
            return True
        if raw.lower() in ("no", "false", "0"):
            return False
        raise ServiceError("Enter yes or no", field="value")
    choices = {"who_may_propose": WHO_MAY_PROPOSE, "ballot_type": BALLOT_TYPES, "counting_rule": COUNTING_RULES,
               "tie_break": TIE_BREAKS}
    if rule in choices:
        for key, label in choices[rule].items():
            if raw.lower() in (key.lower(), label.lower()):
                return key
        raise ServiceError("Enter one of: " + "; ".join(choices[rule].values()), field="value")
    if rule in ("total_budget", "max_per_proposal"):
        if raw == "" and rule == "max_per_proposal":
            return None
        value = parse_pounds(raw)
        if value is None:
            raise ServiceError("Enter an amount in pounds, like 120000", field="value")
        if value > MAX_INT:
            raise ServiceError(f"Enter an amount of {pounds(MAX_INT)} or less", field="value")
        return value
    if raw == "" and rule in ("ballot_max", "support_cap", "support_threshold", "ballot_points"):
        return None
    number = whole_number(raw, commas=True)
    if number is None:
        raise ServiceError("Enter a whole number, like 5", field="value")
    return number


@bp.route("/n/<slug>/rounds/<int:round_id>/rule-change", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def rule_change(slug, round_id):
    round_ = load_round(round_id)
    form = RuleChangeForm()
    if form.validate_on_submit():
        try:
            value = _parse_rule_value(form.rule.data, form.value.data)
            services.change_locked_rule(round_, current_user, rule=form.rule.data, value=value,
                                        reason=form.reason.data, decided_on=form.decided_on.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("The board's decision is recorded and the rule has changed.", "success")
            return redirect(url_for("rounds.show", slug=slug, round_id=round_.id))
    return render_template("rounds/rule_change.html", hood=g.neighbourhood, round=round_, form=form,
                           labels=_labels()), _status(form)


@bp.route("/n/<slug>/rounds/<int:round_id>/follow", methods=["POST"])
@signed_in
def follow(slug, round_id):
    round_ = load_round(round_id)
    if EmptyForm().validate_on_submit():
        try:
            if request.form.get("stop"):
                following.unfollow("round", round_, current_user)
                flash("You will no longer get emails about this round.", "success")
            else:
                following.follow("round", round_, current_user)
                flash(f"We will email you at {current_user.email} when this round moves to its next phase.", "success")
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("rounds.show", slug=slug, round_id=round_.id))
