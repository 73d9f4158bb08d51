"""The board's decision log in an auditor pack: the log pb publishes is read from the ledger, so
every row must stand on a ledger entry that made a board decision (same number, same hash), and
every such entry must be in the log. A log rewritten after the event, or one that drops a decision,
fails here. The app reads decisions with the same rules (pb.boards.decision_log)."""
from __future__ import annotations

# Entries that make a board decision when their payload says it was made, and the kind of decision.
MAKING = {"board.approved_rules": "rules", "board.changed_rule": "rules", "grant.decision_proposed": "grants",
          "grant.decision_approved": "grants", "grant.capacity_grant_proposed": "grants",
          "grant.direct_grant_proposed": "grants", "result.approved_by_member": "results", "plan.approved": "plan",
          "plan.review_approved": "plan", "plan.open_items_recorded": "plan", "consultation.approved": "consultations",
          "board.motion_recorded": "meetings", "grant.decision_made_at_meeting": "grants",
          "result.signed_off_at_meeting": "results"}


def made(action: str, payload: dict) -> bool:
    """Whether this entry made a decision (an approval short of the quorum does not)."""
    if action not in MAKING:
        return False
    if action in ("grant.decision_proposed", "grant.decision_approved", "grant.capacity_grant_proposed",
                  "grant.direct_grant_proposed", "plan.approved"):
        return bool(payload.get("made"))
    if action == "result.approved_by_member":
        return bool(payload.get("quorum_reached"))
    if action == "board.motion_recorded":
        return bool(payload.get("carried"))
    return True


def check_board(tables: dict, entries: list[dict], report) -> None:
    shown = tables.get("board_decisions", [])
    decided = {e["seq"]: e for e in entries if made(e["action"], e["payload"])}
    if not shown and not decided:
        return
    problems = []
    for row in shown:
        entry = decided.get(row["seq"])
        if entry is None:
            problems.append(f"the decision log's row for entry {row['seq']} stands on no decision in the ledger")
        elif entry["hash"] != row["hash"]:
            problems.append(f"the decision log's row for entry {row['seq']} names another entry's hash")
        elif MAKING[entry["action"]] != row["kind"]:
            problems.append(f"the decision log files entry {row['seq']} under the wrong kind")
    missing = sorted(set(decided) - {row["seq"] for row in shown})
    if missing:
        problems.append(f"the decision log leaves out {len(missing)} decision(s) the ledger holds, from entry "
                        f"{missing[0]}")
    if problems:
        report.problems.extend(problems[:5])
    else:
        report.facts.append(f"the board's decision log: {len(shown)} decisions, each on its ledger entry, none left out")
