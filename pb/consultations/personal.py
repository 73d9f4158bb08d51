"""What consultations hold about a person, for pb.privacy: that they answered, and how; their own
answers (found by the keyed pseudonym, as only pb can); drafts not yet sent."""
from __future__ import annotations

from sqlalchemy import select, update

from pb.accounts.personal import iso
from pb.extensions import db

from .answering import answers_with_text, erase_draft_of, owner_key, sent_response
from .models import Consultation, ConsultationResponse, ConsultationRoll
from .results import answer_words

HEADING = "Consultations"
INTRO = ("Which consultations you answered and how. Your answers are kept without your name; only pb, "
         "holding its secret key, can find them for you here.")
HELD = {
    "consultation_roll.user_id": "kept: your answers stay counted and nobody answers twice",
}
KEPT = {
    "consultation.created_by_id": "the facilitator who started a consultation: an official act",
    "consultation.approved_by_id": "the board member who approved its questions: an official act",
    "consultation_paper_batch.printed_by_id": "who numbered paper copies: an official act",
    "consultation_keying.keyed_by_id": "who keyed a paper copy in: an official act",
    "consultation_text.decided_by_id": "who published or withheld a written answer: an official act",
    "engagement_activity.recorded_by_id": "the facilitator who recorded an engagement activity: an official act",
    "area_profile.imported_by_id": "who imported the area profile: an official act",
}
NOT_ABOUT_PEOPLE = {"engagement_activity.place": "where an activity happened (a market, a school), not anyone's home"}


def personal_data(user) -> list[tuple]:
    answered = []
    for entry in db.session.scalars(select(ConsultationRoll).where(ConsultationRoll.user_id == user.id)
                                    .order_by(ConsultationRoll.id)):
        consultation = db.session.get(Consultation, entry.consultation_id)
        response = sent_response(consultation, owner_key(consultation, user=user))
        answers = answers_with_text(response) if response is not None else {}
        answered.append({"neighbourhood": consultation.neighbourhood.name, "consultation": consultation.title,
                         "how": entry.method, "day": iso(entry.answered_on),
                         "your_answers": {q.prompt: answer_words(q, answers.get(str(q.id)))
                                          for q in consultation.questions} if response is not None else
                         "on paper, kept without your name: it cannot be found again"})
    return [("consultations_answered", "Consultations you answered", answered)]


def erase(user, *, hide_words: bool) -> dict:
    """The roll mark stays so the answers stay counted once; the keyed pseudonym on the response is
    removed, so nobody, even holding the key, can link it to them."""
    unlinked = 0
    for entry in db.session.scalars(select(ConsultationRoll).where(ConsultationRoll.user_id == user.id)):
        consultation = db.session.get(Consultation, entry.consultation_id)
        unlinked += db.session.execute(update(ConsultationResponse).where(
            ConsultationResponse.consultation_id == consultation.id,
            ConsultationResponse.replace_key == owner_key(consultation, user=user)).values(replace_key=None)).rowcount
    return {"consultation_responses_unlinked": unlinked, "consultation_drafts_deleted": erase_draft_of(user)}
