"""The board that holds the money: its seats and who holds them (with start, term and how they
came), its settings (whose rules it follows), each member's standing register of interests and its
yearly confirmation, and the neighbourhood's code of conduct, versioned, with each acceptance.
A seat that ends keeps its row: the board's history stays public."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
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
    seats: Mapped[int | None]  # voting seats in the board's terms of reference (for vacancies)
    notice_days: Mapped[int] = mapped_column(default=7, server_default="7")  # papers published this long before
    absence_months: Mapped[int] = mapped_column(default=3, server_default="3")  # absent without apologies: flagged
    # The accountable body's named contacts, who handle concerns about the board (emails, one a line).
    concern_contacts: Mapped[str] = mapped_column(Text, default="", server_default="")
    concern_days: Mapped[int] = mapped_column(default=10, server_default="10")  # to acknowledge a concern
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


# --- meetings ---------------------------------------------------------------------------------------

class MeetingStatus(State):
    SCHEDULED = "scheduled", "Scheduled", "grey"
    PAPERS_PUBLISHED = "papers_published", "Papers published", "blue"
    HELD = "held", "Held", "green"
    CANCELLED = "cancelled", "Cancelled", "grey"


class MinutesStatus(State):
    NONE = "none", "Not written yet"
    DRAFT = "draft", "Draft, to be approved at the next meeting"
    APPROVED = "approved", "Approved"


class Attendance(State):
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Sent apologies"
    ABSENT = "absent", "Absent"


class Meeting(db.Model):
    """A board meeting: when and where, its agenda and papers, who came, what was decided, and its
    minutes (public once the next meeting approves them; confidential items' for auditors only)."""

    __tablename__ = "board_meeting"
    __table_args__ = (MeetingStatus.check("status"), MinutesStatus.check("minutes_status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    public: Mapped[bool] = mapped_column(default=True)  # residents may come
    annual: Mapped[bool] = mapped_column(default=False)  # the annual meeting
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.SCHEDULED)
    papers_published_on: Mapped[date | None] = mapped_column(Date)
    papers_late: Mapped[bool] = mapped_column(default=False)  # published later than the notice the board sets
    minutes: Mapped[str] = mapped_column(Text, default="")
    confidential_minutes: Mapped[str] = mapped_column(Text, default="")  # auditors only, never published
    minutes_status: Mapped[str] = mapped_column(String(20), default=MinutesStatus.NONE)
    minutes_approved_at_id: Mapped[int | None] = mapped_column(ForeignKey("board_meeting.id"))
    cancelled_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items = relationship("AgendaItem", order_by="AgendaItem.number", lazy="selectin", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return MeetingStatus(self.status).label


class AgendaItem(db.Model):
    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("board_meeting.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    paper: Mapped[str] = mapped_column(Text, default="")
    paper_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    paper_sha256: Mapped[str | None] = mapped_column(String(64))
    confidential: Mapped[bool] = mapped_column(default=False)
    confidential_reason: Mapped[str] = mapped_column(String(300), default="")
    added_late: Mapped[bool] = mapped_column(default=False)  # added after the papers were published


class MeetingAttendance(db.Model):
    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "seat_id"), Attendance.check("status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("board_meeting.id", ondelete="CASCADE"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("board_seat.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))


class Motion(db.Model):
    """What the board voted on under an agenda item: proposer, seconder, the count, interests
    declared (those members left the room and did not vote), and whether it was quorate and carried."""

    __tablename__ = "board_motion"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    proposer_seat_id: Mapped[int] = mapped_column(ForeignKey("board_seat.id"))
    seconder_seat_id: Mapped[int] = mapped_column(ForeignKey("board_seat.id"))
    votes_for: Mapped[int]
    votes_against: Mapped[int]
    abstentions: Mapped[int]
    interests: Mapped[dict] = mapped_column(JSON, default=dict)  # {seat id: what they declared}
    quorum: Mapped[int]  # members present and free of an interest needed
    free_present: Mapped[int]  # members present and free of an interest
    carried: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- concerns ---------------------------------------------------------------------------------------

class ConcernKind(State):
    INTEREST = "interest", "An interest not declared"
    CONDUCT = "conduct", "A member's conduct"
    DECISION = "decision", "A decision"
    OTHER = "other", "Something else"


class ConcernStatus(State):
    RECEIVED = "received", "Received", "grey"
    ACKNOWLEDGED = "acknowledged", "Acknowledged", "blue"
    ANSWERED = "answered", "Answered", "green"


class ConcernOutcome(State):
    UPHELD = "upheld", "Upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class Concern(db.Model):
    """A concern about the board or a member, raised by anyone and handled by the accountable body's
    named contacts, not the board. The person who raised it is never in the ledger, and is named on
    the published outcome only if they agreed (never for whistleblowing)."""

    __tablename__ = "board_concern"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "number"), ConcernKind.check("kind"),
                      ConcernStatus.check("status"), ConcernOutcome.check("outcome", nullable=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    about: Mapped[str] = mapped_column(String(200), default="")  # the member or the decision it is about
    text: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reply_email: Mapped[str] = mapped_column(String(254), default="")  # for someone not signed in
    may_name: Mapped[bool] = mapped_column(default=False)
    whistleblowing: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=ConcernStatus.RECEIVED)
    received_on: Mapped[date] = mapped_column(Date)
    acknowledge_by: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(20))
    reasons: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[date | None] = mapped_column(Date)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    raised_by = relationship("User", foreign_keys=[raised_by_id])

    @property
    def kind_label(self) -> str:
        return ConcernKind(self.kind).label


# --- elections of resident seats --------------------------------------------------------------------

class ElectionMethod(State):
    LIMITED = "limited", "One vote for each seat: tick up to as many candidates as there are seats"
    APPROVAL = "approval", "Approval: tick every candidate you would be happy with"


class ElectionStatus(State):
    OPEN = "open", "Open for votes", "green"
    COUNTED = "counted", "Counted", "blue"


class Election(db.Model):
    """An election of resident seats by the neighbourhood's verified residents, online and on paper,
    closing at the annual meeting. The most votes win; a tie for the last seat is drawn by lot at
    the meeting and the winner seated by hand."""

    __tablename__ = "board_election"
    __table_args__ = (ElectionMethod.check("method"), ElectionStatus.check("status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("board_meeting.id"))  # the annual meeting
    title: Mapped[str] = mapped_column(String(160))
    seats: Mapped[int]
    method: Mapped[str] = mapped_column(String(20))
    closes_on: Mapped[date] = mapped_column(Date)  # the last day to vote
    term_ends_on: Mapped[date | None] = mapped_column(Date)  # of the seats won
    status: Mapped[str] = mapped_column(String(20), default=ElectionStatus.OPEN)
    votes: Mapped[dict] = mapped_column(JSON, default=dict)  # {candidate id: votes}, at the count
    elected: Mapped[list] = mapped_column(JSON, default=list)  # candidate ids
    tie: Mapped[list] = mapped_column(JSON, default=list)  # candidate ids tied for the last seat
    ballots_counted: Mapped[int] = mapped_column(default=0)
    counted_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidates = relationship("Candidate", order_by="Candidate.id", lazy="selectin", cascade="all, delete-orphan")


class Candidate(db.Model):
    __tablename__ = "board_candidate"
    __table_args__ = (UniqueConstraint("election_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("board_election.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    statement: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User", lazy="joined")


class ElectionRoll(db.Model):
    """Who has voted (never how): one ballot per verified resident, online or on paper."""

    __tablename__ = "election_roll"
    __table_args__ = (UniqueConstraint("election_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("board_election.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    on_paper: Mapped[bool] = mapped_column(default=False)


class ElectionBallot(db.Model):
    """A ballot's choices, linked to no one: its key is random, so not even the order ballots were
    cast in joins it to the roll."""

    __tablename__ = "election_ballot"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("board_election.id", ondelete="CASCADE"), index=True)
    choices: Mapped[list] = mapped_column(JSON)  # candidate ids
