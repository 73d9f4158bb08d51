"""`record(...)`: every service function calls this, inside its own transaction, for each change."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from pb.audit import GENESIS_HASH, canonical_json, entry_hash, verify_chain
from pb.extensions import db

from .models import AuditEntry, AuditLog

PLATFORM_LOG = "platform"
SYSTEM_ACTOR = "system"


def personal_digest(value: str) -> str:
    """Keyed digest of personal data for audit payloads: the same value always gives the same
    digest (so an auditor sees that two entries concern the same email), but nobody without the
    server's digest key can test guesses against it."""
    key = current_app.config["PB_DIGEST_KEY"].encode()
    return "hmac-sha256:" + hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def existing_log(neighbourhood=None) -> AuditLog | None:
    """The log if anything has been recorded in it yet (read-only: for views)."""
    if neighbourhood is None:
        return db.session.scalar(select(AuditLog).where(AuditLog.name == PLATFORM_LOG))
    return db.session.scalar(select(AuditLog).where(AuditLog.neighbourhood_id == neighbourhood.id))


def log_for(neighbourhood=None) -> AuditLog:
    """The neighbourhood's log (created with the neighbourhood), or the platform log."""
    if neighbourhood is None:
        log = db.session.scalar(select(AuditLog).where(AuditLog.name == PLATFORM_LOG))
        if log is None:
            log = AuditLog(name=PLATFORM_LOG, head_seq=0, head_hash=GENESIS_HASH)
            db.session.add(log)
            db.session.flush()
        return log
    log = db.session.scalar(select(AuditLog).where(AuditLog.neighbourhood_id == neighbourhood.id))
    if log is None:
        log = AuditLog(name=f"neighbourhood/{neighbourhood.slug}", neighbourhood_id=neighbourhood.id,
                       head_seq=0, head_hash=GENESIS_HASH)
        db.session.add(log)
        db.session.flush()
    return log


def record(action: str, subject, *, actor=None, neighbourhood=None, payload: dict | None = None,
           subject_type: str | None = None, subject_id: str | int | None = None) -> AuditEntry:
    """Append one entry to the right log in the caller's transaction. `actor` is a User (its
    pseudonym is recorded) or None for the system. `subject` is a model instance with an id."""
    # The change itself is written first (and the subject gets its id, which the entry names), so
    # the log's lock is held only for the entry and the commit.
    db.session.flush()
    # Lock the head row so concurrent appends (several app servers) take turns: on PostgreSQL
    # this is a row lock; SQLite serialises writers itself. One statement finds and locks it.
    which = AuditLog.name == PLATFORM_LOG if neighbourhood is None else AuditLog.neighbourhood_id == neighbourhood.id
    log = db.session.scalar(select(AuditLog).where(which).with_for_update().execution_options(populate_existing=True))
    if log is None:
        log = log_for(neighbourhood)  # the first entry of a log creates it
    body = {
        "log": log.name,
        "seq": log.head_seq + 1,
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor.pseudonym if actor is not None else SYSTEM_ACTOR,
        "action": action,
        "subject_type": subject_type or subject.__tablename__,
        "subject_id": str(subject_id if subject_id is not None else subject.id),
        "payload": payload or {},
    }
    digest = entry_hash(log.head_hash, body)
    entry = AuditEntry(
        log_id=log.id, seq=body["seq"], at=body["at"], actor=body["actor"], action=action,
        subject_type=body["subject_type"], subject_id=body["subject_id"],
        payload=canonical_json(body["payload"]), prev_hash=log.head_hash, hash=digest,
    )
    log.head_seq = body["seq"]
    log.head_hash = digest
    db.session.add(entry)
    return entry


def entries_of(log: AuditLog):
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.log_id == log.id).order_by(AuditEntry.seq))
    for row in rows:
        yield row.as_dict(log.name)


def verify_log(log: AuditLog):
    """Re-derive every hash of one log from the stored rows and compare the head. Returns the first
    problem as a string, or None."""
    problem = verify_chain(entries_of(log), log=log.name)
    if problem:
        return str(problem)
    last = db.session.scalar(select(AuditEntry).where(AuditEntry.log_id == log.id).order_by(AuditEntry.seq.desc()).limit(1))
    if (last.seq if last else 0) != log.head_seq or (last.hash if last else GENESIS_HASH) != log.head_hash:
        return "the log's recorded head does not match its last entry (entries removed or added)"
    return None


def export_jsonl(log: AuditLog, handle) -> int:
    count = 0
    for entry in entries_of(log):
        handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count
