"""Feasibility review: declared interests, outcomes, cost adjustments, merges; shortlisting and
putting proposals on the ballot.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.money import pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.neighbourhoods.services import (
    role_in,
)
from pb.rounds.models import (
    DELIBERATION,
    FEASIBILITY,
    PROPOSALS,
    Round,
)
from pb.services import ServiceError, transaction
from pb.timeutil import utcnow

from .common import (
    REVIEWABLE,
    hood_of,
    is_author,
    notify_authors,
)
from .drafting import check_total, new_version
from .models import (
    DRAFT,
    FEASIBLE,
    MERGED,
    NEEDS_CHANGES,
    NOT_FEASIBLE,
    NOT_SHORTLISTED,
    ON_BALLOT,
    WITHDRAWN,
    InterestDeclaration,
    Proposal,
    ProposalAuthor,
    Review,
    Support,
)

# --- feasibility review ------------------------------------------------------------------------------

def declared_interest(proposal: Proposal, user: User) -> InterestDeclaration | None:
    return db.session.scalar(select(InterestDeclaration).where(InterestDeclaration.proposal_id == proposal.id,
                                                               InterestDeclaration.user_id == user.id))


def declare_interest(proposal: Proposal, user: User, description: str) -> InterestDeclaration:
    hood_id = proposal.round.neighbourhood_id
    if role_in(user, hood_id, BOARD_MEMBER) is None and role_in(user, hood_id, FACILITATOR) is None:
        raise ServiceError("Only board members and facilitators declare interests")
    description = (description or "").strip()
    if not description:
        raise ServiceError("Describe your interest, for example ‘My sister chairs the group proposing this’",
                           field="description")
    if len(description) > 1000:
        raise ServiceError("The description must be 1,000 characters or fewer", field="description")
    if declared_interest(proposal, user):
        raise ServiceError("You have already declared an interest in this proposal", field="description")
    with transaction():
        interest = InterestDeclaration(proposal_id=proposal.id, user_id=user.id, description=description)
        db.session.add(interest)
        db.session.flush()
        # Declarations are public record: the description goes in the log as written.
        record("interest.declared", interest, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"proposal": proposal.number, "description": description})
    return interest


def _reviewer(proposal: Proposal, user: User) -> None:
    round_ = proposal.round
    if role_in(user, round_.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only facilitators review proposals")
    if declared_interest(proposal, user):
        raise ServiceError("You declared an interest in this proposal, so another facilitator must review it")
    if is_author(proposal, user):
        raise ServiceError("You are an author of this proposal, so another facilitator must review it")
    if round_.phase not in (PROPOSALS, FEASIBILITY, DELIBERATION):
        raise ServiceError("Feasibility review happens before voting opens")


OUTCOME_TEXT = {FEASIBLE: "feasible", NEEDS_CHANGES: "needs changes", NOT_FEASIBLE: "not feasible"}


def review(proposal: Proposal, user: User, outcome: str, *, reason: str = "", questions: str = "") -> Review:
    _reviewer(proposal, user)
    if outcome not in OUTCOME_TEXT:
        raise ServiceError("Choose a decision", field="outcome")
    if proposal.status not in REVIEWABLE and not (proposal.status == FEASIBLE and outcome == NOT_FEASIBLE):
        raise ServiceError(f"This proposal is {proposal.status_label.lower()}: it is not waiting for review")
    reason, questions = (reason or "").strip(), (questions or "").strip()
    if outcome == NOT_FEASIBLE and not reason:
        raise ServiceError("Give the public reason it is not feasible: the proposer and residents will read it",
                           field="reason")
    if outcome == NEEDS_CHANGES and not questions:
        raise ServiceError("Write the questions or changes the proposer needs to answer", field="questions")
    if outcome == NEEDS_CHANGES and proposal.round.phase == DELIBERATION:
        raise ServiceError("Deliberation has started: decide feasible or not feasible", field="outcome")
    for text, field in ((reason, "reason"), (questions, "questions")):
        if len(text) > 3000:
            raise ServiceError("Keep it to 3,000 characters or fewer", field=field)
    with transaction():
        entry = Review(proposal_id=proposal.id, version=proposal.version, outcome=outcome, public_reason=reason,
                       questions=questions, reviewer_id=user.id)
        db.session.add(entry)
        was = proposal.status
        proposal.status = outcome
        proposal.updated_at = utcnow()
        db.session.flush()
        record("proposal.reviewed", entry, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"proposal": proposal.number, "version": proposal.version, "outcome": outcome, "was": was,
                        "reason": reason, "questions": questions})
        notify_authors(proposal, f"Your proposal {proposal.reference} is {OUTCOME_TEXT[outcome]}", "proposal_reviewed",
                        outcome=OUTCOME_TEXT[outcome], reason=reason, questions=questions)
    return entry


def adjust_cost(proposal: Proposal, user: User, new_cost: int | None, reason: str) -> Review:
    _reviewer(proposal, user)
    if proposal.status in (WITHDRAWN, MERGED, NOT_FEASIBLE, DRAFT):
        raise ServiceError(f"This proposal is {proposal.status_label.lower()}: its cost cannot be adjusted")
    if new_cost is None:
        raise ServiceError("Enter the adjusted cost in pounds, like 4500", field="cost")
    if new_cost <= 0:
        raise ServiceError("The adjusted cost must be more than £0", field="cost")
    if new_cost == proposal.cost:
        raise ServiceError(f"The cost is already {pounds(new_cost)}", field="cost")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give the public reason for adjusting the cost", field="reason")
    check_total(proposal.round, proposal.pot, new_cost, field="cost")
    with transaction():
        old = proposal.cost
        proposal.adjusted_cost, proposal.adjusted_reason = new_cost, reason
        entry = Review(proposal_id=proposal.id, version=proposal.version, outcome="cost_adjusted",
                       public_reason=reason, reviewer_id=user.id)
        db.session.add(entry)
        new_version(proposal, user, f"Cost adjusted by a facilitator from {pounds(old)} to {pounds(new_cost)}")
        entry.version = proposal.version
        db.session.flush()
        record("proposal.cost_adjusted", entry, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"proposal": proposal.number, "old": old, "new": new_cost, "reason": reason,
                        "version": proposal.version})
        notify_authors(proposal, f"The cost of your proposal {proposal.reference} was adjusted", "proposal_reviewed",
                        outcome=f"adjusted in cost from {pounds(old)} to {pounds(new_cost)}", reason=reason, questions="")
    return entry


def merge(target: Proposal, duplicates: list[Proposal], user: User, reason: str) -> Review:
    """Fold duplicate proposals into one: their authors become its authors, their supports move
    to it (one per resident), and each duplicate points to where it went."""
    _reviewer(target, user)
    duplicates = [d for d in duplicates if d.id != target.id]
    if not duplicates:
        raise ServiceError("Choose at least one other proposal to merge into this one", field="duplicates")
    if target.status in (WITHDRAWN, MERGED, NOT_FEASIBLE, DRAFT):
        raise ServiceError(f"{target.reference} is {target.status_label.lower()}, so nothing can be merged into it")
    for other in duplicates:
        if other.round_id != target.round_id:
            raise ServiceError("Only proposals in the same round can be merged", field="duplicates")
        if other.status in (WITHDRAWN, MERGED, DRAFT):
            raise ServiceError(f"{other.reference} is {other.status_label.lower()} and cannot be merged", field="duplicates")
        if declared_interest(other, user) or is_author(other, user):
            raise ServiceError(f"You have an interest in {other.reference}, so another facilitator must merge it",
                               field="duplicates")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why these proposals are being merged: residents will read it", field="reason")
    with transaction():
        authors = {a.user_id for a in target.authors}
        supporters = set(db.session.scalars(select(Support.user_id).where(Support.proposal_id == target.id)))
        for other in duplicates:
            for author in other.authors:
                if author.user_id not in authors:
                    target.authors.append(ProposalAuthor(user_id=author.user_id, role="merged"))
                    authors.add(author.user_id)
            for support in db.session.scalars(select(Support).where(Support.proposal_id == other.id)).all():
                if support.user_id in supporters:
                    db.session.delete(support)
                else:
                    support.proposal_id = target.id
                    supporters.add(support.user_id)
            other.status, other.merged_into_id, other.support_count = MERGED, target.id, 0
            other.updated_at = utcnow()
        target.support_count = len(supporters)
        entry = Review(proposal_id=target.id, version=target.version, outcome="merged", public_reason=reason,
                       reviewer_id=user.id)
        db.session.add(entry)
        new_version(target, user, "Merged with " + ", ".join(o.reference for o in duplicates))
        entry.version = target.version
        db.session.flush()
        record("proposal.merged", entry, actor=user, neighbourhood=hood_of(target.round),
               payload={"into": target.number, "merged": [o.number for o in duplicates], "reason": reason})
        for other in duplicates:
            notify_authors(other, f"Your proposal {other.reference} was merged into {target.reference}",
                            "proposal_reviewed", outcome=f"merged into {target.reference} {target.title}",
                            reason=reason, questions="")
    return entry


# --- shortlisting -------------------------------------------------------------------------------------

def shortlist(round_: Round) -> list[Proposal]:
    """The feasible proposals that reach the ballot: all of them, or those with enough supports."""
    stmt = select(Proposal).where(Proposal.round_id == round_.id, Proposal.status.in_([FEASIBLE, ON_BALLOT]))\
        .options(joinedload(Proposal.pot))  # put_on_ballot names each one's pot
    if round_.support_threshold:
        stmt = stmt.where(Proposal.support_count >= round_.support_threshold)
    return list(db.session.scalars(stmt.order_by(Proposal.number)))


def put_on_ballot(round_: Round) -> dict:
    """Called inside advance_phase's transaction as voting opens: the ballot is fixed."""
    chosen = shortlist(round_)
    chosen_ids = {p.id for p in chosen}
    left_out = db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id,
                                                         Proposal.status == FEASIBLE)).all()
    for proposal in chosen:
        proposal.status = ON_BALLOT
    not_shortlisted = []
    for proposal in left_out:
        if proposal.id not in chosen_ids:
            proposal.status = NOT_SHORTLISTED
            not_shortlisted.append(proposal.number)
    return {"on_ballot": [{"number": p.number, "pot": p.pot.name, "cost": p.cost} for p in chosen],
            "not_shortlisted": sorted(not_shortlisted)}


def decide_hide_request(proposal: Proposal, user: User, *, hide: bool, reason: str) -> None:
    """A former author erased their account and asked for this proposal to be hidden: a facilitator
    hides its text (number, title and costs stay: ballots and results name them) or keeps it shown,
    with a public reason either way."""
    if role_in(user, proposal.round.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only facilitators decide whether a proposal is hidden")
    if proposal.hide_requested_at is None:
        raise ServiceError("Nobody has asked for this proposal to be hidden, or a facilitator has already decided")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give the public reason, for example ‘Hidden at its former author’s request’", field="reason")
    if len(reason) > 500:
        raise ServiceError("The reason must be 500 characters or fewer", field="reason")
    with transaction():
        proposal.hide_requested_at = None
        if hide:
            proposal.hidden_at, proposal.hidden_reason = utcnow(), reason
        record("proposal.hidden" if hide else "proposal.hide_declined", proposal, actor=user,
               neighbourhood=hood_of(proposal.round), payload={"proposal": proposal.number, "reason": reason})
