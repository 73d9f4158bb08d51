"""Proposals and everything residents do with them before the vote: versions, costed plans,
images, feasibility reviews, declared interests, comments, flags, supports, amendments and
deliberation events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.states import State
from pb.timeutil import utcnow


class ProposalStatus(State):
    DRAFT = "draft", "Draft", "grey"
    SUBMITTED = "submitted", "Waiting for feasibility review", "blue"
    NEEDS_CHANGES = "needs_changes", "Needs changes", "yellow"
    FEASIBLE = "feasible", "Feasible", "green"
    NOT_FEASIBLE = "not_feasible", "Not feasible", "red"
    WITHDRAWN = "withdrawn", "Withdrawn", "grey"
    MERGED = "merged", "Merged into another proposal", "grey"
    ON_BALLOT = "on_ballot", "On the ballot", "green"
    NOT_SHORTLISTED = "not_shortlisted", "Not shortlisted", "grey"


DRAFT, SUBMITTED, NEEDS_CHANGES, FEASIBLE, NOT_FEASIBLE, WITHDRAWN, MERGED, ON_BALLOT, NOT_SHORTLISTED = ProposalStatus
STATUS_LABELS = ProposalStatus.labels()
STATUS_TAGS = ProposalStatus.tags()


class ReviewOutcome(State):
    FEASIBLE = "feasible", "Feasible"
    NEEDS_CHANGES = "needs_changes", "Needs changes"
    NOT_FEASIBLE = "not_feasible", "Not feasible"
    COST_ADJUSTED = "cost_adjusted", "Cost adjusted"
    MERGED = "merged", "Merged"
PUBLIC_STATUSES = (SUBMITTED, NEEDS_CHANGES, FEASIBLE, NOT_FEASIBLE, WITHDRAWN, MERGED, ON_BALLOT, NOT_SHORTLISTED)

CATEGORIES = {
    "young-people": "Children and young people",
    "older-people": "Older people",
    "health": "Health and wellbeing",
    "environment": "Environment and green spaces",
    "skills": "Skills and jobs",
    "community": "Community spaces and events",
    "safety": "Safety",
    "food": "Food",
    "arts": "Arts and culture",
    "capacity": "Community capacity building",
}
REVENUE, CAPITAL = "revenue", "capital"
SPEND_KINDS = {REVENUE: "Revenue (running costs)", CAPITAL: "Capital (buildings, equipment)"}

FOR, AGAINST, QUESTION, NEUTRAL = "for", "against", "question", "comment"
STANCES = {FOR: "For", AGAINST: "Against", QUESTION: "Question", NEUTRAL: "Comment"}

# The fields a proposal's versions hold; amendments may suggest a new text for these.
TEXT_FIELDS = ("title", "summary", "description", "need", "beneficiaries", "place")
FIELD_LABELS = {"title": "Title", "summary": "Summary", "description": "Description", "need": "The need it meets",
                "beneficiaries": "Who benefits", "place": "Where", "category": "Category", "pot": "Pot",
                "group_name": "Local group", "cost_lines": "Costed plan", "total_cost": "Total cost",
                "intervention": "What it serves in the neighbourhood plan"}


class Proposal(db.Model):
    __tablename__ = "proposal"
    __table_args__ = (ProposalStatus.check("status"),
        UniqueConstraint("round_id", "number"),
        Index("ix_proposal_round_status", "round_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # P-12 within its round: what people say at meetings and write on paper
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    pot_id: Mapped[int] = mapped_column(ForeignKey("pot.id"))
    category: Mapped[str] = mapped_column(String(20))
    # The neighbourhood plan's intervention it serves (pb.plans), when the neighbourhood has a plan;
    # the category stays as a label.
    intervention: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    need: Mapped[str] = mapped_column(Text, default="")
    beneficiaries: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(120), default="")
    group_name: Mapped[str | None] = mapped_column(String(120))  # proposed by a local group
    proposer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=0)  # 0 = never submitted
    total_cost: Mapped[int] = mapped_column(default=0)  # pence, sum of the cost lines
    adjusted_cost: Mapped[int | None]  # pence, set by a facilitator with a public reason
    adjusted_reason: Mapped[str | None] = mapped_column(Text)
    # Its author erased their account and asked for it to be hidden: a facilitator decides, and a
    # hidden proposal keeps its number, title and costs (ballots and results name them), not its text.
    hide_requested_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    # Kept in step by the services so the list can sort and show them without counting.
    support_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="", server_default="")  # public, as the proposer gave it

    round = relationship("Round")
    pot = relationship("Pot")
    proposer = relationship("User", foreign_keys=[proposer_id])
    authors = relationship("ProposalAuthor", back_populates="proposal", cascade="all, delete-orphan",
                           order_by="ProposalAuthor.id")
    cost_lines = relationship("CostLine", back_populates="proposal", cascade="all, delete-orphan",
                              order_by="CostLine.position")
    images = relationship("ProposalImage", back_populates="proposal", cascade="all, delete-orphan",
                          order_by="ProposalImage.id")

    @property
    def cost(self) -> int:
        """What the proposal would cost the round: the facilitator's adjusted figure if there is one."""
        return self.adjusted_cost if self.adjusted_cost is not None else self.total_cost

    @property
    def reference(self) -> str:
        return f"P-{self.number}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.status]

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)


class ProposalAuthor(db.Model):
    """Everyone who may edit the proposal: its proposer, co-proposers, and authors of proposals
    merged into it."""

    __tablename__ = "proposal_author"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # proposer, co_proposer, merged
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="authors")
    user = relationship("User")


class CostLine(db.Model):
    __tablename__ = "cost_line"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # revenue or capital
    amount: Mapped[int]  # pence
    financial_year: Mapped[str] = mapped_column(String(7))  # "2027/28"

    proposal = relationship("Proposal", back_populates="cost_lines")


class ProposalVersion(db.Model):
    """What the proposal said at one moment after it was submitted. Versions are never changed."""

    __tablename__ = "proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(200))  # "Submitted", "Edited by the proposer", ...
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalImage(db.Model):
    """A picture, re-encoded on upload so nothing but plain pixels is ever served back."""

    __tablename__ = "proposal_image"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    alt_text: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="images")


class Review(db.Model):
    """A facilitator's feasibility decision, with what the public sees of it."""

    __tablename__ = "review"
    __table_args__ = (ReviewOutcome.check("outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(20))  # feasible, needs_changes, not_feasible, cost_adjusted, merged
    public_reason: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str | None] = mapped_column(Text)  # the proposer's answer to the questions
    answered_at: Mapped[datetime | None]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reviewer = relationship("User")


class InterestDeclaration(db.Model):
    """A board member's or facilitator's declared interest in a proposal (a relative runs the group,
    they sit on its committee...). A declared interest bars them from reviewing it or deciding on it."""

    __tablename__ = "interest_declaration"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_proposal_created", "proposal_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    stance: Mapped[str] = mapped_column(String(10), default=NEUTRAL)
    body: Mapped[str] = mapped_column(Text)
    official: Mapped[bool] = mapped_column(default=False)  # a facilitator's official answer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    flag_count: Mapped[int] = mapped_column(default=0)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    author = relationship("User", foreign_keys=[author_id])


class CommentFlag(db.Model):
    __tablename__ = "comment_flag"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(300))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Support(db.Model):
    """A verified resident's support for putting a proposal on the ballot: one per proposal."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"), Index("ix_support_round_user", "round_id", "user_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AmendmentStatus(State):
    PENDING = "pending", "Waiting for the proposer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


PENDING, ACCEPTED, DECLINED = AmendmentStatus


class Amendment(db.Model):
    """A resident's suggested new text for one part of a proposal; its proposer accepts it (a new
    version) or declines it with a reason."""

    __tablename__ = "amendment"
    __table_args__ = (AmendmentStatus.check("status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    field: Mapped[str] = mapped_column(String(20))
    new_text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)  # why the resident suggests it
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    response: Mapped[str | None] = mapped_column(Text)  # the proposer's reason for declining
    responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")


event_proposal = Table(
    "event_proposal", db.metadata,
    Column("event_id", ForeignKey("deliberation_event.id", ondelete="CASCADE"), primary_key=True),
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
)


class DeliberationEvent(db.Model):
    """A meeting where residents discuss proposals: in a community centre, a school hall, a café."""

    __tablename__ = "deliberation_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    access_notes: Mapped[str] = mapped_column(Text, default="")  # step-free, hearing loop, ...
    minutes: Mapped[str] = mapped_column(Text, default="")
    attendance: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposals = relationship("Proposal", secondary=event_proposal, order_by="Proposal.number")
