"""Counting a round's ballots, turnout, receipts and their proof, and the public exports.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from pb.accounts.models import User
from pb.audit.merkle import leaf_hash
from pb.audit.recount import ballots_digest as digest_of
from pb.audit.recount import pot_election
from pb.counting import Election, count
from pb.counting.pabulib import from_election, writes
from pb.downloads import csv_text
from pb.extensions import db
from pb.ledger.checkpoints import covering, inclusion, sign_checkpoint
from pb.ledger.models import AuditEntry
from pb.ledger.services import existing_log, record
from pb.neighbourhoods.models import FACILITATOR, RESIDENT, Membership
from pb.neighbourhoods.services import require_role
from pb.proposals.models import ON_BALLOT, Proposal
from pb.rounds.models import COUNTING, Round
from pb.services import ServiceError, transaction

from . import receipts
from .casting import age_in, tracker_hash
from .models import METHODS, Ballot, CountResult, CountStatus, VoterRollEntry
from .paper import paper_problems

AGE_BANDS = (("under 16", 0, 15), ("16-24", 16, 24), ("25-34", 25, 34), ("35-49", 35, 49), ("50-64", 50, 64),
             ("65+", 65, 200))


# --- counting ---------------------------------------------------------------------------------------

def _ballot_rows(round_: Round) -> list[Ballot]:
    # Ordered by random id: the order says nothing about when each ballot came.
    return db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id).order_by(Ballot.id)).all()


def ballots_digest(rows: list[Ballot]) -> str:
    return digest_of(row.choices for row in rows)


def proposal_records(proposals) -> list[dict]:
    return [{"id": p.id, "number": p.number, "cost": p.cost, "title": p.title, "pot_id": p.pot_id} for p in proposals]


def election_for(round_: Round, pot, rows: list[Ballot], proposals: dict[int, Proposal],
                 exclude: set[int] = frozenset()) -> Election:
    """One pot as a pb.counting election (see pb.audit.recount, shared with the pack verifier)."""
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
        if birth_year is None:  # erased, or past the retention period: counted, age not known
            bands["Not known"] = bands.get("Not known", 0) + 1
            continue
        age = age_in(year, birth_year)
        label = next((label for label, low, high in AGE_BANDS if low <= age <= high), AGE_BANDS[-1][0])
        bands[label] += 1
    methods = {m: sum(1 for method, _ in rows if method == m) for m in METHODS}
    return {"voters": len(rows), "verified_residents": eligible, "by_method": methods, "by_age": bands}


def count_ballots(round_: Round, declined: set[int]) -> tuple[dict, list[Ballot]]:
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
                                                      CountResult.status != CountStatus.SUPERSEDED)):
        raise ServiceError("This round has already been counted")
    problems = paper_problems(round_)
    if problems:
        raise ServiceError("The count cannot run yet: " + "; ".join(problems))
    outcome, rows = count_ballots(round_, set())
    with transaction():
        result = CountResult(round_id=round_.id, rule=round_.counting_rule, ballots_sha256=ballots_digest(rows),
                             ballot_count=len(rows), result=outcome, turnout=turnout(round_), counted_by_id=actor.id)
        db.session.add(result)
        db.session.flush()
        leaves = receipt_leaves(rows)
        receipts.store(round_.id, leaves)
        record("round.counted", result, actor=actor, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "rule": result.rule, "ballots": len(rows),
                        "ballots_sha256": result.ballots_sha256,
                        "receipts_root": receipts.root(round_.id, len(leaves)).hex(),
                        "selected": {pot["pot"]: pot["selected_numbers"] for pot in outcome.values()}})
        sign_round_checkpoint(round_, "counted")
    return result


def sign_round_checkpoint(round_: Round, what: str) -> None:
    sign_checkpoint(round_.neighbourhood, f"{round_.name}: {what}")


def receipt_leaves(rows: list[Ballot]) -> list[bytes]:
    """The receipts tree: one leaf per ballot, SHA-256(0x00 || tracker hash), sorted, so the tree
    says which receipts were counted and nothing of what any ballot chose."""
    return sorted(leaf_hash(bytes.fromhex(row.tracker_hash)) for row in rows)


def round_receipt_leaves(round_: Round) -> list[bytes]:
    """The round's receipts tree leaves, reading only the tracker hashes."""
    return receipt_leaves(db.session.execute(select(Ballot.tracker_hash).where(Ballot.round_id == round_.id)).all())


def receipt_proof(round_: Round, tracker: str) -> dict | None:
    """Proof that the ballot with this receipt was counted: its leaf in the receipts tree whose root
    the count entry records, and that entry's inclusion in a signed checkpoint. None if the round
    has no count, or no counted ballot has this receipt."""
    result = current_result(round_)
    log = existing_log(round_.neighbourhood)
    if result is None or log is None:
        return None
    mine = leaf_hash(bytes.fromhex(tracker_hash(tracker)))
    index = receipts.index_of(round_.id, mine)
    if index is None:
        return None
    size = result.ballot_count  # the tree was stored when this count was made, over the same ballots
    receipts_root = receipts.root(round_.id, size).hex()
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.log_id == log.id, AuditEntry.action.in_(["round.counted", "result.project_declined"]))
        .order_by(AuditEntry.seq.desc())).all()
    entry = next((e for e in entries if json.loads(e.payload).get("receipts_root") == receipts_root), None)
    if entry is None:
        return None
    point = covering(log, entry.seq)
    proof = {"receipt_leaf": mine.hex(), "receipt_index": index, "receipts": size, "receipts_root": receipts_root,
             "receipt_path": [p.hex() for p in receipts.inclusion_path(round_.id, index, size)],
             "entry": entry.as_dict(log.name)}
    if point is not None:
        included = inclusion(log, entry, point)
        proof.update(entry_leaf=included["leaf"], entry_index=included["index"], checkpoint_size=point.size,
                     checkpoint_root=point.root_hash, checkpoint=point.note, entry_path=included["path"])
    return proof


def current_result(round_: Round) -> CountResult | None:
    return db.session.scalar(select(CountResult).where(CountResult.round_id == round_.id,
                                                       CountResult.status != CountStatus.SUPERSEDED)
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
    rows = [["pot", "proposal", "title", "cost_pence", "votes_or_points", "funded", "order_funded"]]
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id))}
    for pot in result.result.values():
        order = {pid: i for i, pid in enumerate(pot["selected"], 1)}
        for pid, score in sorted(pot["scores"].items(), key=lambda item: -item[1]):
            p = proposals[int(pid)]
            rows.append([pot["pot"], p.reference, p.title, p.cost, score, "yes" if int(pid) in order else "no",
                         order.get(int(pid), "")])
    return csv_text(rows)
