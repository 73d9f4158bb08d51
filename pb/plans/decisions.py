"""The plan's decisions: out for residents' comments, the board's approval, the funder's endorsement;
and residents' comments, moderated.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, Membership
from pb.neighbourhoods.services import require_role, why_not_comment
from pb.services import ServiceError, transaction
from pb.text import hidden_characters, required_text, text_digest

from .models import Plan, PlanApproval, PlanComment, PlanInterest, PlanStatus, PlanVersion
from .services import SECTION_LABELS, approval_problems, digest

COMMENT_LIMIT = 2000
COMMENT_SECTIONS = {**SECTION_LABELS, "interventions": "Interventions", "investment": "The investment plan"}


def open_for_comment(version: PlanVersion, facilitator: User) -> None:
    plan = db.session.get(Plan, version.plan_id)
    require_role(facilitator, plan.neighbourhood_id, FACILITATOR, "Only facilitators put the plan out for comment")
    if version.status != PlanStatus.DRAFT:
        raise ServiceError("Only a version being written can go out for comment")
    with transaction():
        version.status = PlanStatus.OUT_FOR_COMMENT
        record("plan.out_for_comment", version, actor=facilitator, neighbourhood=plan.neighbourhood,
               payload={"version": version.number, "content_sha256": digest(version.content)})


def comment(version: PlanVersion, user: User, *, section: str, body: str) -> PlanComment:
    plan = db.session.get(Plan, version.plan_id)
    problem = why_not_comment(user, plan.neighbourhood)
    if problem:
        raise ServiceError(problem)
    if version.status != PlanStatus.OUT_FOR_COMMENT:
        raise ServiceError("This version is not out for comment")
    if section not in COMMENT_SECTIONS:
        raise ServiceError("Choose which part of the plan your comment is about", field="section")
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ServiceError("Write your comment", field="body")
    if hidden_characters(body):
        raise ServiceError("Your comment contains hidden characters: retype it", field="body")
    if len(body) > COMMENT_LIMIT:
        raise ServiceError(f"Your comment must be {COMMENT_LIMIT:,} characters or fewer", field="body")
    with transaction():
        row = PlanComment(version_id=version.id, author_id=user.id, section=section, body=body)
        db.session.add(row)
        db.session.flush()
        record("plan.commented", row, actor=user, neighbourhood=plan.neighbourhood,
               payload={"version": version.number, "section": section, "body_sha256": text_digest(body)})
    return row


def hide_comment(row: PlanComment, facilitator: User, reason: str) -> None:
    version = db.session.get(PlanVersion, row.version_id)
    plan = db.session.get(Plan, version.plan_id)
    require_role(facilitator, plan.neighbourhood_id, FACILITATOR, "Only facilitators hide comments")
    reason = required_text(reason, field="reason", label="Reason", limit=300,
                           missing="Say why it is hidden; the reason is shown in its place")
    if row.hidden_at is not None:
        raise ServiceError("This comment is hidden already")
    with transaction():
        row.hidden_at, row.hidden_reason, row.hidden_by_id = timeutil.stamp(), reason, facilitator.id
        record("plan.comment_hidden", row, actor=facilitator, neighbourhood=plan.neighbourhood,
               payload={"version": version.number, "reason": reason})


def comments_on(version: PlanVersion) -> list[PlanComment]:
    return db.session.scalars(select(PlanComment).where(PlanComment.version_id == version.id)
                              .order_by(PlanComment.id)).all()


def board_free_of(plan: Plan) -> list[User]:
    """The board members without a declared interest in the plan."""
    conflicted = select(PlanInterest.user_id).where(PlanInterest.plan_id == plan.id)
    return db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.neighbourhood_id == plan.neighbourhood_id, Membership.role == BOARD_MEMBER,
        User.id.not_in(conflicted)).order_by(User.name)).all()


def quorum(plan: Plan) -> int:
    """More than half of the board members free of an interest in the plan, as for grants."""
    free = board_free_of(plan)
    return len(free) // 2 + 1 if free else 0


def standing(version: PlanVersion) -> tuple[int, int]:
    """(approvals that count now, approvals needed): from members still on the board and free."""
    plan = db.session.get(Plan, version.plan_id)
    free = {member.id for member in board_free_of(plan)}
    approvals = db.session.scalars(select(PlanApproval.member_id).where(PlanApproval.version_id == version.id)).all()
    return sum(1 for member_id in approvals if member_id in free), quorum(plan)


def declare_interest(plan: Plan, member: User, description: str) -> PlanInterest:
    require_role(member, plan.neighbourhood_id, BOARD_MEMBER, "Only board members declare interests in the plan")
    description = required_text(description, field="description", label="Your interest", limit=1000,
                                missing="Say what your interest is, like ‘I chair the youth club the plan funds’")
    if db.session.scalar(select(PlanInterest.id).where(PlanInterest.plan_id == plan.id,
                                                       PlanInterest.user_id == member.id)):
        raise ServiceError("You have already declared an interest in the plan", field="description")
    with transaction():
        row = PlanInterest(plan_id=plan.id, user_id=member.id, description=description)
        db.session.add(row)
        # Their approvals of a version still being decided no longer count: take them back.
        open_ids = [v.id for v in plan.versions if v.status in (PlanStatus.DRAFT, PlanStatus.OUT_FOR_COMMENT)]
        withdrawn = db.session.execute(delete(PlanApproval).where(
            PlanApproval.member_id == member.id, PlanApproval.version_id.in_(open_ids))).rowcount if open_ids else 0
        db.session.flush()
        record("plan.interest_declared", row, actor=member, neighbourhood=plan.neighbourhood,
               payload={"description": description, "approvals_withdrawn": withdrawn})
    return row


def approve(version: PlanVersion, member: User, *, decided_on: date | None) -> bool:
    """One board member's approval, with the date of the meeting; the version is approved when the
    approvals of members free of an interest reach quorum. Returns True when this one made it."""
    plan = db.session.get(Plan, version.plan_id)
    require_role(member, plan.neighbourhood_id, BOARD_MEMBER, "Only board members approve the plan")
    if version.status not in (PlanStatus.DRAFT, PlanStatus.OUT_FOR_COMMENT):
        raise ServiceError(f"Version {version.number} is {version.status_label.lower()}")
    if decided_on is None or decided_on > timeutil.today():
        raise ServiceError("Enter the date of the board meeting, today or earlier", field="decided_on")
    if db.session.scalar(select(PlanInterest.id).where(PlanInterest.plan_id == plan.id,
                                                       PlanInterest.user_id == member.id)):
        raise ServiceError("You declared an interest in the plan, so you cannot approve it")
    if db.session.scalar(select(PlanApproval.id).where(PlanApproval.version_id == version.id,
                                                       PlanApproval.member_id == member.id)):
        raise ServiceError("You have already approved this version")
    problems = approval_problems(plan, version)
    if problems:
        raise ServiceError("The board cannot approve this version yet: " + "; ".join(problems))
    with transaction():
        # One decision at a time per version: the row lock makes counting and making it one step.
        db.session.execute(select(PlanVersion.id).where(PlanVersion.id == version.id).with_for_update())
        db.session.add(PlanApproval(version_id=version.id, member_id=member.id, decided_on=decided_on))
        db.session.flush()
        approvals, needed = standing(version)
        made = bool(needed) and approvals >= needed
        if made:
            version.status = PlanStatus.APPROVED
            version.approved_by_id, version.approved_on = member.id, decided_on
        record("plan.approved" if made else "plan.approval_given", version, actor=member,
               neighbourhood=plan.neighbourhood,
               payload={"version": version.number, "decided_on": decided_on.isoformat(), "approvals": approvals,
                        "quorum": needed, "made": made, "content_sha256": digest(version.content)})
    return made


def endorse(version: PlanVersion, facilitator: User, *, endorsed_on: date | None, endorsed_by: str,
            conditions: str = "") -> None:
    """The funder's (or accountable body's) endorsement, recorded as they gave it. The version it
    endorses comes into force; any earlier endorsed version is replaced."""
    plan = db.session.get(Plan, version.plan_id)
    require_role(facilitator, plan.neighbourhood_id, FACILITATOR, "Only facilitators record the funder's endorsement")
    if version.status != PlanStatus.APPROVED:
        raise ServiceError("Only a version the board has approved can be endorsed")
    if endorsed_on is None or endorsed_on > timeutil.today():
        raise ServiceError("Enter the date of the endorsement, today or earlier", field="endorsed_on")
    if version.approved_on and endorsed_on < version.approved_on:
        raise ServiceError("The endorsement cannot come before the board's approval "
                           f"({version.approved_on.strftime('%-d %B %Y')})", field="endorsed_on")
    endorsed_by = required_text(endorsed_by, field="endorsed_by", label="Who endorsed it", limit=200,
                                missing="Enter who endorsed it, with their organisation")
    conditions = (conditions or "").strip()
    if len(conditions) > 4000 or hidden_characters(conditions):
        raise ServiceError("Conditions must be 4,000 characters or fewer, with no hidden characters",
                           field="conditions")
    with transaction():
        for older in plan.versions:
            if older.status in (PlanStatus.ENDORSED, PlanStatus.APPROVED) and older.number < version.number:
                older.status = PlanStatus.SUPERSEDED
        version.status = PlanStatus.ENDORSED
        version.endorsed_on, version.endorsed_by, version.endorsement_conditions = endorsed_on, endorsed_by, conditions
        version.endorsement_recorded_by_id = facilitator.id
        record("plan.endorsed", version, actor=facilitator, neighbourhood=plan.neighbourhood,
               payload={"version": version.number, "endorsed_on": endorsed_on.isoformat(), "by": endorsed_by,
                        "conditions_sha256": text_digest(conditions), "content_sha256": digest(version.content)})


def interests_in(plan: Plan) -> list[tuple[User, PlanInterest]]:
    return db.session.execute(select(User, PlanInterest).join(PlanInterest, PlanInterest.user_id == User.id)
                              .where(PlanInterest.plan_id == plan.id).order_by(PlanInterest.id)).all()
