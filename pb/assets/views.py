"""The register's public pages: every asset the neighbourhood wants to keep, and each one's page
with its nomination, listing, deadlines and timeline."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from pb.access import public

from . import deadlines, services
from .queries import assets_of, load_asset, timeline

bp = Blueprint("assets", __name__)


@bp.route("/n/<slug>/assets/")
@public
def index(slug):
    rows = [(asset, services.status(asset)) for asset in assets_of(g.neighbourhood.id)]
    return render_template("assets/index.html", hood=g.neighbourhood, rows=rows, STATES=services.STATES)


@bp.route("/n/<slug>/assets/<int:number>")
@public
def show(slug, number):
    asset = load_asset(number)
    state = services.status(asset)
    return render_template("assets/show.html", hood=g.neighbourhood, asset=asset, state=state, STATES=services.STATES,
                           timeline=timeline(asset), days_left=deadlines.days_left)
