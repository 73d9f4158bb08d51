"""The funding agreement and its drawdowns. A facilitator records the agreement as signed (and each
variation, with why); the accountable body's officer asks for money against a line of its schedule;
the funder's representative approves or refuses; a treasurer records the money arriving, which is
the fund's receipt from its source, as any other. Each change checks its rule under the agreement's
lock, writes, and appends one ledger entry, in one transaction."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.funds import planning
from pb.funds.closing import refuse_if_closed
from pb.funds.figures import financial_year_of
from pb.funds.models import Fund, FundSource
from pb.ledger.services import record
from pb.money import is_financial_year, parse_pounds, pounds
from pb.neighbourhoods.models import FACILITATOR, TREASURER, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.numbers import MAX_INT
from pb.plans.services import plan_of
from pb.services import ServiceError, lock_row, one_transaction, transaction, under_lock

from .figures import agreement_figures
from .models import (
    MAX_FEE_BASIS_POINTS,
    AgreementVersion,
    BodyKind,
    Drawdown,
    DrawdownStatus,
    FunderRepayment,
    FundingAgreement,
    ScheduleLine,
)

WHOLE_PLAN = "whole plan"
_PERCENT = re.compile(r"^([0-9]{1,2})(\.[0-9]{1,2})?%?$")


def agreement_lock(agreement: FundingAgreement, *args, **kwargs):
    return (FundingAgreement, agreement.id)


def drawdown_lock(drawdown: Drawdown, *args, **kwargs):
    return (FundingAgreement, drawdown.agreement_id)


def parse_fee(raw: str) -> int:
    """"5" or "5%" or "2.5%" -> basis points (500, 250)."""
    text = (raw or "").strip().replace(" ", "")
    match = _PERCENT.match(text)
    if not match:
        raise ServiceError("Enter the fee as a percentage, like 5 or 2.5", field="fee")
    whole, part = match.group(1), (match.group(2) or ".")[1:]
    points = int(whole) * 100 + int((part + "00")[:2])
    if points > MAX_FEE_BASIS_POINTS:
        raise ServiceError(f"The fee must be {MAX_FEE_BASIS_POINTS // 100}% or less", field="fee")
    return points


def interventions_for(hood: Neighbourhood) -> dict[str, str]:
    """The plan's interventions (key -> name) a schedule line may name: of the plan in force."""
    plan = plan_of(hood)
    version = plan and (plan.current or (plan.versions[-1] if plan.versions else None))
    return {i["key"]: i["name"] for i in version.content["interventions"]} if version else {}


def parse_schedule(text: str, fund: Fund, interventions: dict[str, str]) -> list[tuple[str, str, int]]:
    """(financial year, intervention key or "", pence) for each line of "2026/27, Youth activities,
    £40,000"; a ServiceError naming every bad line, nothing kept."""
    by_name = {name.strip().lower(): key for key, name in interventions.items()}
    problems, rows, seen = [], [], {}
    lines = (text or "").splitlines()
    if len(lines) > 500:
        raise ServiceError("A schedule has at most 500 lines", field="schedule")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) == 4 and parts[2].startswith("£"):  # "£40,000" split at its comma
            parts = [parts[0], parts[1], parts[2] + parts[3]]
        if len(parts) != 3:
            problems.append(f"line {number}: write the year, what it is for and the amount, with commas between them")
            continue
        year, what, amount_text = parts
        before = len(problems)
        if not is_financial_year(year):
            problems.append(f"line {number}: {year!r} is not a financial year like 2027/28")
        elif year not in fund.financial_years:
            problems.append(f"line {number}: {year} is outside the fund's life ({fund.span})")
        key = "" if what.lower() in ("", WHOLE_PLAN) else (what if what in interventions else by_name.get(what.lower()))
        if key is None:
            names = ", ".join(interventions.values())
            problems.append(f"line {number}: {what!r} is not one of the plan's interventions"
                            + (f" ({names}), or write ‘{WHOLE_PLAN}’" if names else f"; write ‘{WHOLE_PLAN}’"))
        amount = parse_pounds(amount_text)
        if amount is None or amount == 0:
            problems.append(f"line {number}: {amount_text!r} is not an amount of money more than £0")
        elif amount > MAX_INT:
            problems.append(f"line {number}: the amount must be {pounds(MAX_INT)} or less")
        if key is not None and (year, key) in seen:
            problems.append(f"line {number}: {year} for {what or WHOLE_PLAN} is already on line {seen[(year, key)]}")
        if key is not None:
            seen.setdefault((year, key), number)
        if len(problems) == before:
            rows.append((year, key, amount))
    if problems:
        raise ServiceError("Nothing was saved. " + "; ".join(problems[:20]) +
                           (f"; and {len(problems) - 20} more" if len(problems) > 20 else ""), field="schedule")
    if not rows:
        raise ServiceError("Enter the payment schedule: one line for each year (and intervention)", field="schedule")
    return rows


def schedule_text(agreement: FundingAgreement) -> str:
    """The schedule as the form shows it, to edit for a variation."""
    names = interventions_for(agreement.fund.neighbourhood)
    return "\n".join(f"{line.financial_year}, {names.get(line.intervention, line.intervention) or WHOLE_PLAN}, "
                     f"{pounds(line.amount).replace(',', '')}" for line in agreement.schedule)


def _contact(email: str, field: str, who: str) -> User:
    email = (email or "").strip().lower()
    if not email:
        raise ServiceError(f"Enter the email address of {who}", field=field)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email, User.erased_at.is_(None)))
    if user is None:
        raise ServiceError(f"Nobody has a pb account with that address: ask {who} to register first, then name them here",
                           field=field)
    return user


def _terms(agreement: FundingAgreement) -> dict:
    return {"amount": agreement.amount, "fee_basis_points": agreement.fee_basis_points,
            "conditions": agreement.conditions, "funder": agreement.funder_name, "body": agreement.body_name,
            "schedule": [[line.financial_year, line.intervention, line.amount] for line in agreement.schedule]}


def _check_total(amount: int, rows) -> None:
    total = sum(row[2] for row in rows)
    if total != amount:
        raise ServiceError(f"The schedule adds up to {pounds(total)}, but the agreement is for {pounds(amount)}: "
                           "they must be the same", field="schedule")


def set_up(hood: Neighbourhood, actor: User, *, source: FundSource | None, funder_name: str, body_name: str,
           body_kind: str, amount: int | None, fee: str, conditions: str, signed_on: date | None,
           body_contact_email: str, funder_contact_email: str, schedule: str) -> FundingAgreement:
    """Record the agreement as signed: version 1, with its schedule."""
    require_role(actor, hood.id, FACILITATOR, "Only facilitators record a funding agreement")
    if source is None or source.fund.neighbourhood_id != hood.id:
        raise ServiceError("Choose the fund's source the money comes in as", field="source_id")
    fund = source.fund
    refuse_if_closed(fund, "take a new agreement", field="source_id")
    funder_name = _name(funder_name, "funder_name", "the funder")
    body_name = _name(body_name, "body_name", "the accountable body")
    if body_kind not in BodyKind.labels():
        raise ServiceError("Choose what kind of body holds the money", field="body_kind")
    amount = _money(amount, "amount", "The agreement's amount")
    fee_points = parse_fee(fee)
    conditions = _conditions(conditions)
    if signed_on is None:
        raise ServiceError("Enter the day the agreement was signed", field="signed_on")
    if signed_on > timeutil.today():
        raise ServiceError("The day it was signed cannot be in the future", field="signed_on")
    body_contact = _contact(body_contact_email, "body_contact_email", "the accountable body's officer")
    funder_contact = _contact(funder_contact_email, "funder_contact_email", "the funder's representative")
    if body_contact.id == funder_contact.id:
        raise ServiceError("The funder's representative must be someone other than the accountable body's officer: "
                           "one asks for the money, the other approves it", field="funder_contact_email")
    rows = parse_schedule(schedule, fund, interventions_for(hood))
    _check_total(amount, rows)
    with transaction():
        lock_row(Neighbourhood, hood.id)  # the agreement's number, and one agreement a source
        if db.session.scalar(select(FundingAgreement.id).where(FundingAgreement.source_id == source.id)):
            raise ServiceError(f"{source.name} already has a funding agreement: vary that one instead",
                               field="source_id")
        number = (db.session.scalar(select(func.max(FundingAgreement.number))
                                    .where(FundingAgreement.neighbourhood_id == hood.id)) or 0) + 1
        agreement = FundingAgreement(
            neighbourhood_id=hood.id, number=number, fund_id=fund.id, source_id=source.id, funder_name=funder_name,
            body_name=body_name, body_kind=body_kind, amount=amount, fee_basis_points=fee_points,
            conditions=conditions, signed_on=signed_on, body_contact_id=body_contact.id,
            funder_contact_id=funder_contact.id, created_by_id=actor.id)
        db.session.add(agreement)
        db.session.flush()
        for year, key, line_amount in rows:
            db.session.add(ScheduleLine(agreement_id=agreement.id, financial_year=year, intervention=key,
                                        amount=line_amount))
        db.session.flush()
        db.session.expire(agreement, ["schedule"])
        terms = _terms(agreement)
        db.session.add(AgreementVersion(agreement_id=agreement.id, number=1, terms=terms, reason="As signed",
                                        created_by_id=actor.id))
        record("agreement.signed", agreement, actor=actor, neighbourhood=hood,
               payload={"agreement": agreement.reference, "fund": fund.id, "source": source.name,
                        "body_kind": body_kind, "signed_on": signed_on.isoformat(),
                        "body_contact": body_contact.pseudonym, "funder_contact": funder_contact.pseudonym, **terms})
    return agreement


@under_lock(agreement_lock)
def vary(agreement: FundingAgreement, actor: User, *, amount: int | None, fee: str, conditions: str, schedule: str,
         reason: str, body_contact_email: str = "", funder_contact_email: str = "") -> FundingAgreement:
    """A new version of the terms. A line already drawn on stays, at no less than was asked of it. The
    named officer and representative may change with it (blank: they stay)."""
    hood = agreement.fund.neighbourhood
    require_role(actor, hood.id, FACILITATOR, "Only facilitators record a variation of the agreement")
    refuse_if_closed(agreement.fund, "vary its agreement", field="reason")
    amount = _money(amount, "amount", "The agreement's amount")
    fee_points = parse_fee(fee)
    conditions = _conditions(conditions)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why the agreement changed, as the variation letter does", field="reason")
    if len(reason) > 2000:
        raise ServiceError("Keep the reason to 2,000 characters or fewer", field="reason")
    rows = parse_schedule(schedule, agreement.fund, interventions_for(hood))
    _check_total(amount, rows)
    body_contact = (_contact(body_contact_email, "body_contact_email", "the accountable body's officer")
                    if (body_contact_email or "").strip() else agreement.body_contact)
    funder_contact = (_contact(funder_contact_email, "funder_contact_email", "the funder's representative")
                      if (funder_contact_email or "").strip() else agreement.funder_contact)
    if body_contact.id == funder_contact.id:
        raise ServiceError("The funder's representative must be someone other than the accountable body's officer: "
                           "one asks for the money, the other approves it", field="funder_contact_email")
    figures = agreement_figures(agreement)
    if amount < figures.received:
        raise ServiceError(f"{pounds(figures.received)} has already been drawn: the agreement cannot be for less",
                           field="amount")
    if fee_points != agreement.fee_basis_points and figures.received:
        raise ServiceError("The fee cannot change once money has been drawn: the fee already taken was worked out "
                           "at the agreed rate", field="fee")
    new = {(year, key): line_amount for year, key, line_amount in rows}
    names = interventions_for(hood)
    for line in figures.lines:
        if line.asked and new.get((line.line.financial_year, line.line.intervention), 0) < line.asked:
            what = names.get(line.line.intervention, line.line.intervention) or WHOLE_PLAN
            raise ServiceError(f"{line.line.financial_year} for {what} has {pounds(line.asked)} asked for or drawn: "
                               "keep that line at no less", field="schedule")
    existing = {(line.financial_year, line.intervention): line for line in agreement.schedule}
    for key, line in existing.items():
        if key not in new:
            db.session.delete(line)
        else:
            line.amount = new[key]
    for (year, key), line_amount in new.items():
        if (year, key) not in existing:
            db.session.add(ScheduleLine(agreement_id=agreement.id, financial_year=year, intervention=key,
                                        amount=line_amount))
    was = _terms(agreement)
    contacts = {}
    if body_contact.id != agreement.body_contact_id:
        contacts["body_contact"] = body_contact.pseudonym
    if funder_contact.id != agreement.funder_contact_id:
        contacts["funder_contact"] = funder_contact.pseudonym
    agreement.body_contact_id, agreement.funder_contact_id = body_contact.id, funder_contact.id
    agreement.amount, agreement.fee_basis_points, agreement.conditions = amount, fee_points, conditions
    agreement.version += 1
    db.session.flush()
    db.session.expire(agreement, ["schedule"])
    terms = _terms(agreement)
    db.session.add(AgreementVersion(agreement_id=agreement.id, number=agreement.version, terms=terms, reason=reason,
                                    created_by_id=actor.id))
    record("agreement.varied", agreement, actor=actor, neighbourhood=hood,
           payload={"agreement": agreement.reference, "version": agreement.version, "reason": reason,
                    **terms, **contacts, "was": was})
    return agreement


# --- drawdowns ---------------------------------------------------------------------------------------------

@under_lock(agreement_lock)
def request_drawdown(agreement: FundingAgreement, actor: User, *, line: ScheduleLine | None, amount: int | None,
                     covers: str) -> Drawdown:
    """The accountable body's officer asks for money due under one line of the schedule."""
    if actor.id != agreement.body_contact_id:
        raise ServiceError(f"Only {agreement.body_name}'s named officer asks for money under this agreement")
    refuse_if_closed(agreement.fund, "draw more money", field="amount")
    if line is None or line.agreement_id != agreement.id:
        raise ServiceError("Choose the line of the schedule the money is for", field="schedule_line_id")
    amount = _money(amount, "amount", "The amount asked for")
    covers = (covers or "").strip()
    if not covers:
        raise ServiceError("Say what the money will pay for", field="covers")
    if len(covers) > 2000:
        raise ServiceError("Keep what it covers to 2,000 characters or fewer", field="covers")
    left = agreement_figures(agreement).by_line[line.id].left
    if amount > left:
        raise ServiceError(f"That line has {pounds(left)} left to ask for", field="amount")
    number = (db.session.scalar(select(func.max(Drawdown.number)).where(Drawdown.agreement_id == agreement.id)) or 0) + 1
    drawdown = Drawdown(agreement_id=agreement.id, number=number, schedule_line_id=line.id, amount=amount,
                        covers=covers, requested_by_id=actor.id, requested_on=timeutil.today())
    db.session.add(drawdown)
    db.session.flush()
    record("drawdown.requested", drawdown, actor=actor, neighbourhood=agreement.fund.neighbourhood,
           payload={"agreement": agreement.reference, "drawdown": drawdown.reference, "amount": amount,
                    "financial_year": line.financial_year, "intervention": line.intervention, "covers": covers,
                    "fee": agreement.fee_on(amount)})
    return drawdown


@under_lock(drawdown_lock)
def decide_drawdown(drawdown: Drawdown, actor: User, *, approve: bool, reason: str = "") -> Drawdown:
    """The funder's representative approves the request, or refuses it with a reason."""
    agreement = drawdown.agreement
    if actor.id != agreement.funder_contact_id:
        raise ServiceError(f"Only {agreement.funder_name}'s named representative decides on drawdowns")
    if drawdown.status != DrawdownStatus.REQUESTED:
        raise ServiceError(f"{drawdown.reference} is already decided: {drawdown.status_label.lower()}")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError("Say why the request is refused: the accountable body sees it", field="reason")
    if len(reason) > 2000:
        raise ServiceError("Keep the reason to 2,000 characters or fewer", field="reason")
    drawdown.status = DrawdownStatus.APPROVED if approve else DrawdownStatus.REFUSED
    drawdown.decided_by_id, drawdown.decided_on, drawdown.refusal_reason = actor.id, timeutil.today(), reason
    record("drawdown.approved" if approve else "drawdown.refused", drawdown, actor=actor,
           neighbourhood=agreement.fund.neighbourhood,
           payload={"agreement": agreement.reference, "drawdown": drawdown.reference, "amount": drawdown.amount,
                    **({"reason": reason} if reason else {})})
    return drawdown


def receive_drawdown(drawdown: Drawdown, actor: User, *, received_on: date | None, reference: str = "") -> Drawdown:
    """The approved money arrived: the fund's receipt from the agreement's source, in the same transaction."""
    with one_transaction():
        lock_row(FundingAgreement, drawdown.agreement_id)
        drawdown = db.session.get(Drawdown, drawdown.id)
        agreement = drawdown.agreement
        require_role(actor, agreement.neighbourhood_id, TREASURER, "Only treasurers record money received")
        if drawdown.status != DrawdownStatus.APPROVED:
            raise ServiceError(f"{drawdown.reference} is not waiting for its money: {drawdown.status_label.lower()}")
        if received_on is not None and received_on < drawdown.decided_on:
            raise ServiceError("The money cannot have arrived before the funder approved it", field="received_on")
        reference = (reference or "").strip() or f"{agreement.reference} {drawdown.reference}"
        receipt = planning.record_receipt(agreement.source, actor, amount=drawdown.amount, received_on=received_on,
                                          reference=reference)
        drawdown = db.session.get(Drawdown, drawdown.id)
        drawdown.status, drawdown.receipt_id, drawdown.received_on = DrawdownStatus.RECEIVED, receipt.id, receipt.received_on
        record("drawdown.received", drawdown, actor=actor, neighbourhood=drawdown.agreement.fund.neighbourhood,
               payload={"agreement": drawdown.agreement.reference, "drawdown": drawdown.reference,
                        "amount": drawdown.amount, "received_on": receipt.received_on.isoformat(),
                        "receipt": receipt.id, "fee": drawdown.agreement.fee_on(drawdown.amount)})
    return drawdown


@under_lock(agreement_lock)
def record_repayment(agreement: FundingAgreement, actor: User, *, amount: int | None, returned_on: date | None,
                     reference: str = "") -> FunderRepayment:
    """Unspent money paid back to the funder: no more than was drawn and not yet paid back."""
    require_role(actor, agreement.neighbourhood_id, TREASURER, "Only treasurers record money paid back to the funder")
    amount = _money(amount, "amount", "The amount paid back")
    if returned_on is None:
        raise ServiceError("Enter the day the money was paid back", field="returned_on")
    if returned_on > timeutil.today():
        raise ServiceError("The day it was paid back cannot be in the future", field="returned_on")
    figures = agreement_figures(agreement)
    if amount > figures.received - figures.repaid:
        raise ServiceError(f"Only {pounds(figures.received - figures.repaid)} has been drawn and not paid back",
                           field="amount")
    reference = (reference or "").strip()
    if len(reference) > 120:
        raise ServiceError("The reference must be 120 characters or fewer", field="reference")
    repayment = FunderRepayment(agreement_id=agreement.id, amount=amount, returned_on=returned_on,
                                reference=reference, recorded_by_id=actor.id)
    db.session.add(repayment)
    db.session.flush()
    record("agreement.repaid", repayment, actor=actor, neighbourhood=agreement.fund.neighbourhood,
           payload={"agreement": agreement.reference, "amount": amount, "returned_on": returned_on.isoformat(),
                    "financial_year": financial_year_of(returned_on), "fee_returned": agreement.fee_on(amount),
                    "reference": reference})
    return repayment


# --- small rules ---------------------------------------------------------------------------------------------

def _name(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(f"Enter the name of {what}", field=field)
    if len(value) > 120:
        raise ServiceError("Keep the name to 120 characters or fewer", field=field)
    return value


def _money(value: int | None, field: str, label: str) -> int:
    if value is None:
        raise ServiceError(f"Enter {label.lower()}", field=field)
    if value <= 0:
        raise ServiceError(f"{label} must be more than £0", field=field)
    if value > MAX_INT:
        raise ServiceError(f"{label} must be {pounds(MAX_INT)} or less", field=field)
    return value


def _conditions(value: str) -> str:
    value = (value or "").strip()
    if len(value) > 10_000:
        raise ServiceError("Keep the conditions to 10,000 characters or fewer", field="conditions")
    return value


def agreements_of(hood: Neighbourhood) -> list[FundingAgreement]:
    return list(db.session.scalars(select(FundingAgreement).where(FundingAgreement.neighbourhood_id == hood.id)
                                   .order_by(FundingAgreement.number)))


def drawdowns_of(agreement: FundingAgreement) -> list[Drawdown]:
    return list(db.session.scalars(select(Drawdown).where(Drawdown.agreement_id == agreement.id)
                                   .order_by(Drawdown.number)))


def repayments_of(agreement: FundingAgreement) -> list[FunderRepayment]:
    return list(db.session.scalars(select(FunderRepayment).where(FunderRepayment.agreement_id == agreement.id)
                                   .order_by(FunderRepayment.returned_on, FunderRepayment.id)))


def sources_of(hood: Neighbourhood) -> list[FundSource]:
    """Every source of the neighbourhood's open funds: what an agreement's money may come in as."""
    return list(db.session.scalars(select(FundSource).join(Fund, Fund.id == FundSource.fund_id).where(
        Fund.neighbourhood_id == hood.id, Fund.closed_on.is_(None)).order_by(Fund.id, FundSource.id)))
