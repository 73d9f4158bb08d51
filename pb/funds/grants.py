"""Grants: offers made when a round is published (and capacity-building grants the board awards
directly), the accountable body that receives each, declared interests, the board's decisions
(approve, vary, suspend, resume, cancel: each made at quorum), acceptance by the group's contact,
and completion. Each change checks its rules, writes, and appends one audit entry, in one
transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import personal_digest, record
from pb.mail import queue_email
from pb.money import pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, TREASURER, Membership
from pb.neighbourhoods.services import ROLE_REVOKED_HOOKS, require_role, role_in
from pb.notifications import link
from pb.proposals.models import InterestDeclaration, Proposal
from pb.rounds.models import Round
from pb.services import ServiceError, lock_row, reason_when_named, transaction, under_lock
from pb.text import required_text
from pb.voting.tally import current_result  # voting imports rounds, which publishes through here

from . import contacts
from .closing import refuse_if_closed
from .figures import fund_lock, grant_fund_lock, grant_money, year_end, year_figures
from .models import (
    ACTIVE,
    APPROVE,
    APPROVED,
    AWAITING_APPROVAL,
    BODY_TYPES,
    CANCEL,
    CANCELLED,
    COMPLETED,
    DECISION_KINDS,
    MADE,
    OFFERED,
    OPEN,
    RESUME,
    SUSPEND,
    SUSPENDED,
    VARY,
    VOIDED,
    DecisionApproval,
    FundYear,
    Grant,
    GrantDecision,
    GrantInterest,
    GrantVersion,
    Payment,
)


@dataclass
class BodyInput:
    """The accountable body a grant is paid to, and the named person who speaks for it."""
    name: str
    type: str
    number: str
    contact_email: str


def _next_number(hood_id: int) -> int:
    return (db.session.scalar(select(func.max(Grant.number)).where(Grant.neighbourhood_id == hood_id)) or 0) + 1


def _version(grant: Grant, reason: str) -> GrantVersion:
    version = GrantVersion(grant_id=grant.id, number=grant.version, amount=grant.amount, starts_on=grant.starts_on,
                           ends_on=grant.ends_on, split=grant.split, reason=reason)
    db.session.add(version)
    return version


def _terms(grant: Grant) -> dict:
    return {"amount": grant.amount, "starts_on": grant.starts_on.isoformat(), "ends_on": grant.ends_on.isoformat(),
            "split": grant.split, "version": grant.version}


def split_of(proposal: Proposal) -> dict:
    """Revenue and capital per financial year from the proposal's cost lines, scaled to its
    (possibly adjusted) cost so the split always adds up to the grant."""
    lines = [(line.financial_year, line.kind, line.amount) for line in proposal.cost_lines]
    total = sum(amount for _, _, amount in lines)
    split: dict = {}
    given = 0
    for n, (year, kind, amount) in enumerate(lines):
        share = proposal.cost - given if n == len(lines) - 1 else amount * proposal.cost // total if total else 0
        given += share
        split.setdefault(year, {"revenue": 0, "capital": 0})[kind] += share
    return dict(sorted(split.items()))


def offer_round_grants(round_: Round) -> list[dict]:
    """When a round is published, every funded project becomes a grant offer to the group behind it.
    Runs inside the publishing transaction; returns the offers (reference, proposal, amount) for its
    audit entry."""
    if round_.fund_year_id is None:
        return []
    result = current_result(round_)
    if result is None:
        return []
    funded = [pid for pot in result.result.values() for pid in pot["selected"]]
    proposals = db.session.scalars(select(Proposal).where(Proposal.id.in_(funded)).order_by(Proposal.number)).all()
    starts = timeutil.today()  # the planned start; the board can vary it when approving the agreement
    number = _next_number(round_.neighbourhood_id)
    made = []
    for proposal in proposals:
        split = split_of(proposal)
        ends = year_end(max(split)) if split else starts + timedelta(days=364)
        grant = Grant(neighbourhood_id=round_.neighbourhood_id, number=number, fund_year_id=round_.fund_year_id,
                      round_id=round_.id, proposal_id=proposal.id, title=proposal.title, summary=proposal.summary,
                      capacity_building=proposal.category == "capacity", amount=proposal.cost, starts_on=starts,
                      intervention=proposal.intervention or (proposal.pot.intervention if proposal.pot else None),
                      ends_on=max(ends, starts + timedelta(days=30)), split=split, status=OFFERED,
                      body_name=proposal.group_name or "", contact_id=proposal.proposer_id,
                      contact_name=proposal.proposer.name)
        db.session.add(grant)
        db.session.flush()
        _version(grant, "Offered when the round's results were published")
        made.append({"grant": grant.reference, "proposal": proposal.number, "amount": grant.amount})
        number += 1
    return made


def _board(member: User, hood_id: int, doing: str) -> None:
    require_role(member, hood_id, BOARD_MEMBER, f"Only partnership board members {doing}")


def _dates(starts_on: date | None, ends_on: date | None) -> tuple[date, date]:
    if starts_on is None:
        raise ServiceError("Enter the date the project starts", field="starts_on")
    if ends_on is None:
        raise ServiceError("Enter the date the project ends", field="ends_on")
    if ends_on < starts_on:
        raise ServiceError("The project must end on or after the day it starts", field="ends_on")
    return starts_on, ends_on


def _body(grant_hood_id: int, body: BodyInput) -> dict:
    name = required_text(body.name, field="body_name", label="The group's name", limit=120,
                         missing="Enter the name of the group, charity, CIC or school that will receive the money")
    if body.type not in BODY_TYPES:
        raise ServiceError("Choose what kind of body it is", field="body_type")
    number = (body.number or "").strip()
    if len(number) > 40:
        raise ServiceError("The registration number must be 40 characters or fewer", field="body_number")
    email = (body.contact_email or "").strip().lower()
    if not email:
        raise ServiceError("Enter the email address of the group's named contact", field="contact_email")
    # Emails are stored lower-cased (pb.accounts), so this is the unique index, not a scan of every account.
    contact = db.session.scalar(select(User).where(User.email == email))
    if contact is None:  # no account yet: they are invited by email (pb.funds.contacts)
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            raise ServiceError("Enter an email address in the correct format, like name@example.com",
                               field="contact_email") from None
        return {"body_name": name, "body_type": body.type, "body_number": number, "contact_id": None,
                "contact_name": "", "contact_invited_email": email}
    return {"body_name": name, "body_type": body.type, "body_number": number, "contact_id": contact.id,
            "contact_name": contact.name, "contact_invited_email": None}


def _contact_for_ledger(values: dict) -> str:
    """The contact as the ledger names people: a pseudonym, or a keyed digest of an invited address."""
    if values["contact_id"] is not None:
        return db.session.get(User, values["contact_id"]).pseudonym
    return "invited " + personal_digest(values["contact_invited_email"])


def set_accountable_body(grant: Grant, actor: User, body: BodyInput, *, conditions: str | None = None) -> Grant:
    """Facilitators fill in who receives a grant offer (and its conditions) before the board approves it."""
    require_role(actor, grant.neighbourhood_id, FACILITATOR, "Only facilitators can change a grant offer")
    if grant.status != OFFERED:
        raise ServiceError("The board has approved this agreement: its accountable body can change only by "
                           "cancelling it")
    values = _body(grant.neighbourhood_id, body)
    if conditions is not None:
        conditions = conditions.strip()
        if len(conditions) > 4000:
            raise ServiceError("The conditions must be 4,000 characters or fewer", field="conditions")
        values["conditions"] = conditions
    newly_invited = values["contact_invited_email"] and values["contact_invited_email"] != grant.contact_invited_email
    with transaction():
        for key, value in values.items():
            setattr(grant, key, value)
        db.session.expire(grant, ["contact"])  # the relationship follows the new contact_id from here on
        hood = grant.fund_year.fund.neighbourhood
        if newly_invited:
            contacts.invite(grant, hood)
        record("grant.body_set", grant, actor=actor, neighbourhood=hood,
               payload={"grant": grant.reference, "body": values["body_name"], "type": values["body_type"],
                        "number": values["body_number"], "contact": _contact_for_ledger(values),
                        "conditions": values.get("conditions", grant.conditions)})
    return grant


def create_capacity_grant(fund_year: FundYear, member: User, *, title: str, summary: str, amount: int | None,
                          starts_on: date | None, ends_on: date | None, body: BodyInput, reason: str,
                          conditions: str = "") -> GrantDecision:
    """A capacity-building grant the board awards directly, without a vote, within the year's
    ring-fenced share. The proposing member's approval is the decision's first."""
    return _direct_grant(fund_year, member, title=title, summary=summary, amount=amount, starts_on=starts_on,
                         ends_on=ends_on, body=body, reason=reason, conditions=conditions, capacity_building=True)


def create_direct_grant(fund_year: FundYear, member: User, *, title: str, summary: str, amount: int | None,
                        starts_on: date | None, ends_on: date | None, body: BodyInput, reason: str, spend: str,
                        conditions: str = "", about: dict | None = None) -> GrantDecision:
    """A grant the board awards directly when time is too short for a round (a community bid during
    a moratorium), from what the year holds outside its ring-fenced share, with the same quorum and
    interests as any board decision. `about` goes into the audit entry (what the grant is for)."""
    return _direct_grant(fund_year, member, title=title, summary=summary, amount=amount, starts_on=starts_on,
                         ends_on=ends_on, body=body, reason=reason, conditions=conditions, capacity_building=False,
                         spend=spend, about=about)


@under_lock(lambda fund_year, *args, **kwargs: fund_lock(fund_year))
def _direct_grant(fund_year: FundYear, member: User, *, title: str, summary: str, amount: int | None,
                  starts_on: date | None, ends_on: date | None, body: BodyInput, reason: str, conditions: str,
                  capacity_building: bool, spend: str = "revenue", about: dict | None = None) -> GrantDecision:
    hood = fund_year.fund.neighbourhood
    _board(member, hood.id, "award capacity-building grants" if capacity_building else "award grants directly")
    title = required_text(title, field="title", label="The title", limit=120,
                          missing="Enter what the grant is for, for example ‘Community organiser, 2 days a week’")
    summary = required_text(summary, field="summary", label="The summary", limit=2000,
                            missing="Say in a sentence or two what the grant pays for")
    if amount is None or amount <= 0:
        raise ServiceError("The amount must be more than £0", field="amount")
    if spend not in ("revenue", "capital"):
        raise ServiceError("Choose revenue or capital", field="spend")
    refuse_if_closed(fund_year.fund, "make grants", field="amount")
    figures = year_figures(fund_year)
    if figures.ended:
        raise ServiceError(f"{fund_year.financial_year} has ended", field="amount")
    if capacity_building and amount > figures.capacity_left:
        raise ServiceError(f"{fund_year.financial_year}'s capacity-building share has {pounds(figures.capacity_left)} "
                           f"left, so a grant of {pounds(amount)} is too much", field="amount")
    if capacity_building and amount > figures.remaining:
        raise ServiceError(f"{fund_year.financial_year} has {pounds(figures.remaining)} left in all, so a grant of "
                           f"{pounds(amount)} is too much, whatever its capacity-building share says", field="amount")
    if not capacity_building and amount > figures.for_rounds:
        raise ServiceError(f"{fund_year.financial_year} holds {pounds(figures.for_rounds)} not yet granted or ring-fenced, "
                           f"so a grant of {pounds(amount)} is too much", field="amount")
    starts_on, ends_on = _dates(starts_on, ends_on)
    values = _body(hood.id, body)
    reason = required_text(reason, field="reason", label="The reason", limit=2000,
                           missing="Give the board's reason for awarding it without a vote")
    with transaction():
        grant = Grant(neighbourhood_id=hood.id, number=_next_number(hood.id), fund_year_id=fund_year.id, title=title,
                      summary=summary, capacity_building=capacity_building, amount=amount, starts_on=starts_on,
                      ends_on=ends_on, split={fund_year.financial_year: {"revenue": amount if spend == "revenue" else 0,
                                                                         "capital": amount if spend == "capital" else 0}},
                      status=OFFERED, conditions=(conditions or "").strip()[:4000], created_by_id=member.id, **values)
        db.session.add(grant)
        db.session.flush()
        if grant.contact_invited_email:
            contacts.invite(grant, hood)
        _version(grant, "Proposed by the board as a capacity-building grant" if capacity_building
                 else "Proposed by the board as a direct grant")
        decision = GrantDecision(grant_id=grant.id, kind=APPROVE, reason=reason, proposed_by_id=member.id)
        db.session.add(decision)
        db.session.flush()
        db.session.add(DecisionApproval(decision_id=decision.id, member_id=member.id))
        db.session.flush()
        made, _, needed = _maybe_make(decision, member)
        record("grant.capacity_grant_proposed" if capacity_building else "grant.direct_grant_proposed", grant,
               actor=member, neighbourhood=hood,
               payload={"grant": grant.reference, "fund_year": fund_year.financial_year, "title": title,
                        "amount": amount, "body": grant.body_name, "reason": reason, "decision": decision.id,
                        "approvals": 1, "quorum": needed, "made": made, "on": timeutil.today().isoformat(),
                        **(about or {}), **_terms(grant)})
    return decision


# --- interests and quorum ------------------------------------------------------------------------------

def interested(grant: Grant) -> dict[int, str]:
    """{user id: what they declared}: interests in the grant, and for a round's grant in its proposal."""
    out = {row.user_id: row.description for row in
           db.session.scalars(select(GrantInterest).where(GrantInterest.grant_id == grant.id))}
    if grant.proposal_id:
        for row in db.session.scalars(select(InterestDeclaration).where(
                InterestDeclaration.proposal_id == grant.proposal_id)):
            out.setdefault(row.user_id, row.description)
    return out


@under_lock(grant_fund_lock)
def declare_interest(grant: Grant, user: User, description: str) -> GrantInterest:
    if role_in(user, grant.neighbourhood_id, BOARD_MEMBER) is None and \
            role_in(user, grant.neighbourhood_id, TREASURER) is None:
        raise ServiceError("Only board members and treasurers declare interests in grants")
    description = required_text(description, field="description", label="Your interest", limit=1000,
                                missing="Say what your interest is, for example ‘I am the group's treasurer’")
    if user.id in interested(grant):
        raise ServiceError("You have already declared an interest in this grant", field="description")
    with transaction():
        row = GrantInterest(grant_id=grant.id, user_id=user.id, description=description)
        db.session.add(row)
        db.session.flush()
        withdrawn = _withdraw_approvals(grant, user)
        record("grant.interest_declared", row, actor=user, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "description": description,
                        "approvals_withdrawn": [decision.id for decision in withdrawn]})
    return row


def _withdraw_approvals(grant: Grant, user: User) -> list[GrantDecision]:
    """Inside the caller's transaction: someone no longer free to decide on this grant (an interest
    declared, or off the board) takes back their approvals of its open decisions."""
    decisions = db.session.scalars(select(GrantDecision).join(DecisionApproval).where(
        GrantDecision.grant_id == grant.id, GrantDecision.status == OPEN, DecisionApproval.member_id == user.id)).all()
    if decisions:
        db.session.execute(delete(DecisionApproval).where(
            DecisionApproval.member_id == user.id, DecisionApproval.decision_id.in_([d.id for d in decisions])))
    return decisions


def withdraw_on_leaving_board(membership: Membership, actor: User | None) -> None:
    """A board member's role is revoked (pb.neighbourhoods.services calls this in its transaction):
    their approvals of open grant decisions go with it, each recorded."""
    if membership.role != BOARD_MEMBER:
        return
    approved = (select(GrantDecision.grant_id).join(DecisionApproval, DecisionApproval.decision_id == GrantDecision.id)
                .where(GrantDecision.status == OPEN, DecisionApproval.member_id == membership.user_id))
    grants = db.session.scalars(select(Grant).where(Grant.neighbourhood_id == membership.neighbourhood_id,
                                                    Grant.id.in_(approved)).order_by(Grant.number)).all()
    for grant in grants:
        # The same lock approve_decision counts approvals under: a decision being made now waits.
        lock_row(*fund_lock(grant.fund_year))
        withdrawn = _withdraw_approvals(grant, membership.user)
        record("grant.approval_withdrawn", grant, actor=actor, neighbourhood=membership.neighbourhood,
               payload={"grant": grant.reference, "person": membership.user.pseudonym, "why": "left the board",
                        "decisions": [decision.id for decision in withdrawn]})


ROLE_REVOKED_HOOKS.append(withdraw_on_leaving_board)


def board_free_of(grant: Grant) -> list[User]:
    conflicted = interested(grant)
    members = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.neighbourhood_id == grant.neighbourhood_id, Membership.role == BOARD_MEMBER).order_by(User.name))
    return [m for m in members if m.id not in conflicted]


def quorum(grant: Grant) -> int:
    """More than half of the board members free of an interest in the grant, as for results."""
    free = board_free_of(grant)
    return len(free) // 2 + 1 if free else 0


def standing(decision: GrantDecision) -> tuple[int, int]:
    """(approvals that count now, approvals needed), from one reading of who is free to decide:
    members still on the board and free of an interest in the grant."""
    free = [member.id for member in board_free_of(decision.grant)]
    if not free:
        return 0, 0
    approvals = db.session.scalar(select(func.count()).select_from(DecisionApproval).where(
        DecisionApproval.decision_id == decision.id, DecisionApproval.member_id.in_(free)))
    return approvals, len(free) // 2 + 1


# --- the board's decisions --------------------------------------------------------------------------------

def open_decision(grant: Grant) -> GrantDecision | None:
    return db.session.scalar(select(GrantDecision).where(GrantDecision.grant_id == grant.id,
                                                         GrantDecision.status == OPEN))


def _variation(grant: Grant, changes: dict) -> dict:
    amount, starts_on, ends_on = changes.get("amount"), changes.get("starts_on"), changes.get("ends_on")
    if amount is None or amount <= 0:
        raise ServiceError("The new amount must be more than £0", field="amount")
    starts_on, ends_on = _dates(starts_on, ends_on)
    money = grant_money([grant.id])[grant.id]
    committed = money["paid"] + money["awaiting"]
    if amount < committed:
        raise ServiceError(f"{pounds(committed)} has already been paid or is waiting for approval, so the grant "
                           "cannot be less than that", field="amount")
    if (amount, starts_on, ends_on) == (grant.amount, grant.starts_on, grant.ends_on):
        raise ServiceError("Change the amount or a date: the grant already has these terms", field="amount")
    increase = amount - grant.amount
    if increase > 0:
        # A capacity grant the board awarded grows only within the ring-fence (and what the year has
        # left); any other grant only within what the year holds outside it.
        figures = year_figures(grant.fund_year)
        if grant.capacity_building and grant.round_id is None:
            room, where = min(figures.capacity_left, figures.remaining), "left in its capacity-building share"
        else:
            room, where = figures.for_rounds, "left outside its capacity-building share"
        if increase > room:
            raise ServiceError(f"{grant.fund_year.label} has {pounds(room)} {where}, so the grant can grow by at "
                               "most that", field="amount")
    return {"amount": amount, "starts_on": starts_on, "ends_on": ends_on}


def _check(grant: Grant, kind: str, changes: dict, reason: str) -> tuple[str, dict]:
    """The kind's rules against the grant as it stands. Returns the cleaned reason and, for a
    variation, the new terms as stored (dates as ISO text)."""
    if kind not in DECISION_KINDS:
        raise ServiceError("Choose what the board is deciding", field="kind")
    allowed = {APPROVE: (OFFERED,), VARY: (APPROVED, ACTIVE, SUSPENDED), SUSPEND: (APPROVED, ACTIVE),
               RESUME: (SUSPENDED,), CANCEL: (OFFERED, APPROVED, ACTIVE, SUSPENDED)}[kind]
    if grant.status not in allowed:
        raise ServiceError(f"{grant.reference} is {grant.status_label.split(':')[0].lower()}, so the board cannot "
                           f"{DECISION_KINDS[kind][0].lower() + DECISION_KINDS[kind][1:]} now", field="kind")
    if kind == APPROVE and not (grant.body_name and grant.body_type and (grant.contact_id or grant.contact_invited_email)):
        raise ServiceError("A facilitator must first say which group receives the grant and who its contact is",
                           field="kind")
    terms = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in _variation(grant, changes).items()} \
        if kind == VARY else {}
    needs_reason = kind in (VARY, SUSPEND, CANCEL)
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise ServiceError("Give the board's reason: it is published with the decision", field="reason")
    if len(reason) > 2000:
        raise ServiceError("The reason must be 2,000 characters or fewer", field="reason")
    return reason, terms


# Callables (grant, member) -> plain words for each entry of the member's standing register of
# interests that may touch the grant (its organisation, its proposer), registered by pb.boards. A
# member whose register names it and who declares no interest says why, and the reason is recorded.
REGISTER_MATCHES: list = []


def register_matches(grant: Grant, member: User) -> list[str]:
    return [found for hook in REGISTER_MATCHES for found in hook(grant, member)]


def _why_no_interest(grant: Grant, member: User, reason: str) -> dict:
    """What the ledger entry records of the member's register where it names the grant's people."""
    return reason_when_named(register_matches(grant, member), reason, declare=grant.reference,
                             touches="this decision")


def _free_member(grant: Grant, member: User) -> None:
    _board(member, grant.neighbourhood_id, "take decisions on grants")
    mine = interested(grant).get(member.id)
    if mine is not None:
        raise ServiceError(f"You declared an interest in {grant.reference} (‘{mine}’), so you cannot take part in "
                           "decisions on it. The other board members decide")


@under_lock(grant_fund_lock)
def propose_decision(grant: Grant, member: User, *, kind: str, reason: str = "", changes: dict | None = None,
                     no_interest_reason: str = "") -> GrantDecision:
    _free_member(grant, member)
    register = _why_no_interest(grant, member, no_interest_reason)
    current = open_decision(grant)
    if current is not None:
        raise ServiceError(f"The board is already deciding to {current.kind_label.lower()}: approve that first, "
                           "or let it lapse", field="kind")
    reason, stored = _check(grant, kind, changes or {}, reason)
    with transaction():
        decision = GrantDecision(grant_id=grant.id, kind=kind, reason=reason, changes=stored, proposed_by_id=member.id)
        db.session.add(decision)
        db.session.flush()
        db.session.add(DecisionApproval(decision_id=decision.id, member_id=member.id))
        db.session.flush()
        made, _, needed = _maybe_make(decision, member)
        record("grant.decision_proposed", decision, actor=member, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "kind": kind, "reason": reason, "changes": stored,
                        "approvals": 1, "quorum": needed, "made": made, **(_terms(grant) if made else {}),
                        "status": grant.status, "on": timeutil.today().isoformat(), **register})
    return decision


@under_lock(lambda decision, *args, **kwargs: fund_lock(decision.grant.fund_year))
def approve_decision(decision: GrantDecision, member: User, *, no_interest_reason: str = "") -> bool:
    """One more board member approves. Returns True when this approval made the decision."""
    grant = decision.grant
    _free_member(grant, member)
    register = _why_no_interest(grant, member, no_interest_reason)
    if decision.status != OPEN:
        raise ServiceError("This decision has already been made")
    if any(a.member_id == member.id for a in decision.approvals):
        raise ServiceError("You have already approved this decision")
    changes = {k: (date.fromisoformat(v) if k in ("starts_on", "ends_on") else v) for k, v in decision.changes.items()}
    _check(grant, decision.kind, changes, decision.reason or "(given)")
    with transaction():
        db.session.add(DecisionApproval(decision_id=decision.id, member_id=member.id))
        db.session.flush()
        db.session.refresh(decision)
        made, approvals, needed = _maybe_make(decision, member)
        record("grant.decision_approved", decision, actor=member, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "kind": decision.kind, "approvals": approvals,
                        "quorum": needed, "made": made, **(_terms(grant) if made else {}), "status": grant.status,
                        "on": timeutil.today().isoformat(), **register})
    return made


def _maybe_make(decision: GrantDecision, member: User) -> tuple[bool, int, int]:
    """Inside the caller's transaction: if the approvals of members free to decide now reach quorum,
    the decision takes effect. Returns (made, approvals that count, approvals needed)."""
    approvals, needed = standing(decision)
    if not needed or approvals < needed:
        return False, approvals, needed
    _take_effect(decision, member)
    return True, approvals, needed


def _take_effect(decision: GrantDecision, member: User) -> None:
    grant = decision.grant
    decision.status, decision.decided_at = MADE, timeutil.stamp()
    if decision.kind == APPROVE:
        grant.status, grant.awarded_on = APPROVED, timeutil.today()
        hood = grant.fund_year.fund.neighbourhood
        contact = db.session.get(User, grant.contact_id) if grant.contact_id else None
        if contact is not None:  # the group's contact accepts it: tell them where
            queue_email(contact.email, f"{hood.name}: your grant for {grant.title} is ready to accept",
                        "grant_approved", user=contact, grant=grant, hood=hood,
                        link=link("funds_admin.accept", slug=hood.slug, grant_id=grant.id))
        elif grant.contact_invited_email:  # ... or, with no account yet, how to make the one that will
            contacts.invite(grant, hood, approved=True)
    elif decision.kind == VARY:
        grant.amount = decision.changes["amount"]
        grant.starts_on = date.fromisoformat(decision.changes["starts_on"])
        grant.ends_on = date.fromisoformat(decision.changes["ends_on"])
        grant.split = _rescaled(grant.split, grant.amount)
        grant.version += 1
        _version(grant, decision.reason)
    elif decision.kind == SUSPEND:
        grant.status, grant.closed_reason = SUSPENDED, decision.reason
    elif decision.kind == RESUME:
        grant.status = ACTIVE if grant.accepted_at else APPROVED
        grant.closed_reason = ""
    elif decision.kind == CANCEL:
        grant.status, grant.closed_reason = CANCELLED, decision.reason
        _void_waiting_payments(grant, member)
    db.session.flush()


@under_lock(lambda decision, *args, **kwargs: fund_lock(decision.grant.fund_year))
def make_at_meeting(decision: GrantDecision, facilitator: User, *, meeting: str, held_on: date, votes: dict,
                    motion: int) -> None:
    """An open decision the board took at a meeting, by the vote recorded there (pb.boards counts its
    quorum from the members present without an interest), in place of online approvals."""
    grant = decision.grant
    require_role(facilitator, grant.neighbourhood_id, FACILITATOR, "Only facilitators record a meeting's decisions")
    if decision.status != OPEN:
        raise ServiceError("This decision has already been made")
    changes = {k: (date.fromisoformat(v) if k in ("starts_on", "ends_on") else v) for k, v in decision.changes.items()}
    _check(grant, decision.kind, changes, decision.reason or "(given)")
    with transaction():
        _take_effect(decision, facilitator)
        record("grant.decision_made_at_meeting", decision, actor=facilitator,
               neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "kind": decision.kind, "made": True, "meeting": meeting,
                        "motion": motion, "on": held_on.isoformat(), "votes": votes, **_terms(grant),
                        "status": grant.status})


def _void_waiting_payments(grant: Grant, member: User) -> None:
    """A cancelled grant pays nothing more: a payment still waiting for its second person is voided
    (kept, never counted), each with its own audit entry."""
    hood = grant.fund_year.fund.neighbourhood
    for payment in db.session.scalars(select(Payment).where(Payment.grant_id == grant.id,
                                                            Payment.status == AWAITING_APPROVAL)):
        payment.status = VOIDED
        record("payment.voided", payment, actor=member, neighbourhood=hood,
               payload={"grant": grant.reference, "amount": payment.amount, "paid_on": payment.paid_on.isoformat(),
                        "why": "the grant was cancelled before a second person approved the payment"})


def _rescaled(split: dict, amount: int) -> dict:
    """The same revenue/capital shape, scaled to a varied amount (the last cell takes the rounding)."""
    cells = [(year, kind, value) for year, kinds in sorted(split.items()) for kind, value in sorted(kinds.items())]
    total = sum(v for _, _, v in cells)
    out: dict = {}
    given = 0
    for n, (year, kind, value) in enumerate(cells):
        share = amount - given if n == len(cells) - 1 else value * amount // total if total else 0
        given += share
        out.setdefault(year, {"revenue": 0, "capital": 0})[kind] = share
    return out or {}


# --- the group accepts; the grant completes ---------------------------------------------------------------

@under_lock(grant_fund_lock)
def accept_grant(grant: Grant, user: User) -> None:
    if grant.contact_id != user.id:
        raise ServiceError(f"Only {grant.contact_name or 'the named contact'} can accept this grant for "
                           f"{grant.body_name or 'the group'}")
    if grant.status != APPROVED:
        raise ServiceError("This grant is not waiting to be accepted")
    with transaction():
        grant.status, grant.accepted_at = ACTIVE, timeutil.stamp()
        record("grant.accepted", grant, actor=user, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "body": grant.body_name, "version": grant.version,
                        "amount": grant.amount, "conditions": grant.conditions})


@under_lock(grant_fund_lock)
def complete_grant(grant: Grant, actor: User) -> int:
    """A facilitator closes a delivered grant. What was not paid goes back to the fund; returns it."""
    require_role(actor, grant.neighbourhood_id, FACILITATOR, "Only facilitators can mark a grant completed")
    if grant.status != ACTIVE:
        raise ServiceError("Only a grant being delivered can be completed")
    money = grant_money([grant.id])[grant.id]
    if money["awaiting"]:
        raise ServiceError(f"A payment of {pounds(money['awaiting'])} is waiting for approval: approve it first")
    released = grant.amount - money["paid"]
    with transaction():
        grant.status = COMPLETED
        record("grant.completed", grant, actor=actor, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "amount": grant.amount, "paid": money["paid"],
                        "returned": money["returned"], "released_to_fund": released})
    return released


def grants_of_round(round_: Round) -> list[Grant]:
    return db.session.scalars(select(Grant).where(Grant.round_id == round_.id).order_by(Grant.number)).all()


def pending_decisions(hood_id: int) -> list[GrantDecision]:
    return db.session.scalars(select(GrantDecision).join(Grant, Grant.id == GrantDecision.grant_id).where(
        Grant.neighbourhood_id == hood_id, GrantDecision.status == OPEN).order_by(GrantDecision.id)).all()


def cancelled_remainder(grant: Grant) -> int:
    if grant.status != CANCELLED:
        return 0
    return grant.amount - grant_money([grant.id])[grant.id]["paid"]
