"""Every figure about a fund, worked out from the recorded rows with a handful of grouped queries.

A year's money: what the plan makes available, plus what the year before left (carried forward once
that year has ended), plus money groups paid back during the year, less what is committed in it:
rounds still deciding hold their whole budget; after a round is published only its grants count; a
grant counts in full until it is completed or cancelled, when only what was actually paid stays
committed and the rest goes back to the fund. Nothing is stored as a running total, so the pages
always equal the sum of the transactions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from pb import timeutil
from pb.extensions import db
from pb.rounds.models import PHASES, PUBLISHED, Round

from .models import (
    CANCELLED,
    COMPLETED,
    PAID,
    PAYMENT,
    RETURN,
    VOIDED,
    Fund,
    FundSource,
    FundYear,
    Grant,
    Payment,
    SourcePromise,
    SourceReceipt,
)

DECIDED_PHASES = PHASES[PHASES.index(PUBLISHED):]


def financial_year_of(day: date) -> str:
    """The UK financial year (April to March) a date falls in: 2027-03-31 -> "2026/27"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def year_start(financial_year: str) -> date:
    return date(int(financial_year[:4]), 4, 1)


def year_end(financial_year: str) -> date:
    return date(int(financial_year[:4]) + 1, 3, 31)


def next_year(financial_year: str) -> str:
    start = int(financial_year[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass
class YearFigures:
    financial_year: str
    fund_year_id: int | None
    planned: int = 0
    capacity: int = 0
    promised: int = 0
    received: int = 0
    allocated: int = 0      # round budgets drawn on this year
    reserved: int = 0       # budgets of rounds still deciding
    granted: int = 0        # grants as they stand (cancelled and completed: what was paid)
    capacity_granted: int = 0  # of which, capacity-building grants the board awarded directly
    paid: int = 0           # payments counted as paid, by the payment's financial year
    awaiting: int = 0       # payments waiting for a second person's approval
    returned: int = 0       # money groups paid back in this year
    carried_in: int = 0
    ended: bool = False

    @property
    def committed(self) -> int:
        return self.reserved + self.granted

    @property
    def left(self) -> int:
        """What is still free in this year (once the year has ended, this is carried forward)."""
        return self.planned + self.carried_in + self.returned - self.committed

    @property
    def carried_out(self) -> int:
        return self.left if self.ended else 0

    @property
    def remaining(self) -> int:
        """Free to allocate now: nothing once the year has ended (it moved to the next year)."""
        return 0 if self.ended else self.left

    @property
    def capacity_left(self) -> int:
        return 0 if self.ended else max(0, self.capacity - self.capacity_granted)

    @property
    def for_rounds(self) -> int:
        """What a round may still draw: the year's remaining money less the ring-fenced share."""
        return max(0, self.remaining - self.capacity_left)


@dataclass
class FundFigures:
    fund: Fund
    years: list[YearFigures]
    today: date
    by_year: dict = field(default_factory=dict)

    def __post_init__(self):
        self.by_year = {y.financial_year: y for y in self.years}

    def total(self, name: str) -> int:
        return sum(getattr(y, name) for y in self.years)

    @property
    def remaining(self) -> int:
        """Still free over the fund's whole life: planned money, plus returns, less commitments."""
        return self.total("planned") + self.total("returned") - self.total("committed")

    @property
    def current(self) -> YearFigures | None:
        return self.by_year.get(financial_year_of(self.today))


def grant_committed():
    """A grant's committed amount in SQL: what was paid for completed and cancelled grants."""
    paid = (select(func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.grant_id == Grant.id, Payment.kind == PAYMENT, Payment.status == PAID)
            .correlate(Grant).scalar_subquery())
    return case((Grant.status.in_((CANCELLED, COMPLETED)), paid), else_=Grant.amount)


def fund_lock(fund_year: FundYear | None):
    """The row every money rule of a fund is checked under (pb.services.under_lock): the fund itself,
    since a year's figures depend on the years before it."""
    return None if fund_year is None else (Fund, fund_year.fund_id)


def grant_fund_lock(grant: Grant, *args, **kwargs):
    """under_lock's owner for a service whose first argument is a grant."""
    return fund_lock(grant.fund_year)


def fund_figures(fund: Fund, today: date | None = None) -> FundFigures:
    today = today or timeutil.today()
    plan = {fy.financial_year: fy for fy in db.session.scalars(select(FundYear).where(FundYear.fund_id == fund.id))}
    years = [YearFigures(fy, plan[fy].id if fy in plan else None,
                         planned=plan[fy].planned if fy in plan else 0,
                         capacity=plan[fy].capacity if fy in plan else 0,
                         ended=year_end(fy) < today) for fy in fund.financial_years]
    by_year = {y.financial_year: y for y in years}
    by_id = {y.fund_year_id: y for y in years if y.fund_year_id is not None}
    sources = select(FundSource.id).where(FundSource.fund_id == fund.id)
    for fy, amount in db.session.execute(select(SourcePromise.financial_year, func.sum(SourcePromise.amount))
                                         .where(SourcePromise.source_id.in_(sources))
                                         .group_by(SourcePromise.financial_year)):
        if fy in by_year:
            by_year[fy].promised = int(amount)
    for fy, amount in db.session.execute(select(SourceReceipt.financial_year, func.sum(SourceReceipt.amount))
                                         .where(SourceReceipt.source_id.in_(sources))
                                         .group_by(SourceReceipt.financial_year)):
        if fy in by_year:
            by_year[fy].received = int(amount)
    year_ids = list(by_id)
    if year_ids:
        for year_id, phase, budget in db.session.execute(
                select(Round.fund_year_id, Round.phase, func.sum(Round.total_budget))
                .where(Round.fund_year_id.in_(year_ids)).group_by(Round.fund_year_id, Round.phase)):
            by_id[year_id].allocated += int(budget)
            if phase not in DECIDED_PHASES:
                by_id[year_id].reserved += int(budget)
        committed = grant_committed()
        direct = case((Grant.capacity_building & Grant.round_id.is_(None), 1), else_=0).label("direct_capacity")
        for year_id, direct_capacity, amount in db.session.execute(
                select(Grant.fund_year_id, direct, func.sum(committed))
                .where(Grant.fund_year_id.in_(year_ids)).group_by(Grant.fund_year_id, direct)):
            by_id[year_id].granted += int(amount)
            if direct_capacity:
                by_id[year_id].capacity_granted += int(amount)
        for fy, kind, status, amount in db.session.execute(
                select(Payment.financial_year, Payment.kind, Payment.status, func.sum(Payment.amount))
                .join(Grant, Grant.id == Payment.grant_id).where(Grant.fund_year_id.in_(year_ids))
                .group_by(Payment.financial_year, Payment.kind, Payment.status)):
            year = by_year.get(fy)
            if year is None:
                continue
            if status == VOIDED:
                continue
            if kind == RETURN:
                year.returned += int(amount)
            elif status == PAID:
                year.paid += int(amount)
            else:
                year.awaiting += int(amount)
    carried = 0
    for year in years:
        year.carried_in = carried
        carried = year.carried_out
    return FundFigures(fund, years, today)


def year_figures(fund_year: FundYear, today: date | None = None) -> YearFigures:
    return fund_figures(fund_year.fund, today).by_year[fund_year.financial_year]


def grant_money(grant_ids: list[int], scope=None) -> dict[int, dict[str, int]]:
    """{grant id: {"paid", "awaiting", "returned"}} in one grouped query. `scope`, a SELECT of the same
    grant ids, saves sending hundreds of ids as parameters."""
    out = {gid: {"paid": 0, "awaiting": 0, "returned": 0} for gid in grant_ids}
    if not grant_ids:
        return out
    for gid, kind, status, amount in db.session.execute(
            select(Payment.grant_id, Payment.kind, Payment.status, func.sum(Payment.amount))
            .where(Payment.grant_id.in_(grant_ids if scope is None else scope))
            .group_by(Payment.grant_id, Payment.kind, Payment.status)):
        if gid not in out or status == VOIDED:
            continue
        key = "returned" if kind == RETURN else "paid" if status == PAID else "awaiting"
        out[gid][key] += int(amount)
    return out
