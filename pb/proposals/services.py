"""State changes to proposals: drafting, costed plans, versions, images, feasibility review,
merges, declared interests, comments and moderation, supports, amendments, deliberation events.
Each checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.money import is_financial_year, pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, RESIDENT
from pb.neighbourhoods.services import (
    role_in,
    why_not_comment,
    why_not_propose,
    why_not_suggest,
    why_not_vote,
)
from pb.notifications import PROPOSAL_ACTIVITY, link, notify
from pb.rounds.models import (
    CAPITAL_ONLY,
    DELIBERATION,
    FEASIBILITY,
    PROPOSALS,
    RESIDENTS_AND_GROUPS,
    REVENUE_ONLY,
    SETUP,
    VOTING,
    Pot,
    Round,
)
from pb.services import ServiceError, transaction
from pb.timeutil import utcnow

from . import images
from .models import (
    ACCEPTED,
    AGAINST,
    CAPITAL,
    CATEGORIES,
    DECLINED,
    DRAFT,
    FEASIBLE,
    FIELD_LABELS,
    FOR,
    MERGED,
    NEEDS_CHANGES,
    NEUTRAL,
    NOT_FEASIBLE,
    NOT_SHORTLISTED,
    ON_BALLOT,
    PENDING,
    QUESTION,
    REVENUE,
    SPEND_KINDS,
    STANCES,
    SUBMITTED,
    TEXT_FIELDS,
    WITHDRAWN,
    Amendment,
    Comment,
    CommentFlag,
    CostLine,
    DeliberationEvent,
    InterestDeclaration,
    Proposal,
    ProposalAuthor,
    ProposalImage,
    ProposalVersion,
    Review,
    Support,
)

LIMITS = {"title": 120, "summary": 300, "description": 10_000, "need": 3_000, "beneficiaries": 3_000, "place": 120,
          "group_name": 120}
MAX_COST_LINES = 30
MAX_IMAGES = 4
COMMENT_LIMIT = 3_000
COMMENT_EDIT_MINUTES = 15
REVIEWABLE = (SUBMITTED, NEEDS_CHANGES)


def _hood(round_: Round):
    return round_.neighbourhood


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def is_author(proposal: Proposal, user) -> bool:
    return getattr(user, "id", None) is not None and any(a.user_id == user.id for a in proposal.authors)


def _notify_authors(proposal: Proposal, subject: str, template: str, skip: User | None = None, **context) -> None:
    for author in proposal.authors:
        if skip is not None and author.user_id == skip.id:
            continue
        notify(author.user, PROPOSAL_ACTIVITY, subject, template, proposal=proposal,
               link=link("proposals.show", slug=proposal.round.neighbourhood.slug, proposal_id=proposal.id), **context)


# --- the proposal's content ---------------------------------------------------------------------------

@dataclass
class CostLineInput:
    item: str
    kind: str
    amount: int | None
    financial_year: str


@dataclass
class ProposalInput:
    title: str
    summary: str
    description: str
    need: str
    beneficiaries: str
    place: str
    category: str
    pot_id: int | None
    group_name: str | None
    cost_lines: list[CostLineInput]


def _clean_text(data: ProposalInput, round_: Round) -> dict:
    values = {}
    for name in (*TEXT_FIELDS, "group_name"):
        value = (getattr(data, name) or "").strip().replace("\r\n", "\n")
        if len(value) > LIMITS[name]:
            raise ServiceError(f"{FIELD_LABELS[name]} must be {LIMITS[name]:,} characters or fewer", field=name)
        values[name] = value
    for name in ("title", "summary"):
        if not values[name]:
            raise ServiceError(f"Enter a {FIELD_LABELS[name].lower()}", field=name)
    if "\n" in values["title"]:
        raise ServiceError("Title must be one line", field="title")
    if data.category not in CATEGORIES:
        raise ServiceError("Choose a category", field="category")
    values["category"] = data.category
    values["group_name"] = values["group_name"] or None
    if values["group_name"] and round_.who_may_propose != RESIDENTS_AND_GROUPS:
        raise ServiceError("In this round only residents propose, not groups. Leave the group name empty",
                           field="group_name")
    return values


def _filled(line: CostLineInput) -> bool:
    """A row counts once it has an item or an amount (the year comes filled in)."""
    return bool((line.item or "").strip()) or line.amount is not None


def filled_lines(lines: list[CostLineInput]) -> list[CostLineInput]:
    return [line for line in lines if _filled(line)]


def line_problems(lines: list[CostLineInput], pot: Pot | None) -> list[tuple[str, str]]:
    """Every problem with every filled-in cost line, as (field, message): shown all at once, so a
    volunteer keying a paper form fixes them in one go."""
    problems = []
    for index, line in enumerate(lines):
        if not _filled(line):
            continue
        n = index + 1
        if not (line.item or "").strip():
            problems.append((f"lines-{index}-item", f"Cost line {n}: enter what the money is for"))
        elif len(line.item.strip()) > 120:
            problems.append((f"lines-{index}-item", f"Cost line {n}: item must be 120 characters or fewer"))
        if line.kind not in SPEND_KINDS:
            problems.append((f"lines-{index}-kind", f"Cost line {n}: choose revenue or capital"))
        elif pot is not None and pot.spend_rule == REVENUE_ONLY and line.kind == CAPITAL:
            problems.append((f"lines-{index}-kind", f"Cost line {n}: the {pot.name} pot pays for revenue (running costs) only"))
        elif pot is not None and pot.spend_rule == CAPITAL_ONLY and line.kind == REVENUE:
            problems.append((f"lines-{index}-kind", f"Cost line {n}: the {pot.name} pot pays for capital only"))
        if line.amount is None:
            problems.append((f"lines-{index}-amount", f"Cost line {n}: enter the amount in pounds, like 1250 or 1250.50"))
        elif line.amount <= 0:
            problems.append((f"lines-{index}-amount", f"Cost line {n}: amount must be more than £0"))
        if not (line.financial_year or "").strip():
            problems.append((f"lines-{index}-financial_year",
                             f"Cost line {n}: enter the financial year it is spent in, like 2027/28"))
        elif not is_financial_year(line.financial_year):
            problems.append((f"lines-{index}-financial_year", f"Cost line {n}: financial year must look like 2027/28"))
    return problems


def _check_lines(round_: Round, pot: Pot, lines: list[CostLineInput]) -> list[CostLineInput]:
    """Every line complete and sensible, the total within the pot's and the round's limits."""
    kept = filled_lines(lines)
    if not kept:
        raise ServiceError("Add at least one cost line: what you need, and how much it costs", field="lines-0-item")
    if len(kept) > MAX_COST_LINES:
        raise ServiceError(f"A costed plan can have at most {MAX_COST_LINES} lines", field="lines-0-item")
    problems = line_problems(lines, pot)
    if problems:
        raise ServiceError(problems[0][1], field=problems[0][0])
    for line in kept:
        line.item, line.financial_year = line.item.strip(), line.financial_year.strip()
    _check_total(round_, pot, sum(line.amount for line in kept), field="lines-0-amount")
    return kept


def _check_total(round_: Round, pot: Pot, total: int, field: str) -> None:
    limits = [(pot.amount, f"the {pot.name} pot, {pounds(pot.amount)}")]
    if pot.max_per_proposal is not None:
        limits.append((pot.max_per_proposal, f"the most one proposal may cost from the {pot.name} pot, {pounds(pot.max_per_proposal)}"))
    if round_.max_per_proposal is not None:
        limits.append((round_.max_per_proposal, f"the most one proposal may cost in this round, {pounds(round_.max_per_proposal)}"))
    for limit, what in sorted(limits):
        if total > limit:
            raise ServiceError(f"The total cost, {pounds(total)}, is more than {what}", field=field)


def _pot(round_: Round, pot_id) -> Pot:
    for pot in round_.pots:
        if pot.id == pot_id:
            return pot
    raise ServiceError("Choose the pot this proposal asks money from", field="pot_id")


def _may_propose(round_: Round, user: User, group_name: str | None) -> None:
    as_group = round_.who_may_propose == RESIDENTS_AND_GROUPS and bool(group_name)
    problem = why_not_propose(user, _hood(round_), as_group=as_group)
    if problem:
        raise ServiceError(problem)


def snapshot(proposal: Proposal) -> dict:
    return {
        **{name: getattr(proposal, name) for name in TEXT_FIELDS},
        "category": proposal.category, "pot": proposal.pot.name if proposal.pot else None,
        "group_name": proposal.group_name,
        "cost_lines": [{"item": c.item, "kind": c.kind, "amount": c.amount, "financial_year": c.financial_year}
                       for c in proposal.cost_lines],
        "total_cost": proposal.total_cost, "adjusted_cost": proposal.adjusted_cost,
        "adjusted_reason": proposal.adjusted_reason,
    }


def _new_version(proposal: Proposal, actor: User, reason: str) -> ProposalVersion:
    db.session.flush()
    proposal.version += 1
    version = ProposalVersion(proposal_id=proposal.id, number=proposal.version, snapshot=snapshot(proposal),
                              reason=reason, created_by_id=actor.id)
    db.session.add(version)
    return version


def _apply(proposal: Proposal, values: dict, pot: Pot, lines: list[CostLineInput]) -> None:
    for name, value in values.items():
        setattr(proposal, name, value)
    proposal.pot_id = pot.id
    proposal.pot = pot
    proposal.cost_lines.clear()
    db.session.flush()
    for position, line in enumerate(lines):
        proposal.cost_lines.append(CostLine(position=position, item=line.item, kind=line.kind, amount=line.amount,
                                            financial_year=line.financial_year))
    proposal.total_cost = sum(line.amount for line in lines)
    proposal.updated_at = utcnow()


def _content_payload(proposal: Proposal) -> dict:
    """What the audit entry says about the content: the title and a digest of the rest (the full
    text lives in the public version history, which the digest pins)."""
    return {"number": proposal.number, "title": proposal.title, "pot": proposal.pot.name,
            "total_cost": proposal.total_cost, "content_sha256": _digest(repr(sorted(snapshot(proposal).items())))}


def create_draft(round_: Round, user: User, data: ProposalInput) -> Proposal:
    if round_.phase != PROPOSALS:
        when = round_.start_of(PROPOSALS)
        if round_.phase == SETUP:
            raise ServiceError("Proposals are not open yet" + (f": they open on {when.strftime('%-d %B %Y')}" if when else ""))
        raise ServiceError("Proposals have closed for this round")
    values = _clean_text(data, round_)
    _may_propose(round_, user, values["group_name"])
    pot = _pot(round_, data.pot_id)
    lines = _check_lines(round_, pot, data.cost_lines)
    with transaction():
        number = (db.session.scalar(select(func.max(Proposal.number)).where(Proposal.round_id == round_.id)) or 0) + 1
        proposal = Proposal(round_id=round_.id, number=number, status=DRAFT, proposer_id=user.id, pot_id=pot.id,
                            **values)
        proposal.round = round_
        db.session.add(proposal)
        _apply(proposal, values, pot, lines)
        proposal.authors.append(ProposalAuthor(user_id=user.id, role="proposer"))
        db.session.flush()
        record("proposal.drafted", proposal, actor=user, neighbourhood=_hood(round_), payload=_content_payload(proposal))
    return proposal


def _editable_by(proposal: Proposal, user: User) -> None:
    if not is_author(proposal, user):
        raise ServiceError("Only the proposal's authors can change it. You can suggest a change as an amendment instead")
    if proposal.status not in (DRAFT, SUBMITTED, NEEDS_CHANGES):
        raise ServiceError(f"This proposal is {proposal.status_label.lower()}, so it can no longer be edited"
                           + (". Residents can still suggest amendments" if proposal.status == FEASIBLE else ""))
    if proposal.round.phase not in (PROPOSALS, FEASIBILITY):
        raise ServiceError("Proposals can only be edited while proposals are open or under feasibility review")


def update_proposal(proposal: Proposal, user: User, data: ProposalInput) -> Proposal:
    _editable_by(proposal, user)
    round_ = proposal.round
    values = _clean_text(data, round_)
    pot = _pot(round_, data.pot_id)
    lines = _check_lines(round_, pot, data.cost_lines)
    with transaction():
        before = proposal.version
        _apply(proposal, values, pot, lines)
        if proposal.status != DRAFT:
            # Submitted proposals are public: every change is a new version anyone can compare.
            _new_version(proposal, user, "Edited by the proposer")
        record("proposal.edited", proposal, actor=user, neighbourhood=_hood(round_),
               payload=_content_payload(proposal) | {"version": proposal.version, "previous_version": before})
    return proposal


def submit(proposal: Proposal, user: User, answer: str | None = None) -> Proposal:
    """Send a draft for feasibility review, or resubmit one that needed changes (with an answer to
    the facilitator's questions)."""
    if not is_author(proposal, user):
        raise ServiceError("Only the proposal's authors can submit it")
    round_ = proposal.round
    if proposal.status == DRAFT:
        if round_.phase != PROPOSALS:
            raise ServiceError("Proposals can only be submitted while proposals are open"
                               + ("" if round_.phase == SETUP else ": they have closed for this round"))
        reason, action = "Submitted", "proposal.submitted"
    elif proposal.status == NEEDS_CHANGES:
        if round_.phase not in (PROPOSALS, FEASIBILITY):
            raise ServiceError("Feasibility review has finished, so changes can no longer be resubmitted")
        answer = (answer or "").strip()
        if not answer:
            raise ServiceError("Answer the facilitator's questions before resubmitting", field="answer")
        if len(answer) > 3000:
            raise ServiceError("Your answer must be 3,000 characters or fewer", field="answer")
        reason, action = "Resubmitted after changes", "proposal.resubmitted"
    else:
        raise ServiceError(f"This proposal is {proposal.status_label.lower()}: there is nothing to submit")
    _may_propose(round_, user, proposal.group_name)
    _check_lines(round_, proposal.pot, [CostLineInput(c.item, c.kind, c.amount, c.financial_year)
                                        for c in proposal.cost_lines])
    with transaction():
        payload = {"number": proposal.number, "title": proposal.title}
        if proposal.status == NEEDS_CHANGES:
            review = db.session.scalar(select(Review).where(Review.proposal_id == proposal.id,
                                                            Review.outcome == NEEDS_CHANGES)
                                       .order_by(Review.id.desc()).limit(1))
            if review is not None:
                review.answer, review.answered_at = answer, utcnow()
                payload["answer_sha256"] = _digest(answer)
        proposal.status = SUBMITTED
        proposal.submitted_at = proposal.submitted_at or utcnow()
        _new_version(proposal, user, reason)
        payload["version"] = proposal.version
        record(action, proposal, actor=user, neighbourhood=_hood(round_), payload=payload)
    return proposal


def withdraw(proposal: Proposal, user: User, reason: str = "") -> None:
    if not is_author(proposal, user):
        raise ServiceError("Only the proposal's authors can withdraw it")
    if proposal.status in (WITHDRAWN, MERGED, NOT_FEASIBLE):
        raise ServiceError(f"This proposal is already {proposal.status_label.lower()}")
    if not proposal.round.is_before(VOTING):
        raise ServiceError("Voting has opened: proposals on the ballot can no longer be withdrawn")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why you are withdrawing it, for example ‘the hall is no longer free’", field="reason")
    if len(reason) > 1000:
        raise ServiceError("Your reason must be 1,000 characters or fewer", field="reason")
    with transaction():
        was = proposal.status
        proposal.status = WITHDRAWN
        proposal.updated_at = proposal.withdrawn_at = utcnow()
        proposal.withdrawn_reason = reason
        record("proposal.withdrawn", proposal, actor=user, neighbourhood=_hood(proposal.round),
               payload={"number": proposal.number, "was": was, "reason": reason})


def add_co_proposer(proposal: Proposal, user: User, email: str) -> ProposalAuthor:
    if not is_author(proposal, user):
        raise ServiceError("Only the proposal's authors can add co-proposers")
    other = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    hood = _hood(proposal.round)
    if other is None or role_in(other, hood.id, RESIDENT) is None:
        raise ServiceError(f"There is no resident of {hood.name} with that email address. They need to join first",
                           field="email")
    if is_author(proposal, other):
        raise ServiceError(f"{other.name} is already an author of this proposal", field="email")
    with transaction():
        author = ProposalAuthor(proposal_id=proposal.id, user_id=other.id, role="co_proposer")
        proposal.authors.append(author)
        db.session.flush()
        record("proposal.co_proposer_added", proposal, actor=user, neighbourhood=hood,
               payload={"number": proposal.number, "person": other.pseudonym})
    return author


# --- images --------------------------------------------------------------------------------------

def add_image(proposal: Proposal, user: User, raw: bytes, alt_text: str) -> ProposalImage:
    if not is_author(proposal, user):
        raise ServiceError("Only the proposal's authors can add pictures", field="image")
    if proposal.status in (WITHDRAWN, MERGED, NOT_FEASIBLE):
        raise ServiceError(f"This proposal is {proposal.status_label.lower()}", field="image")
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise ServiceError("Describe the picture for people who cannot see it", field="alt_text")
    if len(alt_text) > 200:
        raise ServiceError("The description must be 200 characters or fewer", field="alt_text")
    if len(proposal.images) >= MAX_IMAGES:
        raise ServiceError(f"A proposal can have at most {MAX_IMAGES} pictures. Remove one first", field="image")
    encoded = images.reencode(raw)
    with transaction():
        image = ProposalImage(proposal_id=proposal.id, alt_text=alt_text, mime_type=encoded.mime_type,
                              width=encoded.width, height=encoded.height, sha256=encoded.sha256,
                              data=encoded.data, uploaded_by_id=user.id)
        proposal.images.append(image)
        db.session.flush()
        record("proposal.image_added", image, actor=user, neighbourhood=_hood(proposal.round),
               payload={"proposal": proposal.number, "sha256": encoded.sha256, "bytes": len(encoded.data)})
    return image


def remove_image(image: ProposalImage, user: User) -> None:
    proposal = image.proposal
    if not is_author(proposal, user) and role_in(user, proposal.round.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only the proposal's authors or a facilitator can remove a picture")
    with transaction():
        record("proposal.image_removed", image, actor=user, neighbourhood=_hood(proposal.round),
               payload={"proposal": proposal.number, "sha256": image.sha256})
        proposal.images.remove(image)


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
        record("interest.declared", interest, actor=user, neighbourhood=_hood(proposal.round),
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
        record("proposal.reviewed", entry, actor=user, neighbourhood=_hood(proposal.round),
               payload={"proposal": proposal.number, "version": proposal.version, "outcome": outcome, "was": was,
                        "reason": reason, "questions": questions})
        _notify_authors(proposal, f"Your proposal {proposal.reference} is {OUTCOME_TEXT[outcome]}", "proposal_reviewed",
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
    _check_total(proposal.round, proposal.pot, new_cost, field="cost")
    with transaction():
        old = proposal.cost
        proposal.adjusted_cost, proposal.adjusted_reason = new_cost, reason
        entry = Review(proposal_id=proposal.id, version=proposal.version, outcome="cost_adjusted",
                       public_reason=reason, reviewer_id=user.id)
        db.session.add(entry)
        _new_version(proposal, user, f"Cost adjusted by a facilitator from {pounds(old)} to {pounds(new_cost)}")
        entry.version = proposal.version
        db.session.flush()
        record("proposal.cost_adjusted", entry, actor=user, neighbourhood=_hood(proposal.round),
               payload={"proposal": proposal.number, "old": old, "new": new_cost, "reason": reason,
                        "version": proposal.version})
        _notify_authors(proposal, f"The cost of your proposal {proposal.reference} was adjusted", "proposal_reviewed",
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
        _new_version(target, user, "Merged with " + ", ".join(o.reference for o in duplicates))
        entry.version = target.version
        db.session.flush()
        record("proposal.merged", entry, actor=user, neighbourhood=_hood(target.round),
               payload={"into": target.number, "merged": [o.number for o in duplicates], "reason": reason})
        for other in duplicates:
            _notify_authors(other, f"Your proposal {other.reference} was merged into {target.reference}",
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


# --- supports -----------------------------------------------------------------------------------------

def support(proposal: Proposal, user: User) -> Support:
    round_ = proposal.round
    problem = why_not_vote(user, round_.neighbourhood, doing="support proposals")
    if problem:
        raise ServiceError(problem)
    if round_.phase != DELIBERATION:
        raise ServiceError("Supports are collected during deliberation and shortlisting")
    if proposal.status != FEASIBLE:
        raise ServiceError("Only feasible proposals can be supported")
    if db.session.scalar(select(Support.id).where(Support.proposal_id == proposal.id, Support.user_id == user.id)):
        raise ServiceError("You already support this proposal")
    if round_.support_cap:
        used = db.session.scalar(select(func.count()).select_from(Support).where(
            Support.round_id == round_.id, Support.user_id == user.id))
        if used >= round_.support_cap:
            raise ServiceError(f"You can support at most {round_.support_cap} proposals in this round. Withdraw a "
                               "support to give it to this one")
    with transaction():
        entry = Support(round_id=round_.id, proposal_id=proposal.id, user_id=user.id)
        db.session.add(entry)
        db.session.execute(update(Proposal).where(Proposal.id == proposal.id)
                           .values(support_count=Proposal.support_count + 1))
        db.session.flush()
        record("proposal.supported", entry, actor=user, neighbourhood=_hood(round_),
               payload={"proposal": proposal.number})
    db.session.refresh(proposal)
    return entry


def withdraw_support(proposal: Proposal, user: User) -> None:
    round_ = proposal.round
    entry = db.session.scalar(select(Support).where(Support.proposal_id == proposal.id, Support.user_id == user.id))
    if entry is None:
        raise ServiceError("You do not support this proposal")
    if round_.phase != DELIBERATION:
        raise ServiceError("Shortlisting has finished, so supports can no longer change")
    with transaction():
        record("proposal.support_withdrawn", entry, actor=user, neighbourhood=_hood(round_),
               payload={"proposal": proposal.number})
        db.session.delete(entry)
        db.session.execute(update(Proposal).where(Proposal.id == proposal.id)
                           .values(support_count=Proposal.support_count - 1))
    db.session.refresh(proposal)


# --- comments and moderation --------------------------------------------------------------------------

def why_closed_for_discussion(proposal: Proposal) -> str | None:
    """Why nobody can comment on this proposal now, or None while its discussion is open."""
    if proposal.status == DRAFT:
        return "Drafts cannot be discussed until they are submitted"
    if proposal.status == WITHDRAWN:
        return "This proposal was withdrawn, so its discussion is closed"
    if proposal.status == MERGED:
        return "This proposal was merged into another one, so its discussion is closed. Comment on that one instead"
    if proposal.round.phase not in (PROPOSALS, FEASIBILITY, DELIBERATION, VOTING):
        return "Discussion has closed for this round"
    return None


def _open_for_discussion(proposal: Proposal) -> None:
    problem = why_closed_for_discussion(proposal)
    if problem:
        raise ServiceError(problem)


def add_comment(proposal: Proposal, user: User, body: str, stance: str = NEUTRAL, parent_id: int | None = None,
                official: bool = False) -> Comment:
    hood_id = proposal.round.neighbourhood_id
    is_facilitator = role_in(user, hood_id, FACILITATOR) is not None
    problem = why_not_comment(user, proposal.round.neighbourhood)
    if problem:
        raise ServiceError(problem)
    _open_for_discussion(proposal)
    body = (body or "").strip().replace("\r\n", "\n")
    if not body:
        raise ServiceError("Write your comment", field="body")
    if len(body) > COMMENT_LIMIT:
        raise ServiceError(f"Your comment must be {COMMENT_LIMIT:,} characters or fewer", field="body")
    if stance not in STANCES:
        raise ServiceError("Choose whether you are for, against, asking a question or commenting", field="stance")
    if official and not is_facilitator:
        raise ServiceError("Only facilitators give official answers", field="official")
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.proposal_id != proposal.id:
            raise ServiceError("The comment you are replying to is not on this proposal", field="body")
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)  # one level of replies keeps threads readable
    with transaction():
        comment = Comment(proposal_id=proposal.id, parent_id=parent.id if parent else None, author_id=user.id,
                          stance=stance, body=body, official=official)
        db.session.add(comment)
        db.session.execute(update(Proposal).where(Proposal.id == proposal.id)
                           .values(comment_count=Proposal.comment_count + 1))
        db.session.flush()
        record("comment.posted", comment, actor=user, neighbourhood=_hood(proposal.round),
               payload={"proposal": proposal.number, "stance": stance, "official": official,
                        "reply_to": parent.id if parent else None, "body_sha256": _digest(body)})
        _notify_authors(proposal, f"New comment on your proposal {proposal.reference}", "proposal_comment",
                        skip=user, comment=comment, stance=STANCES[stance])
    return comment


def edit_comment(comment: Comment, user: User, body: str, now: datetime | None = None) -> Comment:
    if comment.author_id != user.id:
        raise ServiceError("You can only edit your own comments")
    if comment.hidden_at is not None:
        raise ServiceError("This comment was hidden by a facilitator and cannot be edited")
    now = now or utcnow()
    if now - comment.created_at > timedelta(minutes=COMMENT_EDIT_MINUTES):
        raise ServiceError(f"Comments can be edited for {COMMENT_EDIT_MINUTES} minutes after posting. "
                           "Post a new comment to add something", field="body")
    body = (body or "").strip().replace("\r\n", "\n")
    if not body:
        raise ServiceError("Write your comment", field="body")
    if len(body) > COMMENT_LIMIT:
        raise ServiceError(f"Your comment must be {COMMENT_LIMIT:,} characters or fewer", field="body")
    with transaction():
        old = comment.body
        comment.body, comment.edited_at = body, now
        proposal = db.session.get(Proposal, comment.proposal_id)
        record("comment.edited", comment, actor=user, neighbourhood=_hood(proposal.round),
               payload={"proposal": proposal.number, "old_sha256": _digest(old), "body_sha256": _digest(body)})
    return comment


def flag_comment(comment: Comment, user: User, reason: str) -> CommentFlag:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say what is wrong with the comment, for example ‘personal attack’", field="reason")
    if len(reason) > 300:
        raise ServiceError("The reason must be 300 characters or fewer", field="reason")
    if comment.hidden_at is not None:
        raise ServiceError("A facilitator has already hidden this comment")
    if db.session.scalar(select(CommentFlag.id).where(CommentFlag.comment_id == comment.id,
                                                      CommentFlag.user_id == user.id)):
        raise ServiceError("You have already reported this comment. A facilitator will look at it")
    proposal = db.session.get(Proposal, comment.proposal_id)
    with transaction():
        flag = CommentFlag(comment_id=comment.id, user_id=user.id, reason=reason)
        db.session.add(flag)
        comment.flag_count += 1
        db.session.flush()
        record("comment.flagged", flag, actor=user, neighbourhood=_hood(proposal.round),
               payload={"comment": comment.id, "proposal": proposal.number, "reason": reason})
    return flag


def hide_comment(comment: Comment, user: User, reason: str) -> None:
    proposal = db.session.get(Proposal, comment.proposal_id)
    if role_in(user, proposal.round.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only facilitators can hide comments")
    if comment.hidden_at is not None:
        raise ServiceError("This comment is already hidden")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give the public reason for hiding it, for example ‘Breaks the house rules: personal attack’",
                           field="reason")
    if len(reason) > 500:
        raise ServiceError("The reason must be 500 characters or fewer", field="reason")
    with transaction():
        comment.hidden_at, comment.hidden_reason, comment.hidden_by_id = utcnow(), reason, user.id
        db.session.execute(update(CommentFlag).where(CommentFlag.comment_id == comment.id,
                                                     CommentFlag.resolved_at.is_(None)).values(resolved_at=utcnow()))
        # The log keeps a digest of what was hidden, never the text itself.
        record("comment.hidden", comment, actor=user, neighbourhood=_hood(proposal.round),
               payload={"proposal": proposal.number, "reason": reason, "body_sha256": _digest(comment.body)})


def dismiss_flags(comment: Comment, user: User) -> int:
    proposal = db.session.get(Proposal, comment.proposal_id)
    if role_in(user, proposal.round.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only facilitators can deal with reports")
    open_flags = db.session.scalars(select(CommentFlag).where(CommentFlag.comment_id == comment.id,
                                                              CommentFlag.resolved_at.is_(None))).all()
    if not open_flags:
        raise ServiceError("There are no open reports about this comment")
    with transaction():
        for flag in open_flags:
            flag.resolved_at = utcnow()
        record("comment.flags_dismissed", comment, actor=user, neighbourhood=_hood(proposal.round),
               payload={"proposal": proposal.number, "reports": len(open_flags)})
    return len(open_flags)


# --- amendments ---------------------------------------------------------------------------------------

def suggest_amendment(proposal: Proposal, user: User, field: str, new_text: str, reason: str) -> Amendment:
    round_ = proposal.round
    problem = why_not_suggest(user, round_.neighbourhood)
    if problem:
        raise ServiceError(problem)
    if is_author(proposal, user):
        raise ServiceError("You are an author of this proposal: edit it instead of suggesting an amendment")
    if proposal.status not in (SUBMITTED, NEEDS_CHANGES, FEASIBLE):
        raise ServiceError(f"This proposal is {proposal.status_label.lower()}, so changes cannot be suggested")
    if round_.phase not in (PROPOSALS, FEASIBILITY, DELIBERATION):
        raise ServiceError("Amendments can be suggested until voting opens")
    if field not in TEXT_FIELDS:
        raise ServiceError("Choose the part of the proposal to change", field="field")
    new_text = (new_text or "").strip().replace("\r\n", "\n")
    if not new_text:
        raise ServiceError("Write the new text you suggest", field="new_text")
    if len(new_text) > LIMITS[field]:
        raise ServiceError(f"{FIELD_LABELS[field]} must be {LIMITS[field]:,} characters or fewer", field="new_text")
    if new_text == getattr(proposal, field):
        raise ServiceError("The new text is the same as the current text", field="new_text")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why you suggest this change", field="reason")
    if len(reason) > 2000:
        raise ServiceError("Your reason must be 2,000 characters or fewer", field="reason")
    with transaction():
        amendment = Amendment(proposal_id=proposal.id, author_id=user.id, field=field, new_text=new_text,
                              reason=reason)
        db.session.add(amendment)
        db.session.flush()
        record("amendment.suggested", amendment, actor=user, neighbourhood=_hood(round_),
               payload={"proposal": proposal.number, "field": field, "new_text_sha256": _digest(new_text)})
        _notify_authors(proposal, f"A change was suggested to your proposal {proposal.reference}", "proposal_amendment",
                        amendment=amendment, field=FIELD_LABELS[field])
    return amendment


def respond_to_amendment(amendment: Amendment, user: User, accept: bool, reason: str = "") -> Amendment:
    proposal = db.session.get(Proposal, amendment.proposal_id)
    if not is_author(proposal, user):
        raise ServiceError("Only the proposal's authors can accept or decline amendments")
    if amendment.status != PENDING:
        raise ServiceError(f"This amendment was already {amendment.status}")
    if proposal.round.phase not in (PROPOSALS, FEASIBILITY, DELIBERATION):
        raise ServiceError("Voting has opened: the proposal can no longer change")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ServiceError("Say why you decline the suggestion: its author and residents will read it", field="reason")
    if len(reason) > 2000:
        raise ServiceError("Your reason must be 2,000 characters or fewer", field="reason")
    with transaction():
        amendment.status, amendment.response, amendment.responded_at = (ACCEPTED if accept else DECLINED), reason, utcnow()
        payload = {"proposal": proposal.number, "field": amendment.field, "accepted": accept, "reason": reason}
        if accept:
            setattr(proposal, amendment.field, amendment.new_text)
            proposal.updated_at = utcnow()
            _new_version(proposal, user, f"Accepted an amendment to the {FIELD_LABELS[amendment.field].lower()}")
            payload["version"] = proposal.version
        record("amendment.accepted" if accept else "amendment.declined", amendment, actor=user,
               neighbourhood=_hood(proposal.round), payload=payload)
    return amendment


# --- deliberation events ------------------------------------------------------------------------------

@dataclass
class EventInput:
    title: str
    starts_at: datetime | None
    place: str
    access_notes: str
    minutes: str
    attendance: int | None
    proposal_numbers: list[int]


def _check_event(round_: Round, data: EventInput) -> tuple[dict, list[Proposal]]:
    title = (data.title or "").strip()
    if not title:
        raise ServiceError("Enter the event's name", field="title")
    if len(title) > 120:
        raise ServiceError("Name must be 120 characters or fewer", field="title")
    if data.starts_at is None:
        raise ServiceError("Enter the date and time it starts", field="starts_at")
    place = (data.place or "").strip()
    if not place:
        raise ServiceError("Enter where it happens, like ‘Eastbrook Community Centre, 12 Mill Lane’", field="place")
    if len(place) > 200:
        raise ServiceError("Place must be 200 characters or fewer", field="place")
    if data.attendance is not None and not 0 <= data.attendance <= 100_000:
        raise ServiceError("Attendance must be a number of people, 0 or more", field="attendance")
    if data.attendance is not None and data.starts_at > utcnow():
        raise ServiceError("Attendance can be recorded once the event has happened", field="attendance")
    for value, field, limit in ((data.access_notes, "access_notes", 2000), (data.minutes, "minutes", 20_000)):
        if len((value or "").strip()) > limit:
            raise ServiceError(f"Keep it to {limit:,} characters or fewer", field=field)
    wanted = sorted(set(data.proposal_numbers))
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id,
                                                               Proposal.number.in_(wanted),
                                                               Proposal.status != DRAFT))) if wanted else []
    missing = sorted(set(wanted) - {p.number for p in proposals})
    if missing:
        raise ServiceError("No submitted proposal " + ", ".join(f"P-{n}" for n in missing) + " in this round",
                           field="proposals")
    values = {"title": title, "starts_at": data.starts_at, "place": place,
              "access_notes": (data.access_notes or "").strip(), "minutes": (data.minutes or "").strip(),
              "attendance": data.attendance}
    return values, proposals


def create_event(round_: Round, user: User, data: EventInput) -> DeliberationEvent:
    if role_in(user, round_.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only facilitators arrange deliberation events")
    if round_.phase in (SETUP,):
        raise ServiceError("Events can be added once proposals open")
    values, proposals = _check_event(round_, data)
    with transaction():
        event = DeliberationEvent(round_id=round_.id, created_by_id=user.id, **values)
        event.proposals = proposals
        db.session.add(event)
        db.session.flush()
        record("event.created", event, actor=user, neighbourhood=_hood(round_),
               payload={"title": values["title"], "starts_at": values["starts_at"].isoformat(timespec="minutes"),
                        "place": values["place"], "proposals": [p.number for p in proposals]})
    return event


def update_event(event: DeliberationEvent, user: User, data: EventInput) -> DeliberationEvent:
    round_ = db.session.get(Round, event.round_id)
    if role_in(user, round_.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only facilitators change deliberation events")
    values, proposals = _check_event(round_, data)
    with transaction():
        changed = {k: [str(getattr(event, k)), str(v)] for k, v in values.items()
                   if getattr(event, k) != v and k != "minutes"}
        if event.minutes != values["minutes"]:
            changed["minutes_sha256"] = _digest(values["minutes"])
        for key, value in values.items():
            setattr(event, key, value)
        before = sorted(p.number for p in event.proposals)
        event.proposals = proposals
        if before != sorted(p.number for p in proposals):
            changed["proposals"] = [before, sorted(p.number for p in proposals)]
        record("event.updated", event, actor=user, neighbourhood=_hood(round_), payload={"changed": changed})
    return event


def stance_counts(proposal_id: int) -> dict:
    rows = db.session.execute(select(Comment.stance, func.count()).where(
        Comment.proposal_id == proposal_id, Comment.hidden_at.is_(None)).group_by(Comment.stance)).all()
    counts = {FOR: 0, AGAINST: 0, QUESTION: 0, NEUTRAL: 0}
    counts.update(dict(rows))
    return counts


# --- notification preferences -------------------------------------------------------------------------

def stop_proposal_emails(user: User) -> bool:
    if not user.proposal_emails:
        return False
    with transaction():
        user.proposal_emails = False
        record("person.unsubscribed", user, actor=user, subject_type="person", subject_id=user.pseudonym,
               payload={"topic": PROPOSAL_ACTIVITY})
    return True
