"""The partnership board's sign-off: quorum without conflicted members, approvals, declining a
funded project (and the recount without it).
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from sqlalchemy import select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, Membership
from pb.neighbourhoods.services import require_role
from pb.proposals.models import InterestDeclaration, Proposal
from pb.rounds.models import SIGN_OFF, Round
from pb.services import ServiceError, reason_when_named, transaction
from pb.text import required_text

from . import receipts
from .models import CountResult, CountStatus, DeclinedProject, ResultApproval
from .tally import ballots_digest, count_ballots, current_result, receipt_leaves, sign_round_checkpoint

# --- board sign-off -------------------------------------------------------------------------------

def _board_member(round_: Round, user: User) -> None:
    require_role(user, round_.neighbourhood_id, BOARD_MEMBER, "Only partnership board members sign off results")


def board_members(round_: Round) -> list[User]:
    return db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.neighbourhood_id == round_.neighbourhood_id, Membership.role == BOARD_MEMBER).order_by(User.name)).all()


def conflicts(round_: Round, result: CountResult) -> dict[int, list[str]]:
    """Board members with a declared interest in a funded project: {user id: [P-numbers]}."""
    funded = [pid for pot in result.result.values() for pid in pot["selected"]]
    rows = db.session.execute(select(InterestDeclaration.user_id, Proposal.number).join(
        Proposal, Proposal.id == InterestDeclaration.proposal_id).where(InterestDeclaration.proposal_id.in_(funded))).all()
    out: dict[int, list[str]] = {}
    for user_id, number in rows:
        out.setdefault(user_id, []).append(f"P-{number}")
    return out


def free_to_decide(round_: Round, result: CountResult) -> set[int]:
    """Board members now free to decide on this result (no interest in a funded project)."""
    conflicted = conflicts(round_, result)
    return {m.id for m in board_members(round_) if m.id not in conflicted}


def quorum(round_: Round, result: CountResult) -> int:
    """More than half of the board members free to decide."""
    free = free_to_decide(round_, result)
    return len(free) // 2 + 1 if free else 0


def approvals(result: CountResult) -> list:
    return db.session.scalars(select(ResultApproval).where(ResultApproval.count_result_id == result.id)
                              .order_by(ResultApproval.id)).all()


# Callables (round, result, member) -> plain words for each entry of the member's standing register
# of interests that names a funded project's group or proposer, registered by pb.boards. A member
# whose register names one and who declares no interest says why, and the reason is recorded.
REGISTER_MATCHES: list = []


def register_matches(round_: Round, result: CountResult, member: User) -> list[str]:
    return [found for hook in REGISTER_MATCHES for found in hook(round_, result, member)]


def approve_result(round_: Round, member: User, *, no_interest_reason: str = "") -> bool:
    """Record one member's approval. Returns True when this approval reached the quorum."""

    _board_member(round_, member)
    if round_.phase != SIGN_OFF:
        raise ServiceError("Results are signed off in the board sign-off phase")
    result = current_result(round_)
    if result is None:
        raise ServiceError("There is no result to sign off yet")
    if result.status == CountStatus.APPROVED:
        raise ServiceError("The board has already approved this result")
    mine = conflicts(round_, result).get(member.id)
    if mine:
        raise ServiceError(f"You declared an interest in {', '.join(mine)}, which the result funds, so you cannot "
                           "approve it. The other board members decide")
    if any(a.member_id == member.id for a in approvals(result)):
        raise ServiceError("You have already approved this result")
    register = reason_when_named(register_matches(round_, result, member), no_interest_reason,
                                 declare="that project", touches="this result")
    free = free_to_decide(round_, result)
    needed = len(free) // 2 + 1 if free else 0
    with transaction():
        db.session.add(ResultApproval(count_result_id=result.id, member_id=member.id))
        db.session.flush()
        # Only approvals of members on the board and free to decide now count (one who has since
        # declared an interest, or left the board, no longer does).
        given = sum(1 for approval in approvals(result) if approval.member_id in free)
        reached = given >= needed
        if reached:
            result.status = CountStatus.APPROVED
        record("result.approved_by_member", result, actor=member, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "approvals": given, "quorum": needed, "quorum_reached": reached,
                        "on": timeutil.today().isoformat(), **register})
        if reached:
            sign_round_checkpoint(round_, "result signed off by the board")
    return reached


def sign_off_at_meeting(round_: Round, facilitator: User, *, meeting: str, held_on, votes: dict,
                        motion: int) -> None:
    """The board signed the result off at a meeting, by the vote recorded there (pb.boards counts its
    quorum from the members present without an interest), in place of online approvals."""
    require_role(facilitator, round_.neighbourhood_id, FACILITATOR, "Only facilitators record a meeting's decisions")
    if round_.phase != SIGN_OFF:
        raise ServiceError("Results are signed off in the board sign-off phase", field="round_id")
    result = current_result(round_)
    if result is None:
        raise ServiceError("There is no result to sign off yet", field="round_id")
    if result.status == CountStatus.APPROVED:
        raise ServiceError("The board has already approved this result", field="round_id")
    with transaction():
        result.status = CountStatus.APPROVED
        record("result.signed_off_at_meeting", result, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "quorum_reached": True, "meeting": meeting, "motion": motion,
                        "on": held_on.isoformat(), "votes": votes})
        sign_round_checkpoint(round_, "result signed off by the board at a meeting")


def decline_project(round_: Round, member: User, proposal: Proposal, reason: str) -> CountResult:
    """The board declines a funded project with a reason; the round is recounted without it."""

    _board_member(round_, member)
    if round_.phase != SIGN_OFF:
        raise ServiceError("Projects are declined during board sign-off")
    result = current_result(round_)
    if result is None or result.status == CountStatus.APPROVED:
        raise ServiceError("Only a provisional result can change")
    if not any(proposal.id in pot["selected"] for pot in result.result.values()):
        raise ServiceError(f"{proposal.reference} is not funded in the result", field="proposal")
    if proposal.reference in conflicts(round_, result).get(member.id, []):
        raise ServiceError(f"You declared an interest in {proposal.reference}, so you cannot decide on it")
    reason = required_text(reason, field="reason", label="The reason", limit=2000,
                           missing="Give the board's reason for declining it, for example ‘the venue has closed’")
    declined = set(db.session.scalars(select(DeclinedProject.proposal_id).where(DeclinedProject.round_id == round_.id)))
    declined.add(proposal.id)
    outcome, rows = count_ballots(round_, declined)
    leaves = receipt_leaves(rows)

    with transaction():
        db.session.add(DeclinedProject(round_id=round_.id, proposal_id=proposal.id, reason=reason, member_id=member.id))
        result.status = CountStatus.SUPERSEDED
        recount = CountResult(round_id=round_.id, rule=round_.counting_rule, ballots_sha256=ballots_digest(rows),
                              ballot_count=len(rows), result=outcome, turnout=result.turnout, counted_by_id=member.id,
                              reason=f"Recounted without {proposal.reference}: {reason}")
        db.session.add(recount)
        db.session.flush()
        receipts.store(round_.id, leaves)  # the same ballots: already there, unless counted before it was kept
        record("result.project_declined", recount, actor=member, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "declined": proposal.number, "reason": reason,
                        "replaces_result": result.id, "ballots_sha256": recount.ballots_sha256,
                        "receipts_root": receipts.root(round_.id, len(leaves)).hex(),
                        "selected": {pot["pot"]: pot["selected_numbers"] for pot in outcome.values()}})
    return recount
