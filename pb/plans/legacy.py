"""Spend-out and legacy: when what is left in the fund falls under the threshold the neighbourhood
set (Big Local used £150,000), the plan page says so and shows the legacy checklist, each item
ticked with its day and who ticked it; once the fund's last year has ended with items still open,
the board records why.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.funds.closing import CLOSING_CHECKS
from pb.funds.figures import fund_figures, year_end
from pb.funds.models import Fund
from pb.ledger.services import record
from pb.money import pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.neighbourhoods.services import require_role
from pb.services import ServiceError, transaction
from pb.text import hidden_characters, required_text

from .models import LegacyItem, Plan

SUGGESTED = ("A successor body agreed to carry on the work", "Assets bought with the fund handed over",
             "Records handed over", "The final report published")
MOST = 100_000_000_00


def set_spend_out(plan: Plan, facilitator: User, *, threshold: int | None, items: list[str]) -> None:
    """The threshold, and the checklist (items already ticked are kept)."""
    require_role(facilitator, plan.neighbourhood_id, FACILITATOR, "Only facilitators set the spend-out checklist")
    if threshold is None or not 0 < threshold <= MOST:
        raise ServiceError("Enter the amount left in the fund at which spending out begins, like 150000",
                           field="threshold")
    names = []
    for raw in items:
        name = " ".join((raw or "").split())
        if not name:
            continue
        if len(name) > 200 or hidden_characters(name):
            raise ServiceError("Each item must be 200 characters or fewer, with no hidden characters", field="items")
        if name.lower() in (n.lower() for n in names):
            raise ServiceError(f"‘{name}’ is there twice", field="items")
        names.append(name)
    if not names:
        raise ServiceError("List at least one thing to hand over, one per line", field="items")
    current = {i.name: i for i in db.session.scalars(select(LegacyItem).where(LegacyItem.plan_id == plan.id))}
    ticked = [n for n, item in current.items() if item.done_on and n not in names]
    if ticked:
        raise ServiceError(f"‘{ticked[0]}’ is ticked as done: it stays on the list", field="items")
    with transaction():
        plan.spend_out_threshold = threshold
        for name, item in current.items():
            if name not in names:
                db.session.delete(item)
        for name in names:
            if name not in current:
                db.session.add(LegacyItem(plan_id=plan.id, name=name))
        record("plan.spend_out_set", plan, actor=facilitator, neighbourhood=plan.neighbourhood,
               payload={"threshold": threshold, "items": names})


def tick(item: LegacyItem, facilitator: User, *, done_on: date | None, note: str = "") -> None:
    plan = db.session.get(Plan, item.plan_id)
    require_role(facilitator, plan.neighbourhood_id, FACILITATOR, "Only facilitators tick the legacy checklist")
    if item.done_on is not None:
        raise ServiceError("This is ticked already")
    if done_on is None or done_on > timeutil.today():
        raise ServiceError("Enter the day it was done, today or earlier", field="done_on")
    note = (note or "").strip()
    if len(note) > 300 or hidden_characters(note):
        raise ServiceError("Keep the note to 300 characters, with no hidden characters", field="note")
    with transaction():
        item.done_on, item.done_by_id, item.note = done_on, facilitator.id, note
        record("plan.legacy_ticked", item, actor=facilitator, neighbourhood=plan.neighbourhood,
               payload={"item": item.name, "done_on": done_on.isoformat(), "note": note})


@dataclass
class SpendOut:
    remaining: int
    threshold: int
    items: list
    final_year_ended: bool

    @property
    def spending_out(self) -> bool:
        return self.remaining < self.threshold

    @property
    def open_items(self) -> list:
        return [i for i in self.items if i.done_on is None]


def spend_out(plan: Plan) -> SpendOut | None:
    """None unless the plan has a threshold and a fund."""
    if plan.spend_out_threshold is None or plan.fund_id is None:
        return None
    fund = db.session.get(Fund, plan.fund_id)
    figures = fund_figures(fund)
    items = db.session.scalars(select(LegacyItem).where(LegacyItem.plan_id == plan.id).order_by(LegacyItem.id)).all()
    return SpendOut(figures.remaining, plan.spend_out_threshold, items,
                    year_end(fund.financial_years[-1]) < timeutil.today())


def record_open_items(plan: Plan, member: User, *, reason: str) -> None:
    """The board's record of why the fund's last year ended with legacy items still open."""
    require_role(member, plan.neighbourhood_id, BOARD_MEMBER, "Only board members record this")
    state = spend_out(plan)
    if state is None or not state.final_year_ended:
        raise ServiceError("This is recorded once the fund's last year has ended")
    if not state.open_items:
        raise ServiceError("Every legacy item is ticked: there is nothing to explain")
    reason = required_text(reason, field="reason", label="The reason", limit=2000,
                           missing="Say why the items are still open, and what happens to them")
    with transaction():
        plan.open_items_reason, plan.open_items_recorded_by_id = reason, member.id
        plan.open_items_recorded_on = timeutil.today()
        record("plan.open_items_recorded", plan, actor=member, neighbourhood=plan.neighbourhood,
               payload={"open": [i.name for i in state.open_items], "reason": reason,
                        "remaining": pounds(state.remaining)})


def _legacy_before_closing(fund: Fund) -> list[str]:
    """The fund's last year cannot close with legacy items open unless the board has recorded why."""
    plan = db.session.scalar(select(Plan).where(Plan.fund_id == fund.id))
    state = spend_out(plan) if plan is not None else None
    if state is None or not state.open_items or plan.open_items_reason:
        return []
    names = ", ".join(f"‘{i.name}’" for i in state.open_items)
    count = len(state.open_items)
    return [f"The neighbourhood plan's legacy checklist has {count} item{'s' if count != 1 else ''} still open "
            f"({names}): tick {'each' if count != 1 else 'it'} when done, or the board records why "
            f"{'they are' if count != 1 else 'it is'} open."]


CLOSING_CHECKS.append(_legacy_before_closing)
