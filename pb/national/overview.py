"""The national view of one programme year: for every neighbourhood, its allocation and what became
of it, its last vote and its projects. Each figure is one grouped query over all neighbourhoods at
once (never a query per neighbourhood), so the page costs the same for 3 neighbourhoods or 225."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, distinct, func, select

from pb import timeutil
from pb.extensions import db
from pb.funds.figures import grant_committed
from pb.funds.models import (
    ACTIVE,
    AT_RISK,
    AWAITING_APPROVAL,
    COMPLETED,
    OPEN,
    PAID,
    RETURN,
    Fund,
    FundSource,
    FundYear,
    Grant,
    GrantDecision,
    GrantUpdate,
    Milestone,
    Payment,
    SourceReceipt,
)
from pb.neighbourhoods.models import RESIDENT, Membership, Neighbourhood
from pb.proposals.models import DRAFT, Proposal
from pb.rounds.models import Round
from pb.voting.models import CountResult, CountStatus

from .models import Allocation, Programme

# Columns people can sort by: (key, heading), in the table's order.
COLUMNS = [("name", "Neighbourhood"), ("region", "Region"), ("allocation", "Allocation"), ("received", "Received"),
           ("granted", "Granted"), ("paid", "Paid"), ("remaining", "Not yet granted"), ("voters", "Voters, last round"),
           ("turnout", "Turnout"), ("proposals", "Proposals"), ("delivered", "Delivered"), ("at_risk", "At risk"),
           ("overdue", "Overdue"), ("capacity_used", "Capacity share used"), ("plan_state", "Plan"),
           ("endorsed_on", "Plan last endorsed"), ("reviewed_on", "Last plan review"),
           ("spend_against_plan", "Paid against plan, this year"), ("board_problems", "Board: rules not met")]


@dataclass
class Row:
    hood: Neighbourhood
    region: str
    allocation: int
    received: int = 0
    granted: int = 0
    paid: int = 0
    voters: int | None = None
    eligible: int | None = None
    proposals: int = 0
    delivered: int = 0
    at_risk: int = 0
    overdue: int = 0
    capacity: int = 0  # the ring-fenced capacity-building share of the year's plan
    capacity_granted: int = 0
    # The neighbourhood plan's columns, filled in by the national views from pb.plans (which reads
    # the national programme's required framework, so this module does not import it back).
    plan_state: str | None = None  # the plan in force's state, or that one is being written
    endorsed_on: date | None = None
    reviewed_on: date | None = None
    plan_planned: int = 0  # what the plan in force puts into this year
    # The board's columns, filled in the same way from pb.boards: how many of its programme's rules
    # the board falls short of (None: no seat recorded) and the first, in words.
    board_problems: int | None = None
    board_first_problem: str = ""
    # For the operator only (not public): money and decisions waiting, residents waiting.
    awaiting: int = 0
    open_decisions: int = 0
    unverified: int = 0

    @property
    def name(self) -> str:
        return self.hood.name

    @property
    def remaining(self) -> int:
        return self.allocation - self.granted

    @property
    def turnout(self) -> float | None:
        return self.voters / self.eligible if self.voters is not None and self.eligible else None

    @property
    def spend_against_plan(self) -> float | None:
        return self.paid / self.plan_planned if self.plan_planned else None

    @property
    def capacity_used(self) -> float | None:
        return self.capacity_granted / self.capacity if self.capacity else None


@dataclass
class Overview:
    programme: Programme
    year: str
    rows: list[Row]
    regions: list[str] = field(default_factory=list)

    def total(self, key: str) -> int:
        return sum(getattr(r, key) or 0 for r in self.rows)


# What the operator's view adds to the public columns.
OPERATOR_COLUMNS = [("awaiting", "Payments awaiting approval"), ("open_decisions", "Board decisions open"),
                    ("unverified", "Residents waiting to be verified")]


def overview(programme: Programme, allocation: Allocation, today: date | None = None, *, operator: bool = False) -> Overview:
    today = today or timeutil.today()
    year = allocation.financial_year
    figures = {f.neighbourhood_id: f for f in allocation.figures.rows}
    rows = {s.neighbourhood_id: Row(s.neighbourhood, figures[s.neighbourhood_id].region, s.total) for s in allocation.shares}
    in_year = select(FundYear.id).where(FundYear.financial_year == year)

    for hood_id, amount in db.session.execute(
            select(Fund.neighbourhood_id, func.sum(SourceReceipt.amount))
            .join(FundSource, FundSource.id == SourceReceipt.source_id).join(Fund, Fund.id == FundSource.fund_id)
            .where(FundSource.name == programme.name, SourceReceipt.financial_year == year)
            .group_by(Fund.neighbourhood_id)):
        if hood_id in rows:
            rows[hood_id].received = int(amount)
    direct = case((Grant.capacity_building & Grant.round_id.is_(None), 1), else_=0).label("direct_capacity")
    for hood_id, direct_capacity, amount in db.session.execute(
            select(Grant.neighbourhood_id, direct, func.sum(grant_committed()))
            .where(Grant.fund_year_id.in_(in_year)).group_by(Grant.neighbourhood_id, direct)):
        if hood_id in rows:
            rows[hood_id].granted += int(amount)
            if direct_capacity:
                rows[hood_id].capacity_granted += int(amount)
    for hood_id, planned, percent, amount in db.session.execute(
            select(Fund.neighbourhood_id, FundYear.planned, FundYear.capacity_percent, FundYear.capacity_amount)
            .join(Fund, Fund.id == FundYear.fund_id).where(FundYear.financial_year == year)):
        if hood_id in rows:
            rows[hood_id].capacity += amount if amount is not None else planned * (percent or 0) // 100
    for hood_id, kind, status, amount in db.session.execute(
            select(Grant.neighbourhood_id, Payment.kind, Payment.status, func.sum(Payment.amount))
            .join(Grant, Grant.id == Payment.grant_id).where(Grant.fund_year_id.in_(in_year))
            .group_by(Grant.neighbourhood_id, Payment.kind, Payment.status)):
        if hood_id not in rows:
            continue
        if kind == RETURN or status == PAID:
            rows[hood_id].paid += -int(amount) if kind == RETURN else int(amount)
        elif status == AWAITING_APPROVAL:
            rows[hood_id].awaiting += int(amount)
    for hood_id, count in db.session.execute(
            select(Grant.neighbourhood_id, func.count()).where(Grant.fund_year_id.in_(in_year), Grant.status == COMPLETED)
            .group_by(Grant.neighbourhood_id)):
        if hood_id in rows:
            rows[hood_id].delivered = count
    last = select(GrantUpdate.grant_id, func.max(GrantUpdate.id).label("last_id")).group_by(GrantUpdate.grant_id).subquery()
    for hood_id, count in db.session.execute(
            select(Grant.neighbourhood_id, func.count()).join(last, last.c.grant_id == Grant.id)
            .join(GrantUpdate, GrantUpdate.id == last.c.last_id)
            .where(Grant.fund_year_id.in_(in_year), Grant.status == ACTIVE, GrantUpdate.status == AT_RISK)
            .group_by(Grant.neighbourhood_id)):
        if hood_id in rows:
            rows[hood_id].at_risk = count
    for hood_id, count in db.session.execute(
            select(Grant.neighbourhood_id, func.count(distinct(Grant.id))).join(Milestone, Milestone.grant_id == Grant.id)
            .where(Grant.fund_year_id.in_(in_year), Grant.status == ACTIVE, Milestone.due_on < today,
                   Milestone.completed_on.is_(None)).group_by(Grant.neighbourhood_id)):
        if hood_id in rows:
            rows[hood_id].overdue = count
    for hood_id, count in db.session.execute(
            select(Round.neighbourhood_id, func.count(Proposal.id)).join(Round, Round.id == Proposal.round_id)
            .where(Round.fund_year == year, Proposal.status != DRAFT).group_by(Round.neighbourhood_id)):
        if hood_id in rows:
            rows[hood_id].proposals = count
    latest = (select(func.max(CountResult.id)).join(Round, Round.id == CountResult.round_id)
              .where(CountResult.status == CountStatus.APPROVED).group_by(Round.neighbourhood_id))
    for hood_id, turnout in db.session.execute(
            select(Round.neighbourhood_id, CountResult.turnout).join(Round, Round.id == CountResult.round_id)
            .where(CountResult.id.in_(latest))):
        if hood_id in rows:
            rows[hood_id].voters = int(turnout.get("voters", 0))
            rows[hood_id].eligible = int(turnout.get("verified_residents", 0)) or None
    if operator:
        for hood_id, count in db.session.execute(
                select(Grant.neighbourhood_id, func.count()).join(GrantDecision, GrantDecision.grant_id == Grant.id)
                .where(Grant.fund_year_id.in_(in_year), GrantDecision.status == OPEN).group_by(Grant.neighbourhood_id)):
            if hood_id in rows:
                rows[hood_id].open_decisions = count
        for hood_id, count in db.session.execute(
                select(Membership.neighbourhood_id, func.count()).where(
                    Membership.role == RESIDENT, Membership.verified_at.is_(None)).group_by(Membership.neighbourhood_id)):
            if hood_id in rows:
                rows[hood_id].unverified = count
    ordered = sorted(rows.values(), key=lambda r: r.hood.slug)
    return Overview(programme, year, ordered, sorted({r.region for r in ordered}))


def sort_rows(rows: list[Row], key: str, descending: bool) -> list[Row]:
    if key not in dict(COLUMNS) and key not in dict(OPERATOR_COLUMNS):
        key = "name"
    present = [r for r in rows if getattr(r, key) is not None]
    missing = [r for r in rows if getattr(r, key) is None]  # unknown turnout etc. always last
    return sorted(present, key=lambda r: (getattr(r, key), r.hood.slug), reverse=descending) + missing
