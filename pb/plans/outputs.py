"""Outputs against the plan's targets: a project reports what it delivered on its intervention's
outputs, and the plan page adds them up per intervention beside the targets the plan set.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.frameworks import framework
from pb.funds.delivery import FIGURE_REPORTING, FigureReporting, UpdateFigure
from pb.funds.models import FundYear, Grant, GrantUpdate
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR, Neighbourhood
from pb.neighbourhoods.services import role_in
from pb.services import ServiceError, transaction
from pb.text import hidden_characters

from .models import OutputReport, Plan, PlanVersion
from .services import plan_of

MOST = 10_000_000


def outputs_for(grant: Grant) -> list:
    """The outputs the grant's intervention reports, from the plan's framework (none if untied)."""
    hood = db.session.get(Neighbourhood, grant.neighbourhood_id)
    plan = plan_of(hood)
    if plan is None or not grant.intervention:
        return []
    item = framework(plan.framework).intervention(grant.intervention)
    return list(item.outputs) if item else []


def may_report(grant: Grant, user: User) -> bool:
    """The group's contact or a facilitator of the neighbourhood."""
    return grant.contact_id == user.id or role_in(user, grant.neighbourhood_id, FACILITATOR) is not None


def report_output(grant: Grant, user: User, *, output: str, amount: int | None, reported_on: date | None,
                  note: str = "") -> OutputReport:
    if not may_report(grant, user):
        raise ServiceError("Only the group's contact or a facilitator reports what a project delivered")
    outputs = {o.key: o for o in outputs_for(grant)}
    if not outputs:
        raise ServiceError("This project is not tied to an intervention of the plan with outputs to report")
    if output not in outputs:
        raise ServiceError("Choose one of the outputs", field="output")
    if amount is None or not 0 < amount <= MOST:
        raise ServiceError(f"Enter how many {outputs[output].unit}, from 1 to {MOST:,}", field="amount")
    if reported_on is None or reported_on > timeutil.today():
        raise ServiceError("Enter the day it was delivered by, today or earlier", field="reported_on")
    note = (note or "").strip()
    if len(note) > 300 or hidden_characters(note):
        raise ServiceError("Keep the note to 300 characters, with no hidden characters", field="note")
    with transaction():
        row = _write(grant, user, output=output, amount=amount, reported_on=reported_on, note=note)
    return row


def _write(grant: Grant, user: User, *, output: str, amount: int, reported_on: date, note: str = "",
           update: GrantUpdate | None = None) -> OutputReport:
    row = OutputReport(grant_id=grant.id, output=output, amount=amount, reported_on=reported_on, note=note,
                       reported_by_id=user.id, grant_update_id=update.id if update else None)
    db.session.add(row)
    db.session.flush()
    payload = {"grant": grant.reference, "intervention": grant.intervention, "output": output, "amount": amount,
               "reported_on": reported_on.isoformat()}
    if update is not None:
        payload["update"] = update.id
    record("plan.output_reported", row, actor=user,
           neighbourhood=db.session.get(Neighbourhood, grant.neighbourhood_id), payload=payload)
    return row


class OutputsWithUpdates(FigureReporting):
    """A progress update reports the outputs of the project's plan intervention."""

    def figures(self, grant: Grant) -> list[UpdateFigure]:
        return [UpdateFigure(o.key, o.name, o.unit) for o in outputs_for(grant)]

    def write(self, grant: Grant, update: GrantUpdate, user: User, figures: dict[str, int]) -> None:
        for output, amount in figures.items():
            _write(grant, user, output=output, amount=amount, reported_on=update.reported_on, update=update)

    def reported(self, grant: Grant) -> dict[int, list[str]]:
        names = {o.key: o for o in outputs_for(grant)}
        lines: dict[int, list[str]] = {}
        for row in db.session.scalars(select(OutputReport).where(OutputReport.grant_id == grant.id,
                                                                 OutputReport.grant_update_id.is_not(None))
                                      .order_by(OutputReport.id)):
            known = names.get(row.output)
            said = f"{known.name.lower()}: {row.amount:,} {known.unit}" if known else f"{row.output}: {row.amount:,}"
            lines.setdefault(row.grant_update_id, []).append(said)
        return lines


FIGURE_REPORTING.append(OutputsWithUpdates())


def output_totals(plan: Plan, version: PlanVersion) -> dict[str, list[dict]]:
    """{intervention: [{"key", "name", "unit", "target", "achieved"}]} for the version's interventions."""
    chosen = framework(plan.framework)
    achieved: dict[tuple[str, str], int] = {}
    if plan.fund_id is not None:
        for intervention, output, amount in db.session.execute(
                select(Grant.intervention, OutputReport.output, func.sum(OutputReport.amount))
                .join(Grant, Grant.id == OutputReport.grant_id).join(FundYear, FundYear.id == Grant.fund_year_id)
                .where(FundYear.fund_id == plan.fund_id).group_by(Grant.intervention, OutputReport.output)):
            achieved[(intervention, output)] = int(amount)
    out = {}
    for item in version.content["interventions"]:
        known = chosen.intervention(item["key"])
        if known is None:
            continue
        out[item["key"]] = [{"key": o.key, "name": o.name, "unit": o.unit,
                             "target": (item.get("targets") or {}).get(o.key),
                             "achieved": achieved.get((item["key"], o.key), 0)} for o in known.outputs]
    return out
