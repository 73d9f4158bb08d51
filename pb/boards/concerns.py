"""Concerns about the board: anyone may raise one (an interest not declared, a member's conduct, a
decision); it goes to the accountable body's named contacts, not to the board; they acknowledge it
within the days the neighbourhood sets and publish the outcome with their reasons. The person who
raised it is never in the ledger, and is named only if they agreed (never for whistleblowing).
Each change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.mail import email_link, queue_email
from pb.neighbourhoods.models import FACILITATOR, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.services import ServiceError, lock_row, transaction, under_lock
from pb.text import hidden_characters, required_text

from .members import settings_of
from .models import BoardSettings, Concern, ConcernKind, ConcernOutcome, ConcernStatus


def contacts_of(hood: Neighbourhood) -> list[str]:
    settings = settings_of(hood)
    return [line.strip().lower() for line in (settings.concern_contacts if settings else "").splitlines()
            if line.strip()]


def handles_concerns(user, hood: Neighbourhood) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (user.email or "").lower() in contacts_of(hood)


def set_contacts(hood: Neighbourhood, facilitator: User, *, emails: str, days: int | None) -> None:
    """Who at the accountable body handles concerns (each with a pb account), and how soon they acknowledge one."""
    require_role(facilitator, hood.id, FACILITATOR, "Only facilitators name who handles concerns")
    found = []
    for number, line in enumerate((emails or "").splitlines(), 1):
        address = line.strip().lower()
        if not address:
            continue
        if db.session.scalar(select(User.id).where(func.lower(User.email) == address)) is None:
            raise ServiceError(f"Line {number}: nobody has a pb account with {address}: ask them to register first",
                               field="emails")
        found.append(address)
    if not found:
        raise ServiceError("Enter at least one email address, one a line", field="emails")
    if days is None or not 1 <= days <= 60:
        raise ServiceError("Enter the number of days to acknowledge a concern, from 1 to 60", field="days")
    with transaction():
        settings = settings_of(hood)
        if settings is None:
            settings = BoardSettings(neighbourhood_id=hood.id, rules="our_own")
            db.session.add(settings)
        settings.concern_contacts, settings.concern_days = "\n".join(found), days
        db.session.flush()
        record("board.concern_contacts_set", settings, actor=facilitator, neighbourhood=hood,
               payload={"contacts": len(found), "days": days})


def raise_concern(hood: Neighbourhood, user, *, kind: str, about: str, text: str, reply_email: str = "",
                  may_name: bool = False, whistleblowing: bool = False) -> Concern:
    contacts = contacts_of(hood)
    if not contacts:
        raise ServiceError(f"{hood.name} has not yet named who handles concerns: ask a facilitator, or contact the "
                           "council")
    if kind not in ConcernKind.labels():
        raise ServiceError("Choose what the concern is about", field="kind")
    about = " ".join((about or "").split())
    if len(about) > 200 or hidden_characters(about):
        raise ServiceError("Keep who or what it is about to 200 characters", field="about")
    text = required_text(text, field="text", label="Your concern", limit=5000,
                         missing="Say what happened, when, and who was involved")
    signed_in = bool(getattr(user, "is_authenticated", False))
    reply_email = (reply_email or "").strip()
    if not signed_in and reply_email:
        try:
            reply_email = validate_email(reply_email, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ServiceError("Enter an email address like name@example.com, or leave it empty",
                               field="reply_email") from None
    if whistleblowing:
        may_name = False
    settings = settings_of(hood)
    today = timeutil.today()
    with transaction():
        lock_row(Neighbourhood, hood.id)  # concerns raised at once get different numbers
        number = (db.session.scalar(select(func.max(Concern.number)).where(Concern.neighbourhood_id == hood.id))
                  or 0) + 1
        concern = Concern(neighbourhood_id=hood.id, number=number, kind=kind, about=about, text=text,
                          raised_by_id=user.id if signed_in else None, reply_email="" if signed_in else reply_email,
                          may_name=may_name and signed_in, whistleblowing=whistleblowing, received_on=today,
                          acknowledge_by=today + timedelta(days=settings.concern_days))
        db.session.add(concern)
        db.session.flush()
        # No actor and no words: who raised it, and what they wrote, stay out of the ledger.
        record("board.concern_raised", concern, actor=None, neighbourhood=hood,
               payload={"number": number, "kind": kind, "received_on": today.isoformat(),
                        "acknowledge_by": concern.acknowledge_by.isoformat(), "whistleblowing": whistleblowing})
        for address in contacts:
            person = db.session.scalar(select(User).where(func.lower(User.email) == address))
            queue_email(address, f"{hood.name}: concern {number} about the board", "board_concern_raised",
                        user=person, hood=hood, concern=concern,
                        link=email_link("boards.handle_concern", slug=hood.slug, number=number))
    return concern


def _reply_to(concern: Concern) -> tuple[str, str] | None:
    if concern.raised_by is not None and concern.raised_by.erased_at is None:
        return concern.raised_by.email, concern.raised_by.name
    if concern.reply_email:
        return concern.reply_email, ""
    return None


def _handler(user: User, hood: Neighbourhood) -> None:
    if not handles_concerns(user, hood):
        raise ServiceError("Only the accountable body's named contacts handle concerns about the board")


def _concern_lock(concern: Concern, *args, **kwargs):
    return Concern, concern.id


@under_lock(_concern_lock)  # acknowledged once
def acknowledge(concern: Concern, user: User) -> None:
    hood = db.session.get(Neighbourhood, concern.neighbourhood_id)
    _handler(user, hood)
    if concern.status != ConcernStatus.RECEIVED:
        raise ServiceError(f"Concern {concern.number} was acknowledged already")
    with transaction():
        concern.status, concern.acknowledged_on, concern.handled_by_id = (ConcernStatus.ACKNOWLEDGED,
                                                                          timeutil.today(), user.id)
        record("board.concern_acknowledged", concern, actor=user, neighbourhood=hood,
               payload={"number": concern.number, "on": concern.acknowledged_on.isoformat(),
                        "late": concern.acknowledged_on > concern.acknowledge_by})
        reply = _reply_to(concern)
        if reply:
            queue_email(reply[0], f"{hood.name}: we have your concern ({concern.number})", "board_concern_reply",
                        name=reply[1], hood=hood, concern=concern, answered=False,
                        link=email_link("boards.concerns_list", slug=hood.slug))


@under_lock(_concern_lock)  # answered once, the person emailed once
def answer(concern: Concern, user: User, *, outcome: str, reasons: str) -> None:
    hood = db.session.get(Neighbourhood, concern.neighbourhood_id)
    _handler(user, hood)
    if concern.status == ConcernStatus.ANSWERED:
        raise ServiceError(f"Concern {concern.number} was answered already")
    if outcome not in ConcernOutcome.labels():
        raise ServiceError("Choose whether the concern is upheld", field="outcome")
    reasons = required_text(reasons, field="reasons", label="The reasons", limit=5000,
                            missing="Give the reasons, as they will be published (without the person's name "
                                    "unless they agreed)")
    with transaction():
        if concern.acknowledged_on is None:
            concern.acknowledged_on = timeutil.today()
        concern.status, concern.outcome, concern.reasons = ConcernStatus.ANSWERED, outcome, reasons
        concern.answered_on, concern.handled_by_id = timeutil.today(), user.id
        record("board.concern_answered", concern, actor=user, neighbourhood=hood,
               payload={"number": concern.number, "outcome": outcome, "reasons": reasons,
                        "on": concern.answered_on.isoformat()})
        reply = _reply_to(concern)
        if reply:
            queue_email(reply[0], f"{hood.name}: the outcome of your concern ({concern.number})",
                        "board_concern_reply", name=reply[1], hood=hood, concern=concern, answered=True,
                        outcome=ConcernOutcome(outcome).label, link=email_link("boards.concerns_list", slug=hood.slug))
        concern.reply_email = ""  # the outcome is sent: the address has done its job
