"""Consultations: a questionnaire residents answer online or on paper, and what they said.

Like the ballot box, who answered (the roll) is kept apart from what they answered (the
responses). A response row names nobody: its id is random, it has no time and no user id, and on
SQLite it is stored in id order. An online response carries a keyed pseudonym, HMAC(server
secret, consultation and person), so the resident can find it again to change it until the
close; only someone holding both the database and the secret in instance/ can compute it (see
docs/privacy.md)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.states import State
from pb.timeutil import utcnow


class ConsultationStatus(State):
    """Where a consultation is: being written, waiting for the board, then open between its dates,
    closed, and its results published."""

    DRAFT = "draft", "Being written", "grey"
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for the board's approval", "yellow"
    APPROVED = "approved", "Ready: open between its dates", "blue"
    CLOSED = "closed", "Closed", "grey"
    PUBLISHED = "published", "Results published", "green"


class WhoMayAnswer(State):
    VERIFIED = "verified", "Verified residents"
    RESIDENTS = "residents", "Any resident who has joined"
    ANYONE = "anyone", "Anyone with the link"


class QuestionKind(State):
    ONE = "one", "Choose one"
    SEVERAL = "several", "Choose several"
    RANK = "rank", "Put in order"
    SCALE = "scale", "A score from 0 to 10"
    TEXT = "text", "A short written answer"
    ABOUT = "about", "About you"


class TextStatus(State):
    """A written answer is hidden until a facilitator publishes or withholds it."""

    WAITING = "waiting", "Waiting for a facilitator", "yellow"
    PUBLISHED = "published", "Published", "green"
    WITHHELD = "withheld", "Withheld", "grey"


class ResponseMethod(State):
    ONLINE = "online", "Online"
    PAPER = "paper", "On paper"


# The age bands every "about you" age question offers and every area profile uses, so that who
# answered can be set beside who lives there.
AGE_GROUP = "age"
AGE_BANDS = ("Under 16", "16 to 24", "25 to 34", "35 to 44", "45 to 54", "55 to 64", "65 to 74", "75 or over")
PREFER_NOT = "prefer_not"


def age_band(age: int) -> str:
    """The band an age falls in (AGE_BANDS)."""
    if age < 16:
        return AGE_BANDS[0]
    if age < 25:
        return AGE_BANDS[1]
    if age >= 75:
        return AGE_BANDS[-1]
    return AGE_BANDS[2 + (age - 25) // 10]


class Consultation(db.Model):
    __tablename__ = "consultation"
    __table_args__ = (ConsultationStatus.check("status"), WhoMayAnswer.check("who_may_answer"))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    introduction: Mapped[str] = mapped_column(Text, default="")
    who_may_answer: Mapped[str] = mapped_column(String(12), default=WhoMayAnswer.VERIFIED)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)  # the last day answers are taken
    status: Mapped[str] = mapped_column(String(20), default=ConsultationStatus.DRAFT)
    # Share of paper copies a second facilitator keys again, to catch keying mistakes (0 to 100).
    second_keying_percent: Mapped[int] = mapped_column(SmallInteger, default=10)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]
    # The figures counted when the results were published (pb.counting.answers over the published
    # responses; the ledger holds their digest and the verifier recounts them). The results page
    # reads these rather than counting every response on each request.
    results: Mapped[dict | None] = mapped_column(JSON)

    questions = relationship("ConsultationQuestion", order_by="ConsultationQuestion.position",
                             cascade="all, delete-orphan", lazy="selectin")
    neighbourhood = relationship("Neighbourhood", lazy="joined")

    @property
    def status_label(self) -> str:
        return ConsultationStatus(self.status).label

    def is_open(self, today: date) -> bool:
        return (self.status == ConsultationStatus.APPROVED and self.opens_on is not None
                and self.opens_on <= today <= self.closes_on)

    def has_closed(self, today: date) -> bool:
        return self.status in (ConsultationStatus.CLOSED, ConsultationStatus.PUBLISHED) or (
            self.status == ConsultationStatus.APPROVED and self.closes_on is not None and today > self.closes_on)

    def state_words(self, today: date) -> str:
        """What a resident reads about it: open until when, opening when, closed, results out."""
        if self.status == ConsultationStatus.APPROVED:
            if today < self.opens_on:
                return f"Opens on {self.opens_on.strftime('%-d %B %Y')}"
            if today <= self.closes_on:
                return f"Open until {self.closes_on.strftime('%-d %B %Y')}"
            return "Closed: results to follow"
        if self.status == ConsultationStatus.CLOSED:
            return "Closed: results to follow"
        return ConsultationStatus(self.status).label


class ConsultationQuestion(db.Model):
    __tablename__ = "consultation_question"
    __table_args__ = (QuestionKind.check("kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(10))
    prompt: Mapped[str] = mapped_column(String(300))
    hint: Mapped[str] = mapped_column(String(500), default="")
    options: Mapped[list] = mapped_column(JSON, default=list)  # the choices, in the order shown
    max_choices: Mapped[int | None] = mapped_column(SmallInteger)  # choose several: at most this many
    required: Mapped[bool] = mapped_column(default=False)
    # "About you" questions: the group this question asks about (AGE_GROUP or a name the
    # neighbourhood gives, matching its area profile), for breakdowns and representation.
    about_group: Mapped[str | None] = mapped_column(String(60))

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label


class ConsultationResponse(db.Model):
    """One person's answers. Nothing here names or points to them (see the module's note)."""

    __tablename__ = "consultation_response"
    __table_args__ = (UniqueConstraint("consultation_id", "replace_key"), UniqueConstraint("consultation_id", "serial"),
                      ResponseMethod.check("method"), {"sqlite_with_rowid": False})
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, 128 bits
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    # {"<question id>": answer}: an option's index (choose one, about you, or PREFER_NOT), a sorted
    # list of indexes (choose several), indexes in ranked order (put in order), 0-10 (scale).
    # Written answers are in consultation_text, where a facilitator moderates them.
    answers: Mapped[dict] = mapped_column(JSON)
    replace_key: Mapped[str | None] = mapped_column(String(64))  # online: finds it again to change it
    serial: Mapped[int | None]  # paper: the copy's printed serial number


class ConsultationText(db.Model):
    """A written answer: hidden until a facilitator publishes or withholds it. Redacting personal
    details replaces the words; the original is kept only as its digest, for the ledger."""

    __tablename__ = "consultation_text"
    __table_args__ = (TextStatus.check("status"), UniqueConstraint("response_id", "question_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[str] = mapped_column(ForeignKey("consultation_response.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_question.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))  # of the words as written, before any redaction
    redacted: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=TextStatus.WAITING)
    reason: Mapped[str] = mapped_column(String(300), default="")  # why withheld or redacted
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ConsultationRoll(db.Model):
    """This person has answered this consultation, by this method. One per person: the unique
    constraints are what refuse a second response, online and paper together, however requests
    race."""

    __tablename__ = "consultation_roll"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),
                      Index("uq_consultation_roll_person_digest", "consultation_id", "person_digest", unique=True),
                      ResponseMethod.check("method"))
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # A keyed digest of the email address, kept after erasure, as the voter roll keeps it.
    person_digest: Mapped[str] = mapped_column(String(48))
    method: Mapped[str] = mapped_column(String(10))
    answered_on: Mapped[date] = mapped_column(Date)  # a day, not a time: nothing to line up with responses
    # No birth year, unlike the voter roll: who took part is counted from the answers' own "about
    # you" questions, which people may decline, so the roll keeps nothing it does not need.


class ConsultationDraft(db.Model):
    """Answers given so far, page by page, before the person checks and sends them. Keyed by the
    same kind of pseudonym as a response; deleted when sent."""

    __tablename__ = "consultation_draft"
    __table_args__ = (UniqueConstraint("consultation_id", "owner_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    owner_key: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # written answers included, as {"<id>": "words"}
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsultationPaperBatch(db.Model):
    """Copies printed for handing out: each copy carries one serial number of this range."""

    __tablename__ = "consultation_paper_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    first_serial: Mapped[int]
    last_serial: Mapped[int]
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsultationKeying(db.Model):
    """One facilitator's keying of one paper copy: the first, or the check of a sampled copy."""

    __tablename__ = "consultation_keying"
    __table_args__ = (UniqueConstraint("consultation_id", "serial", "keying"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    serial: Mapped[int]
    keying: Mapped[int] = mapped_column(SmallInteger)  # 1 or 2
    answers: Mapped[dict] = mapped_column(JSON)  # as a draft's: written answers included
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EngagementKind(State):
    EVENT = "event", "Event"
    STALL = "stall", "Stall"
    DOOR_KNOCKING = "door_knocking", "Door-knocking"
    WORKSHOP = "workshop", "Workshop"
    YOUTH = "youth", "School or youth session"
    ONLINE = "online", "Online post"
    OTHER = "other", "Other"


class EngagementActivity(db.Model):
    """One way the neighbourhood listened: what, when, where, how many people (by age band where
    known), a note, and a photo if there is one (re-encoded like a proposal's pictures)."""

    __tablename__ = "engagement_activity"
    __table_args__ = (EngagementKind.check("kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(160))
    people: Mapped[int]
    by_age: Mapped[dict] = mapped_column(JSON, default=dict)  # {age band: people}, where counted
    note: Mapped[str] = mapped_column(String(500), default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    photo_alt: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def kind_label(self) -> str:
        return EngagementKind(self.kind).label


class AreaProfile(db.Model):
    """Who lives in the neighbourhood, by group (age bands, and others the census gives), from a
    published source: what the people heard are compared with."""

    __tablename__ = "area_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    groups = relationship("AreaGroup", order_by="AreaGroup.id", cascade="all, delete-orphan", lazy="selectin")


class AreaGroup(db.Model):
    __tablename__ = "area_group"
    __table_args__ = (UniqueConstraint("profile_id", "grouping", "band"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("area_profile.id", ondelete="CASCADE"), index=True)
    grouping: Mapped[str] = mapped_column(String(60))  # "age", or "ethnic group" and so on
    band: Mapped[str] = mapped_column(String(120))
    population: Mapped[int]
