"""Deliberation: supports, comments and moderation, amendments, events, and email preferences.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR
from pb.neighbourhoods.services import (
    role_in,
    why_not_comment,
    why_not_suggest,
    why_not_vote,
)
from pb.rounds.models import (
    DELIBERATION,
    FEASIBILITY,
    PROPOSALS,
    SETUP,
    VOTING,
    Round,
)
from pb.services import ServiceError, transaction
from pb.timeutil import utcnow

from .common import (
    COMMENT_EDIT_MINUTES,
    COMMENT_LIMIT,
    LIMITS,
    hood_of,
    is_author,
    notify_authors,
    text_digest,
)
from .drafting import new_version
from .models import (
    ACCEPTED,
    AGAINST,
    DECLINED,
    DRAFT,
    FEASIBLE,
    FIELD_LABELS,
    FOR,
    MERGED,
    NEEDS_CHANGES,
    NEUTRAL,
    PENDING,
    QUESTION,
    STANCES,
    SUBMITTED,
    TEXT_FIELDS,
    WITHDRAWN,
    Amendment,
    Comment,
    CommentFlag,
    DeliberationEvent,
    Proposal,
    Support,
)

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
        record("proposal.supported", entry, actor=user, neighbourhood=hood_of(round_),
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
        record("proposal.support_withdrawn", entry, actor=user, neighbourhood=hood_of(round_),
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
        record("comment.posted", comment, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"proposal": proposal.number, "stance": stance, "official": official,
                        "reply_to": parent.id if parent else None, "body_sha256": text_digest(body)})
        notify_authors(proposal, f"New comment on your proposal {proposal.reference}", "proposal_comment",
                        skip=user, comment=comment, stance=STANCES[stance], about=user)
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
        record("comment.edited", comment, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"proposal": proposal.number, "old_sha256": text_digest(old), "body_sha256": text_digest(body)})
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
        record("comment.flagged", flag, actor=user, neighbourhood=hood_of(proposal.round),
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
        record("comment.hidden", comment, actor=user, neighbourhood=hood_of(proposal.round),
               payload={"proposal": proposal.number, "reason": reason, "body_sha256": text_digest(comment.body)})


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
        record("comment.flags_dismissed", comment, actor=user, neighbourhood=hood_of(proposal.round),
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
        record("amendment.suggested", amendment, actor=user, neighbourhood=hood_of(round_),
               payload={"proposal": proposal.number, "field": field, "new_text_sha256": text_digest(new_text)})
        notify_authors(proposal, f"A change was suggested to your proposal {proposal.reference}", "proposal_amendment",
                        amendment=amendment, field=FIELD_LABELS[field], about=user)
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
            new_version(proposal, user, f"Accepted an amendment to the {FIELD_LABELS[amendment.field].lower()}")
            payload["version"] = proposal.version
        record("amendment.accepted" if accept else "amendment.declined", amendment, actor=user,
               neighbourhood=hood_of(proposal.round), payload=payload)
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
        record("event.created", event, actor=user, neighbourhood=hood_of(round_),
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
            changed["minutes_sha256"] = text_digest(values["minutes"])
        for key, value in values.items():
            setattr(event, key, value)
        before = sorted(p.number for p in event.proposals)
        event.proposals = proposals
        if before != sorted(p.number for p in proposals):
            changed["proposals"] = [before, sorted(p.number for p in proposals)]
        record("event.updated", event, actor=user, neighbourhood=hood_of(round_), payload={"changed": changed})
    return event


def stance_counts(proposal_id: int) -> dict:
    rows = db.session.execute(select(Comment.stance, func.count()).where(
        Comment.proposal_id == proposal_id, Comment.hidden_at.is_(None)).group_by(Comment.stance)).all()
    counts = {FOR: 0, AGAINST: 0, QUESTION: 0, NEUTRAL: 0}
    counts.update(dict(rows))
    return counts
