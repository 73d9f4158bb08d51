"""An agreement's figures, summed from its rows: what the schedule promises per line, what was asked
for, approved and received against each, the fee on what was received, and the fee's share given
back with money returned to the funder."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from pb.extensions import db

from .models import Drawdown, DrawdownStatus, FunderRepayment, FundingAgreement, ScheduleLine

# A request that is waiting or approved holds its line's money, so two requests cannot together ask
# for more than the line: refused ones release it.
HOLDING = (DrawdownStatus.REQUESTED, DrawdownStatus.APPROVED, DrawdownStatus.RECEIVED)


@dataclass
class LineFigures:
    line: ScheduleLine
    asked: int = 0      # waiting, approved or received
    received: int = 0

    @property
    def left(self) -> int:
        return self.line.amount - self.asked


@dataclass
class AgreementFigures:
    agreement: FundingAgreement
    lines: list[LineFigures]
    received: int = 0
    fee: int = 0             # on every drawdown received, each rounded down to the penny
    repaid: int = 0          # money returned to the funder
    fee_returned: int = 0    # the fee's share of what was returned
    by_line: dict = field(default_factory=dict)

    def __post_init__(self):
        self.by_line = {f.line.id: f for f in self.lines}

    @property
    def scheduled(self) -> int:
        return sum(f.line.amount for f in self.lines)

    @property
    def asked(self) -> int:
        return sum(f.asked for f in self.lines)

    @property
    def net_fee(self) -> int:
        return self.fee - self.fee_returned

    @property
    def not_yet_drawn(self) -> int:
        return self.agreement.amount - self.received


def agreement_figures(agreement: FundingAgreement) -> AgreementFigures:
    lines = list(db.session.scalars(select(ScheduleLine).where(ScheduleLine.agreement_id == agreement.id)
                                    .order_by(ScheduleLine.financial_year, ScheduleLine.intervention)))
    figures = AgreementFigures(agreement, [LineFigures(line) for line in lines])
    for line_id, status, amount in db.session.execute(
            select(Drawdown.schedule_line_id, Drawdown.status, func.sum(Drawdown.amount))
            .where(Drawdown.agreement_id == agreement.id).group_by(Drawdown.schedule_line_id, Drawdown.status)):
        line = figures.by_line.get(line_id)
        if line is None or status not in HOLDING:
            continue
        line.asked += int(amount)
        if status == DrawdownStatus.RECEIVED:
            line.received += int(amount)
            figures.received += int(amount)
    # The fee is taken per drawdown, so it is summed per drawdown (rounding each down), never
    # worked out once on the total.
    figures.fee = sum(agreement.fee_on(amount) for amount in db.session.scalars(
        select(Drawdown.amount).where(Drawdown.agreement_id == agreement.id,
                                      Drawdown.status == DrawdownStatus.RECEIVED)))
    repaid = list(db.session.scalars(select(FunderRepayment.amount)
                                     .where(FunderRepayment.agreement_id == agreement.id)))
    figures.repaid = sum(repaid)
    figures.fee_returned = sum(agreement.fee_on(amount) for amount in repaid)
    return figures
