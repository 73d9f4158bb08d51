"""Monitoring returns and the risk register. A facilitator starts a fund's return for a period and
writes its words and the next period's forecast (the figures are pb's); a board member approves it,
then the accountable body's named officer; a facilitator submits it, which keeps it as it stood and
publishes it. The daily job reminds facilitators before a return is due and when it is late. Each
change checks its rule under the return's (or the neighbourhood's) lock, writes, and appends one
ledger entry, in one transaction."""
from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.following import services as following
from pb.funds.models import Fund
from pb.ledger.services import record
from pb.mail import email_link, queue_email
from pb.money import pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, Membership, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.numbers import MAX_INT
from pb.services import ServiceError, lock_row, transaction, under_lock

from . import returnfigures
from .models import (
    FundingAgreement,
    Likelihood,
    MonitoringReturn,
    ReturnKind,
    ReturnReminder,
    ReturnStatus,
    RiskEntry,
)

NARRATIVE = {
    "summary": "Summary of the period",
    "done": "What was done",
    "planned": "What is planned for the next period",
    "capacity": "Building community capacity",
    "engagement": "How residents took part",
    "professional": "Professional services bought (with their costs)",
}
# The six-monthly update is a short public summary; the twelve-monthly return answers every part.
REQUIRED = {ReturnKind.SIX_MONTHLY: ("summary",), ReturnKind.ANNUAL: tuple(NARRATIVE)}
REMIND_BEFORE = timedelta(days=14)


def return_lock(return_: MonitoringReturn, *args, **kwargs):
    return (MonitoringReturn, return_.id)


def _facilitator(actor: User, hood_id: int, doing: str) -> None:
    require_role(actor, hood_id, FACILITATOR, f"Only facilitators {doing}")


def is_late(kind: str, due_on: date, return_: MonitoringReturn | None, today: date) -> bool:
    submitted = return_ is not None and return_.status == ReturnStatus.SUBMITTED
    return today > due_on and (not submitted or return_.submitted_on > due_on)


def start_return(fund: Fund, actor: User, *, kind: str, period_start: date | None) -> MonitoringReturn:
    """A new return for one of the periods the fund owes (see returnfigures.periods)."""
    hood = fund.neighbourhood
    _facilitator(actor, hood.id, "write monitoring returns")
    owed = {(k, first): (last, due) for k, first, last, due in returnfigures.periods(fund, timeutil.today())}
    if (kind, period_start) not in owed:
        raise ServiceError("Choose one of the periods the fund owes a return for", field="period")
    last, due = owed[(kind, period_start)]
    if last >= timeutil.today():
        raise ServiceError(f"That period ends on {last:%-d %B %Y}: start its return once it has ended", field="period")
    with transaction():
        lock_row(Fund, fund.id)  # two clicks at once start one return, not a unique-constraint error
        existing = db.session.scalar(select(MonitoringReturn).where(
            MonitoringReturn.fund_id == fund.id, MonitoringReturn.kind == kind,
            MonitoringReturn.period_start == period_start))
        if existing is not None:
            return existing
        return_ = MonitoringReturn(neighbourhood_id=hood.id, fund_id=fund.id, kind=kind, period_start=period_start,
                                   period_end=last, due_on=due, created_by_id=actor.id, narrative={}, forecast={})
        db.session.add(return_)
        db.session.flush()
        record("return.started", return_, actor=actor, neighbourhood=hood,
               payload={"fund": fund.id, "kind": kind, "period_start": period_start.isoformat(),
                        "period_end": last.isoformat(), "due_on": due.isoformat()})
    return return_


@under_lock(return_lock)
def write(return_: MonitoringReturn, actor: User, *, narrative: dict[str, str], forecast: dict[str, int | None]) -> None:
    """The facilitator's words and the next period's forecast, per intervention."""
    hood = return_.fund.neighbourhood
    _facilitator(actor, hood.id, "write monitoring returns")
    if return_.status != ReturnStatus.DRAFT:
        raise ServiceError(f"This return is {return_.status_label.lower()}: it can no longer be changed")
    words = {}
    for key in NARRATIVE:
        text = (narrative.get(key) or "").strip()
        if len(text) > 10_000:
            raise ServiceError("Keep each part to 10,000 characters or fewer", field=key)
        words[key] = text
    keys = set(returnfigures.interventions(hood)) | {""}
    amounts = {}
    for key, amount in forecast.items():
        if key not in keys:
            raise ServiceError("Forecast only the plan's interventions", field="forecast")
        if amount is None:
            continue
        if amount < 0 or amount > MAX_INT:
            raise ServiceError(f"A forecast must be from £0 to {pounds(MAX_INT)}", field=f"forecast_{key or 'untied'}")
        amounts[key] = amount
    was = {"narrative": return_.narrative, "forecast": return_.forecast}
    return_.narrative, return_.forecast = words, amounts
    record("return.written", return_, actor=actor, neighbourhood=hood,
           payload={"return": return_.id, "forecast": amounts, "parts": sorted(k for k, v in words.items() if v),
                    "was_forecast": was["forecast"]})


@under_lock(return_lock)
def approve_as_board(return_: MonitoringReturn, actor: User) -> None:
    hood = return_.fund.neighbourhood
    require_role(actor, hood.id, BOARD_MEMBER, "Only board members approve a return for the board")
    if return_.status != ReturnStatus.DRAFT:
        raise ServiceError(f"This return is already {return_.status_label.lower()}")
    missing = [NARRATIVE[k] for k in REQUIRED[return_.kind] if not (return_.narrative or {}).get(k)]
    if missing:
        raise ServiceError(f"The return is not finished: it needs ‘{missing[0]}’ first")
    return_.status, return_.board_approved_by_id, return_.board_approved_on = (ReturnStatus.BOARD_APPROVED, actor.id,
                                                                                timeutil.today())
    record("return.approved_by_board", return_, actor=actor, neighbourhood=hood, payload={"return": return_.id})


def body_contact(fund: Fund) -> int | None:
    """The accountable body's named officer: of the fund's (first) funding agreement."""
    return db.session.scalar(select(FundingAgreement.body_contact_id).where(FundingAgreement.fund_id == fund.id)
                             .order_by(FundingAgreement.number))


@under_lock(return_lock)
def approve_as_body(return_: MonitoringReturn, actor: User) -> None:
    officer = body_contact(return_.fund)
    if officer is None or actor.id != officer:
        raise ServiceError("Only the accountable body's officer named on the funding agreement approves for it")
    if return_.status != ReturnStatus.BOARD_APPROVED:
        raise ServiceError("The board approves the return first" if return_.status == ReturnStatus.DRAFT
                           else f"This return is already {return_.status_label.lower()}")
    return_.status, return_.body_approved_by_id, return_.body_approved_on = (ReturnStatus.BODY_APPROVED, actor.id,
                                                                              timeutil.today())
    record("return.approved_by_body", return_, actor=actor, neighbourhood=return_.fund.neighbourhood,
           payload={"return": return_.id})


def digest(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@under_lock(return_lock)
def submit(return_: MonitoringReturn, actor: User) -> None:
    """Keep the return as it stands (figures, words, forecast, risks) and publish it."""
    hood = return_.fund.neighbourhood
    _facilitator(actor, hood.id, "submit monitoring returns")
    if return_.status == ReturnStatus.SUBMITTED:
        raise ServiceError("This return was already submitted")
    if return_.status != ReturnStatus.BODY_APPROVED and body_contact(return_.fund) is not None:
        raise ServiceError("The board and then the accountable body approve the return before it is submitted")
    if return_.status == ReturnStatus.DRAFT:
        raise ServiceError("The board approves the return before it is submitted")
    content = {"figures": returnfigures.build(return_), "narrative": return_.narrative,
               "forecast_next_period": return_.forecast, "risks": [r.as_row() for r in risks_of(hood)]}
    return_.submitted, return_.status = content, ReturnStatus.SUBMITTED
    return_.submitted_by_id, return_.submitted_on = actor.id, timeutil.today()
    told = following.tell("reports", hood, f"{hood.name}: {return_.kind_label.lower()} for {return_.period_label} published",
                          "report_news", hood=hood, what=(f"{hood.name}'s {return_.kind_label.lower()} to the funder for "
                                                          f"{return_.period_label} is published, with its figures."),
                          link=email_link("reports.monitoring_return", slug=hood.slug, return_id=return_.id))
    record("return.submitted", return_, actor=actor, neighbourhood=hood,
           payload={"return": return_.id, "fund": return_.fund_id, "kind": return_.kind,
                    "period_start": return_.period_start.isoformat(), "sha256": digest(content),
                    "late": return_.submitted_on > return_.due_on, "followers_told": told})


def content_of(return_: MonitoringReturn) -> dict:
    """The return as published once submitted, or as it stands while it is written."""
    if return_.submitted is not None:
        return return_.submitted
    return {"figures": returnfigures.build(return_), "narrative": return_.narrative,
            "forecast_next_period": return_.forecast, "risks": [r.as_row() for r in risks_of(return_.fund.neighbourhood)]}


# --- the risk register -----------------------------------------------------------------------------------------

def _risk_fields(risk: str, likelihood: str, impact: str, mitigation: str, owner: str) -> tuple:
    risk, mitigation, owner = (risk or "").strip(), (mitigation or "").strip(), (owner or "").strip()
    if not risk:
        raise ServiceError("Describe the risk", field="risk")
    if len(risk) > 2000 or len(mitigation) > 2000:
        raise ServiceError("Keep it to 2,000 characters or fewer", field="risk" if len(risk) > 2000 else "mitigation")
    if likelihood not in Likelihood.labels():
        raise ServiceError("Choose how likely it is", field="likelihood")
    if impact not in Likelihood.labels():
        raise ServiceError("Choose how much it would matter", field="impact")
    if not mitigation:
        raise ServiceError("Say what is being done about it", field="mitigation")
    if not owner:
        raise ServiceError("Say who acts on it: a role or an organisation", field="owner")
    if len(owner) > 120:
        raise ServiceError("Keep the owner to 120 characters or fewer", field="owner")
    return risk, likelihood, impact, mitigation, owner


@under_lock(lambda hood, *args, **kwargs: (Neighbourhood, hood.id))
def add_risk(hood: Neighbourhood, actor: User, *, risk: str, likelihood: str, impact: str, mitigation: str,
             owner: str) -> RiskEntry:
    _facilitator(actor, hood.id, "keep the risk register")
    risk, likelihood, impact, mitigation, owner = _risk_fields(risk, likelihood, impact, mitigation, owner)
    number = (db.session.scalar(select(func.max(RiskEntry.number)).where(RiskEntry.neighbourhood_id == hood.id)) or 0) + 1
    entry = RiskEntry(neighbourhood_id=hood.id, number=number, risk=risk, likelihood=likelihood, impact=impact,
                      mitigation=mitigation, owner=owner, created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    record("risk.added", entry, actor=actor, neighbourhood=hood, payload=entry.as_row())
    return entry


@under_lock(lambda entry, *args, **kwargs: (RiskEntry, entry.id))
def update_risk(entry: RiskEntry, actor: User, *, risk: str, likelihood: str, impact: str, mitigation: str,
                owner: str, closed: bool) -> RiskEntry:
    hood = db.session.get(Neighbourhood, entry.neighbourhood_id)
    _facilitator(actor, hood.id, "keep the risk register")
    fields = _risk_fields(risk, likelihood, impact, mitigation, owner)
    was = entry.as_row()
    entry.risk, entry.likelihood, entry.impact, entry.mitigation, entry.owner = fields
    entry.closed_on = (entry.closed_on or timeutil.today()) if closed else None
    entry.updated_at = timeutil.utcnow()
    record("risk.updated", entry, actor=actor, neighbourhood=hood, payload={**entry.as_row(), "was": was})
    return entry


def risks_of(hood: Neighbourhood) -> list[RiskEntry]:
    return list(db.session.scalars(select(RiskEntry).where(RiskEntry.neighbourhood_id == hood.id)
                                   .order_by(RiskEntry.closed_on.is_not(None), RiskEntry.number)))


# --- due dates and reminders -------------------------------------------------------------------------------------

def schedule(fund: Fund, today: date) -> list[dict]:
    """Every period the fund owes a return for, newest first, with its return (if started) and state."""
    started = {(r.kind, r.period_start): r for r in db.session.scalars(
        select(MonitoringReturn).where(MonitoringReturn.fund_id == fund.id))}
    out = []
    for kind, first, last, due in returnfigures.periods(fund, today):
        return_ = started.get((kind, first))
        out.append({"kind": kind, "label": ReturnKind(kind).label, "start": first, "end": last, "due_on": due,
                    "return": return_, "ended": last < today, "late": is_late(kind, due, return_, today)})
    return out


def remind(hood: Neighbourhood, today: date) -> list[str]:
    """Email the facilitators once when a return is due within two weeks, and once when it is late."""
    facilitators = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.neighbourhood_id == hood.id, Membership.role == FACILITATOR, User.erased_at.is_(None))).all()
    sent = []
    for fund in db.session.scalars(select(Fund).where(Fund.neighbourhood_id == hood.id, Fund.closed_on.is_(None))):
        for row in schedule(fund, today):
            submitted = row["return"] is not None and row["return"].status == ReturnStatus.SUBMITTED
            if submitted or not row["ended"]:
                continue
            which = "late" if row["late"] else "due" if row["due_on"] - REMIND_BEFORE <= today else None
            if which is None:
                continue
            with transaction():
                done = db.session.scalar(select(ReturnReminder.id).where(
                    ReturnReminder.fund_id == fund.id, ReturnReminder.kind == row["kind"],
                    ReturnReminder.period_start == row["start"], ReturnReminder.which == which))
                if done:
                    continue
                db.session.add(ReturnReminder(fund_id=fund.id, kind=row["kind"], period_start=row["start"], which=which,
                                              sent_on=today))
                for person in facilitators:
                    queue_email(person.email, f"{hood.name}: the {row['label'].lower()} for {fund.name} is "
                                              f"{'late' if which == 'late' else 'due on ' + row['due_on'].strftime('%-d %B')}",
                                "return_due", user=person, hood=hood, fund=fund, row=row, late=which == "late",
                                link=email_link("reports.fund_returns", slug=hood.slug, fund_id=fund.id))
                record("return.reminded", fund, actor=None, neighbourhood=hood,
                       payload={"fund": fund.id, "kind": row["kind"], "period_start": row["start"].isoformat(),
                                "which": which, "facilitators": len(facilitators)})
            sent.append(f"{fund.name} {row['label'].lower()} ({which})")
    return sent


following.register(following.Subject(
    kind="reports", news="news of the neighbourhood's reports: each return to the funder and each annual report when it is published",
    already="You already get the neighbourhood's reports by email",
    load=lambda hood_id: db.session.get(Neighbourhood, hood_id), neighbourhood=lambda hood: hood,
    name=lambda hood: f"{hood.name}'s reports", payload=lambda hood: {}))
