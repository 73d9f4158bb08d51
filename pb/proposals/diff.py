"""Compare two versions of a proposal, word by word, for the history page."""
from __future__ import annotations

from pb.money import pounds
from pb.text import word_diff

from .models import FIELD_LABELS, TEXT_FIELDS


def _cost_text(snapshot: dict) -> str:
    lines = [f"{c['item']} ({c['kind']}, {c['financial_year']}): {pounds(c['amount'])}" for c in snapshot.get("cost_lines", [])]
    total = f"Total: {pounds(snapshot.get('total_cost', 0))}"
    if snapshot.get("adjusted_cost") is not None:
        total += f"; adjusted by a facilitator to {pounds(snapshot['adjusted_cost'])}: {snapshot.get('adjusted_reason') or ''}"
    return "\n".join(lines + [total])


def compare(old: dict, new: dict) -> list[dict]:
    """One row per part that changed: {label, parts}."""
    rows = []
    for name in (*TEXT_FIELDS, "category", "pot", "group_name", "intervention"):
        if (old.get(name) or "") != (new.get(name) or ""):
            rows.append({"label": FIELD_LABELS[name], "parts": word_diff(str(old.get(name) or ""), str(new.get(name) or ""))})
    old_cost, new_cost = _cost_text(old), _cost_text(new)
    if old_cost != new_cost:
        rows.append({"label": FIELD_LABELS["cost_lines"], "parts": word_diff(old_cost, new_cost)})
    return rows
