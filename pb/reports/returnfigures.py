"""A monitoring return's figures, worked out from the rows pb recorded: the money received and spent in
the period (per intervention, capital and revenue) beside the plan and the last forecast, the
activities of the period (grants awarded, engagement, consultations), the plan's outputs against their
targets, and each project's state. Nothing is typed in but the forecast and the words."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select

from pb.consultations.models import Consultation, EngagementActivity
from pb.extensions import db
from pb.frameworks import ReturnRules, framework
from pb.funds.figures import financial_year_of
from pb.funds.models import ACTIVE, CAPITAL, COMPLETED, SUSPENDED, Fund, FundYear, Grant, GrantUpdate
from pb.funds.queries import grant_rows
from pb.plans.outputs import output_totals
from pb.plans.services import plan_of

from .ledgerside import movements
from .models import MatchKind, MonitoringReturn, ReturnKind, ReturnStatus

UNTAGGED = ""  # money not tied to one of the plan's interventions


def due_on(last: date, months: int) -> date:
    """The last day of the `months`th month after `last`'s: 30 September, 1 -> 31 October."""
    month = last.month + months
    year, month = last.year + (month - 1) // 12, (month - 1) % 12 + 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def return_rules(hood) -> ReturnRules:
    """The returns the neighbourhood's programme asks for: its plan's framework's rules (else pb's default)."""
    plan = plan_of(hood)
    return framework(plan.framework).returns if plan is not None else ReturnRules()


def periods(fund: Fund, today: date) -> list[tuple[str, date, date, date]]:
    """Every return a fund owes up to today, newest first: (kind, first day, last day, due day). The
    programme's framework says which: an update for April to September, one for October to March, a
    return for the whole financial year; each due `due_days` after its period ends."""
    rules = return_rules(fund.neighbourhood)
    out = []
    for year in fund.financial_years:
        start = int(year[:4])
        first = date(start, 4, 1)
        if first > today:
            break
        if rules.six_monthly:
            out.append((ReturnKind.SIX_MONTHLY, first, date(start, 9, 30), due_on(date(start, 9, 30), rules.due_months)))
        if rules.second_half and date(start, 10, 1) <= today:
            out.append((ReturnKind.SIX_MONTHLY, date(start, 10, 1), date(start + 1, 3, 31), due_on(date(start + 1, 3, 31), rules.due_months)))
        if rules.annual:
            out.append((ReturnKind.ANNUAL, first, date(start + 1, 3, 31), due_on(date(start + 1, 3, 31), rules.due_months)))
    return list(reversed(out))


def interventions(hood) -> dict[str, str]:
    plan = plan_of(hood)
    version = plan and plan.current
    return {i["key"]: i["name"] for i in version.content["interventions"]} if version else {}


def money(fund_id: int, first: date, last: date) -> dict:
    """The period's cash, in and out (pence). Rows of "spent" are keyed by intervention ("" untied)."""
    received: dict[str, int] = defaultdict(int)
    spent: dict[str, dict[str, int]] = defaultdict(lambda: {"revenue": 0, "capital": 0})
    out = {"paid_back_by_groups": 0, "fee": 0, "returned_to_funder": 0}
    for m in movements(fund_id, first, last):
        if m.kind == MatchKind.RECEIPT:
            received[m.source] += m.amount
        elif m.kind == MatchKind.PAYMENT:
            spent[m.intervention]["capital" if m.spend == CAPITAL else "revenue"] -= m.amount
        elif m.kind == MatchKind.GROUP_RETURN:
            out["paid_back_by_groups"] += m.amount
        elif m.kind == MatchKind.FEE:
            out["fee"] -= m.amount
        elif m.kind == MatchKind.REPAYMENT:
            out["returned_to_funder"] -= m.amount
    return {"received_by_source": dict(sorted(received.items())), "total_received": sum(received.values()),
            "spent": {key: spent[key] for key in sorted(spent)},
            "total_spent": sum(v["revenue"] + v["capital"] for v in spent.values()), **out}


def build(return_: MonitoringReturn) -> dict:
    """Every figure of the return as it stands now."""
    fund = return_.fund
    hood = fund.neighbourhood
    first, last = return_.period_start, return_.period_end
    names = interventions(hood)
    cash = money(fund.id, first, last)
    year = financial_year_of(first)
    plan = plan_of(hood)
    investment = ((plan.current.content.get("investment") or {}).get(year, {}) if plan and plan.current else {})
    previous = db.session.scalar(select(MonitoringReturn).where(
        MonitoringReturn.fund_id == fund.id, MonitoringReturn.status == ReturnStatus.SUBMITTED,
        MonitoringReturn.period_end < last).order_by(MonitoringReturn.period_end.desc()))
    last_forecast = (previous.submitted or {}).get("forecast_next_period", {}) if previous else {}
    keys = sorted(set(names) | set(cash["spent"]) | set(last_forecast) | {k for k in investment if k in names})
    lines = []
    for key in keys:
        spent = cash["spent"].get(key, {"revenue": 0, "capital": 0})
        planned = investment.get(key, {}) if key else {}
        lines.append({"intervention": key, "name": names.get(key, key) or "Not tied to the plan",
                      "planned_for_the_year": int(planned.get("capital", 0)) + int(planned.get("revenue", 0)),
                      "last_forecast": last_forecast.get(key), "revenue": spent["revenue"], "capital": spent["capital"],
                      "forecast_next_period": return_.forecast.get(key)})
    year_ids = select(FundYear.id).where(FundYear.fund_id == fund.id)
    awarded = db.session.scalars(select(Grant).where(Grant.fund_year_id.in_(year_ids), Grant.awarded_on.between(first, last))
                                 .order_by(Grant.number)).all()
    engagement = db.session.scalars(select(EngagementActivity).where(
        EngagementActivity.neighbourhood_id == hood.id, EngagementActivity.held_on.between(first, last))
        .order_by(EngagementActivity.held_on)).all()
    consultations = db.session.scalars(select(Consultation).where(
        Consultation.neighbourhood_id == hood.id, Consultation.closes_on.between(first, last))
        .order_by(Consultation.closes_on)).all()
    outputs = []
    if plan and plan.current:
        for key, rows in output_totals(plan, plan.current).items():
            outputs += [{"intervention": names.get(key, key), "output": o["name"], "unit": o["unit"],
                         "target": o["target"], "achieved": o["achieved"]} for o in rows]
    return {"period": {"kind": return_.kind, "start": first.isoformat(), "end": last.isoformat(),
                       "financial_year": year, "due_on": return_.due_on.isoformat()},
            "money": {**{k: v for k, v in cash.items() if k != "spent"}, "by_intervention": lines},
            "activities": {
                "grants_awarded": [{"grant": g.reference, "title": g.title, "amount": g.amount,
                                    "capacity_building": g.capacity_building, "intervention": names.get(g.intervention or "", "")}
                                   for g in awarded],
                "engagement": [{"held_on": a.held_on.isoformat(), "kind": a.kind, "place": a.place, "people": a.people}
                               for a in engagement],
                "consultations": [{"title": c.title, "closed_on": c.closes_on.isoformat()} for c in consultations]},
            "outputs": outputs,
            "projects": projects(fund, last)}


def projects(fund: Fund, last: date) -> list[dict]:
    """Each grant being delivered or finished by the period's end: on track, at risk, overdue or completed."""
    year_ids = select(FundYear.id).where(FundYear.fund_id == fund.id)
    grants = db.session.scalars(select(Grant).where(Grant.fund_year_id.in_(year_ids),
                                                    Grant.status.in_((ACTIVE, SUSPENDED, COMPLETED)),
                                                    Grant.starts_on <= last).order_by(Grant.number)).all()
    latest = dict(db.session.execute(
        select(GrantUpdate.grant_id, GrantUpdate.status).where(
            GrantUpdate.grant_id.in_([g.id for g in grants]),
            GrantUpdate.id.in_(select(func.max(GrantUpdate.id)).group_by(GrantUpdate.grant_id)))).all())
    out = []
    for row in grant_rows(grants):
        grant = row.grant
        if grant.status == COMPLETED:
            state = "completed"
        elif row.reporting.overdue:
            state = "overdue"
        elif latest.get(grant.id) == "at_risk" or grant.status == SUSPENDED:
            state = "at risk"
        else:
            state = "on track"
        out.append({"grant": grant.reference, "title": grant.title, "amount": grant.amount,
                    "paid": row.paid - row.returned, "state": state})
    return out
