"""The receipts and payments accounts in an auditor pack, recomputed. Every receipt, fee, repayment to
the funder and explained bank item the pack lists must be one the ledger recorded (same amount, same
day); then each year's accounts as pb published them must equal the sums of those rows and of the
pack's payments, figure for figure. pb.reports.accounts adds them up the same way. Standard library only."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict

UNTAGGED = "Not tied to the plan"
FIGURES = ("opening_balance", "receipts_by_source", "money_paid_back_by_groups", "bank_items_in", "total_receipts",
           "grants_paid", "of_which_capacity_building", "accountable_body_fee", "returned_to_funder", "bank_items_out",
           "total_payments", "closing_balance", "restricted_capacity_building", "unrestricted")


def _year_bounds(financial_year: str) -> tuple[str, str]:
    start = int(financial_year[:4])
    return f"{start}-04-01", f"{start + 1}-03-31"


def movements(tables: dict, fund: int) -> list[dict]:
    """The fund's money in and out, as the pack lists it: {"on", "kind", "amount" (in positive), ...}."""
    grants = {row["reference"]: row for row in tables.get("grants", [])}
    funds = {row["reference"]: row["fund"] for row in tables.get("grant_funds", [])}
    out = [{"on": r["received_on"], "kind": "receipt", "amount": r["amount"], "source": r["source"]}
           for r in tables.get("fund_receipts", []) if r["fund"] == fund]
    for p in tables.get("payments", []):
        if funds.get(p["grant"]) != fund or p["status"] != "paid":
            continue
        grant = grants.get(p["grant"], {})
        out.append({"on": p["paid_on"], "kind": "payment" if p["kind"] == "payment" else "group_return",
                    "amount": -p["amount"] if p["kind"] == "payment" else p["amount"],
                    "intervention": grant.get("intervention") or "", "spend": p["spend"],
                    "capacity": bool(grant.get("capacity_building"))})
    out += [{"on": f["received_on"], "kind": "fee", "amount": -f["fee"]}
            for f in tables.get("drawdown_fees", []) if f["fund"] == fund]
    out += [{"on": r["returned_on"], "kind": "repayment", "amount": -r["amount"]}
            for r in tables.get("funder_repayments", []) if r["fund"] == fund]
    out += [{"on": b["booked_on"], "kind": "explained", "amount": b["amount"]}
            for b in tables.get("bank_items", []) if b["fund"] == fund]
    return out


def recompute(tables: dict, fund: int, financial_year: str) -> dict:
    """A year's accounts from the pack's rows, named as pb publishes them (pence)."""
    first, last = _year_bounds(financial_year)
    everything = [m for m in movements(tables, fund) if m["on"] <= last]
    opening = sum(m["amount"] for m in everything if m["on"] < first)
    year = [m for m in everything if m["on"] >= first]
    receipts: dict[str, int] = defaultdict(int)
    grants: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    figures = dict.fromkeys(("money_paid_back_by_groups", "bank_items_in", "of_which_capacity_building",
                             "accountable_body_fee", "returned_to_funder", "bank_items_out"), 0)
    for m in year:
        kind, amount = m["kind"], m["amount"]
        if kind == "receipt":
            receipts[m["source"]] += amount
        elif kind == "group_return":
            figures["money_paid_back_by_groups"] += amount
        elif kind == "payment":
            grants[m["intervention"] or UNTAGGED][1 if m["spend"] == "capital" else 0] -= amount
            if m["capacity"]:
                figures["of_which_capacity_building"] -= amount
        elif kind == "fee":
            figures["accountable_body_fee"] -= amount
        elif kind == "repayment":
            figures["returned_to_funder"] -= amount
        elif amount > 0:
            figures["bank_items_in"] += amount
        else:
            figures["bank_items_out"] -= amount
    total_receipts = sum(receipts.values()) + figures["money_paid_back_by_groups"] + figures["bank_items_in"]
    total_grants = sum(revenue + capital for revenue, capital in grants.values())
    total_payments = (total_grants + figures["accountable_body_fee"] + figures["returned_to_funder"]
                      + figures["bank_items_out"])
    closing = opening + total_receipts - total_payments
    ring_fenced = sum(y["capacity"] for y in tables.get("fund_years", [])
                      if y["fund"] == fund and y["financial_year"] <= financial_year)
    capacity_spent = -sum(m["amount"] for m in everything if m.get("capacity"))
    restricted = max(0, min(ring_fenced - capacity_spent, closing))
    return {"opening_balance": opening, "receipts_by_source": dict(sorted(receipts.items())), **figures,
            "total_receipts": total_receipts,
            "grants_paid": [{"intervention": name, "revenue": revenue, "capital": capital}
                            for name, (revenue, capital) in sorted(grants.items())],
            "total_payments": total_payments, "closing_balance": closing,
            "restricted_capacity_building": restricted, "unrestricted": closing - restricted}


def _ledger_rows(entries: list[dict]) -> dict[str, dict[str, dict]]:
    """What the ledger recorded of each kind of row the accounts stand on, by the row's id."""
    rows: dict[str, dict[str, dict]] = {"receipt": {}, "fee": {}, "repayment": {}, "bank_item": {}}
    for entry in entries:
        action, payload, subject = entry["action"], entry["payload"], str(entry["subject_id"])
        if action == "fund.money_received":
            rows["receipt"][subject] = {"amount": payload["amount"], "on": payload["received_on"]}
        elif action == "drawdown.received" and payload.get("fee"):
            rows["fee"][subject] = {"amount": payload["fee"], "on": payload["received_on"]}
        elif action == "agreement.repaid":
            rows["repayment"][subject] = {"amount": payload["amount"], "on": payload["returned_on"]}
        elif action == "bank.line_explained":
            rows["bank_item"][str(payload["line"])] = {"amount": payload["amount"], "on": payload["on"]}
        elif action in ("bank.line_matched", "bank.match_cleared"):
            rows["bank_item"].pop(str(payload["line"]), None)
    return rows


def check_accounts(tables: dict, entries: list[dict], report) -> None:
    published = tables.get("accounts", [])
    if not published:
        return
    before = len(report.problems)
    ledger = _ledger_rows(entries)
    for kind, table, key, amount, on in (("receipt", "fund_receipts", "id", "amount", "received_on"),
                                         ("fee", "drawdown_fees", "drawdown", "fee", "received_on"),
                                         ("repayment", "funder_repayments", "id", "amount", "returned_on"),
                                         ("bank_item", "bank_items", "line", "amount", "booked_on")):
        listed = {str(row[key]): row for row in tables.get(table, [])}
        for row_id, row in listed.items():
            recorded = ledger[kind].get(row_id)
            if recorded is None:
                report.problems.append(f"{kind.replace('_', ' ')} {row_id} is in the pack's accounts but the ledger "
                                       "never recorded it")
            elif (recorded["amount"], recorded["on"]) != (row[amount], row[on]):
                report.problems.append(f"{kind.replace('_', ' ')} {row_id}: the pack says {row[amount]}p on {row[on]}, "
                                       f"the ledger recorded {recorded['amount']}p on {recorded['on']}")
        for row_id in sorted(set(ledger[kind]) - set(listed)):
            report.problems.append(f"{kind.replace('_', ' ')} {row_id} was recorded in the ledger but is missing from "
                                   "the pack's accounts")
    for row in published:
        claimed = json.loads(row["figures"])
        mine = recompute(tables, row["fund"], row["financial_year"])
        for name in FIGURES:
            if claimed.get(name) != mine[name]:
                report.problems.append(f"the accounts of fund {row['fund']} for {row['financial_year']} say {name} is "
                                       f"{claimed.get(name)!r}; the pack's rows add up to {mine[name]!r}")
    if len(report.problems) == before:
        report.facts.append(f"{len(published)} years of receipts and payments accounts recomputed from the pack's "
                            "receipts, payments, fees and bank items: every figure agrees")


def _digest(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def recompute_return_money(tables: dict, fund: int, first: str, last: str) -> dict:
    """A return's cash for its period, from the pack's rows, as pb.reports.returnfigures names it."""
    received: dict[str, int] = defaultdict(int)
    spent: dict[str, dict[str, int]] = defaultdict(lambda: {"revenue": 0, "capital": 0})
    out = {"paid_back_by_groups": 0, "fee": 0, "returned_to_funder": 0}
    for m in movements(tables, fund):
        if not first <= m["on"] <= last:
            continue
        if m["kind"] == "receipt":
            received[m["source"]] += m["amount"]
        elif m["kind"] == "payment":
            spent[m["intervention"]]["capital" if m["spend"] == "capital" else "revenue"] -= m["amount"]
        elif m["kind"] == "group_return":
            out["paid_back_by_groups"] += m["amount"]
        elif m["kind"] == "fee":
            out["fee"] -= m["amount"]
        elif m["kind"] == "repayment":
            out["returned_to_funder"] -= m["amount"]
    return {"received_by_source": dict(sorted(received.items())), "total_received": sum(received.values()),
            "spent": {key: spent[key] for key in sorted(spent)},
            "total_spent": sum(v["revenue"] + v["capital"] for v in spent.values()), **out}


def check_returns(tables: dict, entries: list[dict], report) -> None:
    """Each submitted return is the one the ledger recorded (its digest), and its money adds up."""
    submitted = tables.get("monitoring_returns", [])
    recorded = {str(e["subject_id"]): e["payload"] for e in entries if e["action"] == "return.submitted"}
    if not submitted and not recorded:
        return
    before = len(report.problems)
    for row in submitted:
        content = json.loads(row["content"])
        ledger = recorded.get(str(row["id"]))
        if ledger is None:
            report.problems.append(f"return {row['id']} is in the pack but the ledger never recorded it being submitted")
            continue
        if _digest(content) != ledger["sha256"]:
            report.problems.append(f"return {row['id']} is not the one the ledger recorded as submitted: it was "
                                   "changed afterwards")
        money = content["figures"]["money"]
        mine = recompute_return_money(tables, row["fund"], row["period_start"], row["period_end"])
        claimed = {"received_by_source": money["received_by_source"], "total_received": money["total_received"],
                   "spent": {line["intervention"]: {"revenue": line["revenue"], "capital": line["capital"]}
                             for line in money["by_intervention"] if line["revenue"] or line["capital"]},
                   "total_spent": money["total_spent"], "paid_back_by_groups": money["paid_back_by_groups"],
                   "fee": money["fee"], "returned_to_funder": money["returned_to_funder"]}
        for name, value in mine.items():
            if claimed[name] != value:
                report.problems.append(f"return {row['id']} says {name} is {claimed[name]!r}; the pack's rows for "
                                       f"{row['period_start']} to {row['period_end']} add up to {value!r}")
    for return_id in sorted(set(recorded) - {str(row["id"]) for row in submitted}, key=int):
        report.problems.append(f"return {return_id} was submitted in the ledger but is missing from the pack")
    if len(report.problems) == before:
        report.facts.append(f"{len(submitted)} submitted monitoring returns: each the one the ledger recorded, its "
                            "money recomputed from the pack's rows")
