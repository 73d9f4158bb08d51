"""Casting ballots and counting them. Each state change checks its rules, writes, and appends one
audit entry, in one transaction. The voter roll mark and the ballot are written together, so a
person is on the roll exactly when their ballot is in the box."""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import secrets
from datetime import date

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from pb.accounts.models import User
from pb.counting import Election, count
from pb.counting.pabulib import from_election, writes
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR, RESIDENT, Membership
from pb.neighbourhoods.services import require_role, why_not_vote
from pb.proposals.models import ON_BALLOT, Proposal
from pb.rounds.models import COUNTING, VOTING, Round
from pb.services import ServiceError, transaction
from pb.text import HIDDEN_CHARACTERS, hidden_characters
from pb.tokens import digest, new_code, normalise_code

from . import ballots as rules_module
from .models import CODE, METHODS, ONLINE, PAPER, Ballot, CountResult, VoterRollEntry

# Turnout by age; "under 16" exists because a neighbourhood may set its voting age as low as 11.
AGE_BANDS = (("under 16", 0, 15), ("16-24", 16, 24), ("25-34", 25, 34), ("35-49", 35, 49), ("50-64", 50, 64),
             ("65+", 65, 200))


# --- what is on the ballot --------------------------------------------------------------------------

def ballot_rules(round_: Round) -> rules_module.Rules:
    return rules_module.Rules(kind=round_.ballot_type, minimum=round_.ballot_min, maximum=round_.ballot_max,
                              points=round_.ballot_points)


def ballot_sections(round_: Round) -> list[rules_module.Section]:
    """One section per pot, its proposals in number order."""
    proposals = db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id, Proposal.status == ON_BALLOT)
                                   .order_by(Proposal.number)).all()
    sections = []
    for pot in round_.pots:
        options = tuple(rules_module.Option(p.id, f"{p.reference} {p.title}", p.cost, p.summary)
                        for p in proposals if p.pot_id == pot.id)
        if options:
            sections.append(rules_module.Section(pot.id, pot.name, pot.amount, options))
    return sections


# --- who may vote -----------------------------------------------------------------------------------

def age_in(year: int, birth_year: int) -> int:
    """Age reached during `year`: accounts hold a birth year only, so a resident counts as the age
    they turn this year."""
    return year - birth_year


def why_not_eligible(round_: Round, user: User, today: date | None = None) -> str | None:
    today = today or date.today()
    hood = round_.neighbourhood
    if round_.phase != VOTING:
        if round_.is_before(VOTING):
            opens = round_.start_of(VOTING)
            return "Voting has not opened yet" + (f": it opens on {opens.strftime('%-d %B %Y')}" if opens else "")
        return "Voting has closed for this round"
    problem = why_not_vote(user, hood)
    if problem:
        return problem
    if age_in(today.year, user.birth_year) < hood.min_voting_age:
        return f"You need to be {hood.min_voting_age} or older this year to vote in {hood.name}"
    return None


def replace_key(round_: Round, user_id: int) -> str:
    key = current_app.config["PB_BALLOT_KEY"].encode()
    return hmac.new(key, f"ballot:{round_.id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def has_voted(round_: Round, user: User) -> VoterRollEntry | None:
    return db.session.scalar(select(VoterRollEntry).where(VoterRollEntry.round_id == round_.id,
                                                          VoterRollEntry.user_id == user.id))


def why_not_again(round_: Round, earlier: VoterRollEntry | None, method: str, who: str = "This resident") -> str | None:
    """One resident, one counted ballot, whatever the methods and their order. Changing a ballot
    means replacing it, and only an online ballot can be found again to be replaced (by its keyed
    pseudonym), so: an online ballot may be changed online when the round allows it; a ballot cast
    with a voting code is final (the code is spent); a paper ballot is final from the moment it is
    handed out (what is on it is not known until it is keyed, and it cannot be found again). None
    when this method may be used now; otherwise the reason, in the voter's words."""
    if earlier is None:
        return None
    if method == ONLINE and earlier.method == ONLINE:
        if round_.allow_ballot_changes:
            return None
        return "You have already voted in this round, and this round's rules do not allow changing a ballot"
    if method == ONLINE and earlier.method == PAPER:
        return ("You were given a paper ballot in this round, so your ballot cannot be changed online. "
                "Your paper ballot is the one that counts")
    if method == ONLINE:
        return ("You voted with a voting code in this round. A ballot cast with a code is final, so it cannot be "
                "changed online")
    how = {ONLINE: "online", CODE: "with a voting code", PAPER: "on paper"}[earlier.method]
    return f"{who} has already voted {how} in this round. Each resident has one ballot"


def tracker_hash(tracker: str) -> str:
    """Receipts and voting codes are stored as the digest of their normal form, like letter codes."""
    return digest(normalise_code(tracker))


# --- casting ----------------------------------------------------------------------------------------

def check_ballot(round_: Round, raw: dict, sections: list | None = None) -> rules_module.Checked:
    return rules_module.check(ballot_rules(round_), sections if sections is not None else ballot_sections(round_), raw)


def stored_choices(round_: Round, raw: dict, paper: bool = False) -> dict:
    """The ballot as it is stored, {"<pot id>": [[proposal id, value], ...]}, or a ServiceError with
    its first problem (for paper, with what to do when the paper really says that)."""
    checked = check_ballot(round_, raw)
    if not checked.ok:
        field, message = checked.problems[0]
        raise ServiceError(message + (". If the paper really says this, record the ballot as spoilt" if paper else ""),
                           field=field)
    return {str(pot): [[pid, value] for pid, value in chosen] for pot, chosen in checked.choices.items()}


def cast_ballot(round_: Round, user: User, raw: dict) -> tuple[str, bool]:
    """Vote online: put the ballot in the box and the person on the roll, or replace their earlier
    online ballot (see why_not_again).
    Returns (tracker code for the receipt, whether it replaced an earlier ballot)."""
    problem = why_not_eligible(round_, user)
    if problem:
        raise ServiceError(problem)
    choices = stored_choices(round_, raw)
    earlier = has_voted(round_, user)
    refusal = why_not_again(round_, earlier, ONLINE)
    if refusal:
        raise ServiceError(refusal)
    tracker = new_code()
    key = replace_key(round_, user.id) if round_.allow_ballot_changes else None
    try:
        with transaction():
            if earlier is None:
                db.session.add(VoterRollEntry(round_id=round_.id, user_id=user.id, method=ONLINE,
                                              voted_on=date.today(), birth_year=user.birth_year))
                db.session.flush()  # the roll before the box: the box's CHECK is per statement
            else:
                # The earlier ballot must be found and taken out, or the new one does not go in:
                # a racing request that replaced it a moment ago leaves nothing to take out here.
                taken = db.session.execute(delete(Ballot).where(Ballot.round_id == round_.id, Ballot.replace_key == key))
                if taken.rowcount != 1:
                    raise ServiceError("Your ballot was being changed from another page at the same moment. "
                                       "Check your receipt, or try again")
            db.session.add(Ballot(id=secrets.token_hex(16), round_id=round_.id, choices=choices, replace_key=key,
                                  tracker_hash=tracker_hash(tracker)))
            # The entry says who voted and how (the roll is not secret), never what or which ballot.
            record("ballot.replaced" if earlier else "ballot.cast", round_, actor=user,
                   neighbourhood=round_.neighbourhood, payload={"method": ONLINE})
    except IntegrityError:
        # Another request from the same person got there first: the roll's unique constraint
        # (or the replace key's) refused this one. Nothing of it was saved.
        raise ServiceError("Your ballot was already being cast from another page. Check your receipt, or try again "
                           "to change it") from None
    return tracker, earlier is not None


def receipt_status(round_: Round, tracker: str) -> bool:
    """Is a ballot with this tracker in the round's box? Says nothing of what it chose."""
    return db.session.scalar(select(Ballot.id).where(Ballot.round_id == round_.id,
                                                     Ballot.tracker_hash == tracker_hash(tracker))) is not None


# --- counting ---------------------------------------------------------------------------------------

def _ballot_rows(round_: Round) -> list[Ballot]:
    # Ordered by random id: the order says nothing about when each ballot came.
    return db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id).order_by(Ballot.id)).all()


def ballots_digest(rows: list[Ballot]) -> str:
    from pb.audit.recount import ballots_digest as digest_of

    return digest_of(row.choices for row in rows)


def proposal_records(proposals) -> list[dict]:
    return [{"id": p.id, "number": p.number, "cost": p.cost, "title": p.title, "pot_id": p.pot_id} for p in proposals]


def election_for(round_: Round, pot, rows: list[Ballot], proposals: dict[int, Proposal],
                 exclude: set[int] = frozenset()) -> Election:
    """One pot as a pb.counting election (see pb.audit.recount, shared with the pack verifier)."""
    from pb.audit.recount import pot_election

    meta = {"description": f"{round_.neighbourhood.name}: {round_.name}, {pot.name}", "country": "United Kingdom",
            "unit": round_.neighbourhood.name, "instance": round_.fund_year, "rule": round_.counting_rule,
            "subunit": pot.name}
    return pot_election(round_.ballot_type, pot.id, pot.name, pot.amount,
                        proposal_records(proposals.values()), (row.choices for row in rows), exclude=exclude,
                        max_length=round_.ballot_max, meta=meta)


def turnout(round_: Round) -> dict:
    rows = db.session.execute(select(VoterRollEntry.method, VoterRollEntry.birth_year).where(
        VoterRollEntry.round_id == round_.id)).all()
    eligible = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.neighbourhood_id == round_.neighbourhood_id, Membership.role == RESIDENT,
        Membership.verified_at.is_not(None)))
    year = date.today().year
    bands = {label: 0 for label, _, _ in AGE_BANDS}
    for _, birth_year in rows:
        age = age_in(year, birth_year)
        label = next((label for label, low, high in AGE_BANDS if low <= age <= high), AGE_BANDS[-1][0])
        bands[label] += 1
    methods = {m: sum(1 for method, _ in rows if method == m) for m in METHODS}
    return {"voters": len(rows), "verified_residents": eligible, "by_method": methods, "by_age": bands}


def _count(round_: Round, declined: set[int]) -> tuple[dict, list[Ballot]]:
    rows = _ballot_rows(round_)
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(
        Proposal.round_id == round_.id, Proposal.status == ON_BALLOT))}
    by_number = {str(p.number): p for p in proposals.values()}
    outcome = {}
    for pot in round_.pots:
        election = election_for(round_, pot, rows, proposals, exclude=declined)
        if not election.projects:
            continue
        result = count(election, round_.counting_rule, explain=True)
        outcome[str(pot.id)] = {
            "pot": pot.name, "budget": pot.amount,
            "selected": [by_number[n].id for n in result.selected],
            "selected_numbers": [int(n) for n in result.selected],
            "spent": sum(by_number[n].cost for n in result.selected),
            "scores": {str(by_number[n].id): result.scores.get(n, 0) for n in election.projects},
            "rounds": result.to_json()["rounds"],
        }
    return outcome, rows


def count_round(round_: Round, actor: User) -> CountResult:
    require_role(actor, round_.neighbourhood_id, FACILITATOR, "Only facilitators run the count")
    if round_.phase != COUNTING:
        raise ServiceError("The count runs once voting has closed, in the counting phase")
    if db.session.scalar(select(CountResult.id).where(CountResult.round_id == round_.id,
                                                      CountResult.status != "superseded")):
        raise ServiceError("This round has already been counted")
    problems = paper_problems(round_)
    if problems:
        raise ServiceError("The count cannot run yet: " + "; ".join(problems))
    outcome, rows = _count(round_, set())
    with transaction():
        result = CountResult(round_id=round_.id, rule=round_.counting_rule, ballots_sha256=ballots_digest(rows),
                             ballot_count=len(rows), result=outcome, turnout=turnout(round_), counted_by_id=actor.id)
        db.session.add(result)
        db.session.flush()
        from pb.audit.merkle import root as merkle_root

        record("round.counted", result, actor=actor, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "rule": result.rule, "ballots": len(rows),
                        "ballots_sha256": result.ballots_sha256,
                        "receipts_root": merkle_root(receipt_leaves(rows)).hex(),
                        "selected": {pot["pot"]: pot["selected_numbers"] for pot in outcome.values()}})
        _checkpoint(round_, "counted")
    return result


def _checkpoint(round_: Round, what: str) -> None:
    from pb.ledger.checkpoints import sign_checkpoint

    sign_checkpoint(round_.neighbourhood, f"{round_.name}: {what}")


def receipt_leaves(rows: list[Ballot]) -> list[bytes]:
    """The receipts tree: one leaf per ballot, SHA-256(0x00 || tracker hash), sorted, so the tree
    says which receipts were counted and nothing of what any ballot chose."""
    from pb.audit.merkle import leaf_hash

    return sorted(leaf_hash(bytes.fromhex(row.tracker_hash)) for row in rows)


def round_receipt_leaves(round_: Round) -> list[bytes]:
    """The round's receipts tree leaves, reading only the tracker hashes."""
    return receipt_leaves(db.session.execute(select(Ballot.tracker_hash).where(Ballot.round_id == round_.id)).all())


def receipt_proof(round_: Round, tracker: str) -> dict | None:
    """Proof that the ballot with this receipt was counted: its leaf in the receipts tree whose root
    the count entry records, and that entry's inclusion in a signed checkpoint. None if the round
    has no count, or no counted ballot has this receipt."""
    from pb.audit.merkle import inclusion_proof, leaf_hash, root
    from pb.ledger.checkpoints import covering, inclusion
    from pb.ledger.models import AuditEntry
    from pb.ledger.services import existing_log

    result = current_result(round_)
    log = existing_log(round_.neighbourhood)
    if result is None or log is None:
        return None
    leaves = round_receipt_leaves(round_)
    mine = leaf_hash(bytes.fromhex(tracker_hash(tracker)))
    if mine not in leaves:
        return None
    index = leaves.index(mine)
    receipts_root = root(leaves).hex()
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.log_id == log.id, AuditEntry.action.in_(["round.counted", "result.project_declined"]))
        .order_by(AuditEntry.seq.desc())).all()
    entry = next((e for e in entries if json.loads(e.payload).get("receipts_root") == receipts_root), None)
    if entry is None:
        return None
    point = covering(log, entry.seq)
    proof = {"receipt_leaf": mine.hex(), "receipt_index": index, "receipts": len(leaves), "receipts_root": receipts_root,
             "receipt_path": [p.hex() for p in inclusion_proof(leaves, index)], "entry": entry.as_dict(log.name)}
    if point is not None:
        included = inclusion(log, entry, point)
        proof.update(entry_leaf=included["leaf"], entry_index=included["index"], checkpoint_size=point.size,
                     checkpoint_root=point.root_hash, checkpoint=point.note, entry_path=included["path"])
    return proof


def current_result(round_: Round) -> CountResult | None:
    return db.session.scalar(select(CountResult).where(CountResult.round_id == round_.id,
                                                       CountResult.status != "superseded")
                             .order_by(CountResult.id.desc()).limit(1))


# --- exports ----------------------------------------------------------------------------------------

def pabulib_export(round_: Round, pot) -> str:
    """The pot's anonymised ballots as a Pabulib file: voter ids 1, 2, 3 ... in random-id order."""
    rows = _ballot_rows(round_)
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(
        Proposal.round_id == round_.id, Proposal.status == ON_BALLOT))}
    election = election_for(round_, pot, rows, proposals)
    return writes(from_election(election))


def results_csv(round_: Round, result: CountResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["pot", "proposal", "title", "cost_pence", "votes_or_points", "funded", "order_funded"])
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id))}
    for pot_id, pot in result.result.items():
        order = {pid: i for i, pid in enumerate(pot["selected"], 1)}
        for pid, score in sorted(pot["scores"].items(), key=lambda item: -item[1]):
            p = proposals[int(pid)]
            writer.writerow([pot["pot"], p.reference, p.title, p.cost, score, "yes" if int(pid) in order else "no",
                             order.get(int(pid), "")])
    return out.getvalue()



# --- board sign-off -------------------------------------------------------------------------------

def _board_member(round_: Round, user: User) -> None:
    from pb.neighbourhoods.models import BOARD_MEMBER

    require_role(user, round_.neighbourhood_id, BOARD_MEMBER, "Only partnership board members sign off results")


def board_members(round_: Round) -> list[User]:
    from pb.neighbourhoods.models import BOARD_MEMBER

    return db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.neighbourhood_id == round_.neighbourhood_id, Membership.role == BOARD_MEMBER).order_by(User.name)).all()


def conflicts(round_: Round, result: CountResult) -> dict[int, list[str]]:
    """Board members with a declared interest in a funded project: {user id: [P-numbers]}."""
    from pb.proposals.models import InterestDeclaration

    funded = [pid for pot in result.result.values() for pid in pot["selected"]]
    rows = db.session.execute(select(InterestDeclaration.user_id, Proposal.number).join(
        Proposal, Proposal.id == InterestDeclaration.proposal_id).where(InterestDeclaration.proposal_id.in_(funded))).all()
    out: dict[int, list[str]] = {}
    for user_id, number in rows:
        out.setdefault(user_id, []).append(f"P-{number}")
    return out


def quorum(round_: Round, result: CountResult) -> int:
    """More than half of the board members free to decide (no interest in a funded project)."""
    conflicted = conflicts(round_, result)
    free = [m for m in board_members(round_) if m.id not in conflicted]
    return len(free) // 2 + 1 if free else 0


def approvals(result: CountResult) -> list:
    from .models import ResultApproval

    return db.session.scalars(select(ResultApproval).where(ResultApproval.count_result_id == result.id)
                              .order_by(ResultApproval.id)).all()


def approve_result(round_: Round, member: User) -> bool:
    """Record one member's approval. Returns True when this approval reached the quorum."""
    from pb.rounds.models import SIGN_OFF

    from .models import ResultApproval

    _board_member(round_, member)
    if round_.phase != SIGN_OFF:
        raise ServiceError("Results are signed off in the board sign-off phase")
    result = current_result(round_)
    if result is None:
        raise ServiceError("There is no result to sign off yet")
    if result.status == "approved":
        raise ServiceError("The board has already approved this result")
    mine = conflicts(round_, result).get(member.id)
    if mine:
        raise ServiceError(f"You declared an interest in {', '.join(mine)}, which the result funds, so you cannot "
                           "approve it. The other board members decide")
    if any(a.member_id == member.id for a in approvals(result)):
        raise ServiceError("You have already approved this result")
    needed = quorum(round_, result)
    with transaction():
        db.session.add(ResultApproval(count_result_id=result.id, member_id=member.id))
        db.session.flush()
        given = len(approvals(result))
        reached = given >= needed
        if reached:
            result.status = "approved"
        record("result.approved_by_member", result, actor=member, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "approvals": given, "quorum": needed, "quorum_reached": reached})
        if reached:
            _checkpoint(round_, "result signed off by the board")
    return reached


def decline_project(round_: Round, member: User, proposal: Proposal, reason: str) -> CountResult:
    """The board declines a funded project with a reason; the round is recounted without it."""
    from pb.rounds.models import SIGN_OFF

    from .models import DeclinedProject

    _board_member(round_, member)
    if round_.phase != SIGN_OFF:
        raise ServiceError("Projects are declined during board sign-off")
    result = current_result(round_)
    if result is None or result.status == "approved":
        raise ServiceError("Only a provisional result can change")
    if not any(proposal.id in pot["selected"] for pot in result.result.values()):
        raise ServiceError(f"{proposal.reference} is not funded in the result", field="proposal")
    if proposal.reference in conflicts(round_, result).get(member.id, []):
        raise ServiceError(f"You declared an interest in {proposal.reference}, so you cannot decide on it")
    reason = (reason or "").strip()
    if hidden_characters(reason):
        raise ServiceError(f"The reason {HIDDEN_CHARACTERS}", field="reason")
    if not reason:
        raise ServiceError("Give the board's reason for declining it, for example ‘the venue has closed’", field="reason")
    if len(reason) > 2000:
        raise ServiceError("The reason must be 2,000 characters or fewer", field="reason")
    declined = set(db.session.scalars(select(DeclinedProject.proposal_id).where(DeclinedProject.round_id == round_.id)))
    declined.add(proposal.id)
    outcome, rows = _count(round_, declined)
    from pb.audit.merkle import root as merkle_root

    with transaction():
        db.session.add(DeclinedProject(round_id=round_.id, proposal_id=proposal.id, reason=reason, member_id=member.id))
        result.status = "superseded"
        recount = CountResult(round_id=round_.id, rule=round_.counting_rule, ballots_sha256=ballots_digest(rows),
                              ballot_count=len(rows), result=outcome, turnout=result.turnout, counted_by_id=member.id,
                              reason=f"Recounted without {proposal.reference}: {reason}")
        db.session.add(recount)
        db.session.flush()
        record("result.project_declined", recount, actor=member, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "declined": proposal.number, "reason": reason,
                        "replaces_result": result.id, "ballots_sha256": recount.ballots_sha256,
                        "receipts_root": merkle_root(receipt_leaves(rows)).hex(),
                        "selected": {pot["pot"]: pot["selected_numbers"] for pot in outcome.values()}})
    return recount


# --- voting codes -----------------------------------------------------------------------------------

MAX_CODES_PER_BATCH = 500


def _code_candidates(round_: Round):
    """Verified residents who have neither voted nor been given a code for this round."""
    from .models import VotingCode

    return (select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.neighbourhood_id == round_.neighbourhood_id, Membership.role == RESIDENT,
                   Membership.verified_at.is_not(None),
                   User.id.not_in(select(VoterRollEntry.user_id).where(VoterRollEntry.round_id == round_.id)),
                   User.id.not_in(select(VotingCode.user_id).where(VotingCode.round_id == round_.id))))


def code_candidates(round_: Round, query: str = "", limit: int = 200) -> tuple[list[User], int]:
    """The first `limit` residents who need a code (matching `query`), and how many need one in all."""
    from pb.neighbourhoods.services import person_matches

    stmt = _code_candidates(round_)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    if query:
        stmt = stmt.where(person_matches(query))
    return db.session.scalars(stmt.order_by(User.name, User.id).limit(limit)).all(), total


def issue_codes(round_: Round, facilitator: User, user_ids: list[int] | None):
    """Codes for these residents (None: everyone who needs one), returned once for printing:
    [(user, code)], batch number."""
    from pb.rounds.models import VOTING

    from .models import VotingCode

    require_role(facilitator, round_.neighbourhood_id, FACILITATOR, "Only facilitators issue voting codes")
    if round_.phase == "setup" or not (round_.is_before(VOTING) or round_.phase == VOTING):
        raise ServiceError("Voting codes can be made once the rules are locked and until voting closes")
    if user_ids is None:
        user_ids = list(db.session.scalars(_code_candidates(round_).with_only_columns(User.id)
                                           .limit(MAX_CODES_PER_BATCH + 1)))
    if not user_ids:
        raise ServiceError("Choose at least one resident", field="residents")
    if len(user_ids) > MAX_CODES_PER_BATCH:
        raise ServiceError(f"Make at most {MAX_CODES_PER_BATCH} codes at a time", field="residents")
    allowed = {u.id: u for u in db.session.scalars(_code_candidates(round_).where(User.id.in_(user_ids)))}
    if any(i not in allowed for i in user_ids):
        raise ServiceError("Some of the residents chosen have already voted, already have a code, or are not verified "
                           "residents here", field="residents")
    with transaction():
        batch = (db.session.scalar(select(func.max(VotingCode.batch)).where(VotingCode.round_id == round_.id)) or 0) + 1
        printed = []
        for user_id in user_ids:
            code = new_code()
            db.session.add(VotingCode(round_id=round_.id, user_id=user_id, code_hash=tracker_hash(code), batch=batch,
                                      issued_by_id=facilitator.id))
            printed.append((allowed[user_id], code))
        db.session.flush()
        record("voting_codes.issued", round_, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"batch": batch, "count": len(user_ids),
                        "people": sorted(allowed[i].pseudonym for i in user_ids)})
    return batch, printed


def resident_for_code(round_: Round, raw_code: str, throttle_key: str) -> User:
    """The resident a code was issued to, if it is right and unused; refuses with a plain reason."""
    from pb import throttle

    from .models import VotingCode

    key = f"{round_.id}:{throttle_key}"
    if throttle.blocked("voting_code", key):
        raise ServiceError(f"Too many wrong codes from here. Wait {throttle.minutes('voting_code')} minutes, or ask a "
                           "facilitator for help", field="code")
    code = normalise_code(raw_code)
    if len(code.replace("-", "")) != 16:
        raise ServiceError("Enter the 16-character code from your card, like 7KQ2-M9XD-4HTR-0PWE", field="code")
    row = db.session.scalar(select(VotingCode).where(VotingCode.code_hash == tracker_hash(code)))
    if row is None or row.round_id != round_.id:
        throttle.note_failure("voting_code", key)
        raise ServiceError("That code is not right for this vote. Check each character against your card", field="code")
    if row.used_at is not None:
        throttle.note_failure("voting_code", key)
        raise ServiceError("That code has already been used to vote. Each code works once", field="code")
    return db.session.get(User, row.user_id)


def cast_with_code(round_: Round, raw_code: str, raw: dict, throttle_key: str) -> str:
    """Vote with a code: the code is used up in the same transaction as the ballot is cast."""
    from .models import VotingCode

    user = resident_for_code(round_, raw_code, throttle_key)
    row = db.session.scalar(select(VotingCode).where(VotingCode.code_hash == tracker_hash(raw_code)))
    refusal = why_not_again(round_, has_voted(round_, user), CODE)
    if refusal:
        raise ServiceError(refusal, field="code")
    problem = why_not_eligible(round_, user)
    if problem:
        raise ServiceError(problem, field="code")
    choices = stored_choices(round_, raw)
    tracker = new_code()
    try:
        with transaction():
            from pb.timeutil import utcnow

            claimed = db.session.execute(
                update(VotingCode).where(VotingCode.id == row.id, VotingCode.used_at.is_(None))
                .values(used_at=utcnow()))
            if claimed.rowcount != 1:
                raise ServiceError("That code has already been used to vote. Each code works once", field="code")
            db.session.add(VoterRollEntry(round_id=round_.id, user_id=user.id, method=CODE, voted_on=date.today(),
                                          birth_year=user.birth_year))
            db.session.flush()  # the roll before the box
            # Code ballots cannot be replaced: the code is spent.
            db.session.add(Ballot(id=secrets.token_hex(16), round_id=round_.id, choices=choices, replace_key=None,
                                  tracker_hash=tracker_hash(tracker)))
            record("ballot.cast", round_, actor=user, neighbourhood=round_.neighbourhood, payload={"method": CODE})
    except IntegrityError:
        raise ServiceError("This resident has already voted in this round", field="code") from None
    return tracker


# --- paper ballots ----------------------------------------------------------------------------------

def _facilitator(round_: Round, user: User, doing: str) -> None:
    require_role(user, round_.neighbourhood_id, FACILITATOR, f"Only facilitators {doing}")


def add_paper_event(round_: Round, facilitator: User, *, name: str, held_on: date | None, first_serial: int | None,
                    last_serial: int | None):
    from .models import PaperEvent

    _facilitator(round_, facilitator, "record paper ballot events")
    if round_.phase != VOTING:
        raise ServiceError("Paper ballots are handed out while voting is open")
    name = (name or "").strip()
    if hidden_characters(name):
        raise ServiceError(f"Where they were handed out {HIDDEN_CHARACTERS}", field="name")
    if not name:
        raise ServiceError("Enter where the ballots were handed out, like ‘Community centre, Saturday morning’", field="name")
    if len(name) > 120:
        raise ServiceError("Name must be 120 characters or fewer", field="name")
    if held_on is None:
        raise ServiceError("Enter the date", field="held_on")
    if first_serial is None or first_serial < 1:
        raise ServiceError("Enter the first serial number, 1 or more", field="first_serial")
    if last_serial is None or last_serial < first_serial:
        raise ServiceError("The last serial number must be the same as or after the first", field="last_serial")
    if last_serial - first_serial >= 10_000:
        raise ServiceError("One event can hand out at most 10,000 ballots", field="last_serial")
    clash = db.session.scalar(select(PaperEvent).where(PaperEvent.round_id == round_.id,
                                                       PaperEvent.first_serial <= last_serial,
                                                       PaperEvent.last_serial >= first_serial))
    if clash:
        raise ServiceError(f"Serial numbers {clash.first_serial} to {clash.last_serial} were already handed out at "
                           f"{clash.name}", field="first_serial")
    with transaction():
        event = PaperEvent(round_id=round_.id, name=name, held_on=held_on, first_serial=first_serial,
                           last_serial=last_serial, created_by_id=facilitator.id)
        db.session.add(event)
        db.session.flush()
        record("paper.event_added", event, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"name": name, "held_on": held_on.isoformat(), "first_serial": first_serial,
                        "last_serial": last_serial})
    return event


def record_returns(event, facilitator: User, returned: int | None, outstanding: int | None) -> None:
    round_ = db.session.get(Round, event.round_id)
    _facilitator(round_, facilitator, "record returned ballots")
    if returned is None or returned < 0:
        raise ServiceError("Enter how many ballots came back, spoilt ones included", field="returned")
    if outstanding is None or outstanding < 0:
        raise ServiceError("Enter how many ballots were taken away and not returned (0 if none)", field="outstanding")
    if returned + outstanding != event.issued:
        raise ServiceError(f"{event.issued} ballots were handed out (serials {event.first_serial} to {event.last_serial}), "
                           f"but returned plus not returned is {returned + outstanding}. Count again", field="returned")
    with transaction():
        event.returned, event.outstanding = returned, outstanding
        record("paper.returns_recorded", event, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"issued": event.issued, "returned": returned, "outstanding": outstanding})


def give_paper_ballot(round_: Round, facilitator: User, resident: User) -> None:
    """Mark on the roll that this resident was handed a paper ballot (not which one)."""
    _facilitator(round_, facilitator, "hand out paper ballots")
    problem = why_not_eligible(round_, resident)
    if problem:
        raise ServiceError(f"{resident.name} cannot vote: {problem[0].lower() + problem[1:]}", field="resident")
    refusal = why_not_again(round_, has_voted(round_, resident), PAPER, who=resident.name)
    if refusal:
        raise ServiceError(refusal, field="resident")
    try:
        with transaction():
            db.session.add(VoterRollEntry(round_id=round_.id, user_id=resident.id, method=PAPER, voted_on=date.today(),
                                          birth_year=resident.birth_year))
            record("ballot.paper_issued", round_, actor=facilitator, neighbourhood=round_.neighbourhood,
                   payload={"person": resident.pseudonym})
    except IntegrityError:
        raise ServiceError(f"{resident.name} has already voted", field="resident") from None


def _event_for(round_: Round, serial: int | None):
    from .models import PaperEvent

    if serial is None:
        raise ServiceError("Enter the serial number printed on the ballot", field="serial")
    event = db.session.scalar(select(PaperEvent).where(PaperEvent.round_id == round_.id, PaperEvent.first_serial <= serial,
                                                       PaperEvent.last_serial >= serial))
    if event is None:
        raise ServiceError(f"Serial number {serial} was never handed out in this round. Check the number on the ballot",
                           field="serial")
    return event


def _paper_ballot(round_: Round, choices: dict, serial: int) -> None:
    """Put a keyed paper ballot in the box, if a resident on the roll was given one for it: the
    box never holds more paper ballots than residents were handed (the database checks the total)."""
    from .models import MATCHED, RECONCILED, PaperSerial

    given = db.session.scalar(select(func.count()).select_from(VoterRollEntry).where(
        VoterRollEntry.round_id == round_.id, VoterRollEntry.method == PAPER))
    boxed = db.session.scalar(select(func.count()).select_from(PaperSerial).where(
        PaperSerial.round_id == round_.id, PaperSerial.status.in_([MATCHED, RECONCILED]), PaperSerial.serial != serial))
    if boxed >= given:
        raise ServiceError(f"Ballot {serial} cannot go in the box: {given} resident{'s were' if given != 1 else ' was'} "
                           f"marked on the roll as given a paper ballot, and {boxed} paper ballot"
                           f"{'s are' if boxed != 1 else ' is'} in already. Mark each resident who was handed a ballot "
                           "(‘Give a paper ballot’), then key this one again", field="serial")
    db.session.add(Ballot(id=secrets.token_hex(16), round_id=round_.id, choices=choices, replace_key=None,
                          tracker_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest()))


def key_paper_ballot(round_: Round, facilitator: User, serial: int | None, raw: dict) -> str:
    """Key one paper ballot. The second keying by a different facilitator either matches the first
    (the ballot goes in the box) or sends the serial to the reconciliation queue. Returns the state."""
    from .models import KEYED_ONCE, MATCHED, MISMATCH, PaperEntry, PaperSerial

    _facilitator(round_, facilitator, "key in paper ballots")
    if round_.phase not in (VOTING, COUNTING):
        raise ServiceError("Paper ballots are keyed in while voting is open and before the count")
    event = _event_for(round_, serial)
    choices = stored_choices(round_, raw, paper=True)
    row = db.session.scalar(select(PaperSerial).where(PaperSerial.round_id == round_.id, PaperSerial.serial == serial))
    entries = db.session.scalars(select(PaperEntry).where(PaperEntry.paper_serial_id == row.id)).all() if row else []
    if row is not None and row.status != KEYED_ONCE:
        raise ServiceError(f"Ballot {serial} is already {row.status.replace('_', ' ')}", field="serial")
    if any(e.keyed_by_id == facilitator.id for e in entries):
        raise ServiceError(f"You have already keyed ballot {serial}. A different facilitator must key it the second time",
                           field="serial")
    try:
        with transaction():
            if row is None:
                row = PaperSerial(round_id=round_.id, event_id=event.id, serial=serial, status=KEYED_ONCE)
                db.session.add(row)
                db.session.flush()
            db.session.add(PaperEntry(paper_serial_id=row.id, keyed_by_id=facilitator.id, choices=choices))
            if entries:
                row.status = MATCHED if entries[0].choices == choices else MISMATCH
                if row.status == MATCHED:
                    db.session.flush()
                    _paper_ballot(round_, choices, serial)
            db.session.flush()
            record("paper.keyed", row, actor=facilitator, neighbourhood=round_.neighbourhood,
                   payload={"serial": serial, "keying": len(entries) + 1, "status": row.status})
    except IntegrityError:
        raise ServiceError(f"Ballot {serial} was keyed by someone else at the same moment. Look it up again",
                           field="serial") from None
    return row.status


def reconcile_paper_ballot(round_: Round, facilitator: User, serial: int | None, raw: dict) -> None:
    """A third person records the ballot as read from the paper itself."""
    from .models import MISMATCH, RECONCILED, PaperEntry, PaperSerial

    _facilitator(round_, facilitator, "reconcile paper ballots")
    _event_for(round_, serial)
    row = db.session.scalar(select(PaperSerial).where(PaperSerial.round_id == round_.id, PaperSerial.serial == serial))
    if row is None or row.status != MISMATCH:
        raise ServiceError(f"Ballot {serial} is not waiting to be reconciled", field="serial")
    keyers = set(db.session.scalars(select(PaperEntry.keyed_by_id).where(PaperEntry.paper_serial_id == row.id)))
    if facilitator.id in keyers:
        raise ServiceError("You keyed this ballot, so a third person must read it from the paper", field="serial")
    choices = stored_choices(round_, raw, paper=True)
    with transaction():
        row.status, row.resolved_by_id = RECONCILED, facilitator.id
        db.session.flush()
        _paper_ballot(round_, choices, serial)
        record("paper.reconciled", row, actor=facilitator, neighbourhood=round_.neighbourhood, payload={"serial": serial})


def spoil_paper_ballot(round_: Round, facilitator: User, serial: int | None, reason: str) -> None:
    from .models import KEYED_ONCE, MISMATCH, SPOILT, PaperSerial

    _facilitator(round_, facilitator, "record spoilt ballots")
    event = _event_for(round_, serial)
    reason = (reason or "").strip()
    if hidden_characters(reason):
        raise ServiceError(f"The reason {HIDDEN_CHARACTERS}", field="reason")
    if not reason:
        raise ServiceError("Say why the ballot is spoilt, for example ‘more crosses than allowed’ or ‘torn’", field="reason")
    row = db.session.scalar(select(PaperSerial).where(PaperSerial.round_id == round_.id, PaperSerial.serial == serial))
    if row is not None and row.status not in (KEYED_ONCE, MISMATCH):
        raise ServiceError(f"Ballot {serial} is already {row.status}", field="serial")
    with transaction():
        if row is None:
            row = PaperSerial(round_id=round_.id, event_id=event.id, serial=serial, status=SPOILT)
            db.session.add(row)
        row.status, row.spoilt_reason, row.resolved_by_id = SPOILT, reason, facilitator.id
        db.session.flush()
        record("paper.spoilt", row, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"serial": serial, "reason": reason})


def paper_problems(round_: Round) -> list[str]:
    """Why the count cannot run yet because of paper ballots (empty when it can)."""
    from .models import KEYED_ONCE, MISMATCH, PaperEvent, PaperSerial

    problems = []
    waiting = dict(db.session.execute(select(PaperSerial.status, func.count()).where(
        PaperSerial.round_id == round_.id, PaperSerial.status.in_([KEYED_ONCE, MISMATCH])).group_by(PaperSerial.status)).all())
    if waiting.get(KEYED_ONCE):
        problems.append(f"{waiting[KEYED_ONCE]} paper ballot{'s' if waiting[KEYED_ONCE] != 1 else ''} keyed only once")
    if waiting.get(MISMATCH):
        problems.append(f"{waiting[MISMATCH]} paper ballot{'s' if waiting[MISMATCH] != 1 else ''} waiting to be reconciled")
    done = dict(db.session.execute(select(PaperSerial.event_id, func.count()).where(
        PaperSerial.round_id == round_.id).group_by(PaperSerial.event_id)).all())
    for event in db.session.scalars(select(PaperEvent).where(PaperEvent.round_id == round_.id)):
        if event.returned is None:
            problems.append(f"{event.name}: returned and not-returned ballots are not recorded yet")
        elif event.returned + (event.outstanding or 0) != event.issued:
            problems.append(f"{event.name}: issued is not returned plus not returned")
        elif done.get(event.id, 0) != event.returned:
            problems.append(f"{event.name}: {event.returned} ballots came back but {done.get(event.id, 0)} are keyed or spoilt")
    return problems
