from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db, with_triggers


class AuditLog(db.Model):
    """One append-only chain: the platform's own, or one per neighbourhood. Holds the head so that
    appending locks one row (SELECT ... FOR UPDATE) and sequence numbers never skip or repeat,
    however many app servers append at once."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    neighbourhood_id: Mapped[int | None] = mapped_column(ForeignKey("neighbourhood.id"), unique=True)
    head_seq: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
    # How many entries have their leaf (and the complete subtrees above it) stored in merkle_node:
    # grown when a checkpoint is signed, never shrunk.
    tree_size: Mapped[int] = mapped_column(default=0, server_default="0")


class Checkpoint(db.Model):
    """A signed tree head of one log (C2SP signed note), made at each decisive phase change and on
    demand. Rows are only ever added; each is checked consistent with the one before it."""

    __tablename__ = "checkpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id"), index=True)
    size: Mapped[int]
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(120))


class MerkleNode(db.Model):
    """One complete subtree of a log's Merkle tree: level 0 is an entry's leaf hash, level L index i
    covers entries i * 2**L + 1 .. (i + 1) * 2**L. Stored once, when a checkpoint first covers them,
    so roots and proofs read O(log n) nodes (pb.audit.merkle). Append-only, like the entries."""

    __tablename__ = "merkle_node"
    log_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id"), primary_key=True, autoincrement=False)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditEntry(db.Model):
    """An audit entry. The database refuses UPDATE and DELETE on this table (see triggers below)."""

    __tablename__ = "audit_entry"
    # The subject index serves "every entry about this grant / payment" (a project's story page).
    # ix_audit_entry_log_action: the auditor's action filter and its list of actions (a loose index scan).
    __table_args__ = (UniqueConstraint("log_id", "seq"), Index("ix_audit_entry_subject", "log_id", "subject_type", "subject_id"),
                      Index("ix_audit_entry_log_action", "log_id", "action"))
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id"), index=True)
    seq: Mapped[int]
    at: Mapped[str] = mapped_column(String(32))  # UTC, ISO 8601 with microseconds and Z, exactly as hashed
    actor: Mapped[str] = mapped_column(String(40), index=True)  # a pseudonym, never a name or email
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def as_dict(self, log_name: str) -> dict:
        return {
            "log": log_name,
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "payload": json.loads(self.payload),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @property
    def when(self) -> datetime:
        return datetime.strptime(self.at, "%Y-%m-%dT%H:%M:%S.%fZ")


# The same statements run in the first migration; they are here too so test databases built
# with create_all have them.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END",
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = 'audit entries are append-only: ' || TG_OP || ' refused'; END $$",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
]
with_triggers(AuditEntry.__table__, SQLITE_TRIGGERS, POSTGRES_TRIGGERS)

NODE_SQLITE_TRIGGERS = [
    "CREATE TRIGGER merkle_node_no_update BEFORE UPDATE ON merkle_node "
    "BEGIN SELECT RAISE(ABORT, 'Merkle nodes are append-only: UPDATE refused'); END",
    "CREATE TRIGGER merkle_node_no_delete BEFORE DELETE ON merkle_node "
    "BEGIN SELECT RAISE(ABORT, 'Merkle nodes are append-only: DELETE refused'); END",
]
NODE_POSTGRES_TRIGGERS = [
    "CREATE FUNCTION merkle_node_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = 'Merkle nodes are append-only: ' || TG_OP || ' refused'; END $$",
    "CREATE TRIGGER merkle_node_no_change BEFORE UPDATE OR DELETE ON merkle_node "
    "FOR EACH ROW EXECUTE FUNCTION merkle_node_append_only()",
    "CREATE TRIGGER merkle_node_no_truncate BEFORE TRUNCATE ON merkle_node "
    "FOR EACH STATEMENT EXECUTE FUNCTION merkle_node_append_only()",
]
with_triggers(MerkleNode.__table__, NODE_SQLITE_TRIGGERS, NODE_POSTGRES_TRIGGERS)
