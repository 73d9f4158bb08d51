"""The demo's funding agreement and bank: Eastbrook Borough Council holds the Community Wealth Fund's
money as accountable body (a 5% fee), drawn down six times; the holding account's 2025/26 statement
(shipped as pb/data/eastbrook-bank-2025-26.csv, in Nationwide's layout) is imported and reconciled;
2025/26's two returns are submitted, 2026/27's first is due, the risk register has three risks, and
2025/26's annual report is approved at the board's last meeting and published with its PDF."""
from __future__ import annotations

from datetime import date
from importlib import resources

from sqlalchemy import select

from pb import timeutil
from pb.accounts import services as accounts
from pb.boards.models import Meeting, MeetingStatus
from pb.extensions import db
from pb.reports import agreements, annual, pdf, reconciling, returns
from pb.reports.models import AnnualReport, Drawdown, FundingAgreement, StatementLine

OFFICER = ("finance@eastbrook-council.example", "Priya Shah (council finance officer)")
FUNDER = ("grants@cwf.example", "Tom Okafor (Community Wealth Fund)")
STATEMENT = "eastbrook-bank-2025-26.csv"


def sign_agreement(hood, people, fund, source, shared_hash) -> FundingAgreement:
    """Signed before the fund's first year began: £100,000 a year for ten years."""
    contacts = [accounts.create_account(name=name, email=email, password_hash=shared_hash, postcode="EB1 1AA",
                                        birth_year=1975) for email, name in (OFFICER, FUNDER)]
    schedule = "\n".join(f"{year}, whole plan, £100000" for year in fund.financial_years)
    with timeutil.as_of(date(2025, 5, 1)):
        return agreements.set_up(
            hood, people["facilitator@eastbrook.example"], source=source, funder_name="Community Wealth Fund",
            body_name="Eastbrook Borough Council", body_kind="council", amount=1_000_000_00, fee="5",
            signed_on=date(2025, 4, 28), body_contact_email=contacts[0].email, funder_contact_email=contacts[1].email,
            schedule=schedule, conditions=(
                "The council holds the money in a separate account and releases it as the neighbourhood plan needs it. "
                "A six-monthly return is due each October and April. Unspent money goes back to the fund, with its "
                "share of the administration fee."))


def draw(agreement_id: int, people, *, amount: int, year_index: int, covers: str, asked: date, decided: date | None,
         received: date | None) -> None:
    """One drawdown, as far as it has gone: asked, approved, received."""
    agreement = db.session.get(FundingAgreement, agreement_id)
    officer, funder = agreement.body_contact, agreement.funder_contact
    with timeutil.as_of(asked):
        drawdown = agreements.request_drawdown(agreement, officer, line=agreement.schedule[year_index], amount=amount,
                                               covers=covers)
    if decided:
        with timeutil.as_of(decided):
            agreements.decide_drawdown(db.session.get(Drawdown, drawdown.id), funder, approve=True)
    if received:
        with timeutil.as_of(received):
            agreements.receive_drawdown(db.session.get(Drawdown, drawdown.id), people["treasurer@eastbrook.example"],
                                        received_on=received)


def reconcile_last_year(fund, people) -> int:
    """Import the shipped statement, confirm pb's suggestions, and explain the bank's own two lines."""
    treasurer = people["treasurer@eastbrook.example"]
    data = resources.files("pb.data").joinpath(STATEMENT).read_bytes()
    with timeutil.as_of(date(2026, 4, 30)):
        statement = reconciling.import_statement(fund, treasurer, data=data, filename=STATEMENT)
        lines = list(db.session.get(type(statement), statement.id).lines)
        reconciling.confirm_suggested(fund, treasurer, line_ids=[line.id for line in lines if line.matched])
        for line in lines:
            line = db.session.get(StatementLine, line.id)
            if not line.matched:
                reconciling.match_line(line, treasurer, choice="explained",
                                       note="Bank interest" if line.amount > 0 else "The bank's monthly account fee")
    return len(lines)


RISKS = [
    ("Volunteers who run funded projects burn out or move away, and projects stall.", "medium", "high",
     "Each project names two leads; the community organiser checks in monthly and the board can pause a grant.",
     "The facilitators"),
    ("Turnout in spending rounds falls after the first year.", "medium", "medium",
     "Paper ballots at the library and the community centre; voting cards posted to every verified resident.",
     "The partnership board"),
    ("The council's accounts team is slow to release drawdowns, leaving projects waiting for money.", "low", "high",
     "Drawdowns are asked for a month ahead; the funding agreement sets a ten-day turnaround.", "The accountable body"),
]


def seed_returns(hood, people, fund) -> int:
    """2025/26's six-monthly update and twelve-monthly return, written, approved and submitted; 2026/27's
    six-monthly update left unstarted, so it shows as late; and the risk register they carry."""
    facilitator, chair = people["facilitator@eastbrook.example"], people["chair@eastbrook.example"]
    officer = db.session.scalar(select(FundingAgreement).where(FundingAgreement.fund_id == fund.id)).body_contact
    with timeutil.as_of(date(2025, 10, 1)):
        for risk, likelihood, impact, mitigation, owner in RISKS:
            returns.add_risk(hood, facilitator, risk=risk, likelihood=likelihood, impact=impact, mitigation=mitigation,
                             owner=owner)
    words = {
        "summary": ("Eastbrook's board is running and residents chose their first projects. The community organiser "
                    "trained 14 residents to chair meetings and check budgets."),
        "done": "The partnership board met monthly. The plan was written with residents and endorsed by the funder.",
        "planned": "The first spending round, with a vote open to every verified resident, online and on paper.",
        "capacity": "A community organiser two days a week, paid from the ring-fenced capacity share.",
        "engagement": "Door-knocking on every street, two open meetings and a stall at the summer fair.",
        "professional": "None bought: the council's finance team holds the money for a 5% fee.",
    }
    submitted = 0
    for kind, start, asked, approved, sent, forecast in (
            ("six_monthly", date(2025, 4, 1), date(2025, 10, 20), date(2025, 10, 24), date(2025, 10, 28), 8_000_00),
            ("annual", date(2025, 4, 1), date(2026, 4, 15), date(2026, 4, 22), date(2026, 4, 27), 60_000_00)):
        with timeutil.as_of(asked):
            return_ = returns.start_return(fund, facilitator, kind=kind, period_start=start)
            returns.write(return_, facilitator, narrative=words if kind == "annual" else {"summary": words["summary"]},
                          forecast={"": forecast})
        with timeutil.as_of(approved):
            returns.approve_as_board(db.session.get(type(return_), return_.id), chair)
            returns.approve_as_body(db.session.get(type(return_), return_.id), officer)
        with timeutil.as_of(sent):
            returns.submit(db.session.get(type(return_), return_.id), facilitator)
        submitted += 1
    return submitted


def seed_annual_report(hood, people, fund) -> str:
    """2025/26's annual report: drafted, approved at the board's last meeting held, published with its PDF."""
    facilitator = people["facilitator@eastbrook.example"]
    report = annual.draft(fund, facilitator, financial_year="2025/26", foreword=(
        "Our first year was about getting ready. Residents set up the partnership board, wrote the plan with their "
        "neighbours and chose the first projects. Thank you to everyone who came to a meeting, filled in a survey "
        "or knocked on a door with us.\n\nNext year the money starts to reach the streets: six projects chosen by "
        "110 voters."))
    meeting = db.session.scalar(select(Meeting).where(Meeting.neighbourhood_id == hood.id,
                                                      Meeting.status == MeetingStatus.HELD)
                                .order_by(Meeting.starts_at.desc()))
    annual.approve(report, facilitator, meeting=meeting)
    if pdf.UNAVAILABLE:
        return "approved (no PDF: " + pdf.UNAVAILABLE + ")"
    report = db.session.get(AnnualReport, report.id)
    annual.publish(report, facilitator, pdf=pdf.annual_report_pdf(hood, fund, "2025/26", report, report.contents))
    return "approved and published with its PDF"
