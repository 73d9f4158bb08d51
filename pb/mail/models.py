"""The outbox: every email pb sends is a row here first, written in the transaction of the change
it reports, then claimed and sent by a worker (pb.mail.deliver_pending)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db
from pb.timeutil import utcnow


class OutboxEmail(db.Model):
    """An email waiting to be sent, written in the same transaction as the change it reports."""

    __tablename__ = "outbox_email"
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Someone other than the recipient whom the email names (a comment's author, in a notice to the
    # proposer): erasing that person rewrites or removes this email, and no other.
    about_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # A sender claims an email before sending it (pb.mail.deliver_pending): another worker or app
    # server skips it until the claim runs out, so one email is never sent twice at once.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]
