"""Consultations in an auditor pack: each one's responses, as published, must be the ones whose
digest the ledger recorded when the results were published, and must recount (pb.counting.answers,
the code the app uses) to the figures whose digest it recorded."""
from __future__ import annotations

import json

from pb.counting.answers import count_published, digest

PUBLISHED = "consultation.results_published"


def check_consultations(tables: dict, entries: list[dict], report) -> None:
    consultations = tables.get("consultations", [])
    published = {str(e["subject_id"]): e["payload"] for e in entries
                 if e["action"] == PUBLISHED and e["subject_type"] == "consultation"}
    responses: dict[int, list[dict]] = {}
    try:
        for row in tables.get("consultation_responses", []):
            responses.setdefault(row["consultation_id"], []).append(
                {"id": row["id"], "method": row["method"], "answers": json.loads(row["answers"])})
        questions = {row["id"]: json.loads(row["questions"]) for row in consultations}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        report.problems.append(f"consultation responses are unreadable: {exc}")
        return
    for row in consultations:
        title, recorded = row["title"], published.get(str(row["id"]))
        if recorded is None:
            report.problems.append(f"consultation ‘{title}’: the ledger has no entry publishing its results")
            continue
        data = {"questions": questions[row["id"]], "responses": sorted(responses.get(row["id"], []),
                                                                       key=lambda r: r["id"])}
        if digest(data["responses"]) != recorded.get("responses_sha256"):
            report.problems.append(f"consultation ‘{title}’: the responses are not the ones published: their "
                                   "SHA-256 differs from the digest recorded in the ledger")
            continue
        try:
            figures = count_published(data)
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            report.problems.append(f"consultation ‘{title}’: the responses cannot be counted: {exc}")
            continue
        if digest(figures) != recorded.get("results_sha256"):
            report.problems.append(f"consultation ‘{title}’: recounting its {len(data['responses']):,} responses "
                                   "does not give the published results")
        else:
            report.facts.append(f"consultation ‘{title}’: recounted {len(data['responses']):,} responses, as published")
    missing = sorted(set(published) - {str(row["id"]) for row in consultations})
    if missing:
        report.problems.append(f"{len(missing)} consultation{'s' if len(missing) != 1 else ''} published in the ledger "
                               f"{'are' if len(missing) != 1 else 'is'} missing from the pack")
