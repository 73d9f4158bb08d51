"""Answering for the money: the funding agreement an accountable body holds the neighbourhood's money
under (its payment schedule, conditions and administration fee, with every version), the drawdowns
requested against it, money returned to the funder at the end, and the holding account's bank
statements with each line's match to what pb recorded.

As in pb.funds, nothing stores a running total: what was drawn, the fee, the balances and whether a
year reconciles are sums over these rows (see `figures.py` and `accounts.py`)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.states import State
from pb.timeutil import utcnow

MAX_FEE_BASIS_POINTS = 2_000  # 20%: no programme pays an accountable body more for holding the money


class BodyKind(State):
    COUNCIL = "council", "The council"
    LOCAL_TRUST = "local_trust", "A locally trusted organisation"
    OWN_BODY = "own_body", "The neighbourhood's own constituted body"


class DrawdownStatus(State):
    REQUESTED = "requested", "Waiting for the funder", "blue"
    APPROVED = "approved", "Approved: waiting for the money", "blue"
    REFUSED = "refused", "Refused", "red"
    RECEIVED = "received", "Received", "green"


class FundingAgreement(db.Model):
    """e.g. "Eastbrook's agreement with Northshire Council": the funder releases `amount` to the
    accountable body over the fund's life, by drawdowns against the schedule; the body keeps a fee of
    `fee_basis_points` (500 = 5%) of each drawdown. `amount`, the fee and the conditions are the
    current version's; AgreementVersion keeps every version, the schedule included."""

    __tablename__ = "funding_agreement"
    __table_args__ = (
        UniqueConstraint("neighbourhood_id", "number"), BodyKind.check("body_kind"),
        CheckConstraint("amount > 0", name="agreement_amount"),
        CheckConstraint(f"fee_basis_points BETWEEN 0 AND {MAX_FEE_BASIS_POINTS}", name="agreement_fee_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # A-1 within the neighbourhood
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    # The fund's source the drawn money arrives as (its receipts are the drawdowns received).
    source_id: Mapped[int] = mapped_column(ForeignKey("fund_source.id"), unique=True)
    funder_name: Mapped[str] = mapped_column(String(120))
    body_name: Mapped[str] = mapped_column(String(120))
    body_kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)  # pence over the agreement's life
    fee_basis_points: Mapped[int] = mapped_column(default=0)
    conditions: Mapped[str] = mapped_column(Text, default="")
    signed_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)
    # The accountable body's officer, who requests drawdowns, and the funder's representative, who
    # approves them: named people, checked by the services (their organisations are not neighbourhood roles).
    body_contact_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    funder_contact_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    fund = relationship("Fund")
    source = relationship("FundSource")
    body_contact = relationship("User", foreign_keys=[body_contact_id])
    funder_contact = relationship("User", foreign_keys=[funder_contact_id])
    schedule = relationship("ScheduleLine", order_by="(ScheduleLine.financial_year, ScheduleLine.id)",
                            back_populates="agreement")

    @property
    def reference(self) -> str:
        return f"A-{self.number}"

    @property
    def body_kind_label(self) -> str:
        return BodyKind(self.body_kind).label

    @property
    def fee_percent(self) -> str:
        """500 -> "5%", 250 -> "2.5%"."""
        whole, part = divmod(self.fee_basis_points, 100)
        return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"

    def fee_on(self, amount: int) -> int:
        """The fee on an amount drawn (or its share returned), in whole pence, rounded down."""
        return amount * self.fee_basis_points // 10_000


class AgreementVersion(db.Model):
    """One version of an agreement's terms: as signed, then each variation, with why."""

    __tablename__ = "agreement_version"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("funding_agreement.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    terms: Mapped[dict] = mapped_column(JSON)  # amount, fee, conditions and the schedule as they stood
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScheduleLine(db.Model):
    """What the funder will release in one financial year for one of the plan's interventions (or
    for the plan as a whole, when `intervention` is empty)."""

    __tablename__ = "schedule_line"
    __table_args__ = (UniqueConstraint("agreement_id", "financial_year", "intervention"),
                      CheckConstraint("amount > 0", name="schedule_amount"))
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("funding_agreement.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    intervention: Mapped[str] = mapped_column(String(60), default="")
    amount: Mapped[int] = mapped_column(BigInteger)

    agreement = relationship("FundingAgreement", back_populates="schedule")


class Drawdown(db.Model):
    """The accountable body asks the funder for money due under one line of the schedule."""

    __tablename__ = "drawdown"
    __table_args__ = (UniqueConstraint("agreement_id", "number"), DrawdownStatus.check("status"),
                      CheckConstraint("amount > 0", name="drawdown_amount"))
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("funding_agreement.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # D-3 within the agreement
    schedule_line_id: Mapped[int] = mapped_column(ForeignKey("schedule_line.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    covers: Mapped[str] = mapped_column(Text)  # what the money is for, in the body's words
    status: Mapped[str] = mapped_column(String(20), default=DrawdownStatus.REQUESTED)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_on: Mapped[date] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("source_receipt.id"), unique=True)
    received_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agreement = relationship("FundingAgreement")
    schedule_line = relationship("ScheduleLine")

    @property
    def reference(self) -> str:
        return f"D-{self.number}"

    @property
    def status_label(self) -> str:
        return DrawdownStatus(self.status).label

    @property
    def status_tag(self) -> str:
        return DrawdownStatus(self.status).tag


class FunderRepayment(db.Model):
    """Unspent money the accountable body paid back to the funder (at the end, or when a line of the
    plan was dropped). Its share of the administration fee goes back with it."""

    __tablename__ = "funder_repayment"
    __table_args__ = (CheckConstraint("amount > 0", name="repayment_amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("funding_agreement.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    returned_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- the holding account's bank statements ----------------------------------------------------------------

class MatchKind(State):
    """What a statement line is matched to."""
    RECEIPT = "receipt", "Money received"
    PAYMENT = "payment", "Grant payment"
    GROUP_RETURN = "group_return", "Money a group paid back"
    FEE = "fee", "Accountable body's fee"
    REPAYMENT = "repayment", "Money returned to the funder"
    EXPLAINED = "explained", "Bank item explained (not recorded in pb)"


class MatchState(State):
    SUGGESTED = "suggested", "Suggested: check it", "blue"
    CONFIRMED = "confirmed", "Confirmed", "green"


class BankStatement(db.Model):
    """A statement of the fund's holding account, imported from the bank's CSV export."""

    __tablename__ = "bank_statement"
    __table_args__ = (UniqueConstraint("fund_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    layout: Mapped[str] = mapped_column(String(60))  # which bank's layout it was read as
    sha256: Mapped[str] = mapped_column(String(64))  # of the file as uploaded
    first_on: Mapped[date] = mapped_column(Date)
    last_on: Mapped[date] = mapped_column(Date)
    line_count: Mapped[int]
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines = relationship("StatementLine", back_populates="statement", order_by="StatementLine.line_number")


class StatementLine(db.Model):
    """One line of a statement, and what it is matched to: a suggestion from the matcher until the
    treasurer confirms it. A pb record is matched to one line at most (the partial unique index)."""

    __tablename__ = "statement_line"
    __table_args__ = (
        MatchKind.check("match_kind", nullable=True), MatchState.check("match_state", nullable=True),
        CheckConstraint("amount <> 0", name="statement_line_amount"),
        Index("uq_statement_line_match", "match_kind", "match_id", unique=True,
              sqlite_where=text("match_id IS NOT NULL"), postgresql_where=text("match_id IS NOT NULL")),
        Index("ix_statement_line_fund_booked_on", "fund_id", "booked_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id", ondelete="CASCADE"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id", ondelete="CASCADE"))
    line_number: Mapped[int]  # in the file, counting the column names as line 1
    booked_on: Mapped[date] = mapped_column(Date)  # the day the bank shows
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[int] = mapped_column(BigInteger)  # pence: money in is positive, money out negative
    balance: Mapped[int | None] = mapped_column(BigInteger)
    match_kind: Mapped[str | None] = mapped_column(String(20))
    match_id: Mapped[int | None]  # the receipt's, payment's, drawdown's (fee) or repayment's id
    match_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")  # why an explained line is not in pb
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None]

    statement = relationship("BankStatement", back_populates="lines")

    @property
    def matched(self) -> bool:
        return self.match_kind is not None

    @property
    def confirmed(self) -> bool:
        return self.match_state == MatchState.CONFIRMED


# --- monitoring returns -------------------------------------------------------------------------------------

class ReturnKind(State):
    SIX_MONTHLY = "six_monthly", "Six-monthly update"
    ANNUAL = "annual", "Twelve-monthly return"


class ReturnStatus(State):
    DRAFT = "draft", "Being written", "grey"
    BOARD_APPROVED = "board_approved", "Approved by the board", "blue"
    BODY_APPROVED = "body_approved", "Approved by the accountable body", "blue"
    SUBMITTED = "submitted", "Submitted to the funder", "green"


class MonitoringReturn(db.Model):
    """A fund's return for one period: April to September (the six-monthly update, due 31 October) or
    the financial year (the twelve-monthly return, due 30 April). Its figures are worked out from the
    ledger's rows while it is written, and kept as they stood when it was submitted (`submitted`)."""

    __tablename__ = "monitoring_return"
    __table_args__ = (UniqueConstraint("fund_id", "kind", "period_start"), ReturnKind.check("kind"),
                      ReturnStatus.check("status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ReturnStatus.DRAFT)
    # The facilitator's words: {"summary", "done", "planned", "capacity", "engagement", "professional"}
    narrative: Mapped[dict] = mapped_column(JSON, default=dict)
    forecast: Mapped[dict] = mapped_column(JSON, default=dict)  # {intervention key or "": pence} for the next period
    submitted: Mapped[dict | None] = mapped_column(JSON)  # the whole return as submitted: figures, words, risks
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    board_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    board_approved_on: Mapped[date | None] = mapped_column(Date)
    body_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body_approved_on: Mapped[date | None] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_on: Mapped[date | None] = mapped_column(Date)

    fund = relationship("Fund")

    @property
    def kind_label(self) -> str:
        return ReturnKind(self.kind).label

    @property
    def status_label(self) -> str:
        return ReturnStatus(self.status).label

    @property
    def status_tag(self) -> str:
        return ReturnStatus(self.status).tag

    @property
    def period_label(self) -> str:
        return f"{self.period_start:%B %Y} to {self.period_end:%B %Y}"


class Likelihood(State):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RiskEntry(db.Model):
    """One risk on the neighbourhood's risk register, kept between returns: each return carries the
    register as it stood when it was submitted."""

    __tablename__ = "risk_entry"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "number"), Likelihood.check("likelihood"),
                      Likelihood.check("impact"))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    risk: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[str] = mapped_column(String(10))
    impact: Mapped[str] = mapped_column(String(10))
    mitigation: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120))  # who acts on it: a role or an organisation, not a person's name
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_row(self) -> dict:
        return {"number": self.number, "risk": self.risk, "likelihood": self.likelihood, "impact": self.impact,
                "mitigation": self.mitigation, "owner": self.owner,
                "closed_on": self.closed_on.isoformat() if self.closed_on else None}


class ReturnReminder(db.Model):
    """A reminder sent about a return (due soon, or late): once each, whatever the daily job does."""

    __tablename__ = "return_reminder"
    __table_args__ = (UniqueConstraint("fund_id", "kind", "period_start", "which"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    which: Mapped[str] = mapped_column(String(10))  # "due" or "late"
    sent_on: Mapped[date] = mapped_column(Date)


# --- the annual report -----------------------------------------------------------------------------------------

class ReportStatus(State):
    DRAFT = "draft", "Being drafted", "grey"
    APPROVED = "approved", "Approved by the board", "blue"
    PUBLISHED = "published", "Published", "green"


class AnnualReport(db.Model):
    """A fund's report of one financial year for the annual meeting. `contents` are kept as they stood
    when the board approved it; the PDF as it was published."""

    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("fund_id", "financial_year"), ReportStatus.check("status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.DRAFT)
    foreword: Mapped[str] = mapped_column(Text)
    contents: Mapped[dict | None] = mapped_column(JSON)
    approved_at_id: Mapped[int | None] = mapped_column(ForeignKey("board_meeting.id"))
    approved_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    fund = relationship("Fund")
    approved_at = relationship("Meeting")

    @property
    def status_label(self) -> str:
        return ReportStatus(self.status).label
