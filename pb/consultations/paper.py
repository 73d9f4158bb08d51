"""Paper questionnaires: copies printed with a serial number each, the roll mark for a resident who
answered on paper, keying each copy in, and a second keying of a sample (the share the
consultation sets; 100% possible) with the differences listed for a facilitator to decide.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import personal_digest, record
from pb.neighbourhoods.models import FACILITATOR, RESIDENT
from pb.neighbourhoods.services import membership, require_role
from pb.services import ServiceError, transaction

from .answering import missing_required, parse_answer, split_answers, write_texts
from .models import (
    Consultation,
    ConsultationKeying,
    ConsultationPaperBatch,
    ConsultationResponse,
    ConsultationRoll,
    ConsultationStatus,
    ResponseMethod,
)

MOST_COPIES = 5000


def _facilitator(consultation: Consultation, user: User, doing: str) -> None:
    require_role(user, consultation.neighbourhood_id, FACILITATOR, f"Only facilitators {doing}")


def print_copies(consultation: Consultation, facilitator: User, copies: int | None) -> ConsultationPaperBatch:
    """Number the next `copies` serials for printing: each copy carries its own."""
    _facilitator(consultation, facilitator, "print paper questionnaires")
    if consultation.status not in (ConsultationStatus.APPROVED,):
        raise ServiceError("Paper copies are printed once the questions are approved, and until the close")
    if copies is None or not 1 <= copies <= MOST_COPIES:
        raise ServiceError(f"Enter how many copies to print, from 1 to {MOST_COPIES:,}", field="copies")
    with transaction():
        # Two facilitators printing at once would both read the same last serial: lock first.
        db.session.execute(select(Consultation.id).where(Consultation.id == consultation.id).with_for_update())
        last = db.session.scalar(select(func.max(ConsultationPaperBatch.last_serial)).where(
            ConsultationPaperBatch.consultation_id == consultation.id)) or 0
        batch = ConsultationPaperBatch(consultation_id=consultation.id, first_serial=last + 1,
                                       last_serial=last + copies, printed_by_id=facilitator.id)
        db.session.add(batch)
        db.session.flush()
        record("consultation.paper_printed", consultation, actor=facilitator, neighbourhood=consultation.neighbourhood,
               payload={"first_serial": batch.first_serial, "last_serial": batch.last_serial})
    return batch


def mark_answered_on_paper(consultation: Consultation, facilitator: User, resident: User) -> None:
    """A resident on the roll filled in a paper copy: marked, so they cannot also answer online."""
    _facilitator(consultation, facilitator, "mark who answered on paper")
    if consultation.status not in (ConsultationStatus.APPROVED, ConsultationStatus.CLOSED):
        raise ServiceError("Residents are marked while the consultation is open, or after it closes for copies "
                           "handed in by the last day")
    if membership(resident, consultation.neighbourhood, RESIDENT) is None:
        raise ServiceError(f"{resident.name} is not a resident of {consultation.neighbourhood.name}", field="resident")
    try:
        with transaction():
            db.session.add(ConsultationRoll(consultation_id=consultation.id, user_id=resident.id,
                                            person_digest=personal_digest(resident.email), method=ResponseMethod.PAPER,
                                            answered_on=timeutil.today()))
            db.session.flush()
            record("consultation.answered", consultation, actor=facilitator, neighbourhood=consultation.neighbourhood,
                   payload={"method": ResponseMethod.PAPER, "person": resident.pseudonym})
    except IntegrityError:
        raise ServiceError(f"{resident.name} has already answered this consultation", field="resident") from None


def is_sampled(consultation: Consultation, serial: int) -> bool:
    """Whether this copy gets a second keying: a keyed draw over the serial, so the share is what the
    consultation says and nobody keying can tell in advance which copies will be checked."""
    if consultation.second_keying_percent >= 100:
        return True
    if consultation.second_keying_percent <= 0:
        return False
    key = current_app.config["PB_BALLOT_KEY"].encode()
    draw = hmac.new(key, f"paper-check:{consultation.id}:{serial}".encode(), hashlib.sha256).digest()
    return int.from_bytes(draw[:4], "big") % 100 < consultation.second_keying_percent


def _printed(consultation: Consultation, serial: int | None) -> int:
    if serial is None or serial < 1:
        raise ServiceError("Enter the serial number printed on the copy", field="serial")
    if not db.session.scalar(select(ConsultationPaperBatch.id).where(
            ConsultationPaperBatch.consultation_id == consultation.id, ConsultationPaperBatch.first_serial <= serial,
            ConsultationPaperBatch.last_serial >= serial)):
        raise ServiceError(f"No copy with serial number {serial} was printed for this consultation. "
                           "Check the number on the copy", field="serial")
    return serial


def parse_copy(consultation: Consultation, form) -> dict:
    """Every answer on one copy, as keyed on one page."""
    answers = {}
    for question in consultation.questions:
        value = parse_answer(question, form)
        if value is not None:
            answers[str(question.id)] = value
    return answers


def _count_copy(consultation: Consultation, serial: int, answers: dict) -> ConsultationResponse:
    stored, written = split_answers(consultation, answers)
    response = ConsultationResponse(id=secrets.token_hex(16), consultation_id=consultation.id,
                                    method=ResponseMethod.PAPER, answers=stored, serial=serial)
    db.session.add(response)
    db.session.flush()
    write_texts(consultation, response, written)
    return response


def key_copy(consultation: Consultation, facilitator: User, serial: int | None, form) -> str:
    """Key one paper copy. Returns what happened: "counted", "waiting for the check" (a sampled copy,
    keyed once), "matched" (the check agrees: counted) or "differs" (listed for a decision)."""
    _facilitator(consultation, facilitator, "key in paper questionnaires")
    if consultation.status not in (ConsultationStatus.APPROVED, ConsultationStatus.CLOSED):
        raise ServiceError("Paper copies are keyed in while the consultation is open and after it closes, "
                           "until the results are published")
    if consultation.status == ConsultationStatus.APPROVED and timeutil.today() < consultation.opens_on:
        raise ServiceError("The consultation has not opened yet")
    serial = _printed(consultation, serial)
    answers = parse_copy(consultation, form)
    if not answers:
        raise ServiceError("Nothing was keyed: enter the answers on the copy. A blank copy is not counted",
                           field="serial")
    missing = missing_required(consultation, answers)
    if missing:
        raise ServiceError(f"Question {missing[0].position} must be answered: if the copy leaves it blank, put the "
                           "copy aside for the facilitators to decide", field=f"q{missing[0].id}")
    if db.session.scalar(select(ConsultationResponse.id).where(ConsultationResponse.consultation_id == consultation.id,
                                                                ConsultationResponse.serial == serial)):
        raise ServiceError(f"Copy {serial} is already counted", field="serial")
    keyings = db.session.scalars(select(ConsultationKeying).where(ConsultationKeying.consultation_id == consultation.id,
                                                                  ConsultationKeying.serial == serial)
                                 .order_by(ConsultationKeying.keying)).all()
    if len(keyings) >= 2:
        raise ServiceError(f"Copy {serial} was keyed twice with differences: decide it from the list below",
                           field="serial")
    if keyings and keyings[0].keyed_by_id == facilitator.id:
        raise ServiceError(f"You keyed copy {serial} already. A different facilitator keys the check", field="serial")
    sampled = is_sampled(consultation, serial)
    try:
        with transaction():
            number = len(keyings) + 1
            db.session.add(ConsultationKeying(consultation_id=consultation.id, serial=serial, keying=number,
                                              answers=answers, keyed_by_id=facilitator.id))
            if number == 1 and not sampled:
                outcome = "counted"
                _count_copy(consultation, serial, answers)
            elif number == 1:
                outcome = "waiting for the check"
            elif keyings[0].answers == answers:
                outcome = "matched"
                _count_copy(consultation, serial, answers)
            else:
                outcome = "differs"
            record("consultation.paper_keyed", consultation, actor=facilitator, neighbourhood=consultation.neighbourhood,
                   payload={"serial": serial, "keying": number, "outcome": outcome})
    except IntegrityError:
        raise ServiceError(f"Copy {serial} was keyed by someone else at the same moment. Look it up again",
                           field="serial") from None
    return outcome


@dataclass
class Difference:
    serial: int
    first: dict
    second: dict
    questions: list  # the questions the two keyings disagree on


def differences(consultation: Consultation) -> list[Difference]:
    """Copies keyed twice that disagree and are not yet decided."""
    counted = select(ConsultationResponse.serial).where(ConsultationResponse.consultation_id == consultation.id,
                                                        ConsultationResponse.serial.is_not(None))
    rows = db.session.scalars(select(ConsultationKeying).where(
        ConsultationKeying.consultation_id == consultation.id, ConsultationKeying.serial.not_in(counted))
        .order_by(ConsultationKeying.serial, ConsultationKeying.keying)).all()
    by_serial: dict[int, list] = {}
    for row in rows:
        by_serial.setdefault(row.serial, []).append(row)
    out = []
    for serial, pair in by_serial.items():
        if len(pair) == 2:
            first, second = pair[0].answers, pair[1].answers
            out.append(Difference(serial, first, second, [q for q in consultation.questions
                                                          if first.get(str(q.id)) != second.get(str(q.id))]))
    return out


def waiting_for_check(consultation: Consultation) -> list[int]:
    counted = select(ConsultationResponse.serial).where(ConsultationResponse.consultation_id == consultation.id,
                                                        ConsultationResponse.serial.is_not(None))
    rows = db.session.execute(select(ConsultationKeying.serial, func.count()).where(
        ConsultationKeying.consultation_id == consultation.id, ConsultationKeying.serial.not_in(counted))
        .group_by(ConsultationKeying.serial).order_by(ConsultationKeying.serial)).all()
    return [serial for serial, keyed in rows if keyed == 1]


def decide_copy(consultation: Consultation, facilitator: User, serial: int | None, choice: str | None) -> None:
    """After looking at the paper copy, a facilitator says which keying is right; it is counted."""
    _facilitator(consultation, facilitator, "decide paper differences")
    difference = next((d for d in differences(consultation) if d.serial == serial), None)
    if difference is None:
        raise ServiceError(f"Copy {serial} is not waiting for a decision")
    if choice not in ("first", "second"):
        raise ServiceError("Choose which keying matches the paper copy", field="choice")
    answers = difference.first if choice == "first" else difference.second
    try:
        with transaction():
            _count_copy(consultation, serial, answers)
            record("consultation.paper_decided", consultation, actor=facilitator,
                   neighbourhood=consultation.neighbourhood, payload={"serial": serial, "chosen": choice})
    except IntegrityError:  # another facilitator decided it at the same moment: the copy counts once
        raise ServiceError(f"Copy {serial} was decided by someone else just now") from None


def paper_figures(consultation: Consultation) -> dict:
    printed = db.session.scalar(select(func.coalesce(func.sum(
        ConsultationPaperBatch.last_serial - ConsultationPaperBatch.first_serial + 1), 0)).where(
        ConsultationPaperBatch.consultation_id == consultation.id))
    counted = db.session.scalar(select(func.count()).select_from(ConsultationResponse).where(
        ConsultationResponse.consultation_id == consultation.id, ConsultationResponse.method == ResponseMethod.PAPER))
    marked = db.session.scalar(select(func.count()).select_from(ConsultationRoll).where(
        ConsultationRoll.consultation_id == consultation.id, ConsultationRoll.method == ResponseMethod.PAPER))
    return {"printed": printed, "counted": counted, "marked": marked}
