"""Appending many audit entries at once (seeding, imports): the same entries `record` would write,
chained one after another from the log's head, with their Merkle nodes stored as they go. The
caller's transaction holds the log's row lock until it commits, as `record` does."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import NamedTuple

from sqlalchemy import select

from pb.audit.chain import check_value
from pb.audit.merkle import frontier, grow, leaf_hash
from pb.bulk import insert_rows
from pb.extensions import db

from . import tree
from .models import AuditEntry, AuditLog, MerkleNode
from .services import PLATFORM_LOG, SYSTEM_ACTOR, log_for

# canonical_json without re-checking every value three times per entry: the payload is checked
# once below, and the rest of the entry is ours (strings and an int). tests/national/test_seeding.py
# checks the result against entry_hash and entry_leaf.
_canonical = partial(json.dumps, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Item(NamedTuple):
    """One entry to append: what `record(action, subject, actor=..., payload=...)` is told."""
    action: str
    subject_type: str
    subject_id: int | str
    actor: str | None  # a pseudonym, None for the system
    payload: dict


def append_many(items: Iterable[Item], neighbourhood=None) -> int:
    """Append every item to the neighbourhood's log (or the platform's), in order. Returns how many."""
    db.session.flush()
    which = AuditLog.name == PLATFORM_LOG if neighbourhood is None else AuditLog.neighbourhood_id == neighbourhood.id
    log = db.session.scalar(select(AuditLog).where(which).with_for_update().execution_options(populate_existing=True))
    if log is None:
        log = log_for(neighbourhood)
    tree.extend(log)  # the stored tree reaches the head, so the new entries' nodes grow from it
    size, prev = log.head_seq, log.head_hash
    known = tree.nodes(log.id, frontier(size))
    start = datetime.now(UTC)
    entries, leaves = [], []
    for item in items:
        seq = size + len(entries) + 1
        body = {"log": log.name, "seq": seq,
                # Strictly increasing times, a microsecond apart, so time filters keep the log's order.
                "at": (start + timedelta(microseconds=len(entries))).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "actor": item.actor or SYSTEM_ACTOR, "action": item.action, "subject_type": item.subject_type,
                "subject_id": str(item.subject_id), "payload": item.payload}
        check_value(item.payload)
        digest = hashlib.sha256(prev.encode("ascii") + _canonical(body).encode("utf-8")).hexdigest()
        leaves.append(leaf_hash(_canonical({**body, "prev_hash": prev, "hash": digest}).encode()))
        entries.append({"log_id": log.id, "seq": seq, "at": body["at"], "actor": body["actor"], "action": item.action,
                        "subject_type": item.subject_type, "subject_id": body["subject_id"],
                        "payload": _canonical(item.payload), "prev_hash": prev, "hash": digest})
        prev = digest
    if not entries:
        return 0
    insert_rows(AuditEntry.__table__, entries)
    nodes = grow(size, leaves, known)
    insert_rows(MerkleNode.__table__, ({"log_id": log.id, "level": level, "idx": idx, "hash": value}
                                       for (level, idx), value in nodes.items()))
    log.head_seq = log.tree_size = size + len(entries)
    log.head_hash = prev
    db.session.flush()
    return len(entries)
