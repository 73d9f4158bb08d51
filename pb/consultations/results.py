"""A consultation's results: the published response data, and the figures counted from it by
pb.counting.answers (the same code an auditor runs on the pack)."""
from __future__ import annotations

from sqlalchemy import select

from pb.counting.answers import count_published, digest
from pb.extensions import db

from .models import (
    PREFER_NOT,
    Consultation,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationText,
    QuestionKind,
    TextStatus,
)


def question_data(question: ConsultationQuestion) -> dict:
    return {"id": question.id, "position": question.position, "kind": question.kind, "prompt": question.prompt,
            "options": list(question.options or []), "max_choices": question.max_choices,
            "about_group": question.about_group}


def responses_of(consultation: Consultation) -> list[ConsultationResponse]:
    return db.session.scalars(select(ConsultationResponse).where(
        ConsultationResponse.consultation_id == consultation.id).order_by(ConsultationResponse.id)).all()


def _texts(consultation: Consultation) -> dict[str, dict[str, ConsultationText]]:
    texts: dict[str, dict[str, ConsultationText]] = {}
    for text in db.session.scalars(select(ConsultationText).where(ConsultationText.consultation_id == consultation.id)):
        texts.setdefault(text.response_id, {})[str(text.question_id)] = text
    return texts


def published_data(consultation: Consultation) -> dict:
    """What anyone may download once the results are published, and what the figures are counted
    from: every response in id order (random, so not the order they came in), with its written
    answers as published ("withheld" where a facilitator withheld one)."""
    texts = _texts(consultation)
    responses = []
    for response in responses_of(consultation):
        answers = dict(response.answers)
        for question_id, text in texts.get(response.id, {}).items():
            answers[question_id] = text.body if text.status == TextStatus.PUBLISHED else "withheld"
        responses.append({"id": response.id, "method": response.method, "answers": answers})
    return {"consultation": {"id": consultation.id, "title": consultation.title,
                             "neighbourhood": consultation.neighbourhood.slug,
                             "opens_on": consultation.opens_on.isoformat() if consultation.opens_on else None,
                             "closes_on": consultation.closes_on.isoformat() if consultation.closes_on else None},
            "questions": [question_data(q) for q in consultation.questions],
            "responses": responses}


def count(data: dict) -> dict:
    """The figures from published data (a download, or the pack): what the results page shows."""
    return count_published(data)


def results_for(consultation: Consultation) -> dict:
    return count(published_data(consultation))


def responses_digest(data: dict) -> str:
    """The digest the ledger records when results are published: of the responses as published."""
    return digest(data["responses"])


def published_texts(consultation: Consultation) -> dict[int, list[str]]:
    """Per written question, the answers a facilitator published, in a stable order."""
    out: dict[int, list[str]] = {}
    for text in db.session.scalars(select(ConsultationText).where(
            ConsultationText.consultation_id == consultation.id, ConsultationText.status == TextStatus.PUBLISHED)
            .order_by(ConsultationText.question_id, ConsultationText.response_id)):
        out.setdefault(text.question_id, []).append(text.body)
    return out


def answer_words(question: ConsultationQuestion, value) -> str:
    """An answer as a person reads it, for the check-your-answers page and paper differences."""
    if value is None or value == "" or value == []:
        return "Not answered"
    options = question.options or []
    if question.kind in (QuestionKind.ONE, QuestionKind.ABOUT):
        return "Prefer not to say" if value == PREFER_NOT else options[value]
    if question.kind == QuestionKind.SEVERAL:
        return ", ".join(options[i] for i in value)
    if question.kind == QuestionKind.RANK:
        return "; ".join(f"{place}. {options[i]}" for place, i in enumerate(value, start=1))
    if question.kind == QuestionKind.SCALE:
        return f"{value} out of 10"
    return str(value)
