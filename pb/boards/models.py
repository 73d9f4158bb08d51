"""The board that holds the money: its seats and who holds them (with start, term and how they
came), its settings (whose rules it follows), each member's standing register of interests and its
yearly confirmation, and the neighbourhood's code of conduct, versioned, with each acceptance.
A seat that ends keeps its row: the board's history stays public."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.states import State
from pb.timeutil import utcnow


class SeatKind(State):
    """In the order the board page lists them."""
    CHAIR = "chair", "Independent chair"
    VICE_CHAIR = "vice_chair", "Vice-chair"
    RESIDENT = "resident", "Resident"
    YOUNG_PERSON = "young_person", "Young person"
    BUSINESS = "business", "Local business"
    COMMUNITY = "community", "Faith or community organisation"
    WORKPLACE = "workplace", "Workplace representative"
    COUNCILLOR = "councillor", "Councillor"
    MP = "mp", "MP or their representative"
    CO_OPTED = "co_opted", "Co-opted member"
    OBSERVER = "observer", "Observer (no vote)"


# Seats whose holder is an elected representative by definition.
ELECTED_SEATS = (SeatKind.COUNCILLOR, SeatKind.MP)


class CameBy(State):
    ELECTED = "elected", "Elected"
    APPOINTED = "appointed", "Appointed"
    CO_OPTED = "co_opted", "Co-opted"


class SeatEnd(State):
    STEPPED_DOWN = "stepped_down", "Stepped down"
    REMOVED = "removed", "Removed"
    TERM_ENDED = "term_ended", "Term ended"


class InterestKind(State):
    EMPLOYMENT = "employment", "Employment"
    BUSINESS = "business", "Business or company"
    LAND = "land", "Land or property"
    ORGANISATION = "organisation", "Member of an organisation that may apply for money"
    GIFT = "gift", "Gift or hospitality"
    FAMILY = "family", "Family or close personal"


class BoardSettings(db.Model):
    """One row per neighbourhood that has set up its board."""

    __tablename__ = "board_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), unique=True)
    rules: Mapped[str] = mapped_column(String(40))  # a framework key in pb/frameworks/: whose board rules apply
    gift_threshold: Mapped[int] = mapped_column(default=50_00)  # pence: gifts over this go on the register
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BoardSeat(db.Model):
    """A person's seat on the board, from the day they took it to the day it ended (if it has)."""

    __tablename__ = "board_seat"
    __table_args__ = (
        SeatKind.check("kind"), CameBy.check("came_by"), SeatEnd.check("end_reason", nullable=True),
        # One seat at a time per person per board.
        Index("uq_board_seat_open", "neighbourhood_id", "user_id", unique=True,
              sqlite_where=text("ended_on IS NULL"), postgresql_where=text("ended_on IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[date] = mapped_column(Date)
    term_ends_on: Mapped[date | None] = mapped_column(Date)
    came_by: Mapped[str] = mapped_column(String(20))
    elected_representative: Mapped[bool] = mapped_column(default=False)  # a councillor, MP or mayor
    council_approved_on: Mapped[date | None] = mapped_column(Date)
    mp_approved_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    end_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def votes(self) -> bool:
        return self.kind != SeatKind.OBSERVER

    @property
    def kind_label(self) -> str:
        return SeatKind(self.kind).label

    @property
    def came_by_label(self) -> str:
        return CameBy(self.came_by).label

    def approved_by(self, approver: str) -> date | None:
        return {"council": self.council_approved_on, "mp": self.mp_approved_on}[approver]


class RegisterEntry(db.Model):
    """One entry in a member's standing register of interests."""

    __tablename__ = "register_entry"
    __table_args__ = (InterestKind.check("kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(200), default="")  # who it is with, matched to decisions
    description: Mapped[str] = mapped_column(Text)
    from_on: Mapped[date] = mapped_column(Date)
    to_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def kind_label(self) -> str:
        return InterestKind(self.kind).label

    def current(self, today: date) -> bool:
        return self.from_on <= today and (self.to_on is None or self.to_on >= today)


class RegisterConfirmation(db.Model):
    """A member confirmed their whole register was complete and correct on a day."""

    __tablename__ = "register_confirmation"
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    confirmed_on: Mapped[date] = mapped_column(Date)
    entries: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the register as confirmed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConductCode(db.Model):
    """The board's code of conduct, as the neighbourhood set it: every version kept."""

    __tablename__ = "conduct_code"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    set_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConductAcceptance(db.Model):
    __tablename__ = "conduct_acceptance"
    __table_args__ = (UniqueConstraint("code_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("conduct_code.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    accepted_on: Mapped[date] = mapped_column(Date)
