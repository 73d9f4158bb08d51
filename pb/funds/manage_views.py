"""Running the money: facilitators set up funds and grant offers, the board decides, treasurers pay,
groups accept and report. Each view parses a form, calls one service and renders; the services
check every rule and write the audit entry."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb import timeutil
from pb.access import roles, signed_in
from pb.extensions import db
from pb.forms import EmptyForm, choices
from pb.money import pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, TREASURER
from pb.posting import attempt, one_button
from pb.ratelimits import UPLOADS, on_post, person_or_address
from pb.rounds.queries import load_round
from pb.services import ServiceError

from . import closing, delivery, grants, payments, planning
from .figures import fund_figures
from .forms import (
    ApproveDecisionForm,
    BodyForm,
    CapacityGrantForm,
    DecisionForm,
    FundForm,
    InterestForm,
    MilestoneForm,
    PaymentForm,
    PlanForm,
    PromiseForm,
    ReceiptForm,
    ReturnForm,
    RoundFundForm,
    SettingsForm,
    SourceForm,
    TrancheForm,
    update_form,
)
from .models import FundSource, FundYear, Grant
from .queries import fund_grants, funds_of, grant_rows, load_decision, load_fund, load_grant, load_payment
from .queries import story as project_story

bp = Blueprint("funds_admin", __name__)
STAFF = (FACILITATOR, BOARD_MEMBER, TREASURER)


def _page(form, *, heading, fields, submit, back=None, intro=None, caption=None, warning=False):
    return render_template("form_page.html", hood=g.neighbourhood, form=form, heading=heading, fields=fields,
                           submit=submit, back=back, intro=intro, caption=caption, warning=warning), \
        400 if form.has_errors else 200


def _mine() -> set[str]:
    return {m.role for m in current_user.roles_in(g.neighbourhood)}


def _grant_page(grant: Grant) -> str:
    return url_for("funds_admin.grant", slug=g.neighbourhood.slug, grant_id=grant.id)


def _fund_page(fund) -> str:
    return url_for("funds_admin.fund", slug=g.neighbourhood.slug, fund_id=fund.id)


# --- the money dashboard and funds ----------------------------------------------------------------------

@bp.route("/n/<slug>/money")
@roles(*STAFF)
def dashboard(slug):
    hood = g.neighbourhood
    all_grants = db.session.scalars(select(Grant).where(Grant.neighbourhood_id == hood.id).order_by(Grant.number.desc())).all()
    return render_template("funds/dashboard.html", hood=hood, funds=funds_of(hood.id),
                           rows=grant_rows(all_grants, select(Grant.id).where(Grant.neighbourhood_id == hood.id)),
                           decisions=grants.pending_decisions(hood.id), awaiting=payments.awaiting_approval(hood.id),
                           attention=delivery.needing_attention(hood.id), mine=_mine(), form=EmptyForm())


@bp.route("/n/<slug>/funds/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_fund(slug):
    form = FundForm()
    done = attempt(form, lambda: planning.create_fund(g.neighbourhood, current_user, name=form.name.data,
                                                       first_year=form.first_year.data, years=form.years.data,
                                                       description=form.description.data),
                    "Fund set up. Next: add where its money comes from and plan its years.", _fund_page)
    return done or _page(form, heading="Set up a fund", fields=("name", "first_year", "years", "description"),
                         submit="Set up the fund", back=url_for("funds_admin.dashboard", slug=slug),
                         intro=["A fund holds the neighbourhood's money over several years, for example a Community "
                                "Wealth Fund grant of 10 to 15 years."])


@bp.route("/n/<slug>/funds/<int:fund_id>/manage")
@roles(*STAFF)
def fund(slug, fund_id):
    fund_ = load_fund(fund_id)
    rounds, direct = fund_grants(fund_)
    return render_template("funds/fund_manage.html", hood=g.neighbourhood, fund=fund_, figures=fund_figures(fund_),
                           rounds=rounds, direct=direct, mine=_mine(), form=EmptyForm(),
                           closing=[] if fund_.closed_on else closing.closing_problems(fund_))


@bp.route("/n/<slug>/funds/<int:fund_id>/close", methods=["POST"])
@roles(TREASURER)
def close_fund(slug, fund_id):
    fund_ = load_fund(fund_id)
    one_button(lambda: closing.close_fund(fund_, current_user),
               f"{fund_.name} is closed: it takes no more money in or out.")
    return redirect(_fund_page(fund_))


@bp.route("/n/<slug>/funds/<int:fund_id>/plan", methods=["GET", "POST"])
@roles(FACILITATOR)
def plan(slug, fund_id):
    fund_ = load_fund(fund_id)
    year = request.args.get("year", "")
    existing = next((fy for fy in fund_.plan if fy.financial_year == year), None)
    form = PlanForm(data={"financial_year": year, "planned": existing.planned if existing else None,
                          "capacity_percent": existing.capacity_percent if existing else None,
                          "capacity_amount": existing.capacity_amount if existing else None})
    done = attempt(form, lambda: planning.set_year_plan(
        fund_, current_user, financial_year=form.financial_year.data, planned=form.planned.data,
        capacity_percent=form.capacity_percent.data, capacity_amount=form.capacity_amount.data),
        "Plan saved.", _fund_page(fund_))
    return done or _page(form, heading="Plan a financial year", caption=fund_.name, submit="Save the plan",
                         fields=("financial_year", "planned", "capacity_percent", "capacity_amount"),
                         back=_fund_page(fund_), intro=[f"The fund runs {fund_.span}."])


@bp.route("/n/<slug>/funds/<int:fund_id>/sources/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_source(slug, fund_id):
    fund_ = load_fund(fund_id)
    form = SourceForm()
    done = attempt(form, lambda: planning.add_source(fund_, current_user, name=form.name.data, kind=form.kind.data),
                    "Source added. Record what it promised for each year.", _fund_page(fund_))
    return done or _page(form, heading="Add where the money comes from", caption=fund_.name, fields=("name", "kind"),
                         submit="Add the source", back=_fund_page(fund_))


def _source_choices(fund_) -> list:
    return choices([("", "Choose a source"), *((str(s.id), s.name) for s in fund_.sources)])


def _source(fund_, raw: str) -> FundSource:
    source = db.session.get(FundSource, int(raw)) if raw and raw.isdigit() else None
    if source is None or source.fund_id != fund_.id:
        raise ServiceError("Choose one of this fund's sources", field="source_id")
    return source


@bp.route("/n/<slug>/funds/<int:fund_id>/promises", methods=["GET", "POST"])
@roles(FACILITATOR)
def promise(slug, fund_id):
    fund_ = load_fund(fund_id)
    form = PromiseForm()
    form.source_id.choices = _source_choices(fund_)
    done = attempt(form, lambda: planning.set_promise(_source(fund_, form.source_id.data), current_user,
                                                       financial_year=form.financial_year.data, amount=form.amount.data),
                    "Promise recorded.", _fund_page(fund_))
    return done or _page(form, heading="Record what a source promised", caption=fund_.name, submit="Save",
                         fields=("source_id", "financial_year", "amount"), back=_fund_page(fund_))


@bp.route("/n/<slug>/funds/<int:fund_id>/receipts/new", methods=["GET", "POST"])
@roles(TREASURER)
def receipt(slug, fund_id):
    fund_ = load_fund(fund_id)
    form = ReceiptForm()
    form.source_id.choices = _source_choices(fund_)
    done = attempt(form, lambda: planning.record_receipt(_source(fund_, form.source_id.data), current_user,
                                                          amount=form.amount.data, received_on=form.received_on.data,
                                                          reference=form.reference.data),
                    "Money received recorded.", _fund_page(fund_))
    return done or _page(form, heading="Record money received", caption=fund_.name, submit="Record it",
                         fields=("source_id", "amount", "received_on", "reference"), back=_fund_page(fund_))


@bp.route("/n/<slug>/money/settings", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def settings(slug):
    hood = g.neighbourhood
    form = SettingsForm(obj=hood)
    done = attempt(form, lambda: planning.set_money_settings(
        hood, current_user, giving_prefix=form.giving_prefix.data,
        payment_approval_threshold=form.payment_approval_threshold.data,
        full_reporting_threshold=form.full_reporting_threshold.data,
        facilitators_record_payments=form.facilitators_record_payments.data),
        "Money settings saved.", url_for("funds_admin.dashboard", slug=slug))
    return done or _page(form, heading="Money settings", submit="Save the settings",
                         fields=("giving_prefix", "payment_approval_threshold", "full_reporting_threshold",
                                 "facilitators_record_payments"), back=url_for("funds_admin.dashboard", slug=slug),
                         intro=["The partnership board decides who may pay money out and when a second person must "
                                "approve a payment."])


@bp.route("/n/<slug>/rounds/<int:round_id>/fund", methods=["GET", "POST"])
@roles(FACILITATOR)
def round_fund(slug, round_id):
    round_ = load_round(round_id)
    options = planning.fund_years_for(round_)
    form = RoundFundForm(data={"fund_year_id": str(round_.fund_year_id or "none")})
    form.fund_year_id.choices = choices([*((str(fy.id), fy.label) for fy in options), ("none", "No fund: money held elsewhere")])

    def choose():
        raw = form.fund_year_id.data
        chosen = next((fy for fy in options if str(fy.id) == raw), None)
        if raw != "none" and chosen is None:
            raise ServiceError("Choose one of the fund years listed", field="fund_year_id")
        return planning.allocate_round(round_, current_user, chosen)

    done = attempt(form, choose, "Saved where the round's money comes from.",
                    url_for("rounds.show", slug=slug, round_id=round_.id))
    intro = [f"The round's {pounds(round_.total_budget)} budget is drawn from one {round_.fund_year} fund year."]
    if not options:
        intro.append(f"No fund has a {round_.fund_year} year yet: set one up under Money first.")
    return done or _page(form, heading="Where the round's money comes from", caption=round_.name, fields=("fund_year_id",),
                         submit="Save", back=url_for("rounds.show", slug=slug, round_id=round_.id), intro=intro)


@bp.route("/n/<slug>/funds/<int:fund_id>/capacity-grants/new", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def new_capacity_grant(slug, fund_id):
    fund_ = load_fund(fund_id)
    form = CapacityGrantForm()
    figures = fund_figures(fund_)
    form.fund_year_id.choices = choices([("", "Choose a year"), *(
        (str(fy.id), f"{fy.financial_year} ({pounds(figures.by_year[fy.financial_year].capacity_left)} "
                     "of capacity share left)") for fy in fund_.plan if not figures.by_year[fy.financial_year].ended)])

    def award():
        fund_year = db.session.get(FundYear, int(form.fund_year_id.data)) if form.fund_year_id.data.isdigit() else None
        if fund_year is None or fund_year.fund_id != fund_.id:
            raise ServiceError("Choose one of the fund's years", field="fund_year_id")
        return grants.create_capacity_grant(
            fund_year, current_user, title=form.title.data, summary=form.summary.data, amount=form.amount.data,
            starts_on=form.starts_on.data, ends_on=form.ends_on.data, reason=form.reason.data,
            conditions=form.conditions.data, body=grants.BodyInput(form.body_name.data, form.body_type.data,
                                                                   form.body_number.data, form.contact_email.data))

    done = attempt(form, award, "Capacity-building grant proposed. It is awarded when enough board members approve it.",
                    lambda decision: _grant_page(decision.grant))
    return done or _page(form, heading="Award a capacity-building grant", caption=fund_.name, submit="Propose the grant",
                         fields=("title", "summary", "fund_year_id", "amount", "starts_on", "ends_on", "body_name",
                                 "body_type", "body_number", "contact_email", "conditions", "reason"),
                         back=_fund_page(fund_), intro=["Without a vote, within the year's ring-fenced capacity share. "
                                                        "More than half of the board members without an interest "
                                                        "must approve it."])


# --- one grant ---------------------------------------------------------------------------------------

@bp.route("/n/<slug>/grants/<int:grant_id>/manage")
@roles(*STAFF)
def grant(slug, grant_id):
    grant_ = load_grant(grant_id)
    mine = _mine()
    return render_template("funds/grant_manage.html", hood=g.neighbourhood, grant=grant_, s=project_story(grant_),
                           decision=grants.open_decision(grant_), quorum=grants.quorum(grant_), mine=mine,
                           register=grants.register_matches(grant_, current_user) if BOARD_MEMBER in mine else [],
                           may_pay=planning.may_record_payments(current_user, g.neighbourhood),
                           today=timeutil.today(), form=EmptyForm())


def _saved_body(grant_) -> str:
    if grant_.contact_invited_email:
        return (f"Saved. {grant_.contact_invited_email} has no pb account yet, so they have been emailed an invitation "
                "to make one. The board can approve the agreement meanwhile.")
    return "Saved. The board can now approve the agreement."


@bp.route("/n/<slug>/grants/<int:grant_id>/body", methods=["GET", "POST"])
@roles(FACILITATOR)
def body(slug, grant_id):
    grant_ = load_grant(grant_id)
    form = BodyForm(data={"body_name": grant_.body_name, "body_type": grant_.body_type or None,
                          "body_number": grant_.body_number, "conditions": grant_.conditions,
                          "contact_email": grant_.contact.email if grant_.contact else grant_.contact_invited_email or ""})
    done = attempt(form, lambda: grants.set_accountable_body(grant_, current_user, grants.BodyInput(
        form.body_name.data, form.body_type.data, form.body_number.data, form.contact_email.data),
        conditions=form.conditions.data), _saved_body, _grant_page(grant_))
    return done or _page(form, heading="Who receives the grant", caption=f"{grant_.reference}: {grant_.title}",
                         fields=("body_name", "body_type", "body_number", "contact_email", "conditions"),
                         submit="Save", back=_grant_page(grant_))


@bp.route("/n/<slug>/grants/<int:grant_id>/decide", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def decide(slug, grant_id):
    grant_ = load_grant(grant_id)
    form = DecisionForm(data={"amount": grant_.amount, "starts_on": grant_.starts_on, "ends_on": grant_.ends_on})
    matches = grants.register_matches(grant_, current_user)
    done = attempt(form, lambda: grants.propose_decision(
        grant_, current_user, kind=form.kind.data, reason=form.reason.data,
        changes={"amount": form.amount.data, "starts_on": form.starts_on.data, "ends_on": form.ends_on.data},
        no_interest_reason=form.no_interest_reason.data),
        "Decision proposed with your approval. It is made when enough board members approve it.", _grant_page(grant_))
    return done or _page(form, heading="Propose a board decision", caption=f"{grant_.reference}: {grant_.title}",
                         fields=("kind", "reason", "amount", "starts_on", "ends_on",
                                 *(("no_interest_reason",) if matches else ())), submit="Propose the decision",
                         back=_grant_page(grant_), intro=[
                             f"It is made when {grants.quorum(grant_)} board members without an interest in the grant "
                             "have approved it; yours is the first.", *_register_lines(matches)])


def _register_lines(matches: list[str]) -> list[str]:
    if not matches:
        return []
    return [f"Your register of interests names {', '.join(matches)}. If that touches this decision, declare an "
            "interest instead and leave it to the others; if it does not, say why below."]


@bp.route("/n/<slug>/decisions/<int:decision_id>/approve", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def approve_decision(slug, decision_id):
    """One button on the grant's page; a page with a reason to give when the member's register of
    interests names the grant's organisation or proposer."""
    decision = load_decision(decision_id)
    grant_ = decision.grant
    form = ApproveDecisionForm()
    done = attempt(form, lambda: grants.approve_decision(decision, current_user,
                                                         no_interest_reason=form.no_interest_reason.data),
                   lambda made: "Approved: the decision is made." if made else
                   "Approved. More board members need to approve it.", _grant_page(grant_))
    return done or _page(form, heading="Approve this decision", caption=f"{grant_.reference}: {grant_.title}",
                         fields=("no_interest_reason",), submit="Approve this decision", back=_grant_page(grant_),
                         intro=[f"{decision.kind_label}{': ' + decision.reason if decision.reason else ''}.",
                                *_register_lines(grants.register_matches(grant_, current_user))])


@bp.route("/n/<slug>/grants/<int:grant_id>/payments/new", methods=["GET", "POST"])
@roles(TREASURER, FACILITATOR)
def new_payment(slug, grant_id):
    grant_ = load_grant(grant_id)
    form = PaymentForm()
    form.tranche_id.choices = choices([("", "Not a scheduled tranche"), *(
        (str(t.id), f"{t.label}: {pounds(t.amount)} due {t.due_on:%-d %B %Y}") for t in grant_.tranches)])
    done = attempt(form, lambda: payments.record_payment(
        grant_, current_user, amount=form.amount.data, paid_on=form.paid_on.data, spend=form.spend.data,
        financial_year=form.financial_year.data, reference=form.reference.data,
        tranche_id=int(form.tranche_id.data) if (form.tranche_id.data or "").isdigit() else None),
        "Payment recorded.", lambda p: url_for("funds_admin.payment_done", slug=slug, payment_id=p.id))
    threshold = pounds(g.neighbourhood.payment_approval_threshold)
    return done or _page(form, heading="Record a payment", caption=f"{grant_.reference}: {grant_.title} to {grant_.body_name}",
                         fields=("amount", "paid_on", "spend", "financial_year", "tranche_id", "reference"),
                         submit="Record the payment", back=_grant_page(grant_),
                         intro=[f"Once this grant's payments not approved by a second person reach {threshold}, a payment counts "
                                "as paid only when a board member who did not record it, and has no interest in the "
                                "grant, approves it."])


@bp.route("/n/<slug>/payments/<int:payment_id>/recorded")
@roles(TREASURER, FACILITATOR)
def payment_done(slug, payment_id):
    payment = load_payment(payment_id)
    return render_template("funds/payment_done.html", hood=g.neighbourhood, payment=payment, grant=payment.grant)


@bp.route("/n/<slug>/payments/<int:payment_id>/approve", methods=["POST"])
@roles(BOARD_MEMBER)
def approve_payment(slug, payment_id):
    payment = load_payment(payment_id)
    one_button(lambda: payments.approve_payment(payment, current_user),
         f"Payment of {pounds(payment.amount)} approved: it now counts as paid.")
    return redirect(request.form.get("back") if request.form.get("back") == url_for("funds_admin.dashboard", slug=slug)
                    else _grant_page(payment.grant))


@bp.route("/n/<slug>/grants/<int:grant_id>/returns/new", methods=["GET", "POST"])
@roles(TREASURER, FACILITATOR)
def new_return(slug, grant_id):
    grant_ = load_grant(grant_id)
    form = ReturnForm()
    done = attempt(form, lambda: payments.record_return(grant_, current_user, amount=form.amount.data,
                                                         returned_on=form.returned_on.data, reference=form.reference.data),
                    "Money paid back recorded. It goes back to the fund.", _grant_page(grant_))
    return done or _page(form, heading="Record money paid back", caption=f"{grant_.reference}: {grant_.title}",
                         fields=("amount", "returned_on", "reference"), submit="Record it", back=_grant_page(grant_))


@bp.route("/n/<slug>/grants/<int:grant_id>/tranches/new", methods=["GET", "POST"])
@roles(TREASURER, FACILITATOR)
def new_tranche(slug, grant_id):
    grant_ = load_grant(grant_id)
    form = TrancheForm()
    done = attempt(form, lambda: payments.add_tranche(grant_, current_user, label=form.label.data,
                                                       due_on=form.due_on.data, amount=form.amount.data),
                    "Tranche scheduled.", _grant_page(grant_))
    return done or _page(form, heading="Schedule a tranche", caption=f"{grant_.reference}: {grant_.title}",
                         fields=("label", "due_on", "amount"), submit="Schedule it", back=_grant_page(grant_))


@bp.route("/n/<slug>/grants/<int:grant_id>/milestones/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_milestone(slug, grant_id):
    grant_ = load_grant(grant_id)
    form = MilestoneForm()
    done = attempt(form, lambda: delivery.add_milestone(grant_, current_user, title=form.title.data,
                                                         due_on=form.due_on.data),
                    "Milestone set.", _grant_page(grant_))
    return done or _page(form, heading="Set a milestone", caption=f"{grant_.reference}: {grant_.title}",
                         fields=("title", "due_on"), submit="Set the milestone", back=_grant_page(grant_))


@bp.route("/n/<slug>/grants/<int:grant_id>/interest", methods=["GET", "POST"])
@roles(BOARD_MEMBER, TREASURER)
def interest(slug, grant_id):
    grant_ = load_grant(grant_id)
    form = InterestForm()
    done = attempt(form, lambda: grants.declare_interest(grant_, current_user, form.description.data),
                    "Interest declared. You will take no part in decisions or payments on this grant.",
                    _grant_page(grant_))
    return done or _page(form, heading="Declare an interest", caption=f"{grant_.reference}: {grant_.title}",
                         fields=("description",), submit="Declare it", back=_grant_page(grant_))


@bp.route("/n/<slug>/grants/<int:grant_id>/complete", methods=["POST"])
@roles(FACILITATOR)
def complete(slug, grant_id):
    grant_ = load_grant(grant_id)
    one_button(lambda: grants.complete_grant(grant_, current_user),
         lambda released: f"{grant_.reference} is completed." + (
             f" {pounds(released)} not paid goes back to the fund." if released else ""))
    return redirect(_grant_page(grant_))


# --- the group's contact -------------------------------------------------------------------------------

@bp.route("/n/<slug>/grants/<int:grant_id>/accept", methods=["GET", "POST"])
@signed_in
def accept(slug, grant_id):
    grant_ = load_grant(grant_id)
    if grant_.contact_id != current_user.id:
        abort(403)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            grants.accept_grant(grant_, current_user)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"Thank you. {grant_.body_name} has accepted the grant; the treasurer can now pay it.", "success")
            return redirect(url_for("funds.story", slug=slug, grant_id=grant_.id))
    return render_template("funds/accept.html", hood=g.neighbourhood, grant=grant_, form=form,
                           s=project_story(grant_)), 400 if form.has_errors else 200


@bp.route("/n/<slug>/grants/<int:grant_id>/update", methods=["GET", "POST"])
@signed_in
@on_post(UPLOADS, person_or_address)
def post_update(slug, grant_id):
    grant_ = load_grant(grant_id)
    if not delivery.may_post_update(grant_, current_user):
        abort(403)
    figures = delivery.update_figures(grant_)
    form = update_form(figures)()
    form.milestone_id.choices = choices([("", "No milestone reached yet"), *(
        (str(m.id), f"{m.title} (due {m.due_on:%-d %B %Y})") for m in grant_.milestones if m.completed_on is None)])

    def post():
        upload = request.files.get("image")
        raw = upload.read() if upload and upload.filename else None
        return delivery.post_update(grant_, current_user, status=form.status.data, body=form.body.data,
                                    spend_to_date=form.spend_to_date.data, image=raw, image_alt=form.image_alt.data,
                                    figures={f.key: form[f"figure_{f.key}"].data for f in figures},
                                    milestone_id=int(form.milestone_id.data) if (form.milestone_id.data or "").isdigit()
                                    else None)

    done = attempt(form, post, "Update posted. Everyone following the project gets it by email.",
                    url_for("funds.story", slug=slug, grant_id=grant_.id))
    intro = [f"For {grant_.body_name or 'the group'}: tell residents how {grant_.title} is going."]
    if grant_.contact_id != current_user.id:
        intro.append("You are keying this in for the group: the update will say so.")
    return done or _page(form, heading="Post a progress update", caption=f"{grant_.reference}: {grant_.title}",
                         fields=("status", "body", *(f"figure_{f.key}" for f in figures), "milestone_id",
                                 "spend_to_date", "image", "image_alt"),
                         submit="Post the update", back=url_for("funds.story", slug=slug, grant_id=grant_.id),
                         intro=intro)
