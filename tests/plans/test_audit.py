"""The plan in the auditor pack, checked without the app: each version against the digest the ledger
recorded, and the progress per intervention recomputed from the pack's grants and payments."""
import copy
import json

from sqlalchemy import select

from pb.audit.pack import load, verify_tables
from pb.auditing.pack import export
from pb.demo import seed
from pb.extensions import db
from pb.ledger.checkpoints import verifier_key
from pb.rounds.models import Round


def test_the_verifier_checks_the_plan_versions_and_recomputes_its_progress(app, tmp_path):
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
