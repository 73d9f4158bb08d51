"""The round's phase machine: what must be true before a round moves on, and what each move sets off.

It sits above the domains it drives: opening proposals locks the rules (rounds), opening voting fixes
the ballot (proposals), publishing offers grants (funds), and the count's sign-off (voting) is checked
before the result is published. Each move is one transaction with its ledger entry; the phases an
auditor cares most about also sign a checkpoint of the log.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.following import services as following
from pb.funds.grants import offer_round_grants
from pb.ledger.checkpoints import sign_checkpoint
from pb.ledger.services import record
from pb.mail import email_link
from pb.neighbourhoods.models import FACILITATOR
from pb.neighbourhoods.services import require_role
from pb.proposals.models import NEEDS_CHANGES, SUBMITTED, Proposal
from pb.proposals.services import put_on_ballot, shortlist
from pb.rounds.models import PHASE_LABELS, PHASES, PROPOSALS, PUBLISHED, SIGN_OFF, VOTING, Round
from pb.rounds.services import rule_values, setup_problems
from pb.services import ServiceError, transaction
from pb.voting.models import CountStatus
from pb.voting.services import current_result

# Phase changes that matter most to an auditor: the log's tree head is signed at each.
CHECKPOINT_PHASES = ("voting", "counting", "sign_off", "published")


def phase_problems(round_: Round) -> list[str]:
    """Why the round cannot move to its next phase now (empty when it can)."""
    target = round_.next_phase()
    if target is None:
        return ["This is the last phase"]
    problems = []
    if target == PROPOSALS:
        problems += setup_problems(round_)
        if round_.approved_at is None:
            problems.append("The partnership board has not approved the set-up")
    if target == VOTING:
        waiting = db.session.scalar(select(func.count()).select_from(Proposal).where(
            Proposal.round_id == round_.id, Proposal.status.in_([SUBMITTED, NEEDS_CHANGES])))
        if waiting:
            problems.append(f"{waiting} proposal{'s' if waiting != 1 else ''} still wait{'s' if waiting == 1 else ''} "
                            "for a feasibility decision")

        if waiting == 0 and not shortlist(round_):
            problems.append("No proposal qualifies for the ballot")
    if target == SIGN_OFF:
        if current_result(round_) is None:
            problems.append("The votes have not been counted yet")
    if target == PUBLISHED:
        result = current_result(round_)
        if result is None or result.status != CountStatus.APPROVED:
            problems.append("The partnership board has not signed off the result")
    return problems


def advance_phase(round_: Round, actor: User | None, *, automatic: bool = False) -> str:
    """Move the round to its next phase. `actor` None means the scheduled job, on the planned date."""
    if actor is not None:
        require_role(actor, round_.neighbourhood_id, FACILITATOR,
                     "Only facilitators can move a round to its next phase")
    problems = phase_problems(round_)
    if problems:
        raise ServiceError("The round cannot move on yet: " + "; ".join(problems))
    target = round_.next_phase()
    with transaction():
        payload = {"from": round_.phase, "to": target, "how": "scheduled date" if automatic else "facilitator"}
        if target == PROPOSALS:
            round_.rules_locked_at = timeutil.stamp()
            payload["rules_locked"] = rule_values(round_)
        if target == VOTING:
            payload["ballot"] = put_on_ballot(round_)
        if target == PUBLISHED and round_.fund_year_id is not None:
            payload["grants_offered"] = offer_round_grants(round_)
        round_.phase = target
        round_.phase_changed_at = timeutil.stamp()
        for step in round_.timeline:
            if step.phase == target:
                step.started_at = timeutil.stamp()
        record("round.phase_changed", round_, actor=actor, neighbourhood=round_.neighbourhood, payload=payload)
        if target in CHECKPOINT_PHASES:
            sign_checkpoint(round_.neighbourhood, f"{round_.name}: {PHASE_LABELS[target].lower()}")
        following.tell("round", round_, f"{round_.name}: {PHASE_LABELS[target].lower()}", "round_phase",
                       round=round_, hood=round_.neighbourhood, phase=PHASE_LABELS[target],
                       link=email_link("rounds.show", slug=round_.neighbourhood.slug, round_id=round_.id))
    return target


def due_rounds(today: date) -> list[Round]:
    """Rounds whose next phase's planned date has come."""
    rounds = db.session.scalars(select(Round).where(Round.phase != PHASES[-1]).order_by(Round.id)).all()
    due = []
    for round_ in rounds:
        target = round_.next_phase()
        starts = round_.start_of(target)
        if starts is not None and starts <= today:
            due.append(round_)
    return due
