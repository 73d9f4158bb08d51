"""Turning a round's stored ballots into pb.counting elections, one per pot. Pure: the app counts
with it and the pack verifier recounts with it, so both see exactly the same election."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from pb.counting import Election, Project


def pot_election(kind: str, pot_id: int, pot_name: str, amount: int, proposals: Iterable[dict],
                 ballots: Iterable[dict], *, exclude: Iterable[int] = (), max_length: int | None = None,
                 meta: dict | None = None) -> Election:
    """`proposals`: {"id", "number", "cost" (pence), "title", "pot_id"}; `ballots`: stored choices,
    {"<pot id>": [[proposal id, value], ...]}. Project ids are P-numbers. Money is counted in whole
    pounds when every cost and the budget are whole pounds, else in pence (mes-add1 raises each
    voter's budget one unit at a time, so the unit matters)."""
    excluded = set(exclude)
    on_pot = sorted((p for p in proposals if p["pot_id"] == pot_id and p["id"] not in excluded), key=lambda p: p["number"])
    by_id = {p["id"]: p for p in on_pot}
    unit = 100 if amount % 100 == 0 and all(p["cost"] % 100 == 0 for p in on_pot) else 1
    projects = {str(p["number"]): Project(str(p["number"]), p["cost"] // unit, p["title"], pot_name) for p in on_pot}
    kind = kind if kind in ("approval", "knapsack", "cumulative", "ordinal") else "approval"
    rows = []
    for ballot in ballots:
        chosen = [(by_id[pid], value) for pid, value in ballot.get(str(pot_id), []) if pid in by_id]
        if kind == "cumulative":
            rows.append(tuple((str(p["number"]), value) for p, value in chosen))
        elif kind == "ordinal":
            rows.append(tuple(str(p["number"]) for p, value in sorted(chosen, key=lambda c: c[1])))
        else:
            rows.append(tuple(str(p["number"]) for p, _ in chosen))
    info = dict(meta or {})
    info["currency"] = "GBP" if unit == 100 else "GBP (costs and budget in pence)"
    if kind == "ordinal" and max_length:
        info["max_length"] = str(max_length)
    return Election(projects, amount // unit, kind, rows, None, info)


def ballots_digest(choices: Iterable[dict]) -> str:
    """SHA-256 of the ballot set, independent of the order the ballots are stored in."""
    canonical = sorted(json.dumps(c, sort_keys=True, separators=(",", ":")) for c in choices)
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()
