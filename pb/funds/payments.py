"""Paying grants out and taking money back. A treasurer records payments (facilitators too, if the
neighbourhood allows); a payment at or above the neighbourhood's threshold needs a second person, a
board member who did not record it and has no interest in the grant, before it counts as paid.
Each change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.money import is_financial_year, pounds
from pb.neighbourhoods.models import BOARD_MEMBER
from pb.neighbourhoods.services import role_in
from pb.services import ServiceError, transaction, under_lock

from .closing import refuse_if_closed
from .figures import financial_year_of, fund_lock, grant_fund_lock, grant_money
from .grants import interested
from .models import (
    ACTIVE,
    APPROVED,
    AWAITING_APPROVAL,
    CANCELLED,
    COMPLETED,
    PAID,
    PAYMENT,
    RETURN,
    SPEND_KINDS,
    SUSPENDED,
    Grant,
    Payment,
    Tranche,
)
from .planning import may_record_payments


def _recorder(grant: Grant, actor: User) -> None:
    hood = grant.fund_year.fund.neighbourhood
    if not may_record_payments(actor, hood):
        raise ServiceError("Only treasurers record payments" + (
            "" if hood.facilitators_record_payments else ". Facilitators can too only if the board allows it "
                                                         "in the money settings"))
    mine = interested(grant).get(actor.id)
    if mine is not None:
        raise ServiceError(f"You declared an interest in {grant.reference} (‘{mine}’), so you take no part in its "
                           "payments: another treasurer records them")


def _unapproved(grant: Grant) -> int:
    """What has been paid, or is waiting, on this grant without a second person's approval."""
    return db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.grant_id == grant.id, Payment.kind == PAYMENT, Payment.approved_by_id.is_(None),
        Payment.status.in_((PAID, AWAITING_APPROVAL))))


def _reference(reference: str) -> str:
    reference = (reference or "").strip()
    if len(reference) > 120:
        raise ServiceError("The reference must be 120 characters or fewer", field="reference")
    return reference


def _financial_year(grant: Grant, financial_year: str | None, day: date, field: str) -> str:
    financial_year = (financial_year or "").strip() or financial_year_of(day)
    if not is_financial_year(financial_year):
        raise ServiceError("Financial year must be a year like 2027/28", field="financial_year")
    fund = grant.fund_year.fund
    if financial_year not in fund.financial_years:
        raise ServiceError(f"{financial_year} is outside the fund's life ({fund.span})", field=field)
    return financial_year


@under_lock(grant_fund_lock)
def add_tranche(grant: Grant, actor: User, *, label: str, due_on: date | None, amount: int | None) -> Tranche:
    """A scheduled part-payment; the tranches together may not exceed the grant."""
    _recorder(grant, actor)
    if grant.status in (CANCELLED, COMPLETED):
        raise ServiceError(f"{grant.reference} is {grant.status}")
    label = (label or "").strip() or "Tranche"
    if len(label) > 120:
        raise ServiceError("The label must be 120 characters or fewer", field="label")
    if amount is None or amount <= 0:
        raise ServiceError("The amount must be more than £0", field="amount")
    if due_on is None:
        raise ServiceError("Enter the date the tranche is due", field="due_on")
    if not grant.starts_on <= due_on <= grant.ends_on:
        raise ServiceError(f"The tranche must fall due within the grant, between {grant.starts_on:%-d %B %Y} and "
                           f"{grant.ends_on:%-d %B %Y}", field="due_on")
    scheduled = sum(t.amount for t in grant.tranches)
    if scheduled + amount > grant.amount:
        raise ServiceError(f"Tranches already schedule {pounds(scheduled)} of the {pounds(grant.amount)} grant, so "
                           f"{pounds(grant.amount - scheduled)} is the most this one can be", field="amount")
    with transaction():
        tranche = Tranche(grant_id=grant.id, label=label, due_on=due_on, amount=amount)
        db.session.add(tranche)
        db.session.flush()
        record("grant.tranche_scheduled", tranche, actor=actor, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "label": label, "due_on": due_on.isoformat(), "amount": amount})
    return tranche


@under_lock(grant_fund_lock)
def record_payment(grant: Grant, actor: User, *, amount: int | None, paid_on: date | None, spend: str,
                   financial_year: str | None = None, reference: str = "", tranche_id: int | None = None) -> Payment:
    _recorder(grant, actor)
    if grant.status in (CANCELLED, COMPLETED):
        raise ServiceError(f"{grant.reference} is {grant.status}: no more money can be paid on it")
    if grant.status == SUSPENDED:
        raise ServiceError(f"{grant.reference} is suspended: the board must lift the suspension before any payment")
    if grant.status != ACTIVE:
        raise ServiceError(f"{grant.body_name or 'The group'} has not accepted the grant yet: money is paid only on an "
                           "accepted agreement")
    if amount is None or amount <= 0:
        raise ServiceError("The amount must be more than £0", field="amount")
    money = grant_money([grant.id])[grant.id]
    unpaid = grant.amount - money["paid"] - money["awaiting"]
    if amount > unpaid:
        raise ServiceError(f"Only {pounds(unpaid)} of the {pounds(grant.amount)} grant is unpaid"
                           + (f" ({pounds(money['awaiting'])} is waiting for approval)" if money["awaiting"] else ""),
                           field="amount")
    if paid_on is None:
        raise ServiceError("Enter the date of the payment", field="paid_on")
    if not grant.starts_on <= paid_on <= grant.ends_on:
        raise ServiceError(f"The payment date must be within the grant, between {grant.starts_on:%-d %B %Y} and "
                           f"{grant.ends_on:%-d %B %Y}", field="paid_on")
    if paid_on > timeutil.today():
        raise ServiceError("The payment date cannot be in the future: record payments once they are made",
                           field="paid_on")
    if spend not in SPEND_KINDS:
        raise ServiceError("Choose revenue or capital", field="spend")
    financial_year = _financial_year(grant, financial_year, paid_on, "financial_year")
    tranche = None
    if tranche_id is not None:
        tranche = db.session.get(Tranche, tranche_id)
        if tranche is None or tranche.grant_id != grant.id:
            raise ServiceError("Choose one of this grant's tranches", field="tranche_id")
    reference = _reference(reference)
    hood = grant.fund_year.fund.neighbourhood
    # Per grant, not per payment: three payments of £999.99 need a second person as one of £2,999.97 would.
    unapproved = _unapproved(grant)
    needs_second = unapproved + amount >= hood.payment_approval_threshold
    with transaction():
        payment = Payment(grant_id=grant.id, kind=PAYMENT, amount=amount, paid_on=paid_on, spend=spend,
                          financial_year=financial_year, reference=reference, tranche_id=tranche_id,
                          status=AWAITING_APPROVAL if needs_second else PAID, recorded_by_id=actor.id)
        db.session.add(payment)
        db.session.flush()
        record("payment.recorded", payment, actor=actor, neighbourhood=hood,
               payload={"grant": grant.reference, "amount": amount, "paid_on": paid_on.isoformat(), "spend": spend,
                        "financial_year": financial_year, "reference": reference,
                        "tranche": tranche.label if tranche else None, "status": payment.status,
                        "threshold": hood.payment_approval_threshold, "unapproved_before": unapproved})
    return payment


@under_lock(lambda payment, *args, **kwargs: fund_lock(payment.grant.fund_year))
def approve_payment(payment: Payment, member: User) -> None:
    grant = payment.grant
    if role_in(member, grant.neighbourhood_id, BOARD_MEMBER) is None:
        raise ServiceError("Only partnership board members approve payments")
    if payment.status != AWAITING_APPROVAL:
        raise ServiceError("This payment is not waiting for approval")
    if payment.recorded_by_id == member.id:
        raise ServiceError("You recorded this payment, so someone else must approve it: that is the point of a "
                           "second person")
    mine = interested(grant).get(member.id)
    if mine is not None:
        raise ServiceError(f"You declared an interest in {grant.reference} (‘{mine}’), so you cannot approve its "
                           "payments")
    if grant.status not in (ACTIVE, APPROVED):
        raise ServiceError(f"{grant.reference} is {grant.status}: this payment can no longer be approved")
    with transaction():
        payment.status, payment.approved_by_id, payment.approved_at = PAID, member.id, timeutil.stamp()
        record("payment.approved", payment, actor=member, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "amount": payment.amount, "paid_on": payment.paid_on.isoformat(),
                        "financial_year": payment.financial_year, "recorded_by": payment.recorded_by.pseudonym})


@under_lock(grant_fund_lock)
def record_return(grant: Grant, actor: User, *, amount: int | None, returned_on: date | None,
                  reference: str = "") -> Payment:
    """Money the group paid back (unspent, or clawed back): it goes back to the fund in the year it
    arrives, and carries forward from there."""
    _recorder(grant, actor)
    refuse_if_closed(grant.fund_year.fund, "take money back: record it in whoever holds the money now",
                     field="amount")
    if amount is None or amount <= 0:
        raise ServiceError("The amount must be more than £0", field="amount")
    money = grant_money([grant.id])[grant.id]
    returnable = money["paid"] - money["returned"]
    if amount > returnable:
        raise ServiceError(f"{pounds(returnable)} has been paid on {grant.reference} and not returned, so that is the "
                           "most that can come back", field="amount")
    if returned_on is None:
        raise ServiceError("Enter the date the money came back", field="returned_on")
    if returned_on > timeutil.today():
        raise ServiceError("The date the money came back cannot be in the future", field="returned_on")
    financial_year = _financial_year(grant, None, returned_on, "returned_on")
    reference = _reference(reference)
    with transaction():
        payment = Payment(grant_id=grant.id, kind=RETURN, amount=amount, paid_on=returned_on, spend="revenue",
                          financial_year=financial_year, reference=reference, status=PAID, recorded_by_id=actor.id)
        db.session.add(payment)
        db.session.flush()
        record("payment.returned", payment, actor=actor, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "amount": amount, "returned_on": returned_on.isoformat(),
                        "financial_year": financial_year, "reference": reference})
    return payment


def payments_of(grant: Grant) -> list[Payment]:
    return db.session.scalars(select(Payment).where(Payment.grant_id == grant.id)
                              .order_by(Payment.paid_on, Payment.id)).all()


def awaiting_approval(hood_id: int) -> list[Payment]:
    return db.session.scalars(select(Payment).join(Grant, Grant.id == Payment.grant_id).where(
        Grant.neighbourhood_id == hood_id, Payment.status == AWAITING_APPROVAL).order_by(Payment.id)).all()

