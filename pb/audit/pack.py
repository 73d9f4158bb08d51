"""Verifying an auditor pack without the app: only the standard library's sqlite3, pb.audit and
pb.counting. Every ledger hash is re-derived, every checkpoint signature checked (against the key
you trust, if you give it), consistency between checkpoints proven, the ballots checked against
the digest the count recorded in the ledger, and the result recounted."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from pb.counting import count

from . import checkpoint as notes
from .accounts import check_accounts, check_returns
from .boards import check_board
from .chain import verify_chain
from .consultations import check_consultations
from .merkle import consistency_proof, entry_leaf, root, verify_consistency
from .money import check_money
from .plans import check_plan
from .recount import ballots_digest, pot_election

RESULT_ACTIONS = ("round.counted", "result.project_declined")


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _open(path: str | Path) -> sqlite3.Connection:
    if not Path(path).is_file():
        raise FileNotFoundError(path)
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def _table(conn, name: str) -> list[sqlite3.Row]:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    if not exists:
        return []
    order = {"entries": "seq", "checkpoints": "id", "ballots": "n", "proposals": "number", "pots": "id",
             "result": "id", "meta": "key", "receipts": "n", "grants": "reference", "payments": "id",
             "consultations": "id", "consultation_responses": "consultation_id, id", "engagement": "id",
             "plan_versions": "number", "plan_progress": "intervention, financial_year", "plan_outputs": "id",
             "plan_output_totals": "intervention, output", "board_decisions": "seq", "grant_funds": "reference",
             "fund_years": "fund, financial_year", "fund_receipts": "id", "drawdown_fees": "drawdown",
             "funder_repayments": "id", "bank_items": "line", "accounts": "fund, financial_year",
             "monitoring_returns": "id"}.get(name, "rowid")
    return conn.execute(f"SELECT * FROM {name} ORDER BY {order}").fetchall()  # noqa: S608 (fixed names)


TABLES = ("meta", "entries", "checkpoints", "pots", "proposals", "ballots", "receipts", "result", "grants", "payments",
          "consultations", "consultation_responses", "engagement", "plan_versions", "plan_progress", "plan_outputs",
          "plan_output_totals", "board_decisions", "grant_funds", "fund_years", "fund_receipts", "drawdown_fees",
          "funder_repayments", "bank_items", "accounts", "monitoring_returns")


def load(path: str | Path) -> dict[str, list[dict]]:
    """Every table of the pack as plain rows."""
    conn = _open(path)
    try:
        return {name: [dict(row) for row in _table(conn, name)] for name in TABLES}
    finally:
        conn.close()


def verify_pack(path: str | Path, trusted_key: str | None = None) -> Report:
    try:
        tables = load(path)
    except sqlite3.DatabaseError as exc:
        report = Report()
        report.problems.append(f"not an auditor pack: {exc}")
        return report
    return verify_tables(tables, trusted_key)


def verify_tables(tables: dict[str, list[dict]], trusted_key: str | None = None, *, first_failure: bool = False) -> Report:
    """Never raises on a damaged pack: anything malformed is a FAIL with its reason. With
    `first_failure`, stops after the first check that fails (the ledger, the checkpoints, then the
    rest) instead of running every check: enough to know a pack is bad, and far quicker."""
    try:
        return _verify(tables, trusted_key, first_failure)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        report = Report()
        report.problems.append(f"the pack is malformed: {type(exc).__name__}: {exc}")
        return report


def _verify(tables: dict[str, list[dict]], trusted_key: str | None, first_failure: bool = False) -> Report:
    report = Report()
    try:
        meta = {row["key"]: json.loads(row["value"]) for row in tables["meta"]}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        report.problems.append(f"not an auditor pack: {exc}")
        return report
    if meta.get("format") != "pb-auditor-pack/1":
        report.problems.append(f"not an auditor pack this verifier knows (format {meta.get('format')!r})")
        return report
    log = meta["log"]

    # 1. The hash chain.
    try:
        entries = [{"log": log, "seq": r["seq"], "at": r["at"], "actor": r["actor"], "action": r["action"],
                    "subject_type": r["subject_type"], "subject_id": r["subject_id"], "payload": json.loads(r["payload"]),
                    "prev_hash": r["prev_hash"], "hash": r["hash"]} for r in tables["entries"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        report.problems.append(f"ledger entries are unreadable: {exc}")
        return report
    problem = verify_chain(entries, log=log)
    if problem:
        report.problems.append(f"ledger: {problem}")
    else:
        report.facts.append(f"ledger {log}: {len(entries):,} entries, every hash re-derived")
    if first_failure and report.problems:
        return report

    # 2. Checkpoints: signatures, roots, consistency.
    key = meta.get("verifier_key", "")
    if trusted_key is not None and trusted_key.strip() != key:
        report.problems.append("the pack's checkpoints are signed with a different key from the one you trust")
        key = trusted_key.strip()
    elif trusted_key is None:
        report.warnings.append("no trusted key given (--key): checked against the key inside the pack, which only "
                               "proves the pack agrees with itself. Get the key from the neighbourhood's public "
                               "checkpoint page")
    leaves = [entry_leaf(e) for e in entries]
    previous = None
    checkpoints = tables["checkpoints"]
    for row in checkpoints:
        label = f"checkpoint {row['id']} (size {row['size']})"
        try:
            point = notes.verify(row["note"], key)
        except (notes.CheckpointError, TypeError, AttributeError) as exc:
            report.problems.append(f"{label}: {exc}")
            continue
        if point.size != row["size"] or point.root.hex() != row["root_hash"]:
            report.problems.append(f"{label}: the signed note says size {point.size}, root {point.root.hex()[:16]}..., "
                                   "not what the table says")
            continue
        if not point.origin.endswith("/" + log):
            report.problems.append(f"{label}: signed for {point.origin}, not for {log}")
        if point.size > len(leaves):
            report.problems.append(f"{label}: covers {point.size} entries but the ledger has only {len(leaves)} "
                                   "(entries removed)")
            continue
        if root(leaves[:point.size]) != point.root:
            report.problems.append(f"{label}: the ledger's first {point.size} entries do not give the signed root "
                                   "(history changed)")
            continue
        if previous is not None:
            if point.size < previous.size or not verify_consistency(
                    previous.size, point.size, previous.root, point.root,
                    consistency_proof(leaves[:point.size], previous.size) if previous.size else []):
                report.problems.append(f"{label}: not consistent with the checkpoint before it")
        previous = point
    if checkpoints and not report.problems:
        report.facts.append(f"{len(checkpoints)} checkpoints: signatures valid, roots match, each consistent with the last")
    if not checkpoints:
        report.problems.append("the pack has no signed checkpoint")
    elif previous is not None and previous.size < len(entries):
        report.warnings.append(f"{len(entries) - previous.size} entries after the last checkpoint are not yet signed")
    if first_failure and report.problems:
        return report

    # 3. The money: grants and payments against what the ledger recorded.
    check_money(tables, entries, report)

    # 4. Each consultation's published results, recounted from its responses as published.
    check_consultations(tables, entries, report)

    # 5. The neighbourhood plan's versions against the ledger, and its progress recomputed.
    check_plan(tables, entries, report)

    # 6. The board's decision log against the ledger's decisions.
    check_board(tables, entries, report)

    # 7. Each year's receipts and payments accounts, recomputed from the rows they stand on.
    check_accounts(tables, entries, report)
    check_returns(tables, entries, report)
    if first_failure and report.problems:
        return report

    # 8. Ballots against the ledger, then the recount.
    result_rows = tables["result"]
    if not result_rows:
        report.warnings.append("the round has no result yet: nothing to recount")
        return report
    result = result_rows[-1]
    stored = json.loads(result["result"])
    try:
        ballots = [json.loads(r["choices"]) for r in tables["ballots"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        report.problems.append(f"ballots are unreadable: {exc}")
        return report
    digest = ballots_digest(ballots)
    round_id = meta["round_id"]
    decisive = [e for e in entries if e["action"] in RESULT_ACTIONS and e["payload"].get("round") == round_id]
    if not decisive:
        report.problems.append("the ledger has no count entry for this round")
        return report
    last = decisive[-1]["payload"]
    if digest != result["ballots_sha256"] or digest != last.get("ballots_sha256"):
        report.problems.append("the ballots are not the ones counted: their SHA-256 differs from the digest the count "
                               "recorded in the ledger")
    if "receipts_root" in last:
        receipt_leaves = [bytes.fromhex(r["leaf"]) for r in tables.get("receipts", [])]
        if len(receipt_leaves) != len(ballots) or root(receipt_leaves).hex() != last["receipts_root"]:
            report.problems.append("the receipts do not give the receipts root the count recorded in the ledger")
        else:
            report.facts.append(f"{len(receipt_leaves):,} receipts: their tree gives the root the count recorded")
    if len(ballots) != result["ballot_count"]:
        report.problems.append(f"{len(ballots)} ballots in the pack, but the count says {result['ballot_count']}")
    proposals = [dict(r) for r in tables["proposals"]]
    by_number = {p["number"]: p["id"] for p in proposals}
    declined = {by_number.get(e["payload"].get("declined")) for e in decisive if e["action"] == "result.project_declined"}
    for pot in tables["pots"]:
        recorded = stored.get(str(pot["id"]))
        election = pot_election(meta["ballot_type"], pot["id"], pot["name"], pot["amount"], proposals, ballots,
                                exclude=declined, max_length=meta.get("ballot_max"))
        if not election.projects:
            continue
        recount = [int(n) for n in count(election, result["rule"], explain=False).selected]
        if recorded is None or recount != recorded["selected_numbers"]:
            report.problems.append(f"{pot['name']}: recounting with {result['rule']} funds "
                                   f"{', '.join(f'P-{n}' for n in recount) or 'nothing'}, but the result says "
                                   f"{', '.join(f'P-{n}' for n in (recorded or {}).get('selected_numbers', [])) or 'nothing'}")
        elif last.get("selected", {}).get(pot["name"]) != recount:
            report.problems.append(f"{pot['name']}: the result differs from the one recorded in the ledger")
        else:
            report.facts.append(f"{pot['name']}: recounted {len(ballots):,} ballots with {result['rule']}: "
                                f"{', '.join(f'P-{n}' for n in recount)}, as published")
    return report
