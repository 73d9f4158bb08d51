"""The public side of answering for the money, no sign-in: each funding agreement with its schedule,
drawdowns and fee, and each year's receipts and payments accounts (page, CSV and JSON)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template
from flask_login import current_user

from pb.access import public, viewer_roles
from pb.downloads import csv_attachment
from pb.funds.figures import financial_year_of
from pb.funds.queries import load_fund
from pb.neighbourhoods.models import FACILITATOR, TREASURER
from pb.ratelimits import DOWNLOADS, on_get
from pb.timeutil import today

from . import agreements as agreement_services
from .accounts import accounts_for
from .figures import agreement_figures
from .queries import load_agreement, versions_of, year_of

bp = Blueprint("reports", __name__)


@bp.route("/n/<slug>/agreements/")
@public
def agreements(slug):
    rows = [(a, agreement_figures(a)) for a in agreement_services.agreements_of(g.neighbourhood)]
    return render_template("reports/agreements.html", hood=g.neighbourhood, rows=rows,
                           may_add=FACILITATOR in viewer_roles())


@bp.route("/n/<slug>/agreements/<int:agreement_id>/")
@public
def agreement(slug, agreement_id):
    agreement_ = load_agreement(agreement_id)
    figures = agreement_figures(agreement_)
    names = agreement_services.interventions_for(g.neighbourhood)
    me = current_user.id if current_user.is_authenticated else None
    roles = viewer_roles()
    return render_template("reports/agreement.html", hood=g.neighbourhood, agreement=agreement_, figures=figures,
                           names=names, drawdowns=agreement_services.drawdowns_of(agreement_),
                           versions=versions_of(agreement_), repayments=agreement_services.repayments_of(agreement_),
                           is_body=me == agreement_.body_contact_id, is_funder=me == agreement_.funder_contact_id,
                           is_treasurer=TREASURER in roles, is_facilitator=FACILITATOR in roles)


def _accounts(slug, fund_id, start):
    fund = load_fund(fund_id)
    year = year_of(fund, start)
    return fund, accounts_for(fund, year, agreement_services.interventions_for(g.neighbourhood))


@bp.route("/n/<slug>/funds/<int:fund_id>/accounts/<int:start>")
@public
def accounts(slug, fund_id, start):
    fund, accounts_ = _accounts(slug, fund_id, start)
    years = [y for y in fund.financial_years if y <= financial_year_of(today())]
    return render_template("reports/accounts.html", hood=g.neighbourhood, fund=fund, accounts=accounts_, years=years,
                           is_treasurer=TREASURER in viewer_roles())


@bp.route("/n/<slug>/funds/<int:fund_id>/accounts/<int:start>.json")
@public
@on_get(DOWNLOADS)
def accounts_json(slug, fund_id, start):
    fund, accounts_ = _accounts(slug, fund_id, start)
    response = jsonify({"fund": fund.name, "neighbourhood": g.neighbourhood.name, "amounts_in": "pence",
                        "reconciliation": accounts_.reconciliation.state, **accounts_.figures()})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/n/<slug>/funds/<int:fund_id>/accounts/<int:start>.csv")
@public
@on_get(DOWNLOADS)
def accounts_csv(slug, fund_id, start):
    fund, accounts_ = _accounts(slug, fund_id, start)
    return csv_attachment(accounts_rows(accounts_), f"accounts-{fund.id}-{start}.csv")


def accounts_rows(accounts_):
    """The accounts as a spreadsheet reads them: part, line, amount in pounds."""
    yield ["part", "line", "amount_pounds"]
    yield ["balance", "Opening balance", accounts_.opening / 100]
    for name, amount in sorted(accounts_.receipts.items()):
        yield ["receipts", f"Received from {name}", amount / 100]
    yield ["receipts", "Money paid back by groups", accounts_.group_returns / 100]
    yield ["receipts", "Bank items pb has no record of (explained)", accounts_.reconciliation.explained_in / 100]
    yield ["receipts", "Total receipts", accounts_.total_receipts / 100]
    for name, revenue, capital in accounts_.by_intervention():
        yield ["payments", f"Grants for {name}: revenue", revenue / 100]
        yield ["payments", f"Grants for {name}: capital", capital / 100]
    yield ["payments", "of which capacity-building grants", accounts_.capacity_paid / 100]
    yield ["payments", "Accountable body's administration fee", accounts_.fees / 100]
    yield ["payments", "Unspent money returned to the funder", accounts_.repaid / 100]
    yield ["payments", "Bank items pb has no record of (explained)", accounts_.reconciliation.explained_out / 100]
    yield ["payments", "Total payments", accounts_.total_payments / 100]
    yield ["balance", "Closing balance", accounts_.closing / 100]
    yield ["balance", "of which restricted: ring-fenced for building community capacity", accounts_.restricted_capacity / 100]
    yield ["balance", "of which unrestricted", accounts_.unrestricted / 100]
    yield ["reconciliation", accounts_.reconciliation.state, ""]

