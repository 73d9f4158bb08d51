"""Reading a log page by page, with an auditor's filters, and verifying it: shared by the
neighbourhood's audit pages and the platform admin's."""
from __future__ import annotations

from flask import request
from sqlalchemy import func, select, text

from pb.extensions import db
from pb.numbers import whole_number
from pb.text import search_text

from .models import AuditEntry
from .services import verify_log

PAGE_SIZE = 50


def entry_filters() -> dict:
    """What the auditor asked to see: action, actor pseudonym, subject, and a time range."""
    wanted = {}
    for name in ("action", "actor", "subject_type", "subject_id", "since", "until"):
        value = search_text(request.args.get(name), limit=80)
        if value:
            wanted[name] = value
    return wanted


def entries_page(log, page: int, filters: dict | None = None):
    if log is None:
        return [], 0, 1
    filters = filters or {}
    stmt = select(AuditEntry).where(AuditEntry.log_id == log.id)
    if not filters:
        # Sequence numbers run 1..head without gaps, so the whole log needs no count, and a page
        # is a range of them (no OFFSET walking past a national log's millions of entries).
        total = log.head_seq
        top = total - (page - 1) * PAGE_SIZE
        rows = db.session.scalars(stmt.where(AuditEntry.seq <= top).order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE)).all()
        return rows, total, max(1, -(-total // PAGE_SIZE))
    for name in ("action", "actor", "subject_type", "subject_id"):
        if name in filters:
            stmt = stmt.where(getattr(AuditEntry, name) == filters[name])
    # Times are stored as ISO 8601 UTC text, so date strings compare in time order.
    if "since" in filters:
        stmt = stmt.where(AuditEntry.at >= filters["since"])
    if "until" in filters:
        stmt = stmt.where(AuditEntry.at < filters["until"] + "T99")
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(AuditEntry.seq.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return rows, total, max(1, -(-total // PAGE_SIZE))


def actions_in(log) -> list[str]:
    """The distinct actions of one log, for the filter: one index probe per action (a loose index
    scan over ix_audit_entry_log_action) instead of reading every entry of a long log."""
    if log is None:
        return []
    found = db.session.execute(text(
        "WITH RECURSIVE found(action) AS ("
        " SELECT min(action) FROM audit_entry WHERE log_id = :log"
        " UNION ALL"
        " SELECT (SELECT min(action) FROM audit_entry WHERE log_id = :log AND action > found.action)"
        " FROM found WHERE found.action IS NOT NULL)"
        " SELECT action FROM found WHERE action IS NOT NULL"), {"log": log.id})
    return [action for (action,) in found]


def page_number() -> int:
    return whole_number(request.args.get("page"), low=1) or 1


def verification(audit_log, total):
    """The chain check asked for with ?verify=1, as the page shows it."""
    if request.args.get("verify") != "1":
        return None
    problem = verify_log(audit_log) if audit_log is not None else None
    return {"ok": problem is None, "problem": problem, "count": total}
