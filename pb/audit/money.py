"""The money in an auditor pack, checked against the ledger: every payment and return the pack lists
must be one the ledger recorded (same amount, same kind, paid only if it was paid or approved), none
may be missing, and every grant's amount must be the last one the ledger agreed. Standard library only."""
from __future__ import annotations

PAID, AWAITING = "paid", "awaiting_approval"


def ledger_money(entries: list[dict]) -> tuple[dict[str, dict], dict[str, int]]:
    """({payment id: {"grant", "kind", "amount", "status"}}, {grant reference: amount}) as the ledger tells it."""
    payments: dict[str, dict] = {}
    grants: dict[str, int] = {}
    for entry in entries:
        action, payload, subject = entry["action"], entry["payload"], str(entry["subject_id"])
        if action == "payment.recorded":
            payments[subject] = {"grant": payload["grant"], "kind": "payment", "amount": payload["amount"],
                                 "status": payload["status"]}
        elif action == "payment.approved" and subject in payments:
            payments[subject]["status"] = PAID
        elif action == "payment.voided" and subject in payments:
            payments[subject]["status"] = "voided"
        elif action == "payment.returned":
            payments[subject] = {"grant": payload["grant"], "kind": "return", "amount": payload["amount"], "status": PAID}
        elif action == "round.phase_changed":
            for offer in payload.get("grants_offered", []):
                grants[offer["grant"]] = offer["amount"]
        elif action in ("grant.capacity_grant_proposed", "grant.direct_grant_proposed"):
            grants[payload["grant"]] = payload["amount"]
        elif action in ("grant.decision_proposed", "grant.decision_approved", "grant.decision_made_at_meeting") \
                and payload.get("made") \
                and "amount" in payload:
            grants[payload["grant"]] = payload["amount"]
    return payments, grants


def check_money(tables: dict[str, list[dict]], entries: list[dict], report) -> None:
    recorded, amounts = ledger_money(entries)
    pack_payments = {str(row["id"]): row for row in tables.get("payments", [])}
    pack_grants = {row["reference"]: row for row in tables.get("grants", [])}
    if not recorded and not pack_payments and not amounts and not pack_grants:
        return
    before = len(report.problems)
    for payment_id, row in pack_payments.items():
        ledger = recorded.get(payment_id)
        if ledger is None:
            report.problems.append(f"payment {payment_id} ({row['grant']}, {row['amount']}p) is in the pack but the "
                                   "ledger never recorded it")
            continue
        for key in ("grant", "kind", "amount", "status"):
            if row[key] != ledger[key]:
                report.problems.append(f"payment {payment_id}: the pack says {key} {row[key]!r}, the ledger "
                                       f"recorded {ledger[key]!r}")
    for payment_id in sorted(set(recorded) - set(pack_payments), key=int):
        report.problems.append(f"payment {payment_id} ({recorded[payment_id]['grant']}) was recorded in the ledger "
                               "but is missing from the pack")
    for reference, row in pack_grants.items():
        if reference not in amounts:
            report.problems.append(f"grant {reference} is in the pack but the ledger never recorded it")
        elif row["amount"] != amounts[reference]:
            report.problems.append(f"grant {reference}: the pack says {row['amount']}p, the ledger last agreed "
                                   f"{amounts[reference]}p")
    if len(report.problems) == before:
        paid = sum(p["amount"] for p in recorded.values() if p["kind"] == "payment" and p["status"] == PAID)
        returned = sum(p["amount"] for p in recorded.values() if p["kind"] == "return")
        report.facts.append(f"{len(pack_grants)} grants and {len(pack_payments)} payments agree with the ledger: "
                            f"£{paid / 100:,.2f} paid, £{returned / 100:,.2f} returned")
