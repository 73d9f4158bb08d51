"""The public side of the money, no sign-in: each fund over its whole life, every project's whole
story, and the open data (CSV, JSON and 360Giving). Following a project needs an account."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from pb import timeutil
from pb.access import public, signed_in
from pb.downloads import attachment
from pb.extensions import db
from pb.following import services as following
from pb.forms import EmptyForm
from pb.neighbourhoods.models import AUDITOR
from pb.posting import one_button
from pb.ratelimits import DOWNLOADS, on_get

from . import delivery, giving
from .charts import year_bars
from .figures import fund_figures
from .models import GrantUpdate
from .queries import fund_grants, funds_of, load_fund, load_grant
from .queries import story as project_story

bp = Blueprint("funds", __name__)


def base_url() -> str:
    return request.url_root.rstrip("/")


@bp.route("/n/<slug>/funds/")
@public
def index(slug):
    funds = [(fund, fund_figures(fund)) for fund in funds_of(g.neighbourhood.id)]
    return render_template("funds/index.html", hood=g.neighbourhood, funds=funds)


@bp.route("/n/<slug>/funds/<int:fund_id>/")
@public
def fund(slug, fund_id):
    fund_ = load_fund(fund_id)
    figures = fund_figures(fund_)
    rounds, direct = fund_grants(fund_)
    years = [y.financial_year for y in figures.years]
    chart = year_bars("fund-chart", f"{fund_.name}: money available, granted and paid in each financial year", years,
                      [("Available (planned plus carried forward)", [y.planned + y.carried_in for y in figures.years]),
                       ("Granted", [y.granted for y in figures.years]), ("Paid", [y.paid for y in figures.years])])
    return render_template("funds/fund.html", hood=g.neighbourhood, fund=fund_, figures=figures, rounds=rounds,
                           direct=direct, chart=chart)


@bp.route("/n/<slug>/grants/<int:grant_id>/")
@public
def story(slug, grant_id):
    grant = load_grant(grant_id)
    mine = {m.role for m in current_user.roles_in(g.neighbourhood)} if current_user.is_authenticated else set()
    return render_template("funds/story.html", hood=g.neighbourhood, s=project_story(grant), grant=grant,
                           auditor=AUDITOR in mine, following=following.is_following("grant", grant, current_user),
                           may_update=delivery.may_post_update(grant, current_user), form=EmptyForm(),
                           today=timeutil.today())


@bp.route("/n/<slug>/grants/updates/<int:update_id>/photo")
@public
def photo(slug, update_id):
    update = db.session.get(GrantUpdate, update_id)
    if update is None or update.image_data is None:
        abort(404)
    load_grant(update.grant_id)
    response = Response(update.image_data, mimetype=update.image_mime)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/n/<slug>/grants/<int:grant_id>/follow", methods=["POST"])
@signed_in
def follow(slug, grant_id):
    grant = load_grant(grant_id)
    one_button(lambda: following.follow("grant", grant, current_user),
               f"You will get an email when {grant.title} posts an update.")
    return redirect(url_for("funds.story", slug=slug, grant_id=grant.id))


@bp.route("/n/<slug>/grants/<int:grant_id>/unfollow", methods=["POST"])
@signed_in
def unfollow(slug, grant_id):
    grant = load_grant(grant_id)
    if EmptyForm().validate_on_submit() and following.unfollow("grant", grant, current_user):
        flash(f"You will no longer get {grant.title}'s updates.", "success")
    return redirect(url_for("funds.story", slug=slug, grant_id=grant.id))


# --- open data ---------------------------------------------------------------------------------------------

def _fund_csv(fund_id: int, records, columns, what: str) -> Response:
    """One fund's grants or payments as CSV."""
    fund_ = load_fund(fund_id)
    rows = records(giving.grants_of(g.neighbourhood.id, fund_))
    return attachment(giving.to_csv(rows, columns), f"{g.neighbourhood.slug}-fund-{fund_.id}-{what}.csv", "text/csv")


@bp.route("/n/<slug>/funds/<int:fund_id>/grants.csv")
@public
@on_get(DOWNLOADS)
def grants_csv(slug, fund_id):
    return _fund_csv(fund_id, giving.grant_records, giving.GRANT_COLUMNS, "grants")


@bp.route("/n/<slug>/funds/<int:fund_id>/payments.csv")
@public
@on_get(DOWNLOADS)
def payments_csv(slug, fund_id):
    return _fund_csv(fund_id, giving.payment_records, giving.PAYMENT_COLUMNS, "payments")


@bp.route("/n/<slug>/funds/<int:fund_id>/fund.json")
@public
@on_get(DOWNLOADS)
def fund_json(slug, fund_id):
    fund_ = load_fund(fund_id)
    grants = giving.grants_of(g.neighbourhood.id, fund_)
    body = giving.fund_record(fund_figures(fund_)) | {"grants": giving.grant_records(grants),
                                                      "payments": giving.payment_records(grants)}
    return attachment(json.dumps(body, indent=2, ensure_ascii=False), f"{slug}-fund-{fund_.id}.json", "application/json")


def _giving(fund_=None):
    hood = g.neighbourhood
    if not hood.giving_prefix:
        return jsonify({"error": f"{hood.name}'s partnership board has not set a 360Giving prefix yet, so its grants "
                                 "cannot be published in the 360Giving standard. The CSV and JSON files have them."}), 409
    download = request.base_url
    title = f"{hood.name}: {fund_.name}" if fund_ else f"{hood.name}: grants"
    package = giving.giving_package(hood, giving.grants_of(hood.id, fund_), base_url=base_url(), download_url=download,
                                    title=title)
    return attachment(json.dumps(package, indent=2, ensure_ascii=False),
                      f"{hood.slug}{'-fund-' + str(fund_.id) if fund_ else ''}-360giving.json", "application/json")


@bp.route("/n/<slug>/360giving.json")
@public
@on_get(DOWNLOADS)
def giving_all(slug):
    return _giving()


@bp.route("/n/<slug>/funds/<int:fund_id>/360giving.json")
@public
@on_get(DOWNLOADS)
def giving_fund(slug, fund_id):
    return _giving(load_fund(fund_id))
