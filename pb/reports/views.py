"""The public side of answering for the money, no sign-in: each funding agreement with its schedule,
drawdowns and fee, each year's receipts and payments accounts (page, CSV and JSON), each submitted
monitoring return (page, CSV, JSON and XLSX), the risk register, and every neighbourhood's return
for a national programme's period."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import found, public, signed_in, viewer_roles
from pb.downloads import attachment, csv_attachment
from pb.extensions import db
from pb.following import services as following
from pb.forms import EmptyForm
from pb.funds.figures import financial_year_of
from pb.funds.queries import load_fund
from pb.national.models import Allocation, Programme
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, TREASURER
from pb.posting import one_button
from pb.ratelimits import DOWNLOADS, on_get
from pb.timeutil import today

from . import agreements as agreement_services
from . import annual, pdf, returns, workbook
from .accounts import accounts_for
from .figures import agreement_figures
from .models import AnnualReport, ReportStatus, ReturnKind, ReturnStatus
from .national import national_returns
from .queries import load_agreement, load_return, versions_of, year_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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



# --- monitoring returns ---------------------------------------------------------------------------------------

STAFF = (FACILITATOR, BOARD_MEMBER, TREASURER)


def _may_see_draft(return_) -> bool:
    if not current_user.is_authenticated:
        return False
    return bool(viewer_roles() & set(STAFF)) or current_user.id == returns.body_contact(return_.fund)


def _visible_return(return_id: int):
    """A submitted return is public; one being written is for the staff and the accountable body (else 404)."""
    return_ = load_return(return_id)
    if return_.status != ReturnStatus.SUBMITTED and not _may_see_draft(return_):
        abort(404)
    return return_


@bp.route("/n/<slug>/funds/<int:fund_id>/returns")
@public
def fund_returns(slug, fund_id):
    fund = load_fund(fund_id)
    roles = viewer_roles()
    return render_template("reports/returns.html", hood=g.neighbourhood, fund=fund,
                           rows=returns.schedule(fund, today()), is_facilitator=FACILITATOR in roles,
                           is_staff=bool(roles & set(STAFF)), form=EmptyForm(),
                           following=following.is_following("reports", g.neighbourhood, current_user))


@bp.route("/n/<slug>/reports/follow", methods=["POST"])
@signed_in
def follow(slug):
    hood = g.neighbourhood
    if following.is_following("reports", hood, current_user):
        one_button(lambda: following.unfollow("reports", hood, current_user),
                   "You will no longer get emails about the neighbourhood's reports.")
    else:
        one_button(lambda: following.follow("reports", hood, current_user),
                   "You will get an email when a return to the funder or an annual report is published.")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith(f"/n/{slug}/")
                    else url_for("reports.agreements", slug=slug))


@bp.route("/n/<slug>/returns/<int:return_id>")
@public
def monitoring_return(slug, return_id):
    return_ = _visible_return(return_id)
    roles = viewer_roles()
    me = current_user.id if current_user.is_authenticated else None
    return render_template("reports/return.html", hood=g.neighbourhood, ret=return_, content=returns.content_of(return_),
                           parts=returns.NARRATIVE, today=today(), form=EmptyForm(),
                           late=returns.is_late(return_.kind, return_.due_on, return_, today()),
                           is_facilitator=FACILITATOR in roles, is_board=BOARD_MEMBER in roles,
                           is_body=me is not None and me == returns.body_contact(return_.fund))


def _sheets(return_):
    return workbook.return_sheets(g.neighbourhood.name, return_.fund.name, returns.content_of(return_),
                                  return_.status_label)


@bp.route("/n/<slug>/returns/<int:return_id>.json")
@public
@on_get(DOWNLOADS)
def return_json(slug, return_id):
    return_ = _visible_return(return_id)
    response = jsonify({"neighbourhood": g.neighbourhood.name, "fund": return_.fund.name, "status": return_.status,
                        "submitted_on": return_.submitted_on.isoformat() if return_.submitted_on else None,
                        "amounts_in": "pence", **returns.content_of(return_)})
    if return_.status == ReturnStatus.SUBMITTED:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/n/<slug>/returns/<int:return_id>.csv")
@public
@on_get(DOWNLOADS)
def return_csv(slug, return_id):
    return_ = _visible_return(return_id)
    return csv_attachment(workbook.csv_rows(_sheets(return_)), f"return-{return_.id}.csv",
                          open_data=return_.status == ReturnStatus.SUBMITTED)


@bp.route("/n/<slug>/returns/<int:return_id>.xlsx")
@public
@on_get(DOWNLOADS)
def return_xlsx(slug, return_id):
    return_ = _visible_return(return_id)
    return attachment(workbook.xlsx(_sheets(return_)), f"return-{return_.id}.xlsx", XLSX,
                      open_data=return_.status == ReturnStatus.SUBMITTED)


@bp.route("/n/<slug>/risks")
@public
def risks(slug):
    return render_template("reports/risks.html", hood=g.neighbourhood, risks=returns.risks_of(g.neighbourhood),
                           is_facilitator=FACILITATOR in viewer_roles())


# --- the national view ---------------------------------------------------------------------------------------

def _national(programme_id: int, start: int, kind: str):
    programme = found(Programme, programme_id)
    year = f"{start}/{(start + 1) % 100:02d}"
    allocation = db.session.scalar(select(Allocation).where(Allocation.programme_id == programme.id,
                                                            Allocation.financial_year == year))
    if allocation is None or kind not in ReturnKind.labels():
        abort(404)
    return programme, allocation


@bp.route("/national/<int:programme_id>/<int:start>/returns/<kind>")
@public
def national(programme_id, start, kind):
    programme, allocation = _national(programme_id, start, kind)
    rows = national_returns(allocation, kind, today())
    return render_template("reports/national.html", programme=programme, start=start, kind=kind,
                           label=ReturnKind(kind).label, year=allocation.financial_year, rows=rows,
                           kinds=ReturnKind.labels())


@bp.route("/national/<int:programme_id>/<int:start>/returns/<kind>.json")
@public
@on_get(DOWNLOADS)
def national_json(programme_id, start, kind):
    programme, allocation = _national(programme_id, start, kind)
    response = jsonify({"programme": programme.name, "financial_year": allocation.financial_year, "kind": kind,
                        "amounts_in": "pence", "returns": national_returns(allocation, kind, today(), with_content=True)})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/national/<int:programme_id>/<int:start>/returns/<kind>.xlsx")
@public
@on_get(DOWNLOADS)
def national_xlsx(programme_id, start, kind):
    _, allocation = _national(programme_id, start, kind)
    rows = national_returns(allocation, kind, today(), with_content=True)
    return attachment(workbook.xlsx(workbook.national_sheets(rows)), f"returns-{start}-{kind}.xlsx", XLSX)


# --- the annual report ----------------------------------------------------------------------------------------

def _report(fund_id: int, start: int):
    """The fund, the year, and its report if one was started (drafts: staff only, else None)."""
    fund = load_fund(fund_id)
    year = year_of(fund, start)
    report = db.session.scalar(select(AnnualReport).where(AnnualReport.fund_id == fund.id,
                                                          AnnualReport.financial_year == year))
    staff = bool(viewer_roles() & set(STAFF))
    if report is not None and report.status == ReportStatus.DRAFT and not staff:
        report = None
    return fund, year, report, staff


def _contents(fund, year: str, report) -> dict:
    """As the board approved it, or as it stands now for a draft."""
    return report.contents if report is not None and report.contents else annual.contents(fund, year)


def report_html(fund, year: str, report) -> str:
    """The report's page (its PDF prints the same contents: pb.reports.pdf.annual_report_pdf)."""
    content = _contents(fund, year, report)
    return render_template("reports/annual.html", hood=g.neighbourhood, fund=fund, year=year, report=report,
                           c=content, pdf_unavailable=pdf.UNAVAILABLE, is_facilitator=FACILITATOR in viewer_roles())


@bp.route("/n/<slug>/funds/<int:fund_id>/annual-reports")
@public
def annual_reports(slug, fund_id):
    fund = load_fund(fund_id)
    staff = bool(viewer_roles() & set(STAFF))
    rows = [(year, report if report is None or report.status != ReportStatus.DRAFT or staff else None)
            for year, report in annual.reports_of(fund, today())]
    return render_template("reports/annual_reports.html", hood=g.neighbourhood, fund=fund, rows=rows,
                           is_facilitator=FACILITATOR in viewer_roles())


@bp.route("/n/<slug>/funds/<int:fund_id>/annual-reports/<int:start>")
@public
def annual_report(slug, fund_id, start):
    fund, year, report, staff = _report(fund_id, start)
    if report is None and not staff:
        abort(404)
    return report_html(fund, year, report)


@bp.route("/n/<slug>/funds/<int:fund_id>/annual-reports/<int:start>.pdf")
@public
@on_get(DOWNLOADS)
def annual_report_pdf(slug, fund_id, start):
    fund, year, report, staff = _report(fund_id, start)
    if report is not None and report.pdf is not None:
        return attachment(report.pdf, f"annual-report-{g.neighbourhood.slug}-{start}.pdf", "application/pdf")
    if not staff or pdf.UNAVAILABLE:
        abort(404)
    made = pdf.annual_report_pdf(g.neighbourhood, fund, year, report, _contents(fund, year, report), request.url_root)
    return attachment(made, f"annual-report-{g.neighbourhood.slug}-{start}-draft.pdf", "application/pdf",
                      open_data=False)
