"""Who follows what: one table for every kind of subject (a round, a grant, a place, and the plan
and consultations to come)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow


class Follower(db.Model):
    """Someone who asked to be emailed a subject's news. `subject_type` names a kind registered with
    pb.following (round, grant, asset ...); `subject_id` is that subject's id."""

    __tablename__ = "follower"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "user_id"),
                      Index("ix_follower_subject", "subject_type", "subject_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
