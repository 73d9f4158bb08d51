"""Loaders and the read-only data behind the money pages: a fund's rounds and grants, a project's
whole story, and the audit entries behind each of its steps. Grouped queries only, so a page costs
the same few queries for 3 grants or 300."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select

from pb import timeutil
from pb.access import one_of_this_neighbourhood
from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.ledger.services import existing_log
from pb.proposals.models import Proposal
from pb.rounds.models import Round
from pb.voting.models import CountResult

from .delivery import Reporting, reported_figures, reporting_for
from .figures import grant_money
from .models import (
    ACTIVE,
    APPROVED,
    OFFERED,
    SUSPENDED,
    Fund,
    FundYear,
    Grant,
    GrantDecision,
    GrantInterest,
    GrantUpdate,
    GrantVersion,
    Milestone,
    Payment,
    Tranche,
)


def load_fund(fund_id: int) -> Fund:
    return one_of_this_neighbourhood(Fund, fund_id)


def load_grant(grant_id: int) -> Grant:
    return one_of_this_neighbourhood(Grant, grant_id)


def load_payment(payment_id: int) -> Payment:
    return one_of_this_neighbourhood(Payment, payment_id, neighbourhood_of=lambda payment: payment.grant.neighbourhood_id)


def load_decision(decision_id: int) -> GrantDecision:
    return one_of_this_neighbourhood(GrantDecision, decision_id,
                                     neighbourhood_of=lambda decision: decision.grant.neighbourhood_id)


def grants_awaiting_contact(user) -> list[Grant]:
    """Grants this person speaks for that are still to be accepted: offered, or approved and waiting."""
    return db.session.scalars(select(Grant).where(Grant.contact_id == user.id, Grant.status.in_((OFFERED, APPROVED)))
                              .order_by(Grant.id)).all()


def funds_of(hood_id: int) -> list[Fund]:
    return db.session.scalars(select(Fund).where(Fund.neighbourhood_id == hood_id).order_by(Fund.first_year, Fund.name)).all()


@dataclass
class GrantRow:
    grant: Grant
    paid: int
    awaiting: int
    returned: int
    reporting: Reporting


def grant_rows(grants: list[Grant], scope=None) -> list[GrantRow]:
    """`scope`: the SELECT the grants came from (of their ids), for long lists."""
    money = grant_money([grant.id for grant in grants], scope)
    states = reporting_for(grants, scope=scope)
    return [GrantRow(grant, money[grant.id]["paid"], money[grant.id]["awaiting"], money[grant.id]["returned"],
                     states[grant.id]) for grant in grants]


@dataclass
class RoundMoney:
    round: Round
    fund_year: str
    rows: list[GrantRow]

    @property
    def funded(self) -> int:
        return sum(r.grant.amount for r in self.rows)

    @property
    def paid(self) -> int:
        return sum(r.paid - r.returned for r in self.rows)


def fund_grants(fund: Fund) -> tuple[list[RoundMoney], list[GrantRow]]:
    """The fund's rounds with their grants, and the grants the board awarded directly."""
    year_ids = select(FundYear.id).where(FundYear.fund_id == fund.id)
    grants = db.session.scalars(select(Grant).where(Grant.fund_year_id.in_(year_ids)).order_by(Grant.number)).all()
    rows = grant_rows(grants, select(Grant.id).where(Grant.fund_year_id.in_(year_ids)))
    rounds = db.session.scalars(select(Round).where(Round.fund_year_id.in_(year_ids)).order_by(Round.fund_year, Round.id)).all()
    by_round: dict[int, list[GrantRow]] = {}
    direct = []
    for row in rows:
        if row.grant.round_id is None:
            direct.append(row)
        else:
            by_round.setdefault(row.grant.round_id, []).append(row)
    return [RoundMoney(r, r.fund_year, by_round.get(r.id, [])) for r in rounds], direct


@dataclass
class Story:
    grant: Grant
    proposal: Proposal | None
    votes: int | None
    voters: int | None
    result: CountResult | None
    versions: list[GrantVersion]
    decisions: list[GrantDecision]
    payments: list[Payment]
    tranches: list[Tranche]
    milestones: list[Milestone]
    updates: list[GrantUpdate]
    interests: list[GrantInterest]
    money: dict
    reporting: Reporting
    entries: list[AuditEntry]
    late_tranches: list[Tranche] = field(default_factory=list)
    figures: dict[int, list[str]] = field(default_factory=dict)  # update id: what it reported delivering

    @property
    def at_risk(self) -> bool:
        """Something a resident should be able to ask about: the group says it is at risk, a scheduled
        payment is late, or a report is overdue."""
        latest = self.updates[0].status if self.updates else None
        return latest == "at_risk" or bool(self.late_tranches) or self.reporting.overdue


def story(grant: Grant) -> Story:
    proposal = grant.proposal
    result = votes = voters = None
    if grant.round_id is not None:
        result = db.session.scalar(select(CountResult).where(CountResult.round_id == grant.round_id,
                                                             CountResult.status == "approved")
                                   .order_by(CountResult.id.desc()).limit(1))
        if result is not None and proposal is not None:
            for pot in result.result.values():
                if str(proposal.id) in pot.get("scores", {}):
                    votes = pot["scores"][str(proposal.id)]
            voters = result.ballot_count
    versions = db.session.scalars(select(GrantVersion).where(GrantVersion.grant_id == grant.id)
                                  .order_by(GrantVersion.number)).all()
    decisions = db.session.scalars(select(GrantDecision).where(GrantDecision.grant_id == grant.id)
                                   .order_by(GrantDecision.id)).all()
    payments = db.session.scalars(select(Payment).where(Payment.grant_id == grant.id)
                                  .order_by(Payment.paid_on, Payment.id)).all()
    updates = db.session.scalars(select(GrantUpdate).where(GrantUpdate.grant_id == grant.id)
                                 .order_by(GrantUpdate.reported_on.desc(), GrantUpdate.id.desc())).all()
    interests = db.session.scalars(select(GrantInterest).where(GrantInterest.grant_id == grant.id)).all()
    money = grant_money([grant.id])[grant.id]
    # A tranche is late once its day has gone by without payments against it adding up to it.
    paid_against: dict[int, int] = {}
    for payment in payments:
        if payment.tranche_id and payment.kind == "payment" and payment.status == "paid":
            paid_against[payment.tranche_id] = paid_against.get(payment.tranche_id, 0) + payment.amount
    today = timeutil.today()
    late = [t for t in grant.tranches if grant.status in (ACTIVE, SUSPENDED) and t.due_on < today
            and paid_against.get(t.id, 0) < t.amount]
    return Story(grant, proposal, votes, voters, result, versions, decisions, payments, list(grant.tranches),
                 list(grant.milestones), updates, interests, money, reporting_for([grant])[grant.id],
                 entries_behind(grant, decisions, payments, updates), late, reported_figures(grant))


def entries_behind(grant: Grant, decisions, payments, updates) -> list[AuditEntry]:
    """The ledger entries recording each step of the grant, oldest first."""
    log = existing_log(grant.fund_year.fund.neighbourhood)
    if log is None:
        return []
    subjects = {"fund_grant": [grant.id], "grant_decision": [d.id for d in decisions],
                "payment": [p.id for p in payments], "grant_update": [u.id for u in updates],
                "milestone": [m.id for m in grant.milestones], "tranche": [t.id for t in grant.tranches]}
    conditions = [and_(AuditEntry.subject_type == kind, AuditEntry.subject_id.in_([str(i) for i in ids]))
                  for kind, ids in subjects.items() if ids]
    if grant.round_id is not None:
        conditions.append(and_(AuditEntry.subject_type == "round", AuditEntry.subject_id == str(grant.round_id),
                               AuditEntry.action == "round.phase_changed",
                               AuditEntry.payload.like("%grants_offered%")))
    return db.session.scalars(select(AuditEntry).where(AuditEntry.log_id == log.id, or_(*conditions))
                              .order_by(AuditEntry.seq)).all()
