"""Casting ballots: what is on the ballot, who may vote and how often, voting online and with a
code. The voter roll mark and the ballot are written together, so a person is on the roll exactly
when their ballot is in the box (or, for paper, was handed one).
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from pb import throttle
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import personal_digest, record
from pb.neighbourhoods.models import FACILITATOR, RESIDENT, Membership
from pb.neighbourhoods.services import person_matches, require_role, why_not_vote
from pb.proposals.models import ON_BALLOT, Proposal
from pb.rounds.models import VOTING, Round
from pb.services import ServiceError, transaction
from pb.timeutil import utcnow
from pb.tokens import digest, new_code, normalise_code

from . import ballots as rules_module
from .models import CODE, ONLINE, PAPER, Ballot, VoterRollEntry, VotingCode

# The ballot box's CHECK (see models.BallotBox) names itself in the database's refusal.
BOX_OVERFLOW = "ballots_within_roll"
BOX_REFUSED = ("This ballot was not put in the box: the box would have held more ballots than voters on the roll. "
               "Nothing was saved. Please tell a facilitator")


def _refusal(exc: IntegrityError, otherwise: str, field: str | None = None) -> ServiceError:
    """What to tell the voter when the database refused the ballot: the box's own refusal, or
    `otherwise` (a unique constraint: another request got there first)."""
    return ServiceError(BOX_REFUSED if BOX_OVERFLOW in str(exc.orig) else otherwise, field=field)


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
        options = tuple(rules_module.Option(p.id, f"{p.reference} {p.title}", p.cost, "" if p.hidden_at else p.summary)
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
    if db.session.scalar(select(VoterRollEntry.id).where(VoterRollEntry.round_id == round_.id,
                                                         VoterRollEntry.person_digest == roll_digest(user),
                                                         VoterRollEntry.user_id != user.id)):
        return ("Someone with this email address has already voted in this round, from an account that has since "
                "been closed. Each person has one ballot")
    return None


def roll_digest(user: User) -> str:
    return personal_digest(user.email)


def roll_entry(round_: Round, user: User, method: str) -> VoterRollEntry:
    """This person on the round's roll, by this method (not yet added to the session)."""
    return VoterRollEntry(round_id=round_.id, user_id=user.id, person_digest=roll_digest(user), method=method,
                          voted_on=date.today(), birth_year=user.birth_year)


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


def stored_choices(round_: Round, raw: dict, paper: bool = False, sections: list | None = None) -> dict:
    """The ballot as it is stored, {"<pot id>": [[proposal id, value], ...]}, or a ServiceError with
    its first problem (for paper, with what to do when the paper really says that)."""
    checked = check_ballot(round_, raw, sections)
    if not checked.ok:
        field, message = checked.problems[0]
        raise ServiceError(message + (". If the paper really says this, record the ballot as spoilt" if paper else ""),
                           field=field)
    return {str(pot): [[pid, value] for pid, value in chosen] for pot, chosen in checked.choices.items()}


def cast_ballot(round_: Round, user: User, raw: dict, sections: list | None = None) -> tuple[str, bool]:
    """Vote online: put the ballot in the box and the person on the roll, or replace their earlier
    online ballot (see why_not_again). `sections`: the ballot_sections the caller already read.
    Returns (tracker code for the receipt, whether it replaced an earlier ballot)."""
    problem = why_not_eligible(round_, user)
    if problem:
        raise ServiceError(problem)
    choices = stored_choices(round_, raw, sections=sections)
    earlier = has_voted(round_, user)
    refusal = why_not_again(round_, earlier, ONLINE)
    if refusal:
        raise ServiceError(refusal)
    tracker = new_code()
    key = replace_key(round_, user.id) if round_.allow_ballot_changes else None
    try:
        with transaction():
            if earlier is None:
                db.session.add(roll_entry(round_, user, ONLINE))
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
    except IntegrityError as exc:
        # Another request from the same person got there first: the roll's unique constraint
        # (or the replace key's) refused this one. Nothing of it was saved.
        raise _refusal(exc, "Your ballot was already being cast from another page. Check your receipt, or try "
                            "again to change it") from None
    return tracker, earlier is not None


def receipt_status(round_: Round, tracker: str) -> bool:
    """Is a ballot with this tracker in the round's box? Says nothing of what it chose."""
    return db.session.scalar(select(Ballot.id).where(Ballot.round_id == round_.id,
                                                     Ballot.tracker_hash == tracker_hash(tracker))) is not None


# --- voting codes -----------------------------------------------------------------------------------

MAX_CODES_PER_BATCH = 500


def _code_candidates(round_: Round):
    """Verified residents who have neither voted nor been given a code for this round."""
    return (select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.neighbourhood_id == round_.neighbourhood_id, Membership.role == RESIDENT,
                   Membership.verified_at.is_not(None),
                   User.id.not_in(select(VoterRollEntry.user_id).where(VoterRollEntry.round_id == round_.id)),
                   User.id.not_in(select(VotingCode.user_id).where(VotingCode.round_id == round_.id))))


def code_candidates(round_: Round, query: str = "", limit: int = 200) -> tuple[list[User], int]:
    """The first `limit` residents who need a code (matching `query`), and how many need one in all."""
    stmt = _code_candidates(round_)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    if query:
        stmt = stmt.where(person_matches(query))
    return db.session.scalars(stmt.order_by(User.name, User.id).limit(limit)).all(), total


def issue_codes(round_: Round, facilitator: User, user_ids: list[int] | None):
    """Codes for these residents (None: everyone who needs one), returned once for printing:
    [(user, code)], batch number."""
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


def _usable_code(round_: Round, raw_code: str, throttle_key: str) -> tuple[VotingCode, User]:
    """The code's row and the resident it was issued to, if the code is right, unused, and that
    resident may vote with it now; otherwise a plain reason. Wrong codes count towards the throttle."""
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
    user = db.session.get(User, row.user_id)
    problem = why_not_eligible(round_, user) or why_not_again(round_, has_voted(round_, user), CODE)
    if problem:
        raise ServiceError(problem, field="code")
    return row, user


def resident_for_code(round_: Round, raw_code: str, throttle_key: str) -> User:
    """The resident a code was issued to, if they may vote with it now; refuses with a plain reason."""
    return _usable_code(round_, raw_code, throttle_key)[1]


def cast_with_code(round_: Round, raw_code: str, raw: dict, throttle_key: str) -> str:
    """Vote with a code: the code is used up in the same transaction as the ballot is cast."""
    row, user = _usable_code(round_, raw_code, throttle_key)
    choices = stored_choices(round_, raw)
    tracker = new_code()
    try:
        with transaction():
            claimed = db.session.execute(
                update(VotingCode).where(VotingCode.id == row.id, VotingCode.used_at.is_(None))
                .values(used_at=utcnow()))
            if claimed.rowcount != 1:
                raise ServiceError("That code has already been used to vote. Each code works once", field="code")
            db.session.add(roll_entry(round_, user, CODE))
            db.session.flush()  # the roll before the box
            # Code ballots cannot be replaced: the code is spent.
            db.session.add(Ballot(id=secrets.token_hex(16), round_id=round_.id, choices=choices, replace_key=None,
                                  tracker_hash=tracker_hash(tracker)))
            record("ballot.cast", round_, actor=user, neighbourhood=round_.neighbourhood, payload={"method": CODE})
    except IntegrityError as exc:
        raise _refusal(exc, "This resident has already voted in this round", field="code") from None
    return tracker
