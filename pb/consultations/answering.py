"""Answering a consultation online: who may, one question at a time into a draft, checking and
sending, and changing the answers until the close. One response per person, online and paper
together: the roll's unique constraints refuse a second, however requests race.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import personal_digest, record
from pb.neighbourhoods.services import why_not_take_part
from pb.services import ServiceError, transaction
from pb.text import HIDDEN_CHARACTERS, hidden_characters

from .models import (
    PREFER_NOT,
    Consultation,
    ConsultationDraft,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationRoll,
    ConsultationText,
    QuestionKind,
    ResponseMethod,
    WhoMayAnswer,
)

TEXT_LIMIT = 1000


# --- who may answer -----------------------------------------------------------------------------------

def why_not_answer(consultation: Consultation, user) -> str | None:
    """None when this person (or, for "anyone with the link", this visitor) may answer now;
    otherwise the reason, in their words."""
    today = timeutil.today()
    if not consultation.is_open(today):
        if consultation.has_closed(today):
            return "This consultation has closed"
        if consultation.opens_on and today < consultation.opens_on:
            return f"This consultation opens on {consultation.opens_on.strftime('%-d %B %Y')}"
        return "This consultation is not open"
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if consultation.who_may_answer == WhoMayAnswer.ANYONE:
        if not signed_in:
            return None
    elif not signed_in:
        return f"Sign in as a resident of {consultation.neighbourhood.name} to answer"
    else:
        problem = why_not_take_part(user, consultation.neighbourhood,
                                    needs_verification=consultation.who_may_answer == WhoMayAnswer.VERIFIED,
                                    doing="answer this consultation")
        if problem:
            return problem
    entry = roll_entry_of(consultation, user)
    if entry is not None and entry.method == ResponseMethod.PAPER:
        return "You answered this consultation on paper, so you cannot also answer online"
    if entry is None and db.session.scalar(select(ConsultationRoll.id).where(
            ConsultationRoll.consultation_id == consultation.id,
            ConsultationRoll.person_digest == personal_digest(user.email))):
        return ("Someone with this email address has already answered, from an account that has since been closed. "
                "Each person answers once")
    return None


def roll_entry_of(consultation: Consultation, user) -> ConsultationRoll | None:
    if user is None or not getattr(user, "id", None):
        return None
    return db.session.scalar(select(ConsultationRoll).where(ConsultationRoll.consultation_id == consultation.id,
                                                            ConsultationRoll.user_id == user.id))


def owner_key(consultation: Consultation, *, user=None, visitor: str | None = None) -> str:
    """The keyed pseudonym that finds this person's draft and response again: HMAC of the server's
    secret over the consultation and the account (or, for "anyone with the link", a random token
    kept in this browser's session). Nobody without the secret can tell whose a response is."""
    key = current_app.config["PB_BALLOT_KEY"].encode()
    who = f"user:{user.id}" if user is not None and getattr(user, "id", None) else f"visitor:{visitor}"
    return hmac.new(key, f"consultation:{consultation.id}:{who}".encode(), hashlib.sha256).hexdigest()


def new_visitor_token() -> str:
    return secrets.token_urlsafe(24)


# --- one answer ----------------------------------------------------------------------------------------

def field_name(question: ConsultationQuestion) -> str:
    return f"q{question.id}"


def parse_answer(question: ConsultationQuestion, form) -> object:
    """One question's answer from a submitted form (a MultiDict): the stored value, None when left
    blank, or a ServiceError naming the field."""
    name = field_name(question)
    options = question.options or []
    kind = question.kind
    if kind in (QuestionKind.ONE, QuestionKind.ABOUT):
        raw = (form.get(name) or "").strip()
        if not raw:
            return None
        if kind == QuestionKind.ABOUT and raw == PREFER_NOT:
            return PREFER_NOT
        if not raw.isdecimal() or int(raw) >= len(options):
            raise ServiceError("Choose one of the answers shown", field=name)
        return int(raw)
    if kind == QuestionKind.SEVERAL:
        raw = [v.strip() for v in form.getlist(name) if v.strip()]
        if not raw:
            return None
        if any(not v.isdecimal() or int(v) >= len(options) for v in raw):
            raise ServiceError("Choose from the answers shown", field=name)
        chosen = sorted({int(v) for v in raw})
        if question.max_choices and len(chosen) > question.max_choices:
            raise ServiceError(f"Choose no more than {question.max_choices}: you chose {len(chosen)}", field=name)
        return chosen
    if kind == QuestionKind.RANK:
        places = {}
        for index, option in enumerate(options):
            raw = (form.get(f"{name}-{index}") or "").strip()
            if not raw:
                continue
            if not raw.isdecimal() or not 1 <= int(raw) <= len(options):
                raise ServiceError(f"Give ‘{option}’ a number from 1 to {len(options)}, or leave it blank",
                                   field=f"{name}-{index}")
            places[index] = int(raw)
        if not places:
            return None
        numbers = sorted(places.values())
        if len(set(numbers)) != len(numbers):
            twice = next(n for n in numbers if numbers.count(n) > 1)
            raise ServiceError(f"You gave the number {twice} to more than one choice. Give each choice its own number",
                               field=name)
        if numbers != list(range(1, len(numbers) + 1)):
            raise ServiceError(f"Number your choices 1, 2, 3 and so on without gaps: you used "
                               f"{', '.join(str(n) for n in numbers)}", field=name)
        return [index for index, _ in sorted(places.items(), key=lambda item: item[1])]
    if kind == QuestionKind.SCALE:
        raw = (form.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdecimal() or not 0 <= int(raw) <= 10:
            raise ServiceError("Choose a score from 0 to 10", field=name)
        return int(raw)
    # A written answer
    raw = (form.get(name) or "").replace("\r\n", "\n").strip()
    if not raw:
        return None
    if hidden_characters(raw):
        raise ServiceError(f"Your answer {HIDDEN_CHARACTERS}", field=name)
    if len(raw) > TEXT_LIMIT:
        raise ServiceError(f"Your answer must be {TEXT_LIMIT:,} characters or fewer: it has {len(raw):,}", field=name)
    return raw


def missing_required(consultation: Consultation, answers: dict) -> list[ConsultationQuestion]:
    return [q for q in consultation.questions if q.required and answers.get(str(q.id)) in (None, "", [])]


# --- the draft ------------------------------------------------------------------------------------------

def draft_of(consultation: Consultation, key: str) -> dict:
    """Answers given so far: the draft's, or else the sent response's (to change it)."""
    draft = db.session.scalar(select(ConsultationDraft).where(ConsultationDraft.consultation_id == consultation.id,
                                                              ConsultationDraft.owner_key == key))
    if draft is not None:
        return dict(draft.answers)
    sent = sent_response(consultation, key)
    return answers_with_text(sent) if sent is not None else {}


def sent_response(consultation: Consultation, key: str) -> ConsultationResponse | None:
    return db.session.scalar(select(ConsultationResponse).where(
        ConsultationResponse.consultation_id == consultation.id, ConsultationResponse.replace_key == key))


def answers_with_text(response: ConsultationResponse) -> dict:
    answers = dict(response.answers)
    for text in db.session.scalars(select(ConsultationText).where(ConsultationText.response_id == response.id)):
        answers[str(text.question_id)] = text.body
    return answers


def save_answer(consultation: Consultation, user, key: str, question: ConsultationQuestion, form) -> dict:
    """Keep one page's answer in the draft (not yet sent, not in the ledger: nothing is decided)."""
    problem = why_not_answer(consultation, user)
    if problem:
        raise ServiceError(problem)
    value = parse_answer(question, form)
    with transaction():
        draft = db.session.scalar(select(ConsultationDraft).where(ConsultationDraft.consultation_id == consultation.id,
                                                                  ConsultationDraft.owner_key == key))
        if draft is None:
            answers = draft_of(consultation, key)
            draft = ConsultationDraft(consultation_id=consultation.id, owner_key=key, answers=answers)
            db.session.add(draft)
        answers = dict(draft.answers)
        if value is None:
            answers.pop(str(question.id), None)
        else:
            answers[str(question.id)] = value
        draft.answers = answers
        draft.updated_at = timeutil.stamp()
    return answers


def split_answers(consultation: Consultation, answers: dict) -> tuple[dict, dict]:
    """(stored answers, written answers by question id) from a draft's answers."""
    kinds = {str(q.id): q.kind for q in consultation.questions}
    stored, written = {}, {}
    for key, value in answers.items():
        if key not in kinds or value in (None, "", []):
            continue
        (written if kinds[key] == QuestionKind.TEXT else stored)[key] = value
    return stored, written


def write_texts(consultation: Consultation, response: ConsultationResponse, written: dict) -> None:
    for question_id, body in written.items():
        db.session.add(ConsultationText(consultation_id=consultation.id, response_id=response.id,
                                        question_id=int(question_id), body=body,
                                        body_sha256=hashlib.sha256(body.encode()).hexdigest()))


def send(consultation: Consultation, user, key: str) -> ConsultationResponse:
    """Send the draft as this person's response, or replace the response they sent before."""
    problem = why_not_answer(consultation, user)
    if problem:
        raise ServiceError(problem)
    answers = draft_of(consultation, key)
    missing = missing_required(consultation, answers)
    if missing:
        raise ServiceError(f"Answer question {missing[0].position}: ‘{missing[0].prompt}’", field=f"q{missing[0].id}")
    if not answers:
        raise ServiceError("You have not answered any question yet")
    stored, written = split_answers(consultation, answers)
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    try:
        with transaction():
            response = sent_response(consultation, key)
            changed = response is not None
            if changed:
                response.answers = stored
                db.session.execute(delete(ConsultationText).where(ConsultationText.response_id == response.id))
            else:
                if signed_in:  # on the roll, so they cannot answer again, nor on paper
                    db.session.add(ConsultationRoll(consultation_id=consultation.id, user_id=user.id,
                                                    person_digest=personal_digest(user.email),
                                                    method=ResponseMethod.ONLINE, answered_on=timeutil.today()))
                response = ConsultationResponse(id=secrets.token_hex(16), consultation_id=consultation.id,
                                                method=ResponseMethod.ONLINE, answers=stored, replace_key=key)
                db.session.add(response)
            db.session.flush()
            write_texts(consultation, response, written)
            db.session.execute(delete(ConsultationDraft).where(ConsultationDraft.consultation_id == consultation.id,
                                                               ConsultationDraft.owner_key == key))
            record("consultation.answered", consultation, actor=user if signed_in else None,
                   neighbourhood=consultation.neighbourhood,
                   payload={"method": ResponseMethod.ONLINE, "changed": changed,
                            **({"without_an_account": True} if not signed_in else {})})
    except IntegrityError:
        raise ServiceError("You have already answered this consultation. Each person answers once") from None
    return response


def erase_draft_of(user: User) -> int:
    """Drafts are found by the keyed pseudonym, per consultation the person could have started."""
    removed = 0
    for consultation in db.session.scalars(select(Consultation).where(Consultation.id.in_(
            select(ConsultationDraft.consultation_id).distinct()))):
        key = owner_key(consultation, user=user)
        removed += db.session.execute(delete(ConsultationDraft).where(
            ConsultationDraft.consultation_id == consultation.id, ConsultationDraft.owner_key == key)).rowcount or 0
    return removed
