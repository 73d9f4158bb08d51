"""What the pages list: consultations by where they are, and how many have answered."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pb.extensions import db

from .models import Consultation, ConsultationResponse, ConsultationStatus, ResponseMethod


def listed(hood, today: date, *, staff: bool) -> dict:
    """Open now, opening soon, closed and published; those being written only for staff."""
    rows = db.session.scalars(select(Consultation).where(Consultation.neighbourhood_id == hood.id)
                              .order_by(Consultation.closes_on.desc(), Consultation.id.desc())).all()
    out = {"open_now": [], "coming": [], "closed": [], "being_written": []}
    for c in rows:
        if c.status in (ConsultationStatus.DRAFT, ConsultationStatus.AWAITING_APPROVAL):
            if staff:
                out["being_written"].append(c)
        elif c.is_open(today):
            out["open_now"].append(c)
        elif c.status == ConsultationStatus.APPROVED and today < c.opens_on:
            out["coming"].append(c)
        else:
            out["closed"].append(c)
    return out


def open_consultations(hood, today: date) -> list[Consultation]:
    return [c for c in db.session.scalars(select(Consultation).where(
        Consultation.neighbourhood_id == hood.id, Consultation.status == ConsultationStatus.APPROVED,
        Consultation.opens_on <= today, Consultation.closes_on >= today).order_by(Consultation.closes_on))]


def sent_figures(consultation: Consultation) -> dict:
    """How many have answered, online and on paper (counts only: nothing about who)."""
    rows = dict(db.session.execute(select(ConsultationResponse.method, func.count()).where(
        ConsultationResponse.consultation_id == consultation.id).group_by(ConsultationResponse.method)).all())
    online, paper = rows.get(ResponseMethod.ONLINE, 0), rows.get(ResponseMethod.PAPER, 0)
    return {"online": online, "paper": paper, "total": online + paper}
