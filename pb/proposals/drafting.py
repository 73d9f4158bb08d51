"""Drafting a proposal: its content, costed plan, versions, co-proposers, pictures, submitting and
withdrawing it.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.money import is_financial_year, pounds
from pb.neighbourhoods.models import FACILITATOR, RESIDENT
from pb.neighbourhoods.services import (
    role_in,
    why_not_propose,
)
from pb.rounds.models import (
    CAPITAL_ONLY,
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
from .common import (
    LIMITS,
    MAX_COST_LINES,
    MAX_IMAGES,
    hood_of,
    is_author,
    text_digest,
)
from .models import (
    CAPITAL,
    CATEGORIES,
    DRAFT,
    FEASIBLE,
    FIELD_LABELS,
    MERGED,
    NEEDS_CHANGES,
    NOT_FEASIBLE,
    REVENUE,
    SPEND_KINDS,
    SUBMITTED,
    TEXT_FIELDS,
    WITHDRAWN,
    CostLine,
    Proposal,
    ProposalAuthor,
    ProposalImage,
    ProposalVersion,
    Review,
)

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
    intervention: str | None = None


# Callables (neighbourhood) -> {intervention key: name}, registered by pb.plans: the interventions a
# proposal may say it serves. A neighbourhood without a plan has none, and the question is not asked.
INTERVENTION_CHOICES: list = []


def intervention_choices(hood) -> dict[str, str]:
    found: dict[str, str] = {}
    for hook in INTERVENTION_CHOICES:
        found.update(hook(hood))
    return found


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
    offered = intervention_choices(round_.neighbourhood)
    if data.intervention and data.intervention not in offered:
        raise ServiceError("Choose one of the plan's interventions, or leave it blank", field="intervention")
    values["intervention"] = data.intervention or None
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
    check_total(round_, pot, sum(line.amount for line in kept), field="lines-0-amount")
    return kept


def check_total(round_: Round, pot: Pot, total: int, field: str) -> None:
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
    problem = why_not_propose(user, hood_of(round_), as_group=as_group)
    if problem:
        raise ServiceError(problem)


def snapshot(proposal: Proposal) -> dict:
    return {
        **{name: getattr(proposal, name) for name in TEXT_FIELDS},
        "category": proposal.category, "pot": proposal.pot.name if proposal.pot else None,
        "intervention": proposal.intervention,
        "group_name": proposal.group_name,
        "cost_lines": [{"item": c.item, "kind": c.kind, "amount": c.amount, "financial_year": c.financial_year}
                       for c in proposal.cost_lines],
        "total_cost": proposal.total_cost, "adjusted_cost": proposal.adjusted_cost,
        "adjusted_reason": proposal.adjusted_reason,
    }


def new_version(proposal: Proposal, actor: User, reason: str) -> ProposalVersion:
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
            "total_cost": proposal.total_cost, "content_sha256": text_digest(repr(sorted(snapshot(proposal).items())))}


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
        record("proposal.drafted", proposal, actor=user, neighbourhood=hood_of(round_), payload=_content_payload(proposal))
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
            new_version(proposal, user, "Edited by the proposer")
        record("proposal.edited", proposal, actor=user, neighbourhood=hood_of(round_),
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
                payload["answer_sha256"] = text_digest(answer)
        proposal.status = SUBMITTED
        proposal.submitted_at = proposal.submitted_at or utcnow()
        new_version(proposal, user, reason)
        payload["version"] = proposal.version
        record(action, proposal, actor=user, neighbourhood=hood_of(round_), payload=payload)
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
        record("proposal.withdrawn", proposal, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"number": proposal.number, "was": was, "reason": reason})


def add_co_proposer(proposal: Proposal, user: User, email: str) -> ProposalAuthor:
    if not is_author(proposal, user):
        raise ServiceError("Only the proposal's authors can add co-proposers")
    other = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    hood = hood_of(proposal.round)
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
    alt_text = images.described(alt_text)
    if len(proposal.images) >= MAX_IMAGES:
        raise ServiceError(f"A proposal can have at most {MAX_IMAGES} pictures. Remove one first", field="image")
    encoded = images.reencode(raw)
    with transaction():
        image = ProposalImage(proposal_id=proposal.id, alt_text=alt_text, mime_type=encoded.mime_type,
                              width=encoded.width, height=encoded.height, sha256=encoded.sha256,
                              data=encoded.data, uploaded_by_id=user.id)
        proposal.images.append(image)
        db.session.flush()
        record("proposal.image_added", image, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"proposal": proposal.number, "sha256": encoded.sha256, "bytes": len(encoded.data)})
    return image


def remove_image(image: ProposalImage, user: User) -> None:
    proposal = image.proposal
    if not is_author(proposal, user) and role_in(user, proposal.round.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only the proposal's authors or a facilitator can remove a picture")
    with transaction():
        record("proposal.image_removed", image, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"proposal": proposal.number, "sha256": image.sha256})
        proposal.images.remove(image)
