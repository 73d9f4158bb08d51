"""The neighbourhood plan: one plan per neighbourhood under a programme framework, kept as numbered
versions. A version's sections live in one JSON document, so a version is exactly what was
approved: its SHA-256 goes into the ledger at each step, and an auditor can check any version
against it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.states import State
from pb.timeutil import utcnow


class PlanStatus(State):
    DRAFT = "draft", "Being written", "grey"
    OUT_FOR_COMMENT = "out_for_comment", "Out for comment", "yellow"
    APPROVED = "approved", "Approved by the board", "blue"
    ENDORSED = "endorsed", "Endorsed by the funder", "green"
    SUPERSEDED = "superseded", "Replaced by a later version", "grey"


class Plan(db.Model):
    __tablename__ = "neighbourhood_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id"), unique=True)
    framework: Mapped[str] = mapped_column(String(40))  # a file in pb/frameworks/
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"))  # the money the plan spends
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Spend-out: below this much left in the fund (pence), the plan page shows the legacy checklist.
    spend_out_threshold: Mapped[int | None] = mapped_column(BigInteger)
    # Why the fund's final year ended with legacy items open, as the board recorded it.
    open_items_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    open_items_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    open_items_recorded_on: Mapped[date | None] = mapped_column(Date)
    versions = relationship("PlanVersion", order_by="PlanVersion.number", lazy="selectin",
                            cascade="all, delete-orphan")
    neighbourhood = relationship("Neighbourhood", lazy="joined")

    @property
    def current(self) -> PlanVersion | None:
        """The version in force: the latest endorsed, else the latest approved."""
        for status in (PlanStatus.ENDORSED, PlanStatus.APPROVED):
            found = [v for v in self.versions if v.status == status]
            if found:
                return found[-1]
        return None

    @property
    def open_version(self) -> PlanVersion | None:
        """The version being written or out for comment, if any (there is at most one)."""
        return next((v for v in self.versions if v.status in (PlanStatus.DRAFT, PlanStatus.OUT_FOR_COMMENT)), None)


class PlanVersion(db.Model):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"), PlanStatus.check("status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=PlanStatus.DRAFT)
    # {"context", "boundary", "vision", "legacy": text; "objectives": [{"key", "name"}];
    #  "interventions": [{"key", "name", "objective", "spend", "own", "business_case", "targets"}];
    #  "investment": {"2027/28": {"<intervention>": {"capital": pence, "revenue": pence}}}}
    content: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(300), default="")  # what this version changes
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_on: Mapped[date | None] = mapped_column(Date)
    endorsed_on: Mapped[date | None] = mapped_column(Date)
    endorsed_by: Mapped[str] = mapped_column(String(200), default="")  # who for the funder, as they signed
    endorsement_conditions: Mapped[str] = mapped_column(Text, default="")
    endorsement_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def status_label(self) -> str:
        return PlanStatus(self.status).label


class PlanComment(db.Model):
    """A resident's comment on a version out for comment: public under their name, moderated as
    comments on proposals are."""

    __tablename__ = "plan_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    section: Mapped[str] = mapped_column(String(20))  # which part of the plan it is about
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author = relationship("User", foreign_keys=[author_id], lazy="joined")


class ReviewStatus(State):
    DRAFT = "draft", "Being written", "grey"
    APPROVED = "approved", "Approved by the board and published", "green"


class PlanReview(db.Model):
    """A look back over an investment period (or whenever the board asks): what was achieved for each
    objective (its figures taken from the grants tied to the plan when the review is started), what
    was learnt, what comes next, the engagement since the last review, and the funder's feedback."""

    __tablename__ = "plan_review"
    __table_args__ = (UniqueConstraint("plan_id", "number"), ReviewStatus.check("status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(160))  # "First investment period", or why it was asked for
    version_number: Mapped[int]  # the version of the plan it reviews
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.DRAFT)
    # {"objectives": [{"key", "name", "grants", "granted", "paid", "completed", "text"}],
    #  "engagement": {"consultations": [...], "activities", "people", "since"},
    #  "learning", "looking_forward", "funder_feedback": text}
    content: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_on: Mapped[date | None] = mapped_column(Date)

    @property
    def status_label(self) -> str:
        return ReviewStatus(self.status).label


class OutputReport(db.Model):
    """What a project delivered on one of its intervention's outputs (people attending, volunteers,
    square metres improved ...), as the group or a facilitator reported it on a day."""

    __tablename__ = "output_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fund_grant.id", ondelete="CASCADE"), index=True)
    output: Mapped[str] = mapped_column(String(40))  # an output key of the grant's intervention
    amount: Mapped[int]
    reported_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The progress update it came with, if any (a facilitator may also report it on its own).
    grant_update_id: Mapped[int | None] = mapped_column(ForeignKey("grant_update.id", ondelete="SET NULL"),
                                                        index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LegacyItem(db.Model):
    """One thing to hand over before the money runs out (a successor body, assets, records, the final
    report), ticked with the day it was done and who ticked it."""

    __tablename__ = "legacy_item"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood_plan.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(String(300), default="")


class PlanFile(db.Model):
    """A map of the boundary (a picture, re-encoded like proposal pictures) or a document (PDF) the
    neighbourhood uploaded; a version names it by id and SHA-256 in its content."""

    __tablename__ = "plan_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood_plan.id", ondelete="CASCADE"), index=True)
    mime_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    description: Mapped[str] = mapped_column(String(300))  # what it shows, for people who cannot see it
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanApproval(db.Model):
    """One board member's approval of one version: the version is approved when the approvals of
    members free of an interest reach quorum, as grant decisions are."""

    __tablename__ = "plan_approval"
    __table_args__ = (UniqueConstraint("version_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_on: Mapped[date] = mapped_column(Date)  # the board meeting's date
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanInterest(db.Model):
    """A board member's declared interest in the plan (a group that would gain from an intervention,
    say): they cannot approve it, and do not count towards its quorum."""

    __tablename__ = "plan_interest"
    __table_args__ = (UniqueConstraint("plan_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood_plan.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    description: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
