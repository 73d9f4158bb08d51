"""Signing checkpoints of a log's Merkle tree. The key lives in instance/ (or PB_CHECKPOINT_KEY),
never in the database, so a copy of the database cannot forge a checkpoint."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import select

from pb.audit import checkpoint as notes
from pb.audit.merkle import EMPTY_ROOT, entry_leaf, verify_consistency, verify_inclusion
from pb.extensions import db
from pb.ledger.services import log_for
from pb.services import ServiceError, transaction

from . import tree as stored
from .models import AuditEntry, AuditLog, Checkpoint


def key_name() -> str:
    return urlsplit(current_app.config["PB_BASE_URL"]).netloc or "pb"


def private_key() -> bytes:
    return hashlib.sha256(("pb-checkpoint:" + current_app.config["PB_CHECKPOINT_KEY"]).encode()).digest()


def public_key() -> bytes:
    return notes.public_bytes(Ed25519PrivateKey.from_private_bytes(private_key()).public_key())


def verifier_key() -> str:
    return notes.verifier_key(key_name(), public_key())


def origin(log: AuditLog) -> str:
    return f"{key_name()}/{log.name}"


def leaves(log: AuditLog) -> list[bytes]:
    """The leaves the stored tree holds (for checks; requests read single nodes)."""
    return stored.leaves(log)


def latest(log: AuditLog) -> Checkpoint | None:
    return db.session.scalar(select(Checkpoint).where(Checkpoint.log_id == log.id).order_by(Checkpoint.id.desc()).limit(1))


def covering(log: AuditLog, seq: int) -> Checkpoint | None:
    """The latest checkpoint that covers entry `seq`."""
    return db.session.scalar(select(Checkpoint).where(Checkpoint.log_id == log.id, Checkpoint.size >= seq)
                             .order_by(Checkpoint.id.desc()).limit(1))


def inclusion(log: AuditLog, entry: AuditEntry, point: Checkpoint) -> dict:
    """The RFC 9162 proof that `entry` is in the tree `point` signed, checked here too ("ok"). The
    leaf is hashed from the row as it is now, the path read from the stored tree: an entry changed
    after it was signed shows as not included."""
    index = entry.seq - 1
    leaf = entry_leaf(entry.as_dict(log.name))
    path = stored.inclusion_path(log, index, point.size)
    return {"index": index, "size": point.size, "leaf": leaf.hex(), "path": [p.hex() for p in path],
            "root": point.root_hash, "checkpoint": point,
            "ok": verify_inclusion(leaf, index, point.size, path, bytes.fromhex(point.root_hash))}


def make_checkpoint(log: AuditLog, reason: str) -> Checkpoint:
    """Sign the log's current tree head, in the caller's transaction, only if it is consistent
    with the previous checkpoint: a rewritten history is refused, never signed. Only the entries
    since the stored tree are hashed (and checked against the chain); the rest is stored nodes."""
    db.session.flush()
    log = db.session.scalar(select(AuditLog).where(AuditLog.id == log.id).with_for_update()
                            .execution_options(populate_existing=True))
    size = stored.extend(log)
    head = stored.root_at(log, size)
    previous = latest(log)
    if previous is not None:
        old_root = bytes.fromhex(previous.root_hash)
        if previous.size == 0:
            consistent = old_root == EMPTY_ROOT
        else:
            consistent = previous.size <= size and verify_consistency(
                previous.size, size, old_root, head, stored.consistency_path(log, previous.size, size))
        if not consistent:
            raise ServiceError(f"Refusing to sign a checkpoint: the log {log.name} is not consistent with its checkpoint "
                               f"at size {previous.size}. Its history has been changed; tell the auditors")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    point = notes.Checkpoint(origin(log), size, head, stamp)
    row = Checkpoint(log_id=log.id, size=size, root_hash=head.hex(), timestamp=stamp,
                     note=notes.sign(point, key_name(), private_key()), reason=reason[:120])
    db.session.add(row)
    db.session.flush()
    return row


def sign_checkpoint(neighbourhood, reason: str) -> Checkpoint:
    """Checkpoint the neighbourhood's log in the caller's transaction (phase changes, the count)."""
    return make_checkpoint(log_for(neighbourhood), reason)


def checkpoint_now(neighbourhood, reason: str) -> Checkpoint:
    """On demand (an auditor, or the command line): its own transaction."""
    with transaction():
        return sign_checkpoint(neighbourhood, reason)


def checkpoint_if_grown(log: AuditLog, reason: str) -> Checkpoint | None:
    """Sign the log's head in its own transaction if it has entries no checkpoint covers yet (the
    scheduled job, and an admin's button for the platform log); None if nothing is new. The platform
    log has no decisive moments of its own to sign at, so this is how its history gets signed."""
    previous = latest(log)
    if log.head_seq == 0 or (previous is not None and previous.size >= log.head_seq):
        return None
    with transaction():
        return make_checkpoint(log, reason)
