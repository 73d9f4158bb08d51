"""Every neighbourhood's monitoring return for one period of a national programme: what the operator
sees and downloads as one workbook or one JSON file. One query each for the neighbourhoods' funds and
their returns, however many neighbourhoods there are."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pb.extensions import db
from pb.frameworks import ReturnRules, framework
from pb.funds.models import Fund
from pb.national.models import Allocation
from pb.plans.models import Plan

from . import returnfigures, returns
from .models import MonitoringReturn, ReturnKind, ReturnStatus


def period_of(kind: str, financial_year: str, rules: ReturnRules | None = None) -> tuple[date, date, date]:
    """The national view compares like with like: the April to September update, or the year's return,
    each due as the neighbourhood's programme says."""
    start = int(financial_year[:4])
    last = date(start, 9, 30) if kind == ReturnKind.SIX_MONTHLY else date(start + 1, 3, 31)
    return date(start, 4, 1), last, returnfigures.due_on(last, (rules or ReturnRules()).due_months)


def _asks_for(rules: ReturnRules, kind: str) -> bool:
    return rules.six_monthly if kind == ReturnKind.SIX_MONTHLY else rules.annual


def national_returns(allocation: Allocation, kind: str, today: date, *, with_content: bool = False) -> list[dict]:
    """A row per neighbourhood of the allocation, by name: its fund for the year, its return and state."""
    first, last, due = period_of(kind, allocation.financial_year)
    hoods = sorted((share.neighbourhood for share in allocation.shares), key=lambda h: h.name)
    funds: dict[int, Fund] = {}
    for fund in db.session.scalars(select(Fund).where(Fund.neighbourhood_id.in_([h.id for h in hoods]))
                                   .order_by(Fund.id)):
        if allocation.financial_year in fund.financial_years:
            funds.setdefault(fund.neighbourhood_id, fund)
    found = {r.fund_id: r for r in db.session.scalars(select(MonitoringReturn).where(
        MonitoringReturn.fund_id.in_([f.id for f in funds.values()]), MonitoringReturn.kind == kind,
        MonitoringReturn.period_start == first))}
    frameworks_of = dict(db.session.execute(select(Plan.neighbourhood_id, Plan.framework).where(
        Plan.neighbourhood_id.in_([h.id for h in hoods]))).all())
    rows = []
    for hood in hoods:
        fund = funds.get(hood.id)
        return_ = found.get(fund.id) if fund else None
        submitted = return_ is not None and return_.status == ReturnStatus.SUBMITTED
        rules = framework(frameworks_of[hood.id]).returns if hood.id in frameworks_of else ReturnRules()
        _first, _last, due = period_of(kind, allocation.financial_year, rules)
        if not _asks_for(rules, kind):
            rows.append({"neighbourhood": hood.name, "slug": hood.slug, "fund": fund.name if fund else "",
                         "label": ReturnKind(kind).label, "period": f"{first.isoformat()} to {last.isoformat()}",
                         "due_on": "", "return_id": None, "status": "Not asked for by its programme", "late": False,
                         "submitted_on": None, "content": None})
            continue
        rows.append({"neighbourhood": hood.name, "slug": hood.slug, "fund": fund.name if fund else "",
                     "label": ReturnKind(kind).label, "period": f"{first.isoformat()} to {last.isoformat()}",
                     "due_on": due.isoformat(), "return_id": return_.id if return_ else None,
                     "status": return_.status_label if return_ else ("Not started" if last < today else "Period not ended"),
                     "late": bool(fund) and returns.is_late(kind, due, return_, today),
                     "submitted_on": return_.submitted_on.isoformat() if submitted else None,
                     "content": return_.submitted if submitted and with_content else None})
    return rows
