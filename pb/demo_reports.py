"""The demo's funding agreement and bank: Eastbrook Borough Council holds the Community Wealth Fund's
money as accountable body (a 5% fee), drawn down six times; the holding account's 2025/26 statement
(shipped as pb/data/eastbrook-bank-2025-26.csv, in Nationwide's layout) is imported and reconciled."""
from __future__ import annotations

from datetime import date
from importlib import resources

from pb import timeutil
from pb.accounts import services as accounts
from pb.extensions import db
from pb.reports import agreements, reconciling
from pb.reports.models import Drawdown, FundingAgreement, StatementLine

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
