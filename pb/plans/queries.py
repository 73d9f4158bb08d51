"""What the plan's pages show: the investment plan as a table against the fund's years, and the
evidence of engagement quoted from consultations and the engagement log."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from pb.consultations.models import (
    Consultation,
    ConsultationResponse,
    ConsultationStatus,
    EngagementActivity,
)
from pb.extensions import db
from pb.frameworks import framework
from pb.funds.figures import fund_figures
from pb.funds.models import Fund

from .models import Plan, PlanReview, PlanVersion
from .services import year_total


@dataclass
class InvestmentTable:
    years: list[str]
    rows: list[dict] = field(default_factory=list)  # {"name", "key", "cells": {year: (capital, revenue)}}
    capacity: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)  # what the fund holds each year
    periods: dict[str, str] = field(default_factory=dict)  # year -> investment period's name

    def total(self, year: str) -> int:
        return sum(sum(row["cells"].get(year, (0, 0))) for row in self.rows) + self.capacity.get(year, 0)

    def row_total(self, row) -> int:
        return sum(sum(cell) for cell in row["cells"].values())


def investment_table(plan: Plan, version: PlanVersion) -> InvestmentTable:
    content = version.content
    fund = db.session.get(Fund, plan.fund_id) if plan.fund_id else None
    figures = fund_figures(fund) if fund else None
    years = sorted(set(content["investment"]) | ({y.financial_year for y in figures.years} if figures else set()))
    table = InvestmentTable(years)
    chosen = framework(plan.framework)
    for year in years:
        period = chosen.period_of(year)
        if period:
            table.periods[year] = period.name
        if figures and year in figures.by_year:
            table.capacity[year] = figures.by_year[year].capacity
            table.held[year] = figures.by_year[year].planned
    for item in content["interventions"]:
        cells = {year: (amounts.get(item["key"], {}).get("capital", 0), amounts.get(item["key"], {}).get("revenue", 0))
                 for year, amounts in content["investment"].items() if item["key"] in amounts}
        table.rows.append({"key": item["key"], "name": item["name"], "cells": cells, "own": item.get("own", False)})
    return table


def plan_columns(hood_ids: list[int], year: str) -> dict[int, dict]:
    """For the national view: each neighbourhood's plan state, when it was last endorsed and
    reviewed, and what the plan in force puts into `year`."""
    reviewed = dict(db.session.execute(select(Plan.neighbourhood_id, func.max(PlanReview.approved_on))
                                       .join(PlanReview, PlanReview.plan_id == Plan.id)
                                       .where(Plan.neighbourhood_id.in_(hood_ids)).group_by(Plan.neighbourhood_id)).all())
    out = {}
    for plan in db.session.scalars(select(Plan).where(Plan.neighbourhood_id.in_(hood_ids))):
        version = plan.current
        out[plan.neighbourhood_id] = {
            "plan_state": version.status_label if version else "Being written",
            "endorsed_on": max((v.endorsed_on for v in plan.versions if v.endorsed_on), default=None),
            "reviewed_on": reviewed.get(plan.neighbourhood_id),
            "plan_planned": year_total(version.content, year) if version else 0}
    return out


def engagement_evidence(hood) -> dict:
    """The headline figures of the neighbourhood's listening, quoted in the plan automatically."""
    consultations = db.session.execute(
        select(Consultation.id, Consultation.title, func.count(ConsultationResponse.id))
        .join(ConsultationResponse, ConsultationResponse.consultation_id == Consultation.id, isouter=True)
        .where(Consultation.neighbourhood_id == hood.id, Consultation.status == ConsultationStatus.PUBLISHED)
        .group_by(Consultation.id, Consultation.title).order_by(Consultation.id)).all()
    activities, people = db.session.execute(
        select(func.count(EngagementActivity.id), func.coalesce(func.sum(EngagementActivity.people), 0))
        .where(EngagementActivity.neighbourhood_id == hood.id)).one()
    return {"consultations": [{"id": i, "title": t, "responses": n} for i, t, n in consultations],
            "activities": activities, "people": people}
