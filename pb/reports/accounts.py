"""The receipts and payments accounts of a fund for one financial year: the statement a small charity
files (cash in by source, cash out by kind and intervention, the balances, the money held for
restricted purposes), added up from the movements pb recorded, and whether the bank statement for
those days reconciles with them. Nothing here is stored: the accounts are the rows, summed."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from pb.extensions import db
from pb.funds.figures import year_end, year_start
from pb.funds.models import CAPITAL, Fund, FundYear

from . import reconciling
from .ledgerside import Movement, movements
from .models import MatchKind, MatchState, StatementLine

UNTAGGED = "Not tied to the plan"


@dataclass
class Reconciliation:
    lines: int = 0                    # statement lines dated in the year
    unconfirmed: int = 0              # lines with no confirmed match or explanation
    unmatched_in_pb: list[Movement] = field(default_factory=list)  # recorded, but on no confirmed line
    explained_in: int = 0             # bank items pb has no record of, explained by the treasurer
    explained_out: int = 0
    statement_closing: int | None = None  # the last line's balance, where the bank gives one

    @property
    def reconciles(self) -> bool:
        return self.lines > 0 and self.unconfirmed == 0 and not self.unmatched_in_pb

    @property
    def state(self) -> str:
        if self.lines == 0:
            return "No bank statement has been imported for this year"
        if self.reconciles:
            return "Reconciled with the bank statement"
        parts = []
        if self.unconfirmed:
            parts.append(f"{self.unconfirmed} statement line{'s' if self.unconfirmed != 1 else ''} not yet confirmed")
        if self.unmatched_in_pb:
            count = len(self.unmatched_in_pb)
            parts.append(f"{count} recorded payment{'s' if count != 1 else ''} or receipt{'s' if count != 1 else ''} "
                         "not on the statement")
        return "Does not reconcile yet: " + " and ".join(parts)


@dataclass
class Accounts:
    fund: Fund
    financial_year: str
    opening: int = 0
    receipts: dict[str, int] = field(default_factory=dict)          # source name -> pence
    group_returns: int = 0
    grants_paid: dict[tuple[str, str], int] = field(default_factory=dict)  # (intervention, spend) -> pence
    capacity_paid: int = 0                                          # of which capacity-building grants
    fees: int = 0
    repaid: int = 0
    restricted_capacity: int = 0
    reconciliation: Reconciliation = field(default_factory=Reconciliation)

    @property
    def total_receipts(self) -> int:
        return sum(self.receipts.values()) + self.group_returns + self.reconciliation.explained_in

    @property
    def total_grants(self) -> int:
        return sum(self.grants_paid.values())

    @property
    def total_payments(self) -> int:
        return self.total_grants + self.fees + self.repaid + self.reconciliation.explained_out

    @property
    def closing(self) -> int:
        return self.opening + self.total_receipts - self.total_payments

    @property
    def unrestricted(self) -> int:
        return self.closing - self.restricted_capacity

    def by_intervention(self) -> list[tuple[str, int, int]]:
        """(intervention, revenue, capital) in the order of the plan's keys."""
        rows = defaultdict(lambda: [0, 0])
        for (intervention, spend), amount in self.grants_paid.items():
            rows[intervention][1 if spend == CAPITAL else 0] += amount
        return [(name, revenue, capital) for name, (revenue, capital) in sorted(rows.items())]

    def figures(self) -> dict:
        """Every figure, as the JSON download and the verifier name them (pence)."""
        return {"financial_year": self.financial_year, "opening_balance": self.opening,
                "receipts_by_source": dict(sorted(self.receipts.items())), "money_paid_back_by_groups": self.group_returns,
                "bank_items_in": self.reconciliation.explained_in, "total_receipts": self.total_receipts,
                "grants_paid": [{"intervention": name, "revenue": revenue, "capital": capital}
                                for name, revenue, capital in self.by_intervention()],
                "of_which_capacity_building": self.capacity_paid, "accountable_body_fee": self.fees,
                "returned_to_funder": self.repaid, "bank_items_out": self.reconciliation.explained_out,
                "total_payments": self.total_payments, "closing_balance": self.closing,
                "restricted_capacity_building": self.restricted_capacity, "unrestricted": self.unrestricted,
                "reconciled": self.reconciliation.reconciles}


def _explained(fund_id: int, before=None, first=None, last=None) -> list[int]:
    query = select(StatementLine.amount).where(StatementLine.fund_id == fund_id,
                                               StatementLine.match_kind == MatchKind.EXPLAINED,
                                               StatementLine.match_state == MatchState.CONFIRMED)
    if before is not None:
        query = query.where(StatementLine.booked_on < before)
    if first is not None:
        query = query.where(StatementLine.booked_on.between(first, last))
    return list(db.session.scalars(query))


def accounts_for(fund: Fund, financial_year: str, names: dict[str, str] | None = None) -> Accounts:
    """The year's accounts. `names` turns intervention keys into the plan's names."""
    names = names or {}
    first, last = year_start(financial_year), year_end(financial_year)
    accounts = Accounts(fund, financial_year)
    everything = movements(fund.id, None, last)
    earlier = [m for m in everything if m.on < first]
    in_year = [m for m in everything if m.on >= first]
    accounts.opening = sum(m.amount for m in earlier) + sum(_explained(fund.id, before=first))
    capacity_spent = 0
    for m in everything:
        if m.capacity and m.kind in (MatchKind.PAYMENT, MatchKind.GROUP_RETURN):
            capacity_spent -= m.amount
    for m in in_year:
        if m.kind == MatchKind.RECEIPT:
            accounts.receipts[m.source] = accounts.receipts.get(m.source, 0) + m.amount
        elif m.kind == MatchKind.GROUP_RETURN:
            accounts.group_returns += m.amount
        elif m.kind == MatchKind.PAYMENT:
            key = (names.get(m.intervention, m.intervention) or UNTAGGED, m.spend)
            accounts.grants_paid[key] = accounts.grants_paid.get(key, 0) - m.amount
            if m.capacity:
                accounts.capacity_paid -= m.amount
        elif m.kind == MatchKind.FEE:
            accounts.fees -= m.amount
        elif m.kind == MatchKind.REPAYMENT:
            accounts.repaid -= m.amount
    # The ring-fence: every year's capacity share so far, less what capacity-building grants spent.
    ring_fenced = sum(year.capacity for year in db.session.scalars(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.financial_year <= financial_year)))
    accounts.reconciliation = reconcile(fund.id, first, last, in_year)
    accounts.restricted_capacity = max(0, min(ring_fenced - capacity_spent, accounts.closing))
    return accounts


def reconcile(fund_id: int, first, last, in_year: list[Movement]) -> Reconciliation:
    result = Reconciliation()
    lines = reconciling.lines_between(fund_id, first, last)
    result.lines = len(lines)
    confirmed = set()
    for line in lines:
        if line.match_state != MatchState.CONFIRMED:
            result.unconfirmed += 1
            continue
        if line.match_kind == MatchKind.EXPLAINED:
            if line.amount > 0:
                result.explained_in += line.amount
            else:
                result.explained_out -= line.amount
        else:
            confirmed.add((line.match_kind, line.match_id))
    # A movement near the year's edge may sit on a line of the next year's statement: any confirmed line counts.
    keys = [m.key for m in in_year]
    if keys:
        confirmed |= set(db.session.execute(select(StatementLine.match_kind, StatementLine.match_id).where(
            StatementLine.fund_id == fund_id, StatementLine.match_state == MatchState.CONFIRMED,
            StatementLine.match_id.is_not(None))))
    result.unmatched_in_pb = [m for m in in_year if m.key not in confirmed]
    balances = [line.balance for line in lines if line.balance is not None]
    result.statement_closing = balances[-1] if balances else None
    return result
