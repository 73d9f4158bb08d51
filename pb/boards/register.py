"""The standing register of interests: each member keeps their own entries, confirms the whole
register at least once a year, and accepts the board's code of conduct (set by the neighbourhood,
every version kept). Entries are public while the member sits and for a while after (see
pb/boards/personal.py). Each change checks its rules, writes, and appends one audit entry, in one
transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.counting.answers import digest
from pb.extensions import db
from pb.funds.grants import REGISTER_MATCHES
from pb.funds.models import Grant
from pb.ledger.services import record
from pb.mail import email_link, queue_email
from pb.neighbourhoods.models import FACILITATOR, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.proposals.models import Proposal
from pb.services import ServiceError, lock_row, transaction
from pb.text import hidden_characters, required_text
from pb.voting.signoff import REGISTER_MATCHES as RESULT_REGISTER_MATCHES

from .members import open_seats, seat_of
from .models import BoardSeat, ConductAcceptance, ConductCode, InterestKind, RegisterConfirmation, RegisterEntry

CONFIRM_EVERY = timedelta(days=365)
REMIND_BEFORE = timedelta(days=30)
CODE_LIMIT = 20_000


def _member(user: User, hood: Neighbourhood, doing: str) -> None:
    if seat_of(user, hood.id) is None:
        raise ServiceError(f"Only members of {hood.name}'s board {doing}")


def entries_of(user_id: int, hood_id: int) -> list[RegisterEntry]:
    return db.session.scalars(select(RegisterEntry).where(RegisterEntry.user_id == user_id,
                                                          RegisterEntry.neighbourhood_id == hood_id)
                              .order_by(RegisterEntry.to_on.is_not(None), RegisterEntry.from_on.desc(),
                                        RegisterEntry.id)).all()


def add_entry(user: User, hood: Neighbourhood, *, kind: str, organisation: str, description: str,
              from_on: date | None, to_on: date | None = None) -> RegisterEntry:
    _member(user, hood, "keep a register of interests here")
    if kind not in InterestKind.labels():
        raise ServiceError("Choose the kind of interest", field="kind")
    organisation = " ".join((organisation or "").split())
    if len(organisation) > 200 or hidden_characters(organisation):
        raise ServiceError("Keep the organisation's name to 200 characters, with no hidden characters",
                           field="organisation")
    if kind in (InterestKind.EMPLOYMENT, InterestKind.BUSINESS, InterestKind.ORGANISATION) and not organisation:
        raise ServiceError("Name the employer, business or organisation: pb matches it against grants and "
                           "decisions", field="organisation")
    description = required_text(description, field="description", label="The description", limit=1000,
                                missing="Say what the interest is, for example ‘Trustee, unpaid’")
    if from_on is None:
        raise ServiceError("Enter the day the interest began (an estimate is fine)", field="from_on")
    if from_on > timeutil.today():
        raise ServiceError("Add an interest once it has begun", field="from_on")
    if to_on is not None and to_on < from_on:
        raise ServiceError("The interest cannot end before it began", field="to_on")
    with transaction():
        entry = RegisterEntry(neighbourhood_id=hood.id, user_id=user.id, kind=kind, organisation=organisation,
                              description=description, from_on=from_on, to_on=to_on)
        db.session.add(entry)
        db.session.flush()
        record("board.interest_registered", entry, actor=user, neighbourhood=hood,
               payload={"person": user.pseudonym, "kind": kind, "organisation": organisation,
                        "description": description, "from_on": from_on.isoformat(),
                        "to_on": to_on.isoformat() if to_on else None})
    return entry


def end_entry(entry: RegisterEntry, user: User, *, to_on: date | None) -> None:
    if entry.user_id != user.id:
        raise ServiceError("Only the member whose register it is can change it")
    if entry.to_on is not None:
        raise ServiceError(f"This interest ended on {entry.to_on:%-d %B %Y} already")
    if to_on is None or to_on > timeutil.today():
        raise ServiceError("Enter the day the interest ended, today or earlier", field="to_on")
    if to_on < entry.from_on:
        raise ServiceError(f"It began on {entry.from_on:%-d %B %Y}: it cannot end before that", field="to_on")
    with transaction():
        entry.to_on = to_on
        record("board.interest_ended", entry, actor=user,
               neighbourhood=db.session.get(Neighbourhood, entry.neighbourhood_id),
               payload={"person": user.pseudonym, "organisation": entry.organisation, "to_on": to_on.isoformat()})


def _register_digest(entries: list[RegisterEntry]) -> str:
    return digest([{"kind": e.kind, "organisation": e.organisation, "description": e.description,
                    "from_on": e.from_on.isoformat(), "to_on": e.to_on.isoformat() if e.to_on else None}
                   for e in sorted(entries, key=lambda e: e.id)])


def confirm_register(user: User, hood: Neighbourhood) -> RegisterConfirmation:
    """The member says their whole register is complete and correct today."""
    _member(user, hood, "confirm a register of interests here")
    entries = entries_of(user.id, hood.id)
    with transaction():
        confirmation = RegisterConfirmation(neighbourhood_id=hood.id, user_id=user.id,
                                            confirmed_on=timeutil.today(), entries=len(entries),
                                            digest=_register_digest(entries))
        db.session.add(confirmation)
        db.session.flush()
        record("board.register_confirmed", confirmation, actor=user, neighbourhood=hood,
               payload={"person": user.pseudonym, "entries": len(entries), "sha256": confirmation.digest})
    return confirmation


@dataclass
class Standing:
    """Where a member's register and code of conduct stand today."""
    last_confirmed: date | None
    due_on: date
    code: ConductCode | None
    accepted_on: date | None

    @property
    def overdue(self) -> bool:
        return self.due_on < timeutil.today()

    @property
    def code_outstanding(self) -> bool:
        return self.code is not None and self.accepted_on is None


def standing(user_id: int, hood_id: int, seated_on: date) -> Standing:
    return standings(hood_id, [(user_id, seated_on)])[user_id]


def standings(hood_id: int, members: list[tuple[int, date]]) -> dict[int, Standing]:
    """{user id: Standing} for (user id, seated on) pairs, in three queries however many members."""
    ids = [user_id for user_id, _ in members]
    last = dict(db.session.execute(
        select(RegisterConfirmation.user_id, func.max(RegisterConfirmation.confirmed_on))
        .where(RegisterConfirmation.user_id.in_(ids), RegisterConfirmation.neighbourhood_id == hood_id)
        .group_by(RegisterConfirmation.user_id)).all())
    code = current_code(hood_id)
    accepted = dict(db.session.execute(select(ConductAcceptance.user_id, ConductAcceptance.accepted_on).where(
        ConductAcceptance.code_id == code.id, ConductAcceptance.user_id.in_(ids))).all()) if code else {}
    # A new member confirms within a month of taking their seat; then once a year.
    return {user_id: Standing(last.get(user_id), last[user_id] + CONFIRM_EVERY if user_id in last
                              else seated_on + timedelta(days=28), code, accepted.get(user_id))
            for user_id, seated_on in members}


def current_code(hood_id: int) -> ConductCode | None:
    return db.session.scalar(select(ConductCode).where(ConductCode.neighbourhood_id == hood_id)
                             .order_by(ConductCode.version.desc()).limit(1))


def set_code(hood: Neighbourhood, facilitator: User, *, text: str) -> ConductCode:
    """A new version of the code of conduct: every member accepts it afresh."""
    require_role(facilitator, hood.id, FACILITATOR, "Only facilitators set the code of conduct")
    text = required_text(text, field="text", label="The code of conduct", limit=CODE_LIMIT,
                         missing="Enter the code of conduct members agree to, for example the seven "
                                 "principles of public life and how the board applies them")
    current = current_code(hood.id)
    if current is not None and current.text == text:
        raise ServiceError("This is the code already in force: change something first", field="text")
    with transaction():
        code = ConductCode(neighbourhood_id=hood.id, version=(current.version + 1) if current else 1, text=text,
                           digest=digest(text), set_by_id=facilitator.id, set_on=timeutil.today())
        db.session.add(code)
        db.session.flush()
        record("board.code_set", code, actor=facilitator, neighbourhood=hood,
               payload={"version": code.version, "sha256": code.digest})
    return code


def accept_code(user: User, hood: Neighbourhood) -> ConductAcceptance:
    _member(user, hood, "accept the board's code of conduct")
    code = current_code(hood.id)
    if code is None:
        raise ServiceError(f"{hood.name} has not set a code of conduct yet")
    with transaction():
        lock_row(BoardSeat, seat_of(user, hood.id).id)  # a double click accepts once
        if db.session.scalar(select(ConductAcceptance.id).where(ConductAcceptance.code_id == code.id,
                                                                ConductAcceptance.user_id == user.id)):
            raise ServiceError(f"You accepted version {code.version} already")
        accepted = ConductAcceptance(code_id=code.id, user_id=user.id, accepted_on=timeutil.today())
        db.session.add(accepted)
        db.session.flush()
        record("board.code_accepted", accepted, actor=user, neighbourhood=hood,
               payload={"person": user.pseudonym, "version": code.version, "sha256": code.digest})
    return accepted


# --- reminders -------------------------------------------------------------------------------------

REMIND_AT = (30, 7, 0, -30)  # days before the confirmation is due (and a month after, if still not done)


def remind_confirmations(hood: Neighbourhood, today: date | None = None) -> list[str]:
    """Email each member whose register confirmation is due in 30 days, 7 days, today, or was due a
    month ago. Returns the names reminded. In one transaction with its audit entry."""
    today = today or timeutil.today()
    due = []
    seats = open_seats(hood.id)
    states = standings(hood.id, [(s.user_id, s.started_on) for s in seats])
    for seat in seats:
        state = states[seat.user_id]
        if (state.due_on - today).days in REMIND_AT:
            due.append((seat, state))
    if not due:
        return []
    with transaction():
        for seat, state in due:
            queue_email(seat.user.email, f"{hood.name}'s board: please confirm your register of interests",
                        "board_register_due", user=seat.user, hood=hood, due_on=state.due_on,
                        overdue=state.due_on < today,
                        link=email_link("boards.my_register", slug=hood.slug))
        record("board.register_reminders_sent", hood, actor=None, neighbourhood=hood,
               payload={"people": [seat.user.pseudonym for seat, _ in due], "on": today.isoformat()})
    return [seat.user.name for seat, _ in due]


# --- the register where a decision touches it ------------------------------------------------------

_NOISE = {"the", "ltd", "limited", "cic", "cio", "charity", "trust", "plc", "and", "of"}


def _words(text: str) -> str:
    kept = "".join(ch.lower() if ch.isalnum() else " " for ch in text or "")
    return " ".join(word for word in kept.split() if word not in _NOISE)


def names_same(one: str, other: str) -> bool:
    """The same organisation or person, loosely: ‘Eastbrook Food Bank CIO’ is ‘The Eastbrook Food Bank’."""
    a, b = _words(one), _words(other)
    return len(a) >= 4 and len(b) >= 4 and (a in b or b in a)


def entries_touching(user: User, hood_id: int, names: list[str]) -> list[RegisterEntry]:
    """The member's current register entries that name one of these organisations or people."""
    today = timeutil.today()
    return [e for e in entries_of(user.id, hood_id) if e.current(today) and any(
        names_same(e.organisation, name) or (name and len(_words(name).split()) > 1 and _words(name) in
                                             _words(e.description)) for name in names if name)]


def entries_in_text(user_id: int, hood_id: int, text: str) -> list[RegisterEntry]:
    """The member's current entries whose organisation a meeting item's title or paper names."""
    today, said = timeutil.today(), f" {_words(text)} "
    return [e for e in entries_of(user_id, hood_id) if e.current(today) and len(_words(e.organisation)) >= 4
            and f" {_words(e.organisation)} " in said]


def _grant_matches(grant: Grant, member: User) -> list[str]:
    names = [grant.body_name]
    if grant.proposal is not None and grant.proposal.proposer is not None:
        names.append(grant.proposal.proposer.name)
    return [f"‘{e.organisation or e.kind_label}’ ({e.description})"
            for e in entries_touching(member, grant.neighbourhood_id, names)]


REGISTER_MATCHES.append(_grant_matches)


def _result_matches(round_, result, member: User) -> list[str]:
    funded = [pid for pot in result.result.values() for pid in pot["selected"]]
    names = []
    for proposal in db.session.scalars(select(Proposal).where(Proposal.id.in_(funded))):
        names += [proposal.group_name or "", proposal.proposer.name if proposal.proposer else ""]
    return [f"‘{e.organisation or e.kind_label}’ ({e.description})"
            for e in entries_touching(member, round_.neighbourhood_id, [n for n in names if n])]


RESULT_REGISTER_MATCHES.append(_result_matches)
