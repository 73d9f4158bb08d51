"""The demo's auditor pack, checked without the app (one seed for the checks of pb/audit/plans.py and
pb/audit/boards.py): each plan version against the digest the ledger recorded, the progress per
intervention recomputed from the pack's grants and payments, and the board's decision log against
the ledger's decisions."""
import copy
import json

from sqlalchemy import select

from pb.audit.pack import load, verify_tables
from pb.auditing.pack import export
from pb.demo import seed
from pb.extensions import db
from pb.ledger.checkpoints import verifier_key
from pb.rounds.models import Round


def test_the_verifier_checks_the_plan_and_the_decision_log_against_the_ledger(app, tmp_path):
    with app.app_context():
        seed(echo=lambda *a, **k: None)
        round_ = db.session.scalar(select(Round).where(Round.name == "Eastbrook Community Fund 2026/27"))
        path = tmp_path / "pack.db"
        counts = export(round_, path)
        key = verifier_key()
    assert counts["plan_versions"] == 2
    tables = load(path)
    report = verify_tables(tables, key)
    assert not [p for p in report.problems if "plan" in p], report.problems
    assert "the plan's version 1 is the one the ledger recorded" in report.facts
    assert any(f.startswith("the plan's progress:") for f in report.facts)
    skills = {r["financial_year"]: r for r in tables["plan_progress"] if r["intervention"] == "skills_work"}
    assert (skills["2026/27"]["planned"], skills["2026/27"]["granted"]) == (20_000_00, 8_000_00)
    assert skills["2027/28"]["planned"] == 20_000_00 and skills["2027/28"]["granted"] == 0

    rewritten = copy.deepcopy(tables)
    content = json.loads(rewritten["plan_versions"][0]["content"])
    content["vision"] += " And a casino."
    rewritten["plan_versions"][0]["content"] = json.dumps(content)
    assert any("version 1 is not the one the ledger recorded" in p for p in verify_tables(rewritten, key).problems)

    inflated = copy.deepcopy(tables)
    row = next(r for r in inflated["plan_progress"] if r["intervention"] == "skills_work")
    row["granted"] += 1_000_00
    assert any("progress differs from the grants and payments for skills_work in 2026/27" in p
               for p in verify_tables(inflated, key).problems)

    # The board's decision log: each row on the ledger entry that made the decision, none left out.
    assert not [p for p in report.problems if "decision log" in p], report.problems
    assert "the board's decision log: 14 decisions, each on its ledger entry, none left out" in report.facts
    kinds = {row["kind"] for row in tables["board_decisions"]}
    assert {"meetings", "grants", "results", "rules", "plan"} <= kinds

    dropped = copy.deepcopy(tables)
    gone = dropped["board_decisions"].pop()
    assert any(f"leaves out 1 decision(s) the ledger holds, from entry {gone['seq']}" in p
               for p in verify_tables(dropped, key).problems)
    moved = copy.deepcopy(tables)
    moved["board_decisions"][0]["seq"] += 1  # the row now claims the entry after it
    assert any("stands on no decision in the ledger" in p for p in verify_tables(moved, key).problems)
    rehashed = copy.deepcopy(tables)
    rehashed["board_decisions"][0]["hash"] = "0" * 64
    assert any("names another entry's hash" in p for p in verify_tables(rehashed, key).problems)

    # The receipts and payments accounts: every figure recomputed from the pack's rows, each row on the ledger.
    assert not [p for p in report.problems if "accounts" in p], report.problems
    assert any(f.startswith("2 years of receipts and payments accounts recomputed") for f in report.facts), report.facts
    last_year = json.loads(next(r for r in tables["accounts"] if r["financial_year"] == "2025/26")["figures"])
    assert (last_year["closing_balance"], last_year["accountable_body_fee"], last_year["bank_items_out"]) == \
        (87_005_62, 5_000_00, 6_00)  # the shipped statement's closing balance, 5% of £100,000, the bank's fee
    cooked = copy.deepcopy(tables)
    row = next(r for r in cooked["accounts"] if r["financial_year"] == "2025/26")
    figures = json.loads(row["figures"])
    figures["accountable_body_fee"] -= 1_000_00
    row["figures"] = json.dumps(figures)
    assert any("for 2025/26 say accountable_body_fee is 400000; the pack's rows add up to 500000" in p
               for p in verify_tables(cooked, key).problems)
    hidden = copy.deepcopy(tables)
    gone = hidden["bank_items"].pop()
    assert any(f"bank item {gone['line']} was recorded in the ledger but is missing" in p
               for p in verify_tables(hidden, key).problems)
    shifted = copy.deepcopy(tables)
    shifted["fund_receipts"][0]["amount"] += 1
    assert any("the ledger recorded 5000000p on 2025-05-20" in p for p in verify_tables(shifted, key).problems)
