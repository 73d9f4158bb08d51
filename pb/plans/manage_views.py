"""Writing and deciding the plan: facilitators write it and record the funder's endorsement; board
members approve it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import roles
from pb.extensions import db
from pb.forms import EmptyForm, choices
from pb.frameworks import framework, frameworks
from pb.funds.models import Fund, FundYear, Grant
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.numbers import whole_number
from pb.posting import attempt, one_button
from pb.rounds.models import Pot, Round
from pb.services import ServiceError

from . import decisions, legacy, reviews, services, tagging
from .forms import (
    ApproveForm,
    BoundaryMapForm,
    EndorseForm,
    HideForm,
    InterestForm,
    InvestmentForm,
    NewVersionForm,
    OwnInterventionForm,
    ReasonForm,
    ReviewStartForm,
    SectionForm,
    SpendOutForm,
    StartForm,
    TickForm,
)
from .models import LegacyItem, PlanComment, PlanReview, PlanStatus, PlanVersion
from .queries import investment_table

bp = Blueprint("plan_admin", __name__)


def _plan():
    plan = services.plan_of(g.neighbourhood)
    if plan is None:
        abort(404)
    return plan


def _version(number: int) -> PlanVersion:
    version = next((v for v in _plan().versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


def _edit_url(version) -> str:
    return url_for("plan_admin.edit", slug=g.neighbourhood.slug, number=version.number)


def _page(form, *, heading, fields, submit, back, intro=None, caption=None, warning=False):
    return render_template("form_page.html", hood=g.neighbourhood, form=form, heading=heading, fields=fields,
                           submit=submit, back=back, intro=intro, caption=caption, warning=warning), \
        400 if form.has_errors else 200


@bp.route("/n/<slug>/plan/start", methods=["GET", "POST"])
@roles(FACILITATOR)
def start(slug):
    form = StartForm()
    form.framework.choices = choices([(f.key, f"{f.name}: {f.source}") for f in frameworks().values()])
    funds = db.session.scalars(select(Fund).where(Fund.neighbourhood_id == g.neighbourhood.id).order_by(Fund.id)).all()
    form.fund.choices = choices([("", "No fund yet"), *((str(f.id), f.name) for f in funds)])
    chosen = {str(f.id): f for f in funds}
    done = attempt(form, lambda: services.start_plan(g.neighbourhood, current_user, framework_key=form.framework.data,
                                                     fund=chosen.get(form.fund.data)),
                   "The plan is started: write its first version.",
                   lambda plan: url_for("plan_admin.edit", slug=slug, number=1))
    return done or _page(form, heading="Start the neighbourhood plan", fields=["framework", "fund"],
                         submit="Start the plan", back=url_for("plans.show", slug=slug))


@bp.route("/n/<slug>/plan/versions/<int:number>/edit")
@roles(FACILITATOR, BOARD_MEMBER)
def edit(slug, number):
    plan = _plan()
    version = _version(number)
    return render_template("plans/edit.html", hood=g.neighbourhood, plan=plan, version=version,
                           framework=framework(plan.framework), table=investment_table(plan, version),
                           problems=services.approval_problems(plan, version), labels=services.SECTION_LABELS,
                           mine={m.role for m in current_user.roles_in(g.neighbourhood)}, Status=PlanStatus,
                           words=services.words_in(version.content["vision"]), limit=services.VISION_WORDS,
                           comments=decisions.comments_on(version), form=EmptyForm(),
                           standing=decisions.standing(version), interests=decisions.interests_in(plan))


@bp.route("/n/<slug>/plan/versions/<int:number>/sections/<section>", methods=["GET", "POST"])
@roles(FACILITATOR)
def section(slug, number, section):
    version = _version(number)
    if section not in services.SECTION_LABELS:
        abort(404)
    form = SectionForm()
    form.text.label.text = services.SECTION_LABELS[section]
    if section == "vision":
        form.text.description = f"{services.VISION_WORDS} words at most: what {g.neighbourhood.name} will be like in ten years."
    if request.method == "GET":
        form.text.data = version.content[section]
    done = attempt(form, lambda: services.write_section(version, current_user, section, form.text.data),
                   f"{services.SECTION_LABELS[section]} saved.", _edit_url(version))
    return done or _page(form, heading=services.SECTION_LABELS[section], fields=["text"], submit="Save",
                         back=_edit_url(version), caption=f"Plan, version {version.number}")


@bp.route("/n/<slug>/plan/versions/<int:number>/interventions", methods=["GET", "POST"])
@roles(FACILITATOR)
def interventions(slug, number):
    plan = _plan()
    version = _version(number)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.choose_interventions(version, current_user, request.form.getlist("interventions"))
        except ServiceError as error:
            form.fail(error)
        else:
            return redirect(_edit_url(version))
    chosen = {i["key"] for i in version.content["interventions"]}
    return render_template("plans/interventions.html", hood=g.neighbourhood, plan=plan, version=version,
                           framework=framework(plan.framework), chosen=chosen, form=form), \
        400 if form.has_errors else 200


@bp.route("/n/<slug>/plan/versions/<int:number>/interventions/own", methods=["GET", "POST"])
@roles(FACILITATOR)
def own_intervention(slug, number):
    version = _version(number)
    form = OwnInterventionForm()
    form.objective.choices = choices([("", "None"), *((o["key"], o["name"]) for o in version.content["objectives"])])
    done = attempt(form, lambda: services.add_own_intervention(
        version, current_user, name=form.name.data, objective=form.objective.data, spend=form.spend.data,
        business_case={k: getattr(form, k).data for k in services.BUSINESS_CASE}),
        "Intervention added.", _edit_url(version))
    return done or _page(form, heading="Add an intervention of our own",
                         fields=["name", "objective", "spend", *services.BUSINESS_CASE], submit="Add it",
                         back=_edit_url(version), caption=f"Plan, version {version.number}",
                         intro=["Off the framework's list, an intervention needs a short business case before the "
                                "board can approve the plan: the need, the options considered, the cost, the "
                                "outputs and the risks."])


@bp.route("/n/<slug>/plan/versions/<int:number>/investment", methods=["GET", "POST"])
@roles(FACILITATOR)
def investment(slug, number):
    plan = _plan()
    version = _version(number)
    form = InvestmentForm()
    table = investment_table(plan, version)
    form.financial_year.choices = choices([(y, y) for y in table.years])
    form.intervention.choices = choices([(i["key"], i["name"]) for i in version.content["interventions"]])
    done = attempt(form, lambda: services.set_investment(
        version, current_user, financial_year=form.financial_year.data, intervention=form.intervention.data,
        capital=form.capital.data, revenue=form.revenue.data), "Investment plan saved.",
        url_for("plan_admin.investment", slug=slug, number=number))
    if done:
        return done
    return render_template("plans/investment.html", hood=g.neighbourhood, plan=plan, version=version, form=form,
                           table=table, problems=services.money_problems(plan, version.content)), \
        400 if form.has_errors else 200


@bp.route("/n/<slug>/plan/versions/<int:number>/out-for-comment", methods=["POST"])
@roles(FACILITATOR)
def out_for_comment(slug, number):
    version = _version(number)
    one_button(lambda: decisions.open_for_comment(version, current_user),
               "Out for comment: residents can read it and comment.")
    return redirect(_edit_url(version))


@bp.route("/n/<slug>/plan/versions/<int:number>/approve", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def approve(slug, number):
    version = _version(number)
    form = ApproveForm()
    done = attempt(form, lambda: decisions.approve(version, current_user, decided_on=form.decided_on.data),
                   lambda made: f"Version {version.number} is approved by the board." if made else
                   "Your approval is recorded: {} of the {} needed.".format(*decisions.standing(version)),
                   _edit_url(version))
    approvals, needed = decisions.standing(version)
    return done or _page(form, heading=f"Approve version {version.number} of the plan", fields=["decided_on"],
                         submit="Approve", back=_edit_url(version),
                         intro=[f"It is approved when {needed} board members without an interest in the plan have "
                                f"approved it; {approvals} have so far. Declare any interest first."])


@bp.route("/n/<slug>/plan/interest", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def declare_interest(slug):
    plan = _plan()
    form = InterestForm()
    done = attempt(form, lambda: decisions.declare_interest(plan, current_user, form.description.data),
                   "Your interest is declared: you will not approve the plan.", url_for("plans.show", slug=slug))
    return done or _page(form, heading="Declare an interest in the plan", fields=["description"], submit="Declare it",
                         back=url_for("plans.show", slug=slug),
                         intro=["If you, your family or a group you run would gain from the plan, say so. You will "
                                "not approve it, and the quorum is counted without you. Declarations are public."])


@bp.route("/n/<slug>/plan/versions/<int:number>/endorse", methods=["GET", "POST"])
@roles(FACILITATOR)
def endorse(slug, number):
    version = _version(number)
    form = EndorseForm()
    done = attempt(form, lambda: decisions.endorse(version, current_user, endorsed_on=form.endorsed_on.data,
                                                   endorsed_by=form.endorsed_by.data,
                                                   conditions=form.conditions.data or ""),
                   f"The funder's endorsement of version {version.number} is recorded.", _edit_url(version))
    return done or _page(form, heading=f"Record the funder's endorsement of version {version.number}",
                         fields=["endorsed_on", "endorsed_by", "conditions"], submit="Record it",
                         back=_edit_url(version))


@bp.route("/n/<slug>/plan/new-version", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_version(slug):
    plan = _plan()
    form = NewVersionForm()
    done = attempt(form, lambda: services.new_version(plan, current_user, note=form.note.data),
                   "A new version is started from the latest one.", _edit_url)
    return done or _page(form, heading="Start a new version of the plan", fields=["note"], submit="Start it",
                         back=url_for("plans.show", slug=slug))


@bp.route("/n/<slug>/plan/comments/<int:plan_comment_id>/hide", methods=["GET", "POST"])
@roles(FACILITATOR)
def hide_comment(slug, plan_comment_id):
    row = db.session.get(PlanComment, plan_comment_id)
    version = db.session.get(PlanVersion, row.version_id) if row else None
    if version is None or version.plan_id != _plan().id:
        abort(404)
    form = HideForm()
    done = attempt(form, lambda: decisions.hide_comment(row, current_user, form.reason.data), "Comment hidden.",
                   url_for("plans.version_page", slug=slug, number=version.number) + "#comments")
    return done or _page(form, heading="Hide a comment", fields=["reason"], submit="Hide it",
                         back=url_for("plans.version_page", slug=slug, number=version.number),
                         intro=[f"‘{row.body}’"], warning=True)


@bp.route("/n/<slug>/plan/tags", methods=["GET", "POST"])
@roles(FACILITATOR)
def tags(slug):
    """Which intervention each pot and grant serves."""
    plan = _plan()
    hood = g.neighbourhood
    form = EmptyForm()
    if form.validate_on_submit():
        kind, row_id = request.form.get("kind"), whole_number(request.form.get("id"))
        row = db.session.get(Pot if kind == "pot" else Grant, row_id or 0) if kind in ("pot", "grant") else None
        owner = (db.session.get(Round, row.round_id).neighbourhood_id if kind == "pot" else row.neighbourhood_id) \
            if row else None
        if owner != hood.id:
            abort(404)
        try:
            (tagging.tag_pot if kind == "pot" else tagging.tag_grant)(row, current_user, request.form.get("intervention"))
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Saved.", "success")
            return redirect(url_for("plan_admin.tags", slug=slug))
    pots = db.session.execute(select(Pot, Round).join(Round, Round.id == Pot.round_id)
                              .where(Round.neighbourhood_id == hood.id).order_by(Round.id, Pot.position)).all()
    grants = db.session.scalars(select(Grant).join(FundYear, FundYear.id == Grant.fund_year_id)
                                .where(Grant.neighbourhood_id == hood.id).order_by(Grant.number)).all()
    return render_template("plans/tags.html", hood=hood, plan=plan, pots=pots, grants=grants, form=form,
                           interventions=tagging.interventions_of(plan)), 400 if form.has_errors else 200


def _review(number: int) -> PlanReview:
    review = db.session.scalar(select(PlanReview).where(PlanReview.plan_id == _plan().id, PlanReview.number == number))
    if review is None:
        abort(404)
    return review


def _review_url(review) -> str:
    return url_for("plans.review", slug=g.neighbourhood.slug, number=review.number)


@bp.route("/n/<slug>/plan/reviews/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def start_review(slug):
    plan = _plan()
    form = ReviewStartForm()
    periods = [p.name for p in framework(plan.framework).periods]
    if request.method == "GET" and periods:
        form.title.data = periods[0]
    done = attempt(form, lambda: reviews.start_review(plan, current_user, title=form.title.data),
                   "Review started: its figures are filled in from the grants tied to the plan.",
                   lambda review: url_for("plan_admin.write_review", slug=slug, number=review.number))
    return done or _page(form, heading="Start a plan review", fields=["title"], submit="Start it",
                         back=url_for("plans.review_list", slug=slug),
                         intro=["One for each investment period, or whenever the board asks. What was achieved for "
                                "each objective, and the engagement since the last review, are filled in for you."])


@bp.route("/n/<slug>/plan/reviews/<int:number>/write", methods=["GET", "POST"])
@roles(FACILITATOR)
def write_review(slug, number):
    review = _review(number)
    form = EmptyForm()
    errors = {}
    if form.validate_on_submit():
        names = [f"objective:{o['key']}" for o in review.content["objectives"]] + list(reviews.TEXTS)
        try:
            reviews.write_review(review, current_user, {n: request.form.get(n, "") for n in names})
        except ServiceError as error:
            errors[error.field or "learning"] = error.message
        else:
            flash("Review saved.", "success")
            return redirect(_review_url(review))
    return render_template("plans/review_form.html", hood=g.neighbourhood, review=review, form=form, errors=errors,
                           texts=reviews.TEXTS, given=request.form if errors else None), 400 if errors else 200


@bp.route("/n/<slug>/plan/reviews/<int:number>/approve", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def approve_review(slug, number):
    review = _review(number)
    form = ApproveForm()
    done = attempt(form, lambda: reviews.approve_review(review, current_user, decided_on=form.decided_on.data),
                   "The review is approved and published.", _review_url(review))
    return done or _page(form, heading=f"Approve the review: {review.title}", fields=["decided_on"], submit="Approve",
                         back=_review_url(review))


@bp.route("/n/<slug>/plan/versions/<int:number>/targets", methods=["GET", "POST"])
@roles(FACILITATOR)
def targets(slug, number):
    plan = _plan()
    version = _version(number)
    chosen = framework(plan.framework)
    items = [(i, chosen.intervention(i["key"])) for i in version.content["interventions"]]
    items = [(i, known) for i, known in items if known is not None and known.outputs]
    form = EmptyForm()
    errors = {}
    if form.validate_on_submit():
        values = {}
        for item, known in items:
            for output in known.outputs:
                name = f"{item['key']}-{output.key}"
                raw = (request.form.get(name) or "").replace(",", "").strip()
                if raw and not raw.isdecimal():
                    errors[name] = f"Enter a whole number of {output.unit} for {output.name.lower()}, or leave it blank"
                values[(item["key"], output.key)] = int(raw) if raw.isdecimal() else None
        if not errors:
            try:
                services.set_targets(version, current_user, values)
            except ServiceError as error:
                errors[error.field or "targets"] = error.message
            else:
                flash("Targets saved.", "success")
                return redirect(_edit_url(version))
    return render_template("plans/targets.html", hood=g.neighbourhood, version=version, items=items, form=form,
                           errors=errors, given=request.form if errors else None), 400 if errors else 200


@bp.route("/n/<slug>/plan/spend-out", methods=["GET", "POST"])
@roles(FACILITATOR)
def spend_out(slug):
    plan = _plan()
    form = SpendOutForm()
    if request.method == "GET":
        form.threshold.data = plan.spend_out_threshold
        current = db.session.scalars(select(LegacyItem.name).where(LegacyItem.plan_id == plan.id)
                                     .order_by(LegacyItem.id)).all()
        form.items.data = "\n".join(current or legacy.SUGGESTED)
    done = attempt(form, lambda: legacy.set_spend_out(plan, current_user, threshold=form.threshold.data,
                                                      items=(form.items.data or "").splitlines()),
                   "Spend-out checklist saved.", url_for("plans.show", slug=slug) + "#spend-out")
    return done or _page(form, heading="Spend-out and legacy", fields=["threshold", "items"], submit="Save",
                         back=url_for("plans.show", slug=slug),
                         intro=["When what is left in the fund falls under this amount, the plan page says so and "
                                "shows this checklist, for the legacy the plan's legacy statement sets out."])


@bp.route("/n/<slug>/plan/legacy/<int:item_id>/tick", methods=["GET", "POST"])
@roles(FACILITATOR)
def tick_item(slug, item_id):
    plan = _plan()
    item = db.session.get(LegacyItem, item_id)
    if item is None or item.plan_id != plan.id:
        abort(404)
    form = TickForm()
    done = attempt(form, lambda: legacy.tick(item, current_user, done_on=form.done_on.data, note=form.note.data or ""),
                   "Ticked.", url_for("plans.show", slug=slug) + "#spend-out")
    return done or _page(form, heading=f"Done: {item.name}", fields=["done_on", "note"], submit="Tick it",
                         back=url_for("plans.show", slug=slug))


@bp.route("/n/<slug>/plan/open-items", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def open_items(slug):
    plan = _plan()
    form = ReasonForm()
    done = attempt(form, lambda: legacy.record_open_items(plan, current_user, reason=form.reason.data),
                   "The board's reason is recorded.", url_for("plans.show", slug=slug) + "#spend-out")
    return done or _page(form, heading="Why legacy items are still open", fields=["reason"], submit="Record it",
                         back=url_for("plans.show", slug=slug))


@bp.route("/n/<slug>/plan/versions/<int:number>/boundary-map", methods=["GET", "POST"])
@roles(FACILITATOR)
def boundary_map(slug, number):
    version = _version(number)
    form = BoundaryMapForm()

    def call():
        upload = form.image.data
        raw = upload.read(services.PDF_LIMIT + 1) if upload and getattr(upload, "filename", "") else None
        return services.attach_boundary_map(version, current_user, raw=raw, description=form.description.data)

    done = attempt(form, call, "The map is attached.", _edit_url(version))
    return done or _page(form, heading="A map of the boundary", fields=["image", "description"], submit="Attach it",
                         back=_edit_url(version), caption=f"Plan, version {version.number}")
