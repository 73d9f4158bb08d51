"""The board's decision log in the auditor pack, checked without the app: every row stands on the
ledger entry that made the decision, and none the ledger holds is left out."""
import copy

from sqlalchemy import select

from pb.audit.pack import load, verify_tables
from pb.auditing.pack import export
from pb.demo import seed
from pb.extensions import db
from pb.ledger.checkpoints import verifier_key
from pb.rounds.models import Round


def test_the_verifier_checks_the_decision_log_against_the_ledger(app, tmp_path):
    with app.app_context():
        seed(echo=lambda *a, **k: None)
        round_ = db.session.scalar(select(Round).where(Round.name == "Eastbrook Community Fund 2026/27"))
        path = tmp_path / "pack.db"
        export(round_, path)
        key = verifier_key()
    tables = load(path)
    report = verify_tables(tables, key)
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
