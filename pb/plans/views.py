"""The neighbourhood plan as residents read it: the plan in force, any version, what changed
between two, residents' comments on a version out for comment, and the plan as JSON."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import one_of_this_neighbourhood, public, signed_in, viewer_roles
from pb.consultations.engagement import profile_of
from pb.downloads import attachment, csv_attachment
from pb.extensions import db
from pb.forms import choices
from pb.frameworks import framework
from pb.funds.models import Grant
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, EligiblePostcode
from pb.posting import attempt
from pb.ratelimits import COMMENTS, DOWNLOADS, on_get, on_post, person_or_address
from pb.text import word_diff

from . import decisions, legacy, outputs, reviews, services
from .charts import progress_chart
from .forms import CommentForm, OutputForm
from .models import OutputReport, PlanFile, PlanStatus, PlanVersion
from .progress import progress
from .queries import engagement_evidence, investment_table

bp = Blueprint("plans", __name__)


def _plan():
    plan = services.plan_of(g.neighbourhood)
    if plan is None:
        abort(404)
    return plan


def _staff() -> bool:
    return bool(viewer_roles() & {FACILITATOR, BOARD_MEMBER})


def _version(plan, number: int) -> PlanVersion:
    version = next((v for v in plan.versions if v.number == number), None)
    # A version being written is for its writers until it goes out for comment.
    if version is None or (version.status == PlanStatus.DRAFT and not _staff()):
        abort(404)
    return version


def _page(plan, version, form=None, code=200):
    hood = g.neighbourhood
    lines = progress(plan, version)
    postcodes = db.session.scalars(select(EligiblePostcode.postcode).where(
        EligiblePostcode.neighbourhood_id == hood.id).order_by(EligiblePostcode.postcode)).all()
    return render_template("plans/show.html", hood=hood, plan=plan, version=version,
                           framework=framework(plan.framework), table=investment_table(plan, version),
                           problems=services.money_problems(plan, version.content), staff=_staff(),
                           evidence=engagement_evidence(hood), profile=profile_of(hood), postcodes=postcodes,
                           comments=decisions.comments_on(version), form=form or CommentForm(formdata=None),
                           lines=lines, chart=progress_chart(lines), totals=outputs.output_totals(plan, version),
                           spend_out=legacy.spend_out(plan), roles=viewer_roles(),
                           words=services.words_in(version.content["vision"]), limit=services.VISION_WORDS,
                           Status=PlanStatus), code


@bp.route("/n/<slug>/plan")
@public
def show(slug):
    plan = services.plan_of(g.neighbourhood)
    if plan is None:
        return render_template("plans/none.html", hood=g.neighbourhood, staff=FACILITATOR in viewer_roles())
    version = plan.current or (plan.versions[-1] if _staff() or plan.versions[-1].status != PlanStatus.DRAFT
                               else None)
    if version is None:
        return render_template("plans/none.html", hood=g.neighbourhood, staff=False, writing=True)
    return _page(plan, version)


@bp.route("/n/<slug>/plan/versions/<int:number>")
@public
def version_page(slug, number):
    plan = _plan()
    return _page(plan, _version(plan, number))


@bp.route("/n/<slug>/plan/versions/<int:number>/comments", methods=["POST"])
@signed_in
@on_post(COMMENTS, person_or_address)
def add_comment(slug, number):
    plan = _plan()
    version = _version(plan, number)
    form = CommentForm()
    done = attempt(form, lambda: decisions.comment(version, current_user, section=form.section.data,
                                                   body=form.body.data),
                   "Thank you: your comment is on the plan.",
                   url_for("plans.version_page", slug=slug, number=number) + "#comments")
    return done or _page(plan, version, form, 400)


@bp.route("/n/<slug>/plan/compare")
@public
def compare(slug):
    plan = _plan()
    visible = [v for v in plan.versions if v.status != PlanStatus.DRAFT or _staff()]
    if len(visible) < 2:
        return redirect(url_for("plans.show", slug=slug))
    older = _version(plan, request.args.get("from", type=int) or visible[-2].number)
    newer = _version(plan, request.args.get("to", type=int) or visible[-1].number)
    rows = []
    for section, label in services.SECTION_LABELS.items():
        if older.content[section] != newer.content[section]:
            rows.append({"label": label, "parts": word_diff(older.content[section], newer.content[section])})
    names = lambda c: "\n".join(i["name"] for i in c["interventions"])  # noqa: E731
    if names(older.content) != names(newer.content):
        rows.append({"label": "Interventions", "parts": word_diff(names(older.content), names(newer.content))})
    money = lambda v: "\n".join(f"{y}: {i} capital {a['capital'] / 100:,.2f}, revenue {a['revenue'] / 100:,.2f}"  # noqa: E731
                                for y, items in sorted(v.content["investment"].items()) for i, a in sorted(items.items()))
    if money(older) != money(newer):
        rows.append({"label": "The investment plan", "parts": word_diff(money(older), money(newer))})
    return render_template("plans/compare.html", hood=g.neighbourhood, plan=plan, older=older, newer=newer, rows=rows,
                           versions=visible)


@bp.route("/n/<slug>/plan.json")
@public
@on_get(DOWNLOADS)
def plan_json(slug):
    plan = _plan()
    versions = [v for v in plan.versions if v.status != PlanStatus.DRAFT]
    data = {"neighbourhood": slug, "framework": plan.framework, "framework_date": framework(plan.framework).date,
            "in_force": plan.current.number if plan.current else None,
            "versions": [{"number": v.number, "status": v.status, "note": v.note,
                          "approved_on": v.approved_on.isoformat() if v.approved_on else None,
                          "endorsed_on": v.endorsed_on.isoformat() if v.endorsed_on else None,
                          "endorsed_by": v.endorsed_by, "content_sha256": services.digest(v.content),
                          "content": v.content} for v in versions],
            "progress": [{"intervention": line.key, "name": line.name, "words": line.words, "projects": line.grants,
                          "delivered": line.delivered,
                          "years": {year: {name: getattr(line, name).get(year, 0)
                                           for name in ("planned", "granted", "paid", "returned")}
                                    for year in sorted(set(line.planned) | set(line.granted) | set(line.paid))}}
                         for line in (progress(plan, plan.current) if plan.current else [])]}
    return attachment(json.dumps(data, indent=1, ensure_ascii=False), f"{slug}-plan.json", "application/json")


@bp.route("/n/<slug>/plan/progress.csv")
@public
@on_get(DOWNLOADS)
def progress_csv(slug):
    plan = _plan()
    version = plan.current
    if version is None:
        abort(404)
    rows = [["intervention", "financial_year", "planned", "granted", "paid", "returned"]]
    for line in progress(plan, version):
        for year in sorted(set(line.planned) | set(line.granted) | set(line.paid)):
            rows.append([line.name, year, *(f"{getattr(line, n).get(year, 0) / 100:.2f}"
                                            for n in ("planned", "granted", "paid", "returned"))])
    return csv_attachment(rows, f"{slug}-plan-progress.csv")


@bp.route("/n/<slug>/plan/reviews/")
@public
def review_list(slug):
    plan = _plan()
    return render_template("plans/reviews.html", hood=g.neighbourhood, plan=plan,
                           reviews=reviews.reviews_of(plan, staff=_staff()), staff=FACILITATOR in viewer_roles())


@bp.route("/n/<slug>/plan/reviews/<int:number>")
@public
def review(slug, number):
    plan = _plan()
    found = next((r for r in reviews.reviews_of(plan, staff=_staff()) if r.number == number), None)
    if found is None:
        abort(404)
    return render_template("plans/review.html", hood=g.neighbourhood, plan=plan, review=found, texts=reviews.TEXTS,
                           roles=viewer_roles())


@bp.route("/n/<slug>/grants/<int:grant_id>/outputs", methods=["GET", "POST"])
@signed_in
def report_outputs(slug, grant_id):
    """The group's contact (or a facilitator) reports what the project delivered on its outputs."""
    grant = one_of_this_neighbourhood(Grant, grant_id)
    if not outputs.may_report(grant, current_user):
        abort(403)
    form = OutputForm()
    form.output.choices = choices([(o.key, f"{o.name} ({o.unit})") for o in outputs.outputs_for(grant)])
    done = attempt(form, lambda: outputs.report_output(grant, current_user, output=form.output.data,
                                                       amount=form.amount.data, reported_on=form.reported_on.data,
                                                       note=form.note.data or ""),
                   "Thank you: what the project delivered is recorded.",
                   url_for("funds.story", slug=slug, grant_id=grant.id))
    reported = db.session.scalars(select(OutputReport).where(OutputReport.grant_id == grant.id)
                                  .order_by(OutputReport.reported_on)).all()
    return done or (render_template("plans/outputs.html", hood=g.neighbourhood, grant=grant, form=form,
                                    reported=reported, names={o.key: o for o in outputs.outputs_for(grant)}),
                    400 if form.has_errors else 200)


@bp.route("/n/<slug>/plan/files/<int:file_id>")
@public
def plan_file(slug, file_id):
    """A boundary map, shown only if a version the viewer may read names it."""
    plan = _plan()
    row = db.session.get(PlanFile, file_id)
    named = row is not None and row.plan_id == plan.id and any(
        (v.content.get("boundary_map") or {}).get("file") == row.id and (v.status != PlanStatus.DRAFT or _staff())
        for v in plan.versions)
    if not named:
        abort(404)
    response = Response(row.data, mimetype=row.mime_type)
    response.headers["Cache-Control"] = "public, max-age=86400"  # a new upload is a new id
    response.headers["Content-Disposition"] = ("attachment; filename=boundary-map.pdf" if row.mime_type == "application/pdf"
                                               else "inline")
    return response
