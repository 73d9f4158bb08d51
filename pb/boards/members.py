"""Seating the board (the ledger names members by pseudonym; their names live on the board page): who holds which seat, from when, for how long, how they came, and the council's
and MP's approval where the programme asks for it. A voting seat carries the board member's role
(approving grants, signing off results); an observer's does not. A seat that ends keeps its row.
Each change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.frameworks import APPROVERS, OUR_OWN, framework, frameworks
from pb.ledger.services import record
from pb.national.models import Allocation, AllocationShare, Programme
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, Neighbourhood
from pb.neighbourhoods.services import grant_role, membership, require_role, revoke_role
from pb.services import ServiceError, one_transaction, transaction, under_lock
from pb.text import hidden_characters

from .models import ELECTED_SEATS, BoardSeat, BoardSettings, CameBy, SeatEnd, SeatKind

LONGEST_TERM_YEARS = 10


def settings_of(hood: Neighbourhood) -> BoardSettings | None:
    return db.session.scalar(select(BoardSettings).where(BoardSettings.neighbourhood_id == hood.id))


def required_rules(hood_ids: list[int]) -> dict[int, tuple[str, str]]:
    """{neighbourhood id: (programme name, framework key)} where a national programme sharing money
    with the neighbourhood requires a framework: its board rules apply to the board too."""
    found = {}
    for hood_id, name, key, _ in db.session.execute(
            select(AllocationShare.neighbourhood_id, Programme.name, Programme.required_framework, Programme.id)
            .join(Allocation, Allocation.id == AllocationShare.allocation_id)
            .join(Programme, Programme.id == Allocation.programme_id)
            .where(AllocationShare.neighbourhood_id.in_(hood_ids), Programme.required_framework.is_not(None))
            .order_by(Programme.id).distinct()):
        found.setdefault(hood_id, (name, key))
    return found


def set_rules(hood: Neighbourhood, facilitator: User, *, rules: str, seats: int | None = None,
              notice_days: int | None = 7, absence_months: int | None = 3, gift_threshold: int | None = 50_00
              ) -> BoardSettings:
    """Whose board rules the neighbourhood follows (a programme's, or its own), and its own terms:
    how many voting seats, the notice for papers, the absence rule, the value of gifts to register."""
    require_role(facilitator, hood.id, FACILITATOR, "Only facilitators choose the board's rules")
    if rules not in frameworks():
        raise ServiceError("Choose whose rules the board follows", field="rules")
    required = required_rules([hood.id]).get(hood.id)
    if required and rules != required[1]:
        raise ServiceError(f"{required[0]} asks for {framework(required[1]).name} rules: the board must follow them",
                           field="rules")
    if seats is not None and not 1 <= seats <= 40:
        raise ServiceError("Enter the number of voting seats, from 1 to 40, or leave it empty", field="seats")
    if notice_days is None or not 0 <= notice_days <= 60:
        raise ServiceError("Enter the days of notice for papers, from 0 to 60", field="notice_days")
    if absence_months is None or not 1 <= absence_months <= 12:
        raise ServiceError("Enter the months of absence that flag a member, from 1 to 12", field="absence_months")
    if gift_threshold is None or not 0 <= gift_threshold <= 1_000_00:
        raise ServiceError("Enter the value of gifts to register, from £0 to £1,000", field="gift_threshold")
    with transaction():
        settings = settings_of(hood)
        before = settings.rules if settings else None
        if settings is None:
            settings = BoardSettings(neighbourhood_id=hood.id, rules=rules)
            db.session.add(settings)
        settings.rules, settings.updated_at = rules, timeutil.stamp()
        settings.seats, settings.notice_days, settings.absence_months = seats, notice_days, absence_months
        settings.gift_threshold = gift_threshold
        db.session.flush()
        record("board.rules_set", settings, actor=facilitator, neighbourhood=hood,
               payload={"rules": rules, "was": before, "seats": seats, "notice_days": notice_days,
                        "absence_months": absence_months, "gift_threshold": gift_threshold})
    return settings


def rules_key(hood: Neighbourhood) -> str:
    """The rules chosen; else those of a programme that requires a framework; else the board's own."""
    settings = settings_of(hood)
    if settings:
        return settings.rules
    required = required_rules([hood.id]).get(hood.id)
    return required[1] if required else OUR_OWN


def open_seats(hood_id: int) -> list[BoardSeat]:
    """The board as it stands: voting seats first, the chair at the top."""
    order = {kind: n for n, kind in enumerate(SeatKind)}
    seats = db.session.scalars(select(BoardSeat).where(BoardSeat.neighbourhood_id == hood_id,
                                                       BoardSeat.ended_on.is_(None))).all()
    return sorted(seats, key=lambda s: (order[SeatKind(s.kind)], s.user.name.lower(), s.id))


def seat_of(user: User, hood_id: int) -> BoardSeat | None:
    return db.session.scalar(select(BoardSeat).where(BoardSeat.neighbourhood_id == hood_id,
                                                     BoardSeat.user_id == user.id, BoardSeat.ended_on.is_(None)))


def _day(value: date | None, field: str, missing: str) -> date:
    if value is None:
        raise ServiceError(missing, field=field)
    return value


@under_lock(lambda hood, *args, **kwargs: (Neighbourhood, hood.id))  # one chair, one seat a person
def seat_member(hood: Neighbourhood, facilitator: User, *, email: str, kind: str, started_on: date | None,
                term_ends_on: date | None, came_by: str, elected_representative: bool = False) -> BoardSeat:
    require_role(facilitator, hood.id, FACILITATOR, "Only facilitators record who sits on the board")
    email = (email or "").strip().lower()
    if not email:
        raise ServiceError("Enter the email address of the person's pb account", field="email")
    person = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if person is None:
        raise ServiceError(f"Nobody has a pb account with {email}: ask them to register first, then seat them",
                           field="email")
    if kind not in SeatKind.labels():
        raise ServiceError("Choose the kind of seat", field="kind")
    if came_by not in CameBy.labels():
        raise ServiceError("Choose how they came to the board", field="came_by")
    started_on = _day(started_on, "started_on", "Enter the day they took their seat")
    if started_on > timeutil.today():
        raise ServiceError("Seat someone on the day they start, not before", field="started_on")
    if term_ends_on is not None:
        if term_ends_on <= started_on:
            raise ServiceError("The term must end after it starts", field="term_ends_on")
        if term_ends_on.year - started_on.year > LONGEST_TERM_YEARS:
            raise ServiceError(f"A term lasts {LONGEST_TERM_YEARS} years at most", field="term_ends_on")
    elected = elected_representative or kind in ELECTED_SEATS
    if kind == SeatKind.CHAIR and any(s.kind == SeatKind.CHAIR for s in open_seats(hood.id)):
        raise ServiceError("The board has a chair already: end their seat first", field="kind")
    with one_transaction():
        if seat_of(person, hood.id) is not None:
            raise ServiceError(f"{person.name} already sits on the board: end that seat first to change it",
                               field="email")
        seat = BoardSeat(neighbourhood_id=hood.id, user_id=person.id, kind=kind, started_on=started_on,
                         term_ends_on=term_ends_on, came_by=came_by, elected_representative=elected,
                         created_by_id=facilitator.id)
        db.session.add(seat)
        db.session.flush()
        if seat.votes and membership(person, hood, BOARD_MEMBER) is None:
            grant_role(person, hood, BOARD_MEMBER, actor=facilitator)
        record("board.member_seated", seat, actor=facilitator, neighbourhood=hood,
               payload={"person": person.pseudonym, "seat": kind, "came_by": came_by,
                        "started_on": started_on.isoformat(),
                        "term_ends_on": term_ends_on.isoformat() if term_ends_on else None,
                        "elected_representative": elected, "votes": seat.votes})
    return seat


def record_approval(seat: BoardSeat, facilitator: User, *, approver: str, approved_on: date | None) -> None:
    """The council's or the MP's approval of a member, as Pride in Place asks."""
    require_role(facilitator, seat.neighbourhood_id, FACILITATOR, "Only facilitators record approvals")
    if approver not in APPROVERS:
        raise ServiceError("Choose whose approval this is", field="approver")
    approved_on = _day(approved_on, "approved_on", "Enter the day it was approved")
    if approved_on > timeutil.today():
        raise ServiceError("The day it was approved cannot be in the future", field="approved_on")
    if seat.ended_on is not None:
        raise ServiceError("This seat has ended")
    if seat.approved_by(approver):
        raise ServiceError(f"{APPROVERS[approver].capitalize()} approved {seat.user.name} on "
                           f"{seat.approved_by(approver):%-d %B %Y} already", field="approver")
    with transaction():
        setattr(seat, f"{approver}_approved_on", approved_on)
        record("board.member_approved", seat, actor=facilitator,
               neighbourhood=db.session.get(Neighbourhood, seat.neighbourhood_id),
               payload={"person": seat.user.pseudonym, "approver": approver, "approved_on": approved_on.isoformat()})


@under_lock(lambda seat, *args, **kwargs: (BoardSeat, seat.id))  # ended once
def end_seat(seat: BoardSeat, facilitator: User, *, reason: str, ended_on: date | None, note: str = "") -> None:
    """A member steps down, is removed, or their term ends. Their seat's history stays; a voting
    member loses the board member's role (and with it their approvals of open decisions)."""
    require_role(facilitator, seat.neighbourhood_id, FACILITATOR, "Only facilitators record a seat ending")
    if reason not in SeatEnd.labels():
        raise ServiceError("Choose why the seat ended", field="reason")
    ended_on = _day(ended_on, "ended_on", "Enter the day the seat ended")
    if ended_on > timeutil.today():
        raise ServiceError("Record a seat ending on the day, not before", field="ended_on")
    if ended_on < seat.started_on:
        raise ServiceError(f"The seat started on {seat.started_on:%-d %B %Y}: it cannot end before that",
                           field="ended_on")
    note = (note or "").strip()
    if len(note) > 1000 or hidden_characters(note):
        raise ServiceError("Keep the note to 1,000 characters, with no hidden characters", field="note")
    if reason == SeatEnd.REMOVED and not note:
        raise ServiceError("Say why the member was removed: it is part of the public record", field="note")
    hood = db.session.get(Neighbourhood, seat.neighbourhood_id)
    if seat.ended_on is not None:
        raise ServiceError(f"This seat ended on {seat.ended_on:%-d %B %Y} already")
    with one_transaction():
        seat.ended_on, seat.end_reason, seat.end_note = ended_on, reason, note
        role = membership(seat.user, hood, BOARD_MEMBER)
        if seat.votes and role is not None:
            revoke_role(role, actor=facilitator)
        record("board.seat_ended", seat, actor=facilitator, neighbourhood=hood,
               payload={"person": seat.user.pseudonym, "seat": seat.kind, "reason": reason,
                        "ended_on": ended_on.isoformat(), "note": note})
