"""Paper ballots: events with serial ranges and returns, the roll mark for each resident handed a
ballot, double keying by two facilitators, reconciliation by a third, spoilt ballots.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR
from pb.neighbourhoods.services import require_role
from pb.rounds.models import COUNTING, VOTING, Round
from pb.services import ServiceError, transaction
from pb.text import required_text

from .casting import has_voted, roll_entry, stored_choices, why_not_again, why_not_eligible
from .models import (
    KEYED_ONCE,
    MATCHED,
    MISMATCH,
    PAPER,
    RECONCILED,
    SPOILT,
    Ballot,
    PaperEntry,
    PaperEvent,
    PaperSerial,
    VoterRollEntry,
)

# --- paper ballots ----------------------------------------------------------------------------------

def _facilitator(round_: Round, user: User, doing: str) -> None:
    require_role(user, round_.neighbourhood_id, FACILITATOR, f"Only facilitators {doing}")


def add_paper_event(round_: Round, facilitator: User, *, name: str, held_on: date | None, first_serial: int | None,
                    last_serial: int | None):
    _facilitator(round_, facilitator, "record paper ballot events")
    if round_.phase != VOTING:
        raise ServiceError("Paper ballots are handed out while voting is open")
    name = required_text(name, field="name", label="Name", limit=120,
                         missing="Enter where the ballots were handed out, like ‘Community centre, Saturday morning’")
    if held_on is None:
        raise ServiceError("Enter the date", field="held_on")
    if first_serial is None or first_serial < 1:
        raise ServiceError("Enter the first serial number, 1 or more", field="first_serial")
    if last_serial is None or last_serial < first_serial:
        raise ServiceError("The last serial number must be the same as or after the first", field="last_serial")
    if last_serial - first_serial >= 10_000:
        raise ServiceError("One event can hand out at most 10,000 ballots", field="last_serial")
    clash = db.session.scalar(select(PaperEvent).where(PaperEvent.round_id == round_.id,
                                                       PaperEvent.first_serial <= last_serial,
                                                       PaperEvent.last_serial >= first_serial))
    if clash:
        raise ServiceError(f"Serial numbers {clash.first_serial} to {clash.last_serial} were already handed out at "
                           f"{clash.name}", field="first_serial")
    with transaction():
        event = PaperEvent(round_id=round_.id, name=name, held_on=held_on, first_serial=first_serial,
                           last_serial=last_serial, created_by_id=facilitator.id)
        db.session.add(event)
        db.session.flush()
        record("paper.event_added", event, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"name": name, "held_on": held_on.isoformat(), "first_serial": first_serial,
                        "last_serial": last_serial})
    return event


def record_returns(event, facilitator: User, returned: int | None, outstanding: int | None) -> None:
    round_ = db.session.get(Round, event.round_id)
    _facilitator(round_, facilitator, "record returned ballots")
    if returned is None or returned < 0:
        raise ServiceError("Enter how many ballots came back, spoilt ones included", field="returned")
    if outstanding is None or outstanding < 0:
        raise ServiceError("Enter how many ballots were taken away and not returned (0 if none)", field="outstanding")
    if returned + outstanding != event.issued:
        raise ServiceError(f"{event.issued} ballots were handed out (serials {event.first_serial} to {event.last_serial}), "
                           f"but returned plus not returned is {returned + outstanding}. Count again", field="returned")
    with transaction():
        event.returned, event.outstanding = returned, outstanding
        record("paper.returns_recorded", event, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"issued": event.issued, "returned": returned, "outstanding": outstanding})


def give_paper_ballot(round_: Round, facilitator: User, resident: User) -> None:
    """Mark on the roll that this resident was handed a paper ballot (not which one)."""
    _facilitator(round_, facilitator, "hand out paper ballots")
    problem = why_not_eligible(round_, resident)
    if problem:
        raise ServiceError(f"{resident.name} cannot vote: {problem[0].lower() + problem[1:]}", field="resident")
    refusal = why_not_again(round_, has_voted(round_, resident), PAPER, who=resident.name)
    if refusal:
        raise ServiceError(refusal, field="resident")
    try:
        with transaction():
            db.session.add(roll_entry(round_, resident, PAPER))
            record("ballot.paper_issued", round_, actor=facilitator, neighbourhood=round_.neighbourhood,
                   payload={"person": resident.pseudonym})
    except IntegrityError:
        raise ServiceError(f"{resident.name} has already voted", field="resident") from None


def _event_for(round_: Round, serial: int | None):
    if serial is None:
        raise ServiceError("Enter the serial number printed on the ballot", field="serial")
    event = db.session.scalar(select(PaperEvent).where(PaperEvent.round_id == round_.id, PaperEvent.first_serial <= serial,
                                                       PaperEvent.last_serial >= serial))
    if event is None:
        raise ServiceError(f"Serial number {serial} was never handed out in this round. Check the number on the ballot",
                           field="serial")
    return event


def _paper_ballot(round_: Round, choices: dict, serial: int) -> None:
    """Put a keyed paper ballot in the box, if a resident on the roll was given one for it: the
    box never holds more paper ballots than residents were handed (the database checks the total)."""
    given = db.session.scalar(select(func.count()).select_from(VoterRollEntry).where(
        VoterRollEntry.round_id == round_.id, VoterRollEntry.method == PAPER))
    boxed = db.session.scalar(select(func.count()).select_from(PaperSerial).where(
        PaperSerial.round_id == round_.id, PaperSerial.status.in_([MATCHED, RECONCILED]), PaperSerial.serial != serial))
    if boxed >= given:
        raise ServiceError(f"Ballot {serial} cannot go in the box: {given} resident{'s were' if given != 1 else ' was'} "
                           f"marked on the roll as given a paper ballot, and {boxed} paper ballot"
                           f"{'s are' if boxed != 1 else ' is'} in already. Mark each resident who was handed a ballot "
                           "(‘Give a paper ballot’), then key this one again", field="serial")
    db.session.add(Ballot(id=secrets.token_hex(16), round_id=round_.id, choices=choices, replace_key=None,
                          tracker_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest()))


def key_paper_ballot(round_: Round, facilitator: User, serial: int | None, raw: dict) -> str:
    """Key one paper ballot. The second keying by a different facilitator either matches the first
    (the ballot goes in the box) or sends the serial to the reconciliation queue. Returns the state."""
    _facilitator(round_, facilitator, "key in paper ballots")
    if round_.phase not in (VOTING, COUNTING):
        raise ServiceError("Paper ballots are keyed in while voting is open and before the count")
    event = _event_for(round_, serial)
    choices = stored_choices(round_, raw, paper=True)
    row = db.session.scalar(select(PaperSerial).where(PaperSerial.round_id == round_.id, PaperSerial.serial == serial))
    entries = db.session.scalars(select(PaperEntry).where(PaperEntry.paper_serial_id == row.id)).all() if row else []
    if row is not None and row.status != KEYED_ONCE:
        raise ServiceError(f"Ballot {serial} is already {row.status.replace('_', ' ')}", field="serial")
    if any(e.keyed_by_id == facilitator.id for e in entries):
        raise ServiceError(f"You have already keyed ballot {serial}. A different facilitator must key it the second time",
                           field="serial")
    try:
        with transaction():
            if row is None:
                row = PaperSerial(round_id=round_.id, event_id=event.id, serial=serial, status=KEYED_ONCE)
                db.session.add(row)
                db.session.flush()
            db.session.add(PaperEntry(paper_serial_id=row.id, keyed_by_id=facilitator.id, choices=choices))
            if entries:
                row.status = MATCHED if entries[0].choices == choices else MISMATCH
                if row.status == MATCHED:
                    _paper_ballot(round_, choices, serial)
            db.session.flush()
            record("paper.keyed", row, actor=facilitator, neighbourhood=round_.neighbourhood,
                   payload={"serial": serial, "keying": len(entries) + 1, "status": row.status})
    except IntegrityError:
        raise ServiceError(f"Ballot {serial} was keyed by someone else at the same moment. Look it up again",
                           field="serial") from None
    return row.status


def reconcile_paper_ballot(round_: Round, facilitator: User, serial: int | None, raw: dict) -> None:
    """A third person records the ballot as read from the paper itself."""
    _facilitator(round_, facilitator, "reconcile paper ballots")
    _event_for(round_, serial)
    row = db.session.scalar(select(PaperSerial).where(PaperSerial.round_id == round_.id, PaperSerial.serial == serial))
    if row is None or row.status != MISMATCH:
        raise ServiceError(f"Ballot {serial} is not waiting to be reconciled", field="serial")
    keyers = set(db.session.scalars(select(PaperEntry.keyed_by_id).where(PaperEntry.paper_serial_id == row.id)))
    if facilitator.id in keyers:
        raise ServiceError("You keyed this ballot, so a third person must read it from the paper", field="serial")
    choices = stored_choices(round_, raw, paper=True)
    with transaction():
        row.status, row.resolved_by_id = RECONCILED, facilitator.id
        _paper_ballot(round_, choices, serial)
        record("paper.reconciled", row, actor=facilitator, neighbourhood=round_.neighbourhood, payload={"serial": serial})


def spoil_paper_ballot(round_: Round, facilitator: User, serial: int | None, reason: str) -> None:
    _facilitator(round_, facilitator, "record spoilt ballots")
    event = _event_for(round_, serial)
    reason = required_text(reason, field="reason", label="The reason", limit=1000,
                           missing="Say why the ballot is spoilt, for example ‘more crosses than allowed’ or ‘torn’")
    row = db.session.scalar(select(PaperSerial).where(PaperSerial.round_id == round_.id, PaperSerial.serial == serial))
    if row is not None and row.status not in (KEYED_ONCE, MISMATCH):
        raise ServiceError(f"Ballot {serial} is already {row.status}", field="serial")
    with transaction():
        if row is None:
            row = PaperSerial(round_id=round_.id, event_id=event.id, serial=serial, status=SPOILT)
            db.session.add(row)
        row.status, row.spoilt_reason, row.resolved_by_id = SPOILT, reason, facilitator.id
        db.session.flush()
        record("paper.spoilt", row, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"serial": serial, "reason": reason})


def paper_problems(round_: Round) -> list[str]:
    """Why the count cannot run yet because of paper ballots (empty when it can)."""
    problems = []
    waiting = dict(db.session.execute(select(PaperSerial.status, func.count()).where(
        PaperSerial.round_id == round_.id, PaperSerial.status.in_([KEYED_ONCE, MISMATCH])).group_by(PaperSerial.status)).all())
    if waiting.get(KEYED_ONCE):
        problems.append(f"{waiting[KEYED_ONCE]} paper ballot{'s' if waiting[KEYED_ONCE] != 1 else ''} keyed only once")
    if waiting.get(MISMATCH):
        problems.append(f"{waiting[MISMATCH]} paper ballot{'s' if waiting[MISMATCH] != 1 else ''} waiting to be reconciled")
    done = dict(db.session.execute(select(PaperSerial.event_id, func.count()).where(
        PaperSerial.round_id == round_.id).group_by(PaperSerial.event_id)).all())
    for event in db.session.scalars(select(PaperEvent).where(PaperEvent.round_id == round_.id)):
        if event.returned is None:
            problems.append(f"{event.name}: returned and not-returned ballots are not recorded yet")
        elif event.returned + (event.outstanding or 0) != event.issued:
            problems.append(f"{event.name}: issued is not returned plus not returned")
        elif done.get(event.id, 0) != event.returned:
            problems.append(f"{event.name}: {event.returned} ballots came back but {done.get(event.id, 0)} are keyed or spoilt")
    return problems
