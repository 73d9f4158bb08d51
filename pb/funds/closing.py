"""Closing a fund: once its last financial year has ended and every grant on it is finished, the
treasurer closes the books. A domain above funds can add what must be done first (pb.plans: the
legacy checklist ticked, or the board's reason recorded). A closed fund takes no more money in or
out. The rule is checked under the fund's lock, written, and recorded in one transaction."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.money import pounds
from pb.neighbourhoods.models import TREASURER
from pb.neighbourhoods.services import require_role
from pb.services import ServiceError, under_lock

from .figures import fund_figures, year_end
from .models import ACTIVE, APPROVED, AWAITING_APPROVAL, OFFERED, SUSPENDED, Fund, FundYear, Grant, Payment

# Callables (fund) -> list of plain-English reasons the fund cannot close yet, registered by domains
# above funds.
CLOSING_CHECKS: list[Callable[[Fund], list[str]]] = []


def refuse_if_closed(fund: Fund, doing: str, field: str | None = None) -> None:
    if fund.closed_on is not None:
        raise ServiceError(f"{fund.name} closed on {fund.closed_on:%-d %B %Y}, so it cannot {doing}", field=field)


def closing_problems(fund: Fund) -> list[str]:
    """Everything that stops the fund closing today, in plain words; empty when it can close."""
    problems = []
    last_end = year_end(fund.last_year)
    if last_end >= timeutil.today():
        problems.append(f"Its last year, {fund.last_year}, ends on {last_end:%-d %B %Y}.")
    open_grants = [f"G-{number}" for number in db.session.scalars(
        select(Grant.number).join(FundYear, FundYear.id == Grant.fund_year_id)
        .where(FundYear.fund_id == fund.id, Grant.status.in_((OFFERED, APPROVED, ACTIVE, SUSPENDED)))
        .order_by(Grant.number))]
    if open_grants:
        shown = ", ".join(open_grants[:5]) + (f" and {len(open_grants) - 5} more" if len(open_grants) > 5 else "")
        problems.append(f"{len(open_grants)} grant{'s are' if len(open_grants) != 1 else ' is'} not finished: "
                        f"{shown}. Complete or cancel each first.")
    waiting = db.session.scalar(
        select(func.count(Payment.id)).join(Grant, Grant.id == Payment.grant_id)
        .join(FundYear, FundYear.id == Grant.fund_year_id)
        .where(FundYear.fund_id == fund.id, Payment.status == AWAITING_APPROVAL))
    if waiting:
        problems.append(f"{waiting} payment{'s are' if waiting != 1 else ' is'} waiting for a second person's "
                        "approval.")
    for check in CLOSING_CHECKS:
        problems.extend(check(fund))
    return problems


@under_lock(lambda fund, *args, **kwargs: (Fund, fund.id))
def close_fund(fund: Fund, treasurer: User) -> None:
    require_role(treasurer, fund.neighbourhood_id, TREASURER, "Only treasurers close a fund's books")
    refuse_if_closed(fund, "close again")
    problems = closing_problems(fund)
    if problems:
        raise ServiceError(f"{fund.name} cannot close yet. " + " ".join(problems))
    figures = fund_figures(fund)
    received, paid, returned = (figures.total(name) for name in ("received", "paid", "returned"))
    fund.closed_on, fund.closed_by_id = timeutil.today(), treasurer.id
    record("fund.closed", fund, actor=treasurer, neighbourhood=fund.neighbourhood,
           payload={"fund": fund.id, "name": fund.name, "closed_on": fund.closed_on.isoformat(),
                    "received": received, "paid": paid, "returned": returned,
                    "held": received - paid + returned, "held_words": pounds(received - paid + returned)})
