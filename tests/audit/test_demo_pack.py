"""The demo's auditor pack, checked without the app (one seed for the checks of pb/audit/plans.py and
pb/audit/boards.py): each plan version against the digest the ledger recorded, the progress per
intervention recomputed from the pack's grants and payments, and the board's decision log against
the ledger's decisions."""
import copy
import json
from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from pb.accounts.models import User
from pb.audit.pack import load, verify_tables
from pb.auditing.pack import export
from pb.demo import seed
from pb.extensions import db
from pb.funds.models import Fund
from pb.ledger.checkpoints import verifier_key
from pb.reports import returns
from pb.reports.models import MonitoringReturn
from pb.rounds.models import Round


def _produce_this_years_six_monthly_update(app) -> int:
    """What the facilitator, a board member and the council's officer do with the demo's return that is
    due: write it, approve it twice, submit it."""
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        fund = db.session.scalar(select(Fund).where(Fund.name.like("Eastbrook Community Wealth Fund%")))
        return_ = returns.start_return(fund, users["facilitator@eastbrook.example"], kind="six_monthly",
                                       period_start=date(2026, 4, 1))
        returns.write(return_, users["facilitator@eastbrook.example"],
                      narrative={"summary": "=HYPERLINK(\"http://evil.example\") Residents chose 6 projects."},
                      forecast={"": 30_000_00, "skills_work": 5_000_00})
        returns.approve_as_board(db.session.get(MonitoringReturn, return_.id), users["chair@eastbrook.example"])
        returns.approve_as_body(db.session.get(MonitoringReturn, return_.id), users["finance@eastbrook-council.example"])
        returns.submit(db.session.get(MonitoringReturn, return_.id), users["facilitator@eastbrook.example"])
        return return_.id


def test_the_verifier_checks_the_plan_and_the_decision_log_against_the_ledger(app, tmp_path):
    with app.app_context():
        seed(echo=lambda *a, **k: None)
    return_id = _produce_this_years_six_monthly_update(app)
    with app.app_context():
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


    # The monitoring returns: the demo's two and the one just submitted, each the one the ledger recorded,
    # and the new one's money the same in the pack, the page, the JSON, the CSV and the spreadsheet.
    assert "3 submitted monitoring returns: each the one the ledger recorded, its money recomputed from the pack's rows" \
        in report.facts, report.problems
    row = next(r for r in tables["monitoring_returns"] if r["id"] == return_id)
    from pb.audit.accounts import recompute_return_money
    money = recompute_return_money(tables, row["fund"], "2026-04-01", "2026-09-30")
    assert money["total_received"] == 60_000_00 and money["fee"] == 2_000_00  # D-3 and the council's £20,000; 5% of D-3
    client = app.test_client()
    data = client.get(f"/n/eastbrook/returns/{return_id}.json").get_json()
    assert data["figures"]["money"]["total_received"] == money["total_received"]
    assert data["figures"]["money"]["total_spent"] == money["total_spent"] and data["figures"]["money"]["fee"] == money["fee"]
    book = load_workbook(BytesIO(client.get(f"/n/eastbrook/returns/{return_id}.xlsx").data))
    assert book.sheetnames == ["Summary", "Money", "Activities", "Outputs", "Projects", "Risks"]
    cells = {r[1]: r[6] for r in book["Money"].iter_rows(min_row=2, values_only=True)}
    assert cells["Total received"] * 100 == money["total_received"] and cells["Total spent on grants"] * 100 == money["total_spent"]
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Summary of the period"].startswith("=HYPERLINK") and book["Summary"]["B9"].data_type == "s"
    csv_text = client.get(f"/n/eastbrook/returns/{return_id}.csv").get_data(as_text=True)
    assert f"money,total,Total received,,,,,{money['total_received'] / 100}," in csv_text
    page = client.get(f"/n/eastbrook/returns/{return_id}").get_data(as_text=True)
    assert "£60,000" in page and "Submitted to the funder" in page
    cooked = copy.deepcopy(tables)
    content = json.loads(next(r for r in cooked["monitoring_returns"] if r["id"] == return_id)["content"])
    content["figures"]["money"]["fee"] -= 1
    next(r for r in cooked["monitoring_returns"] if r["id"] == return_id)["content"] = json.dumps(content)
    problems = verify_tables(cooked, key).problems
    assert any(f"return {return_id} is not the one the ledger recorded as submitted" in p for p in problems)
    assert any(f"return {return_id} says fee is 199999" in p for p in problems)
