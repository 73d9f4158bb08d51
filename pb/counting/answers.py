"""Tallying a consultation's answers: pure Python, no Flask and no database.

The app shows these figures, and an auditor recomputes them from the published response data
with the same code (`python -m pb.audit` on a pack), so both sides agree by construction and a
test checks them against a hand count.

Questions are dicts {"id", "kind", "options", "about_group"}; responses are dicts of answers
{"<question id>": answer} as pb stores them; written answers are counted as answered or not.
"""
from __future__ import annotations

import hashlib
import json
from statistics import median

ONE, SEVERAL, RANK, SCALE, TEXT, ABOUT = "one", "several", "rank", "scale", "text", "about"
PREFER_NOT = "prefer_not"
# A group with fewer people than this is not shown on its own: with so few, the answers of one
# person could be picked out.
SMALLEST_GROUP = 10


def tally_question(question: dict, answers: list) -> dict:
    """The figures for one question over the answers given to it (None = not answered)."""
    given = [a for a in answers if a is not None and a != "" and a != []]
    options = question.get("options") or []
    kind = question["kind"]
    figures = {"answered": len(given), "skipped": len(answers) - len(given)}
    if kind in (ONE, ABOUT):
        counts = [0] * len(options)
        prefer_not = 0
        for a in given:
            if a == PREFER_NOT:
                prefer_not += 1
            else:
                counts[a] += 1
        figures["counts"] = counts
        if kind == ABOUT:
            figures["prefer_not"] = prefer_not
    elif kind == SEVERAL:
        counts = [0] * len(options)
        for a in given:
            for index in a:
                counts[index] += 1
        figures["counts"] = counts
    elif kind == RANK:
        first = [0] * len(options)
        ranked = [0] * len(options)
        rank_sums = [0] * len(options)
        for a in given:
            first[a[0]] += 1
            for place, index in enumerate(a, start=1):
                ranked[index] += 1
                rank_sums[index] += place
        figures["first"] = first
        figures["ranked"] = ranked
        figures["mean_rank"] = [round(rank_sums[i] / ranked[i], 2) if ranked[i] else None for i in range(len(options))]
    elif kind == SCALE:
        counts = [0] * 11
        for a in given:
            counts[a] += 1
        figures["counts"] = counts
        figures["mean"] = round(sum(given) / len(given), 2) if given else None
        figures["median"] = median(given) if given else None
    return figures


def tally(questions: list[dict], responses: list[dict]) -> dict:
    """Every question's figures, and breakdowns by each "about you" answer: {"responses": n,
    "questions": {"<id>": figures}, "breakdowns": {"<about id>": {"<option index>": {"people": n,
    "questions": {...}} or {"people": n, "suppressed": True}}}}."""
    result = {"responses": len(responses), "questions": {}, "breakdowns": {}}
    for question in questions:
        key = str(question["id"])
        result["questions"][key] = tally_question(question, [r.get(key) for r in responses])
    for about in questions:
        if about["kind"] != ABOUT:
            continue
        about_key = str(about["id"])
        groups = {}
        for index in range(len(about.get("options") or [])):
            members = [r for r in responses if r.get(about_key) == index]
            if len(members) < SMALLEST_GROUP:
                groups[str(index)] = {"people": len(members), "suppressed": True}
                continue
            groups[str(index)] = {"people": len(members), "questions": {
                str(q["id"]): tally_question(q, [r.get(str(q["id"])) for r in members])
                for q in questions if q["kind"] not in (ABOUT, TEXT)}}
        result["breakdowns"][about_key] = groups
    return result


def count_published(data: dict) -> dict:
    """The figures from a consultation's published data (its download, or the auditor pack):
    {"questions": [...], "responses": [{"id", "method", "answers"}, ...]}."""
    figures = tally(data["questions"], [r["answers"] for r in data["responses"]])
    figures["methods"] = {method: sum(1 for r in data["responses"] if r["method"] == method)
                          for method in ("online", "paper")}
    return figures


def digest(value) -> str:
    """SHA-256 of the value as compact JSON with sorted keys: what the ledger records of the
    responses and of the figures when results are published."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
