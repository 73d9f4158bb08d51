"""Written answers: hidden until a facilitator publishes or withholds each one. Personal details
can be redacted before publishing; the words as written then survive only as their digest, which
the ledger entry records beside the digest of what is shown.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR
from pb.neighbourhoods.services import require_role
from pb.services import ServiceError, transaction
from pb.text import required_text

from .answering import TEXT_LIMIT
from .models import Consultation, ConsultationStatus, ConsultationText, TextStatus

# The reasons a written answer is withheld or redacted, as comments are moderated.
REASONS = {
    "personal": "It names or identifies someone",
    "abusive": "It is abusive or offensive",
    "off_topic": "It is not about the question",
    "spam": "It is advertising or spam",
}


def _check(text: ConsultationText, facilitator: User) -> Consultation:
    consultation = db.session.get(Consultation, text.consultation_id)
    require_role(facilitator, consultation.neighbourhood_id, FACILITATOR, "Only facilitators moderate written answers")
    if consultation.status == ConsultationStatus.PUBLISHED:
        raise ServiceError("The results are published, so written answers can no longer change")
    return consultation


def _reason(reason: str | None) -> str:
    if reason not in REASONS:
        raise ServiceError("Choose a reason", field="reason")
    return reason


def publish_text(text: ConsultationText, facilitator: User) -> None:
    consultation = _check(text, facilitator)
    with transaction():
        text.status, text.reason, text.decided_by_id = TextStatus.PUBLISHED, "", facilitator.id
        record("consultation.text_published", consultation, actor=facilitator, neighbourhood=consultation.neighbourhood,
               payload={"text": text.id, "body_sha256": text.body_sha256})


def withhold_text(text: ConsultationText, facilitator: User, reason: str | None) -> None:
    consultation = _check(text, facilitator)
    reason = _reason(reason)
    with transaction():
        text.status, text.reason, text.decided_by_id = TextStatus.WITHHELD, reason, facilitator.id
        record("consultation.text_withheld", consultation, actor=facilitator, neighbourhood=consultation.neighbourhood,
               payload={"text": text.id, "reason": reason, "body_sha256": text.body_sha256})


def redact_and_publish(text: ConsultationText, facilitator: User, shown: str, reason: str | None) -> None:
    """Publish the answer with personal details taken out: `shown` replaces the words."""
    consultation = _check(text, facilitator)
    reason = _reason(reason)
    shown = required_text(shown, field="shown", label="The answer as shown", limit=TEXT_LIMIT,
                          missing="Enter the answer as it should be shown, with the personal details taken out")
    if shown == text.body:
        raise ServiceError("Nothing was taken out: change the words, or publish the answer as it is", field="shown")
    with transaction():
        text.body, text.redacted = shown, True
        text.status, text.reason, text.decided_by_id = TextStatus.PUBLISHED, reason, facilitator.id
        record("consultation.text_redacted", consultation, actor=facilitator, neighbourhood=consultation.neighbourhood,
               payload={"text": text.id, "reason": reason, "body_sha256": text.body_sha256,
                        "shown_sha256": hashlib.sha256(shown.encode()).hexdigest()})


def waiting(consultation: Consultation) -> list[ConsultationText]:
    return db.session.scalars(select(ConsultationText).where(
        ConsultationText.consultation_id == consultation.id, ConsultationText.status == TextStatus.WAITING)
        .order_by(ConsultationText.question_id, ConsultationText.id)).all()
