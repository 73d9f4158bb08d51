"""The money after the vote: a neighbourhood's long-term funds and where their money comes from, the
plan for each financial year, grants to accountable bodies (with their versions and the board's
decisions on them), payments and returns, milestones and progress updates.

Nothing here stores a running total: every figure the public pages show is a sum over these rows
(see `figures.py`), so it always equals the recorded transactions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db, with_triggers
from pb.money import financial_years
from pb.states import State
from pb.timeutil import stamp

MAX_FUND_YEARS = 15

SOURCE_KINDS = {
    "community_wealth_fund": "Community Wealth Fund",
    "council": "Council",
    "lottery": "National Lottery",
    "donations": "Donations",
    "other": "Other",
}

# A grant's life. An offer becomes an agreement when the board approves it (a decision reaching
# quorum) and the accountable body's contact accepts it; only then can money be paid.
class GrantStatus(State):
    OFFERED = "offered", "Offered: waiting for the board to approve the agreement", "blue"
    APPROVED = "approved", "Approved: waiting for the group to accept", "blue"
    ACTIVE = "active", "Accepted: being delivered", "green"
    SUSPENDED = "suspended", "Suspended", "yellow"
    COMPLETED = "completed", "Completed", "grey"
    CANCELLED = "cancelled", "Cancelled", "red"


OFFERED, APPROVED, ACTIVE, SUSPENDED, COMPLETED, CANCELLED = GrantStatus
GRANT_STATUSES = GrantStatus.labels()
GRANT_TAGS = GrantStatus.tags()

BODY_TYPES = {
    "constituted_group": "Constituted community group",
    "charity": "Registered charity",
    "cio": "Charitable incorporated organisation",
    "cic": "Community interest company",
    "school": "School",
    "other": "Other not-for-profit body",
}

# What the board decides about a grant. Each takes effect when more than half of the board members
# free of an interest in the grant have approved it (the quorum used for results).
class DecisionKind(State):
    APPROVE = "approve", "Approve the grant agreement"
    VARY = "vary", "Vary the grant (amount or dates)"
    SUSPEND = "suspend", "Suspend the grant"
    RESUME = "resume", "Lift the suspension"
    CANCEL = "cancel", "Cancel the grant"


class DecisionStatus(State):
    OPEN = "open", "Waiting for approvals"
    MADE = "made", "Made"
    WITHDRAWN = "withdrawn", "Withdrawn"


APPROVE, VARY, SUSPEND, RESUME, CANCEL = DecisionKind
DECISION_KINDS = DecisionKind.labels()
OPEN, MADE, WITHDRAWN = DecisionStatus


class PaymentKind(State):
    PAYMENT = "payment", "Payment"
    RETURN = "return", "Money paid back"


class PaymentStatus(State):
    # A payment waiting for its second person is voided (kept, never counted) if its grant is cancelled.
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for a second person"
    PAID = "paid", "Paid"
    VOIDED = "voided", "Voided"


PAYMENT, RETURN = PaymentKind
AWAITING_APPROVAL, PAID, VOIDED = PaymentStatus
REVENUE, CAPITAL = "revenue", "capital"
SPEND_KINDS = {REVENUE: "Revenue (running costs)", CAPITAL: "Capital (buildings, equipment)"}

class UpdateStatus(State):
    NOT_STARTED = "not_started", "Not started", "grey"
    ON_TRACK = "on_track", "On track", "green"
    AT_RISK = "at_risk", "At risk", "yellow"
    DONE = "completed", "Completed", "grey"
    STOPPED = "cancelled", "Cancelled", "red"


NOT_STARTED, ON_TRACK, AT_RISK, DONE, STOPPED = UpdateStatus
UPDATE_STATUSES = UpdateStatus.labels()
UPDATE_TAGS = UpdateStatus.tags()


class Fund(db.Model):
    """e.g. "Eastbrook Community Wealth Fund 2026-2036": money held for the neighbourhood over
    `years` financial years starting with `first_year`."""

    __tablename__ = "fund"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "name"),
                      CheckConstraint(f"years BETWEEN 1 AND {MAX_FUND_YEARS}", name="fund_years_range"))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    first_year: Mapped[str] = mapped_column(String(7))  # "2026/27"
    years: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    closed_on: Mapped[date | None] = mapped_column(Date)  # the treasurer closed its books (pb.funds.closing)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    neighbourhood = relationship("Neighbourhood", foreign_keys=[neighbourhood_id])
    sources = relationship("FundSource", back_populates="fund", order_by="FundSource.id")
    plan = relationship("FundYear", back_populates="fund", order_by="FundYear.financial_year")

    @property
    def financial_years(self) -> list[str]:
        return financial_years(self.first_year, self.years)

    @property
    def last_year(self) -> str:
        return self.financial_years[-1]

    @property
    def span(self) -> str:
        return f"{self.first_year} to {self.last_year}"


class FundSource(db.Model):
    """Where some of a fund's money comes from (the Community Wealth Fund, the council ...)."""

    __tablename__ = "fund_source"
    __table_args__ = (UniqueConstraint("fund_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=stamp)

    fund = relationship("Fund", back_populates="sources")
    promises = relationship("SourcePromise", order_by="SourcePromise.financial_year")

    @property
    def kind_label(self) -> str:
        return SOURCE_KINDS.get(self.kind, self.kind)


class SourcePromise(db.Model):
    """What a source promised for one financial year."""

    __tablename__ = "source_promise"
    __table_args__ = (UniqueConstraint("source_id", "financial_year"), CheckConstraint("amount >= 0", name="promise_amount"))
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("fund_source.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    amount: Mapped[int]  # pence


class SourceReceipt(db.Model):
    """Money that actually arrived from a source, and when."""

    __tablename__ = "source_receipt"
    __table_args__ = (CheckConstraint("amount > 0", name="receipt_amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("fund_source.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    amount: Mapped[int]
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)

    source = relationship("FundSource")


class FundYear(db.Model):
    """The plan for one financial year: the money available, and the share ring-fenced for building
    community capacity (a whole percentage of it, or an amount)."""

    __tablename__ = "fund_year"
    __table_args__ = (UniqueConstraint("fund_id", "financial_year"), CheckConstraint("planned >= 0", name="planned_amount"),
                      CheckConstraint("capacity_percent IS NULL OR capacity_percent BETWEEN 0 AND 100",
                                      name="capacity_percent_range"))
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    planned: Mapped[int] = mapped_column(default=0)  # pence
    capacity_percent: Mapped[int | None]
    capacity_amount: Mapped[int | None]  # pence

    fund = relationship("Fund", back_populates="plan")

    @property
    def capacity(self) -> int:
        """The ring-fenced capacity-building share of this year's planned money, in pence."""
        if self.capacity_amount is not None:
            return self.capacity_amount
        return self.planned * (self.capacity_percent or 0) // 100

    @property
    def label(self) -> str:
        return f"{self.fund.name}, {self.financial_year}"


class Grant(db.Model):
    """Money offered to an accountable body for a project: a funded proposal of a round, or a
    capacity-building grant the board awards directly. `amount`, the dates and the split are the
    current version's; every version is kept in GrantVersion."""

    __tablename__ = "fund_grant"
    __table_args__ = (GrantStatus.check("status"), UniqueConstraint("neighbourhood_id", "number"), CheckConstraint("amount > 0", name="grant_amount"),
                      Index("ix_grant_fund_year_status", "fund_year_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # G-7 within the neighbourhood
    fund_year_id: Mapped[int] = mapped_column(ForeignKey("fund_year.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    capacity_building: Mapped[bool] = mapped_column(default=False)
    # The neighbourhood plan's intervention it serves (pb.plans): a round's grant takes its pot's.
    intervention: Mapped[str | None] = mapped_column(String(60), index=True)
    amount: Mapped[int]  # pence
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    split: Mapped[dict] = mapped_column(JSON, default=dict)  # {"2027/28": {"revenue": p, "capital": p}}
    conditions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=OFFERED)
    version: Mapped[int] = mapped_column(default=1)
    body_name: Mapped[str] = mapped_column(String(120), default="")
    body_type: Mapped[str] = mapped_column(String(30), default="")
    body_number: Mapped[str] = mapped_column(String(40), default="")  # charity or company number, if any
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A contact named by an address with no pb account yet: invited by email, and linked (this cleared)
    # when someone confirms that address as theirs.
    contact_invited_email: Mapped[str | None] = mapped_column(String(254), index=True)
    awarded_on: Mapped[date | None] = mapped_column(Date)  # when the board's approval reached quorum
    accepted_at: Mapped[datetime | None]
    closed_reason: Mapped[str] = mapped_column(Text, default="")  # why it was suspended or cancelled
    reminded_due_on: Mapped[date | None] = mapped_column(Date)  # the overdue update last reminded about
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)

    fund_year = relationship("FundYear")
    round = relationship("Round")
    proposal = relationship("Proposal")
    contact = relationship("User", foreign_keys=[contact_id])
    milestones = relationship("Milestone", back_populates="grant", order_by="(Milestone.due_on, Milestone.id)")
    tranches = relationship("Tranche", back_populates="grant", order_by="(Tranche.due_on, Tranche.id)")

    @property
    def reference(self) -> str:
        return f"G-{self.number}"

    @property
    def status_label(self) -> str:
        return GRANT_STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return GRANT_TAGS[self.status]

    @property
    def body_type_label(self) -> str:
        return BODY_TYPES.get(self.body_type, "")


class GrantVersion(db.Model):
    """One version of a grant's terms: the offer, then each variation the board agreed."""

    __tablename__ = "grant_version"
    __table_args__ = (UniqueConstraint("grant_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fund_grant.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    amount: Mapped[int]
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    split: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class GrantDecision(db.Model):
    """A decision the partnership board is taking about a grant. A board member proposes it (and
    approves it by doing so); it is made when the quorum of members free of an interest approve."""

    __tablename__ = "grant_decision"
    __table_args__ = (DecisionStatus.check("status"), DecisionKind.check("kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fund_grant.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # a variation's new terms
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    decided_at: Mapped[datetime | None]

    grant = relationship("Grant")
    proposed_by = relationship("User")
    approvals = relationship("DecisionApproval", order_by="DecisionApproval.id")

    @property
    def kind_label(self) -> str:
        return DECISION_KINDS[self.kind]


class DecisionApproval(db.Model):
    __tablename__ = "decision_approval"
    __table_args__ = (UniqueConstraint("decision_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("grant_decision.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)

    member = relationship("User")


class GrantInterest(db.Model):
    """A board member's or treasurer's declared interest in a grant (for a round's grant, interests
    declared on its proposal count too)."""

    __tablename__ = "grant_interest"
    __table_args__ = (UniqueConstraint("grant_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fund_grant.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=stamp)

    user = relationship("User")


class Tranche(db.Model):
    """A scheduled part-payment of a grant."""

    __tablename__ = "tranche"
    __table_args__ = (CheckConstraint("amount > 0", name="tranche_amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fund_grant.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int]

    grant = relationship("Grant", back_populates="tranches")


class Payment(db.Model):
    """Money paid to a grant's accountable body (kind "payment") or paid back by it ("return").
    A payment at or above the neighbourhood's threshold counts as paid only once a second person
    has approved it."""

    __tablename__ = "payment"
    __table_args__ = (PaymentStatus.check("status"), PaymentKind.check("kind"), CheckConstraint("amount > 0", name="payment_amount"),
                      Index("ix_payment_grant_kind_status", "grant_id", "kind", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fund_grant.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default=PAYMENT)
    amount: Mapped[int]
    paid_on: Mapped[date] = mapped_column(Date)
    spend: Mapped[str] = mapped_column(String(10), default=REVENUE)
    financial_year: Mapped[str] = mapped_column(String(7))
    reference: Mapped[str] = mapped_column(String(120), default="")
    tranche_id: Mapped[int | None] = mapped_column(ForeignKey("tranche.id"))
    status: Mapped[str] = mapped_column(String(20), default=PAID)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=stamp)

    grant = relationship("Grant")
    tranche = relationship("Tranche")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    @property
    def counts(self) -> bool:
        return self.status == PAID


class Milestone(db.Model):
    __tablename__ = "milestone"
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fund_grant.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the day the group was told it is overdue (once)

    grant = relationship("Grant", back_populates="milestones")

    def overdue(self, today: date) -> bool:
        return self.completed_on is None and self.due_on < today and self.grant.status in (ACTIVE, SUSPENDED)


class GrantUpdate(db.Model):
    """A progress update from the group (or keyed in by a facilitator from what the group sent)."""

    __tablename__ = "grant_update"
    __table_args__ = (UpdateStatus.check("status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fund_grant.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestone.id"))
    status: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    spend_to_date: Mapped[int | None]  # pence, as the group reports it
    posted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)  # keyed in by a facilitator
    image_alt: Mapped[str] = mapped_column(String(200), default="")
    image_mime: Mapped[str | None] = mapped_column(String(20))
    image_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    reported_on: Mapped[date] = mapped_column(Date)  # the day of the report (pb's money clock)
    created_at: Mapped[datetime] = mapped_column(default=stamp)

    milestone = relationship("Milestone")
    posted_by = relationship("User")

    @property
    def status_label(self) -> str:
        return UPDATE_STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return UPDATE_TAGS[self.status]


# The database refuses to let a grant be paid more than its amount, or more to come back than was
# paid, whatever code writes the rows (the services check first and say why; this is the last word,
# as the ballot box's tally is). The same statements run in migration 0019. On PostgreSQL the check
# first locks the grant's row, so two transactions paying one grant at once take turns and the
# second sees the first's payment (FOR NO KEY UPDATE: it does not wait on the payment's own
# foreign-key lock on the grant, which would deadlock two inserts).
_COUNTED = "kind = 'payment' AND status IN ('paid', 'awaiting_approval')"
_RETURNED = "kind = 'return' AND status = 'paid'"
PAYMENT_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER payment_within_grant_{when} AFTER {when.upper()} ON payment BEGIN "
    "SELECT RAISE(ABORT, 'a grant cannot be paid more than its amount') WHERE "
    f"(SELECT coalesce(sum(amount), 0) FROM payment WHERE grant_id = NEW.grant_id AND {_COUNTED}) > "
    "(SELECT amount FROM fund_grant WHERE id = NEW.grant_id); "
    "SELECT RAISE(ABORT, 'more cannot come back from a grant than was paid on it') WHERE "
    f"(SELECT coalesce(sum(amount), 0) FROM payment WHERE grant_id = NEW.grant_id AND {_RETURNED}) > "
    f"(SELECT coalesce(sum(amount), 0) FROM payment WHERE grant_id = NEW.grant_id AND kind = 'payment' AND status = 'paid'); END"
    for when in ("insert", "update")
] + [
    "CREATE TRIGGER grant_amount_covers_payments AFTER UPDATE OF amount ON fund_grant BEGIN "
    "SELECT RAISE(ABORT, 'a grant cannot be less than what is paid on it') WHERE "
    f"(SELECT coalesce(sum(amount), 0) FROM payment WHERE grant_id = NEW.id AND {_COUNTED}) > NEW.amount; END",
]
PAYMENT_POSTGRES_TRIGGERS = [
    "CREATE FUNCTION payment_within_grant() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE granted bigint; counted bigint; paid bigint; returned bigint; BEGIN "
    "SELECT amount INTO granted FROM fund_grant WHERE id = NEW.grant_id FOR NO KEY UPDATE; "
    f"SELECT coalesce(sum(amount) FILTER (WHERE {_COUNTED}), 0), "
    "coalesce(sum(amount) FILTER (WHERE kind = 'payment' AND status = 'paid'), 0), "
    f"coalesce(sum(amount) FILTER (WHERE {_RETURNED}), 0) "
    "INTO counted, paid, returned FROM payment WHERE grant_id = NEW.grant_id; "
    "IF counted > granted THEN RAISE EXCEPTION 'a grant cannot be paid more than its amount' USING ERRCODE = 'check_violation'; END IF; "
    "IF returned > paid THEN RAISE EXCEPTION 'more cannot come back from a grant than was paid on it' "
    "USING ERRCODE = 'check_violation'; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER payment_within_grant AFTER INSERT OR UPDATE ON payment FOR EACH ROW EXECUTE FUNCTION payment_within_grant()",
    "CREATE FUNCTION grant_amount_covers_payments() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF (SELECT coalesce(sum(amount), 0) FROM payment WHERE grant_id = NEW.id AND {_COUNTED}) > NEW.amount THEN "
    "RAISE EXCEPTION 'a grant cannot be less than what is paid on it' USING ERRCODE = 'check_violation'; END IF; "
    "RETURN NEW; END $$",
    "CREATE TRIGGER grant_amount_covers_payments BEFORE UPDATE OF amount ON fund_grant FOR EACH ROW "
    "EXECUTE FUNCTION grant_amount_covers_payments()",
]
# On the metadata: the triggers need payment and fund_grant both made.
with_triggers(db.metadata, PAYMENT_SQLITE_TRIGGERS, PAYMENT_POSTGRES_TRIGGERS)
