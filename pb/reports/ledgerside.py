"""The fund's holding account as pb recorded it: every movement of money in or out, dated, signed
(money in positive) and named, read from the rows that record it. What the bank statement is matched
against, and what the receipts and payments accounts add up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pb.extensions import db
from pb.funds.models import PAID, PAYMENT, RETURN, FundSource, FundYear, Grant, Payment, SourceReceipt

from .models import Drawdown, DrawdownStatus, FunderRepayment, FundingAgreement, MatchKind


@dataclass(frozen=True)
class Movement:
    kind: str            # a MatchKind
    id: int              # the receipt's, payment's, drawdown's (for its fee) or repayment's id
    on: date
    amount: int          # pence, money in positive
    says: str            # in words: "Grant G-4 payment (Youth club)"
    reference: str       # what a bank line may quote
    source: str = ""     # receipts: the source's name
    intervention: str = ""
    spend: str = ""      # payments: revenue or capital
    capacity: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)


def movements(fund_id: int, first: date | None = None, last: date | None = None) -> list[Movement]:
    """Every movement of the fund's money between two days (inclusive; None: no limit), by date."""
    def within(column):
        conditions = []
        if first is not None:
            conditions.append(column >= first)
        if last is not None:
            conditions.append(column <= last)
        return conditions

    out: list[Movement] = []
    for receipt, source in db.session.execute(
            select(SourceReceipt, FundSource.name).join(FundSource, FundSource.id == SourceReceipt.source_id)
            .where(FundSource.fund_id == fund_id, *within(SourceReceipt.received_on))):
        out.append(Movement(MatchKind.RECEIPT, receipt.id, receipt.received_on, receipt.amount,
                            f"Money received from {source}", receipt.reference, source=source))
    for payment, number, title, intervention, capacity in db.session.execute(
            select(Payment, Grant.number, Grant.title, Grant.intervention, Grant.capacity_building)
            .join(Grant, Grant.id == Payment.grant_id).join(FundYear, FundYear.id == Grant.fund_year_id)
            .where(FundYear.fund_id == fund_id, Payment.status == PAID, *within(Payment.paid_on))):
        if payment.kind == PAYMENT:
            out.append(Movement(MatchKind.PAYMENT, payment.id, payment.paid_on, -payment.amount,
                                f"Payment on grant G-{number} ({title})", payment.reference or f"G-{number}",
                                intervention=intervention or "", spend=payment.spend, capacity=capacity))
        elif payment.kind == RETURN:
            out.append(Movement(MatchKind.GROUP_RETURN, payment.id, payment.paid_on, payment.amount,
                                f"Money paid back on grant G-{number} ({title})", payment.reference or f"G-{number}",
                                intervention=intervention or "", spend=payment.spend, capacity=capacity))
    for drawdown, agreement in db.session.execute(
            select(Drawdown, FundingAgreement).join(FundingAgreement, FundingAgreement.id == Drawdown.agreement_id)
            .where(FundingAgreement.fund_id == fund_id, Drawdown.status == DrawdownStatus.RECEIVED,
                   *within(Drawdown.received_on))):
        fee = agreement.fee_on(drawdown.amount)
        if fee:
            out.append(Movement(MatchKind.FEE, drawdown.id, drawdown.received_on, -fee,
                                f"{agreement.body_name}'s fee on drawdown {drawdown.reference}",
                                f"fee {drawdown.reference}"))
    for repayment, agreement in db.session.execute(
            select(FunderRepayment, FundingAgreement)
            .join(FundingAgreement, FundingAgreement.id == FunderRepayment.agreement_id)
            .where(FundingAgreement.fund_id == fund_id, *within(FunderRepayment.returned_on))):
        out.append(Movement(MatchKind.REPAYMENT, repayment.id, repayment.returned_on, -repayment.amount,
                            f"Unspent money returned to {agreement.funder_name}", repayment.reference))
    out.sort(key=lambda m: (m.on, m.kind, m.id))
    return out
