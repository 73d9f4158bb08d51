"""The neighbourhood plan in an auditor pack: each version's content must give the SHA-256 the
ledger recorded at its last step, and the progress pb shows per intervention and year must equal
what the pack's grants and payments add up to, counted as the fund counts them."""
from __future__ import annotations

import json

from pb.counting.answers import digest  # the same canonical JSON digest the app records

ENDED = ("cancelled", "completed")


def _recorded(entries: list[dict]) -> dict[int, str]:
    """{version number: the content digest of the last plan entry that names it}."""
    out = {}
    for entry in entries:
        payload = entry["payload"]
        # Reviews record their own content's digest beside the version they review: not a version's.
        if entry["action"].startswith("plan.") and not entry["action"].startswith("plan.review") \
                and "content_sha256" in payload and "version" in payload:
            out[payload["version"]] = payload["content_sha256"]
    return out


def recompute(version: dict, grants: list[dict], payments: list[dict]) -> dict[tuple[str, str], dict]:
    """{(intervention, year): {"planned", "granted", "paid", "returned"}} from the version's investment
    plan and the grants tagged to its interventions."""
    keys = {i["key"] for i in version["interventions"]}
    out: dict[tuple[str, str], dict] = {}

    def cell(key, year):
        return out.setdefault((key, year), {"planned": 0, "granted": 0, "paid": 0, "returned": 0})

    for year, items in version["investment"].items():
        for key, amounts in items.items():
            cell(key, year)["planned"] += amounts.get("capital", 0) + amounts.get("revenue", 0)
    money: dict[str, dict] = {}
    for payment in payments:
        if payment["status"] == "voided":
            continue
        into = money.setdefault(payment["grant"], {"paid": 0, "returned": 0})
        if payment["kind"] == "return":
            into["returned"] += payment["amount"]
        elif payment["status"] == "paid":
            into["paid"] += payment["amount"]
    for grant in grants:
        if grant.get("intervention") not in keys:
            continue
        paid = money.get(grant["reference"], {}).get("paid", 0)
        returned = money.get(grant["reference"], {}).get("returned", 0)
        figures = cell(grant["intervention"], grant["financial_year"])
        figures["granted"] += paid if grant["status"] in ENDED else grant["amount"]
        figures["paid"] += paid
        figures["returned"] += returned
    return out


def check_plan(tables: dict, entries: list[dict], report) -> None:
    rows = tables.get("plan_versions", [])
    if not rows:
        return
    recorded = _recorded(entries)
    try:
        versions = {row["number"]: (row["status"], json.loads(row["content"])) for row in rows}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        report.problems.append(f"the plan's versions are unreadable: {exc}")
        return
    for number, (_, content) in sorted(versions.items()):
        if recorded.get(number) != digest(content):
            report.problems.append(f"the plan's version {number} is not the one the ledger recorded: its SHA-256 "
                                   "differs")
        else:
            report.facts.append(f"the plan's version {number} is the one the ledger recorded")
    # The version in force, as the app chooses it: the latest endorsed, else the latest approved.
    endorsed = [n for n, (status, _) in versions.items() if status == "endorsed"]
    approved = [n for n, (status, _) in versions.items() if status == "approved"]
    chosen = max(endorsed) if endorsed else max(approved) if approved else None
    if chosen is None:
        return
    try:
        expected = recompute(versions[chosen][1], tables.get("grants", []), tables.get("payments", []))
    except (KeyError, TypeError, ValueError) as exc:
        report.problems.append(f"the plan's progress cannot be recomputed: {exc}")
        return
    shown = {(r["intervention"], r["financial_year"]): {k: r[k] for k in ("planned", "granted", "paid", "returned")}
             for r in tables.get("plan_progress", [])}
    wrong = sorted(k for k in set(expected) | set(shown) if expected.get(k) != shown.get(k))
    if wrong:
        report.problems.append(f"the plan's progress differs from the grants and payments for "
                               f"{', '.join(f'{i} in {y}' for i, y in wrong[:5])}")
    else:
        report.facts.append(f"the plan's progress: {len(expected)} intervention-years recomputed from the grants "
                            "and payments, as shown")
    # Outputs: what each project reported, added up per intervention, as the plan page shows them.
    tags = {g["reference"]: g.get("intervention") for g in tables.get("grants", [])}
    achieved: dict[tuple[str, str], int] = {}
    for row in tables.get("plan_outputs", []):
        key = (tags.get(row["grant"]), row["output"])
        achieved[key] = achieved.get(key, 0) + row["amount"]
    shown = tables.get("plan_output_totals", [])
    off = [f"{r['intervention']} {r['output']}" for r in shown
           if achieved.get((r["intervention"], r["output"]), 0) != r["achieved"]]
    if off:
        report.problems.append(f"the plan's outputs differ from what projects reported for {', '.join(off[:5])}")
    elif shown:
        report.facts.append(f"the plan's outputs: {len(shown)} totals recomputed from {len(tables.get('plan_outputs', []))} "
                            "reports, as shown")
