"""Progress against the plan: per intervention and financial year, what the plan put in, what was
granted, paid and returned, worked out from the grants and payments tagged to it (nothing stored),
and a plain-English line per intervention."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from pb import timeutil
from pb.extensions import db
from pb.funds.figures import financial_year_of, grant_money
from pb.funds.models import CANCELLED, COMPLETED, Fund, FundYear, Grant
from pb.money import pounds

from .models import Plan, PlanVersion


@dataclass
class Line:
    key: str
    name: str
    planned: dict[str, int] = field(default_factory=dict)   # year -> pence
    granted: dict[str, int] = field(default_factory=dict)
    paid: dict[str, int] = field(default_factory=dict)
    returned: dict[str, int] = field(default_factory=dict)
    grants: int = 0
    delivered: int = 0  # of which completed
    words: str = ""

    def total(self, name: str) -> int:
        return sum(getattr(self, name).values())

    @property
    def years(self) -> list[str]:
        return sorted(set(self.planned) | set(self.granted) | set(self.paid) | set(self.returned))


def progress(plan: Plan, version: PlanVersion, today: date | None = None) -> list[Line]:
    today = today or timeutil.today()
    this_year = financial_year_of(today)
    lines = {i["key"]: Line(i["key"], i["name"]) for i in version.content["interventions"]}
    for year, items in version.content["investment"].items():
        for key, amounts in items.items():
            if key in lines:
                lines[key].planned[year] = amounts.get("capital", 0) + amounts.get("revenue", 0)
    if plan.fund_id is not None:
        rows = db.session.execute(
            select(Grant.id, Grant.intervention, Grant.amount, Grant.status, FundYear.financial_year)
            .join(FundYear, FundYear.id == Grant.fund_year_id)
            .where(FundYear.fund_id == plan.fund_id, Grant.intervention.in_(list(lines)))).all()
        money = grant_money([r.id for r in rows])
        for row in rows:
            line = lines[row.intervention]
            line.grants += 1
            line.delivered += row.status == COMPLETED
            paid, returned = money[row.id]["paid"], money[row.id]["returned"]
            # As the fund counts it: a cancelled or completed grant holds only what was paid.
            granted = paid if row.status in (CANCELLED, COMPLETED) else row.amount
            for name, value in (("granted", granted), ("paid", paid), ("returned", returned)):
                table = getattr(line, name)
                table[row.financial_year] = table.get(row.financial_year, 0) + value
    for line in lines.values():
        line.words = _words(line, this_year)
    return list(lines.values())


def _words(line: Line, this_year: str) -> str:
    if not line.grants:
        return "No project yet"
    past = [y for y in line.planned if y < this_year]
    under_past = sum(line.planned[y] - line.paid.get(y, 0) + line.returned.get(y, 0) for y in past)
    if under_past > 0:
        return f"Under-spent by {pounds(under_past)} in the years gone"
    now = line.planned.get(this_year, 0) - line.granted.get(this_year, 0)
    if now > 0:
        return f"Under-spent by {pounds(now)} this year"
    if now < 0:
        return f"Granted {pounds(-now)} more than planned this year"
    return "On track"


def fund_of(plan: Plan) -> Fund | None:
    return db.session.get(Fund, plan.fund_id) if plan.fund_id else None
