from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

RESIDENT = "resident"
FACILITATOR = "facilitator"
BOARD_MEMBER = "board_member"
AUDITOR = "auditor"
TREASURER = "treasurer"  # records payments out of the neighbourhood's fund
ROLES = (RESIDENT, FACILITATOR, BOARD_MEMBER, AUDITOR, TREASURER)
ROLE_LABELS = {
    RESIDENT: "resident",
    FACILITATOR: "facilitator",
    BOARD_MEMBER: "partnership board member",
    AUDITOR: "auditor",
    TREASURER: "treasurer",
}
ROLE_PLURALS = {
    RESIDENT: "residents",
    FACILITATOR: "facilitators",
    BOARD_MEMBER: "partnership board members",
    AUDITOR: "auditors",
    TREASURER: "treasurers",
}


class Neighbourhood(db.Model):
    __tablename__ = "neighbourhood"
    __table_args__ = (CheckConstraint("min_voting_age BETWEEN 11 AND 25", name="min_voting_age_range"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    min_voting_age: Mapped[int] = mapped_column(default=16)
    # Per neighbourhood: some boards let unverified residents propose, none should let them vote.
    proposing_needs_verification: Mapped[bool] = mapped_column(default=True)
    voting_needs_verification: Mapped[bool] = mapped_column(default=True)
    commenting_needs_verification: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A consultation opens only once a board member has approved its questions.
    consultations_need_board_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    # How a resident gets verified (or any help) without being online: shown wherever pb asks for
    # verification, and printed on voting cards and letters.
    help_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    help_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    help_in_person: Mapped[str] = mapped_column(Text, default="", server_default="")  # drop-in times and place
    # Money after the vote (pb.funds): the 360Giving identifier prefix, the payment size that needs a
    # second person's approval, the grant size above which groups report quarterly, and whether
    # facilitators may record payments as well as treasurers.
    giving_prefix: Mapped[str] = mapped_column(String(60), default="", server_default="")
    payment_approval_threshold: Mapped[int] = mapped_column(default=1_000_00, server_default="100000")
    full_reporting_threshold: Mapped[int] = mapped_column(default=10_000_00, server_default="1000000")
    facilitators_record_payments: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def has_help_routes(self) -> bool:
        return bool(self.help_phone or self.help_email or self.help_in_person)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    postcodes = relationship("EligiblePostcode", back_populates="neighbourhood", cascade="all, delete-orphan",
                             order_by="EligiblePostcode.postcode")
    memberships = relationship("Membership", back_populates="neighbourhood", cascade="all, delete-orphan")


class EligiblePostcode(db.Model):
    """A postcode inside the neighbourhood's area: residents living there may take part."""

    __tablename__ = "eligible_postcode"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "postcode"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    postcode: Mapped[str] = mapped_column(String(8), index=True)

    neighbourhood = relationship("Neighbourhood", back_populates="postcodes")


class Membership(db.Model):
    """One role a person holds in one neighbourhood. A resident membership is verified once a
    facilitator has checked the address or the resident has entered a letter's code."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "neighbourhood_id", "role"),
        # Residents waiting to be verified, per neighbourhood (facilitators' queues, the operator's
        # national view): a partial index, so the count reads the waiting few, not every resident.
        Index("ix_membership_awaiting_verification", "neighbourhood_id",
              postgresql_where=text("role = 'resident' AND verified_at IS NULL"),
              sqlite_where=text("role = 'resident' AND verified_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]
    verification_method: Mapped[str | None] = mapped_column(String(20))  # "facilitator" or "letter"
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user = relationship("User", back_populates="memberships", foreign_keys=[user_id])
    neighbourhood = relationship("Neighbourhood", back_populates="memberships")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def label(self) -> str:
        if self.role == RESIDENT:
            return "verified resident" if self.verified else "resident (not yet verified)"
        return ROLE_LABELS[self.role]


class VerificationLetter(db.Model):
    """A printed letter with a one-time code that proves the holder lives at an address in the
    area. Only the code's SHA-256 is stored (the code has 80 random bits, so no slow hash is
    needed); the printable text exists once, on the page the facilitator prints."""

    __tablename__ = "verification_letter"
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    batch: Mapped[int] = mapped_column(index=True)
    serial: Mapped[int]
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    neighbourhood = relationship("Neighbourhood")
