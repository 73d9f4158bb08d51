"""Loading this package's rows for a page: each only from the neighbourhood in the URL (else 404)."""
from __future__ import annotations

from flask import abort, g
from sqlalchemy import select

from pb.access import one_of_this_neighbourhood
from pb.extensions import db
from pb.funds.models import Fund

from .models import AgreementVersion, Drawdown, FundingAgreement, MonitoringReturn, RiskEntry, StatementLine


def load_agreement(agreement_id: int) -> FundingAgreement:
    return one_of_this_neighbourhood(FundingAgreement, agreement_id)


def load_drawdown(drawdown_id: int) -> Drawdown:
    return one_of_this_neighbourhood(Drawdown, drawdown_id, neighbourhood_of=lambda d: d.agreement.neighbourhood_id)


def load_line(line_id: int) -> StatementLine:
    return one_of_this_neighbourhood(StatementLine, line_id,
                                     neighbourhood_of=lambda line: db.session.get(Fund, line.fund_id).neighbourhood_id)


def versions_of(agreement: FundingAgreement) -> list[AgreementVersion]:
    return list(db.session.scalars(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id)
                                   .order_by(AgreementVersion.number.desc())))


def year_of(fund: Fund, start: int) -> str:
    """The fund's financial year that starts in `start` (a URL's 2026 for 2026/27), or 404."""
    year = f"{start}/{(start + 1) % 100:02d}"
    if year not in fund.financial_years:
        abort(404)
    return year


def load_return(return_id: int) -> MonitoringReturn:
    return one_of_this_neighbourhood(MonitoringReturn, return_id)


def load_risk(number: int) -> RiskEntry:
    """A risk by its number on this neighbourhood's register (else 404)."""
    risk = db.session.scalar(select(RiskEntry).where(RiskEntry.neighbourhood_id == g.neighbourhood.id,
                                                     RiskEntry.number == number))
    if risk is None:
        abort(404)
    return risk
