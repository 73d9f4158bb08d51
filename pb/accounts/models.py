from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    # What the audit trail records instead of the person: random, stable, meaningless.
    pseudonym: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str] = mapped_column(String(255))
    postcode: Mapped[str] = mapped_column(String(8), index=True)
    birth_year: Mapped[int | None]  # None once the account is erased (pb.accounts.privacy)
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Emails about the person's own proposals (reviews, comments, amendments); off after unsubscribing.
    proposal_emails: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Set when the person erased their account: name, email and postcode are gone, the row stays so
    # that their ballots stay counted and their public words stay attributed to "a former resident".
    erased_at: Mapped[datetime | None]

    memberships = relationship("Membership", back_populates="user", foreign_keys="Membership.user_id",
                               cascade="all, delete-orphan")

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def roles_in(self, neighbourhood) -> list:
        return [m for m in self.memberships if m.neighbourhood_id == neighbourhood.id]


class UserSession(db.Model):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy
    of the database cannot be used to sign in. Deleting the row signs that browser out."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class OneTimeToken(db.Model):
    """Emailed links (verify email, reset password): single use, expiring, stored as a hash."""

    __tablename__ = "one_time_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class FailedAttempt(db.Model):
    """Failed sign-ins and code entries, counted per key (a digest) to slow down guessing. Kept in
    the database so the limit holds across several app servers."""

    __tablename__ = "failed_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key_digest: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
