"""Compare two versions of a proposal, word by word, for the history page."""
from __future__ import annotations

import difflib
import re

from pb.money import pounds

from .models import FIELD_LABELS, TEXT_FIELDS

_WORDS = re.compile(r"\s+|[^\s]+")


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(kind, text)] with kind 'same', 'removed' or 'added'."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("removed", "".join(a[i1:i2])))
            if j2 > j1:
                out.append(("added", "".join(b[j1:j2])))
    return out


def _cost_text(snapshot: dict) -> str:
    lines = [f"{c['item']} ({c['kind']}, {c['financial_year']}): {pounds(c['amount'])}" for c in snapshot.get("cost_lines", [])]
    total = f"Total: {pounds(snapshot.get('total_cost', 0))}"
    if snapshot.get("adjusted_cost") is not None:
        total += f"; adjusted by a facilitator to {pounds(snapshot['adjusted_cost'])}: {snapshot.get('adjusted_reason') or ''}"
    return "\n".join(lines + [total])


def compare(old: dict, new: dict) -> list[dict]:
    """One row per part that changed: {label, parts}."""
    rows = []
    for name in (*TEXT_FIELDS, "category", "pot", "group_name"):
        if (old.get(name) or "") != (new.get(name) or ""):
            rows.append({"label": FIELD_LABELS[name], "parts": _word_diff(str(old.get(name) or ""), str(new.get(name) or ""))})
    old_cost, new_cost = _cost_text(old), _cost_text(new)
    if old_cost != new_cost:
        rows.append({"label": FIELD_LABELS["cost_lines"], "parts": _word_diff(old_cost, new_cost)})
    return rows
