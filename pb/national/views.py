"""National programmes: the operator's pages (platform admins) and the public ones, where the formula,
its inputs and every neighbourhood's share are published and downloadable."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import admin_only, found, public
from pb.boards.composition import board_columns
from pb.downloads import attachment, csv_attachment
from pb.extensions import db
from pb.forms import EmptyForm, choices
from pb.frameworks import OUR_OWN, frameworks
from pb.funds.giving import LICENSE, STANDARD_VERSION, giving_package
from pb.funds.models import FundYear, Grant
from pb.plans.queries import plan_columns
from pb.ratelimits import DOWNLOADS, on_get
from pb.services import ServiceError

from . import overview as national_overview
from . import services
from .charts import region_bars
from .forms import FiguresForm, ProgrammeForm
from .models import Programme

bp = Blueprint("national", __name__)


def load_programme(programme_id: int) -> Programme:
    return found(Programme, programme_id)


def _year(programme: Programme, start: int) -> str:
    year = f"{start}/{(start + 1) % 100:02d}"
    if year not in programme.financial_years:
        abort(404)
    return year


def _status(form) -> int:
    return 400 if form.has_errors else 200


# --- the operator's pages ----------------------------------------------------------------------------

@bp.route("/admin/programmes/new", methods=["GET", "POST"])
@admin_only
def new_programme():
    form = ProgrammeForm()
    form.required_framework.choices = choices([("", "Each neighbourhood chooses"),
                                               *((f.key, f.name) for f in frameworks().values() if f.key != OUR_OWN)])
    if form.validate_on_submit():
        try:
            programme = services.create_programme(
                current_user, name=form.name.data, description=form.description.data, first_year=form.first_year.data,
                years=form.years.data, annual_amount=form.annual_amount.data, base_amount=form.base_amount.data,
                population_weight=form.population_weight.data, deprivation_weight=form.deprivation_weight.data,
                required_framework=form.required_framework.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"{programme.name} is set up. Import the first year's figures next.", "success")
            return redirect(url_for("national.manage", programme_id=programme.id))
    return render_template("national/programme_form.html", form=form), _status(form)


@bp.route("/admin/programmes/<int:programme_id>", methods=["GET", "POST"])
@admin_only
def manage(programme_id):
    """The programme's years, and the figures form: importing replaces that year's figures."""
    programme = load_programme(programme_id)
    form = FiguresForm()
    open_years = [y for y in programme.financial_years if services.allocation_for(programme, y) is None]
    form.financial_year.choices = choices([(y, y) for y in open_years])
    if form.validate_on_submit():
        upload = request.files.get("figures_file")
        try:
            text = upload.read().decode("utf-8") if upload and upload.filename else (form.figures.data or "")
            services.import_figures(programme, current_user, financial_year=form.financial_year.data, text=text)
        except UnicodeDecodeError:
            form.fail(ServiceError("The file is not a CSV in UTF-8 text: save it as ‘CSV UTF-8’ and upload it again",
                                   field="figures_file"))
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"The {form.financial_year.data} figures are imported. Check the allocation below, then confirm it.", "success")
            return redirect(url_for("national.allocation", programme_id=programme.id,
                                    start=int(form.financial_year.data[:4])))
    years = [(y, services.figures_for(programme, y), services.allocation_for(programme, y)) for y in programme.financial_years]
    return render_template("national/manage.html", programme=programme, form=form, years=years), _status(form)


@bp.route("/admin/programmes/<int:programme_id>/years/<int:start>/allocation", methods=["GET", "POST"])
@admin_only
def allocation(programme_id, start):
    """Check the allocation the formula gives, then confirm it as one action."""
    programme = load_programme(programme_id)
    year = _year(programme, start)
    form = EmptyForm()
    problem = None
    if form.validate_on_submit():
        try:
            services.confirm_allocation(programme, current_user, financial_year=year)
        except ServiceError as error:
            problem = error.message
        else:
            flash(f"The {year} allocation is confirmed: every neighbourhood's fund is promised its share.", "success")
            return redirect(url_for("national.programme", programme_id=programme.id) + f"#year-{start}")
    confirmed = services.allocation_for(programme, year)
    try:
        rows = services.preview(programme, year) if confirmed is None else None
    except ServiceError as error:
        rows, problem = None, problem or error.message
    return render_template("national/allocation.html", programme=programme, year=year, start=start, rows=rows,
                           confirmed=confirmed, form=form, problem=problem), 400 if problem and request.method == "POST" else 200


# --- the public pages ----------------------------------------------------------------------------------

@bp.route("/national/")
@public
def index():
    programmes = db.session.scalars(db.select(Programme).order_by(Programme.id)).all()
    return render_template("national/index.html", programmes=programmes)


@bp.route("/national/<int:programme_id>/")
@public
def programme(programme_id):
    programme = load_programme(programme_id)
    years = [(y, services.figures_for(programme, y), services.allocation_for(programme, y)) for y in programme.financial_years]
    return render_template("national/programme.html", programme=programme, years=years)


@bp.route("/national/<int:programme_id>/<int:start>/figures.csv")
@public
@on_get(DOWNLOADS)
def figures_csv(programme_id, start):
    programme = load_programme(programme_id)
    figures = services.figures_for(programme, _year(programme, start))
    if figures is None:
        abort(404)
    return attachment(services.figures_csv(figures.rows), f"figures-{start}.csv", "text/csv")


@bp.route("/national/<int:programme_id>/<int:start>/allocation.csv")
@public
@on_get(DOWNLOADS)
def allocation_csv(programme_id, start):
    programme = load_programme(programme_id)
    confirmed = services.allocation_for(programme, _year(programme, start))
    if confirmed is None:
        abort(404)
    rows = [["neighbourhood", "base", "by_population", "by_deprivation", "total"]]
    rows += [[s.neighbourhood.slug, s.base, s.by_population, s.by_deprivation, s.total]
             for s in sorted(confirmed.shares, key=lambda s: s.neighbourhood.slug)]
    return csv_attachment(rows, f"allocation-{start}.csv")


def _overview(programme_id: int, start: int, *, operator: bool = False):
    programme = load_programme(programme_id)
    confirmed = services.allocation_for(programme, _year(programme, start))
    if confirmed is None:
        abort(404)
    view = national_overview.overview(programme, confirmed, operator=operator)
    hood_ids = [r.hood.id for r in view.rows]
    plans, boards = plan_columns(hood_ids, view.year), board_columns(hood_ids)
    for row in view.rows:
        for name, value in (plans.get(row.hood.id, {}) | boards.get(row.hood.id, {})).items():
            setattr(row, name, value)
    return programme, view


@bp.route("/national/<int:programme_id>/<int:start>/neighbourhoods")
@public
def neighbourhoods(programme_id, start):
    """Every neighbourhood's year at a glance: filter by region, sort by any column."""
    # The operator (a platform admin) also sees what is not public: what is waiting, and on whom.
    operator = current_user.is_authenticated and current_user.is_admin
    programme, view = _overview(programme_id, start, operator=operator)
    region = request.args.get("region", "")
    rows = [r for r in view.rows if r.region == region] if region in view.regions else view.rows
    sort = request.args.get("sort", "name")
    columns = national_overview.COLUMNS + (national_overview.OPERATOR_COLUMNS if operator else [])
    sort = sort if sort in dict(columns) else "name"
    descending = request.args.get("order") == "desc"
    rows = national_overview.sort_rows(rows, sort, descending)
    by_region = [(name, [r for r in view.rows if r.region == name]) for name in view.regions]
    return render_template("national/neighbourhoods.html", programme=programme, view=view, start=start, rows=rows,
                           region=region if region in view.regions else "", sort=sort, descending=descending,
                           columns=columns, operator=operator, by_region=by_region,
                           chart=region_bars(f"Allocated and paid by region, {view.year}",
                                             [(name, sum(r.allocation for r in group), sum(r.paid for r in group))
                                              for name, group in by_region]))


@bp.route("/national/<int:programme_id>/<int:start>/neighbourhoods.csv")
@public
@on_get(DOWNLOADS)
def neighbourhoods_csv(programme_id, start):
    _, view = _overview(programme_id, start)
    rows = [["neighbourhood", "region", "allocation", "received", "granted", "paid", "not_yet_granted", "voters_last_round",
             "verified_residents_last_round", "proposals", "delivered", "at_risk", "overdue", "capacity_ring_fenced",
             "capacity_granted", "plan", "plan_last_endorsed", "last_plan_review", "plan_this_year",
             "board_rules_not_met", "board_first_missing"]]
    rows += [[r.hood.slug, r.region, r.allocation, r.received, r.granted, r.paid, r.remaining,
              "" if r.voters is None else r.voters, "" if r.eligible is None else r.eligible, r.proposals, r.delivered,
              r.at_risk, r.overdue, r.capacity, r.capacity_granted, r.plan_state or "",
              r.endorsed_on.isoformat() if r.endorsed_on else "", r.reviewed_on.isoformat() if r.reviewed_on else "",
              r.plan_planned, "" if r.board_problems is None else r.board_problems, r.board_first_problem]
             for r in view.rows]
    return csv_attachment(rows, f"neighbourhoods-{start}.csv")


@bp.route("/national/<int:programme_id>/<int:start>/360giving.json")
@public
@on_get(DOWNLOADS)
def giving(programme_id, start):
    """Every grant of the year's allocation, from every neighbourhood that publishes 360Giving data (it
    needs its own identifier prefix), as one 360Giving package; those without one are named in it."""
    programme, view = _overview(programme_id, start)
    hoods = {r.hood.id: r.hood for r in view.rows}
    grants = db.session.scalars(select(Grant).where(
        Grant.neighbourhood_id.in_(list(hoods)),
        Grant.fund_year_id.in_(select(FundYear.id).where(FundYear.financial_year == view.year)))
        .order_by(Grant.neighbourhood_id, Grant.number)).all()
    by_hood: dict[int, list[Grant]] = {}
    for grant in grants:
        by_hood.setdefault(grant.neighbourhood_id, []).append(grant)
    base = request.url_root.rstrip("/")
    download = request.base_url
    records, unpublished = [], []
    for hood_id, hood in sorted(hoods.items(), key=lambda item: item[1].slug):
        if not hood.giving_prefix:
            unpublished.append(hood.name)
            continue
        if by_hood.get(hood_id):
            records += giving_package(hood, by_hood[hood_id], base_url=base, download_url=download,
                                      title=programme.name)["grants"]
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    description = f"Grants made in {view.year} by neighbourhoods allocated money by {programme.name}, through pb."
    if unpublished:
        description += " Not included (no 360Giving identifier prefix set yet): " + ", ".join(unpublished) + "."
    package = {"grants": records, "version": STANDARD_VERSION, "title": f"{programme.name} {view.year}",
               "description": description, "issued": now, "modified": now,
               "identifier": f"pb-programme-{programme.id}-{start}",
               "publisher": {"name": programme.name, "website": url_for("national.programme", programme_id=programme.id,
                                                                        _external=True)},
               "downloadURL": download, "accessURL": url_for("national.neighbourhoods", programme_id=programme.id,
                                                             start=start, _external=True),
               "license": LICENSE}
    return attachment(json.dumps(package, indent=2, ensure_ascii=False), f"programme-{programme.id}-{start}-360giving.json",
                      "application/json")
