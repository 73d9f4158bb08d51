"""Rounds: one year's spending decision in one neighbourhood, its pots, timeline and rules, and the
board decisions that approve or change them."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.states import State
from pb.timeutil import utcnow


# The phases every round goes through, in order. "setup" is before proposals open: rules are
# still being drafted and nothing is public beyond the round's name.
class Phase(State):
    SETUP = "setup", "Setting up"
    PROPOSALS = "proposals", "Proposals open"
    FEASIBILITY = "feasibility", "Feasibility review"
    DELIBERATION = "deliberation", "Deliberation and shortlisting"
    VOTING = "voting", "Voting"
    COUNTING = "counting", "Counting"
    SIGN_OFF = "sign_off", "Board sign-off"
    PUBLISHED = "published", "Results published"
    DELIVERY = "delivery", "Delivery"


SETUP, PROPOSALS, FEASIBILITY, DELIBERATION, VOTING, COUNTING, SIGN_OFF, PUBLISHED, DELIVERY = Phase
PHASES = tuple(Phase)
PHASE_LABELS = Phase.labels()
PHASE_HINTS = {
    SETUP: "Facilitators draft the rules and the partnership board approves them.",
    PROPOSALS: "Residents and local groups put forward costed projects.",
    FEASIBILITY: "Facilitators check each proposal can be delivered for its cost.",
    DELIBERATION: "Residents discuss proposals, suggest changes and support the ones they want on the ballot.",
    VOTING: "Residents vote online, with a voting code or on paper.",
    COUNTING: "Votes are counted with the round's published rule.",
    SIGN_OFF: "The partnership board checks and approves the result.",
    PUBLISHED: "Everyone can see what was funded and why.",
    DELIVERY: "Funded projects are delivered and report what they did.",
}

class BoardDecisionKind(State):
    APPROVE_RULES = "approve_rules", "Approved the rules"
    CHANGE_RULE = "change_rule", "Changed a locked rule"


APPROVAL, KNAPSACK, CUMULATIVE, ORDINAL = "approval", "knapsack", "cumulative", "ordinal"
BALLOT_TYPES = {
    APPROVAL: "Choose projects (approval)",
    KNAPSACK: "Choose projects that fit the budget (knapsack)",
    CUMULATIVE: "Share out points (cumulative)",
    ORDINAL: "Rank your favourites (ranking)",
}
COUNTING_RULES = {
    "greedy": "Most votes first, skipping projects that no longer fit (greedy)",
    "mes-add1": "Method of Equal Shares, completed by raising each voter's share",
    "mes-add1-greedy": "Method of Equal Shares, then most votes first with what is left",
    "mes": "Method of Equal Shares, without completion",
    "phragmen": "Sequential Phragmén",
    "greedy-no-skip": "Most votes first, stopping at the first project that does not fit",
}
# One sentence each, for residents, on the round page.
RULE_IN_PLAIN_WORDS = {
    "greedy": "The project with the most votes is funded first, then the next, and so on; a project that no "
              "longer fits in what is left is skipped and the next one is tried.",
    "mes-add1": "Every voter gets an equal share of the budget, and a project is funded when the people who voted "
                "for it can pay for it together from their shares, so every group of residents gets projects in "
                "proportion to its size.",
    "mes-add1-greedy": "Every voter gets an equal share of the budget and projects are funded when their voters can "
                       "pay for them together; whatever is left then goes to the most-voted projects that still fit.",
    "mes": "Every voter gets an equal share of the budget, and a project is funded when the people who voted for it "
           "can pay for it together from their shares; some money may be left unspent.",
    "phragmen": "Projects are funded one at a time, each time choosing the one whose voters have so far had the "
                "least, so that support is spread as evenly as possible.",
    "greedy-no-skip": "The project with the most votes is funded first, then the next, and so on, stopping at the "
                      "first project that does not fit in what is left.",
}
# Which counting rules make sense for which ballots (pb.counting refuses the rest).
RULES_FOR_BALLOT = {
    APPROVAL: ("greedy", "mes-add1", "mes-add1-greedy", "mes", "phragmen", "greedy-no-skip"),
    KNAPSACK: ("greedy", "mes-add1", "mes-add1-greedy", "mes", "phragmen", "greedy-no-skip"),
    CUMULATIVE: ("greedy", "mes-add1", "mes-add1-greedy", "mes", "greedy-no-skip"),
    ORDINAL: ("greedy", "greedy-no-skip"),
}
TIE_BREAKS = {
    "cost-votes-id": "Lower cost first, then more votes, then proposal number",
}
VERIFIED_RESIDENTS, RESIDENTS_AND_GROUPS = "verified_residents", "residents_and_groups"
WHO_MAY_PROPOSE = {
    VERIFIED_RESIDENTS: "Verified residents",
    RESIDENTS_AND_GROUPS: "Verified residents, and local groups with a named contact who lives here",
}
ANY_SPEND, REVENUE_ONLY, CAPITAL_ONLY = "any", "revenue", "capital"
SPEND_RULES = {ANY_SPEND: "Revenue or capital", REVENUE_ONLY: "Revenue only (running costs)",
               CAPITAL_ONLY: "Capital only (buildings and equipment)"}

# The rules that lock when proposals open; changing one afterwards needs a board decision.
LOCKED_RULES = ("total_budget", "who_may_propose", "ballot_type", "ballot_min", "ballot_max", "ballot_points",
                "counting_rule", "tie_break", "support_cap", "support_threshold", "max_per_proposal",
                "allow_ballot_changes")


class Round(db.Model):
    __tablename__ = "round"
    __table_args__ = (Phase.check("phase"),
        CheckConstraint("total_budget > 0", name="budget_positive"),
        UniqueConstraint("neighbourhood_id", "name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    fund_year: Mapped[str] = mapped_column(String(7))  # "2027/28"
    description: Mapped[str] = mapped_column(Text, default="")
    total_budget: Mapped[int]  # pence
    phase: Mapped[str] = mapped_column(String(20), default=SETUP)
    who_may_propose: Mapped[str] = mapped_column(String(30), default=VERIFIED_RESIDENTS)
    ballot_type: Mapped[str] = mapped_column(String(20), default=APPROVAL)
    ballot_min: Mapped[int] = mapped_column(default=1)
    ballot_max: Mapped[int | None]  # approval/ordinal: most choices; None = no limit
    ballot_points: Mapped[int | None]  # cumulative: points to spread
    counting_rule: Mapped[str] = mapped_column(String(30), default="mes-add1")
    tie_break: Mapped[str] = mapped_column(String(30), default="cost-votes-id")
    support_cap: Mapped[int | None]  # most proposals one resident may support
    support_threshold: Mapped[int | None]  # supports needed to reach the ballot
    max_per_proposal: Mapped[int | None]  # pence, over the whole round
    # May a voter replace their ballot until voting closes (only the last one counts)?
    allow_ballot_changes: Mapped[bool] = mapped_column(default=True, server_default=true())
    approved_at: Mapped[datetime | None]  # board approved the set-up
    rules_locked_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    phase_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The fund year its budget is allocated from (pb.funds); None for rounds set up before funds.
    fund_year_id: Mapped[int | None] = mapped_column(ForeignKey("fund_year.id"), index=True)

    neighbourhood = relationship("Neighbourhood")
    fund_year_plan = relationship("FundYear")
    pots = relationship("Pot", back_populates="round", cascade="all, delete-orphan", order_by="Pot.position")
    timeline = relationship("RoundPhase", back_populates="round", cascade="all, delete-orphan",
                            order_by="RoundPhase.starts_on")

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase]

    @property
    def locked(self) -> bool:
        return self.rules_locked_at is not None

    def phase_index(self, phase: str | None = None) -> int:
        return PHASES.index(phase or self.phase)

    def is_before(self, phase: str) -> bool:
        return self.phase_index() < PHASES.index(phase)

    def next_phase(self) -> str | None:
        index = self.phase_index()
        return PHASES[index + 1] if index + 1 < len(PHASES) else None

    def start_of(self, phase: str) -> date | None:
        """When the phase is planned to start (see started_on for when it did)."""
        for step in self.timeline:
            if step.phase == phase:
                return step.starts_on
        return None

    def started_on(self, phase: str) -> date | None:
        """When the phase actually started, if it has."""
        for step in self.timeline:
            if step.phase == phase and step.started_at is not None:
                return step.started_at.date()
        return None

    def last_voting_day(self, today: date | None = None) -> date | None:
        """The last day to vote as the round stands now: the day before counting is planned to
        start, while that is still ahead; None once voting has closed or when no date is planned."""
        today = today or date.today()
        counting = self.start_of("counting")
        if counting is None or not self.is_before("counting") or counting <= today:
            return None
        return counting - timedelta(days=1)


class Pot(db.Model):
    """Part of a round's budget with its own rules, e.g. "Community capacity: at least 10%"."""

    __tablename__ = "pot"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"), UniqueConstraint("round_id", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[int]  # pence
    spend_rule: Mapped[str] = mapped_column(String(10), default=ANY_SPEND)
    max_per_proposal: Mapped[int | None]  # pence
    # The neighbourhood plan's intervention this pot serves (pb.plans), if the neighbourhood has a plan.
    intervention: Mapped[str | None] = mapped_column(String(60))

    round = relationship("Round", back_populates="pots")

    def share_of(self, total: int) -> float:
        return 100.0 * self.amount / total if total else 0.0


class RoundPhase(db.Model):
    """When a phase is planned to start. The round moves on at that date (`flask rounds advance`)
    or earlier when a facilitator moves it on."""

    __tablename__ = "round_phase"
    __table_args__ = (Phase.check("phase"), UniqueConstraint("round_id", "phase"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime | None]  # when it actually started

    round = relationship("Round", back_populates="timeline")


class BoardDecision(db.Model):
    """A decision of the partnership board about a round, recorded by one of its members: approving
    the rules, or changing a locked rule (with the reason the board gave)."""

    __tablename__ = "board_decision"
    __table_args__ = (BoardDecisionKind.check("kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    decided_on: Mapped[date] = mapped_column(Date)  # the meeting's date
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by = relationship("User")


