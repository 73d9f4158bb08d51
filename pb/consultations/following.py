"""What can be followed in consultations, and the reminder before one closes."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pb import timeutil
from pb.extensions import db
from pb.following import services as following
from pb.ledger.services import record
from pb.mail import email_link
from pb.notifications import notify_about
from pb.services import transaction

from .answering import roll_entry_of
from .models import Consultation, ConsultationStatus

REMINDER_DAYS = 3

SUBJECT = following.register(following.Subject(
    kind="consultation", news="a reminder before a consultation closes, and its results",
    already="You already get emails about this consultation",
    load=lambda consultation_id: db.session.get(Consultation, consultation_id),
    neighbourhood=lambda consultation: consultation.neighbourhood, name=lambda consultation: consultation.title,
    payload=lambda consultation: {"consultation": consultation.id}))


def send_closing_reminders(today: date | None = None) -> int:
    """Once per consultation, three days before its last day: each follower is reminded (and told
    whether they have answered: they can still change it). Returns how many emails were queued."""
    today = today or timeutil.today()
    due = db.session.scalars(select(Consultation).where(
        Consultation.status == ConsultationStatus.APPROVED, Consultation.reminder_sent_at.is_(None),
        Consultation.closes_on <= today + timedelta(days=REMINDER_DAYS), Consultation.closes_on >= today,
        Consultation.opens_on <= today).order_by(Consultation.id)).all()
    sent = 0
    for consultation in due:
        with transaction():
            people = following.followers("consultation", consultation)
            link = email_link("consultations.show", slug=consultation.neighbourhood.slug,
                              consultation_id=consultation.id)
            for person in people:
                notify_about(person, "consultation", consultation.id, SUBJECT.news,
                             f"{consultation.title}: three days left", "consultation_closing",
                             consultation=consultation, hood=consultation.neighbourhood,
                             closes_on=consultation.closes_on.strftime("%-d %B %Y"),
                             answered=roll_entry_of(consultation, person) is not None, link=link)
            consultation.reminder_sent_at = timeutil.stamp()
            record("consultation.reminder_sent", consultation, actor=None, neighbourhood=consultation.neighbourhood,
                   payload={"emails": len(people)})
        sent += len(people)
    return sent
