"""Canonical JSON and the hash chain over audit entries."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS_HASH = "0" * 64

# The fields of an entry that its hash covers, in the order a reader would expect them.
HASHED_FIELDS = ("log", "seq", "at", "actor", "action", "subject_type", "subject_id", "payload")


def check_value(value, path="payload"):
    """Only types with one unambiguous JSON spelling may enter the chain (no floats, no NaN)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise TypeError(f"{path}: floats have no canonical JSON form; store money in pence as an integer")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings, not {type(key).__name__}")
            check_value(item, f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]")
        return
    raise TypeError(f"{path}: {type(value).__name__} cannot go into an audit entry")


def canonical_json(value) -> str:
    """Sorted keys, no whitespace, UTF-8 characters as themselves: one spelling per value."""
    check_value(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_body(entry: Mapping) -> dict:
    return {field: entry[field] for field in HASHED_FIELDS}


def entry_hash(prev_hash: str, entry: Mapping) -> str:
    """SHA-256 over the previous entry's hash (hex) followed by this entry's canonical JSON."""
    data = prev_hash.encode("ascii") + canonical_json(entry_body(entry)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass
class ChainError:
    seq: int | None
    reason: str

    def __str__(self):
        where = f"entry {self.seq}" if self.seq is not None else "chain"
        return f"{where}: {self.reason}"


def verify_chain(entries: Iterable[Mapping], log: str | None = None, *, after_seq: int = 0,
                 after_hash: str = GENESIS_HASH) -> ChainError | None:
    """Check sequence numbers run 1, 2, 3... without gaps, each entry links to the one before and
    each stored hash is the hash of its contents. Returns the first problem, or None if intact.
    `after_seq` and `after_hash` check a stretch that carries on from an entry already checked."""
    prev = after_hash
    expected_seq = after_seq + 1
    for entry in entries:
        seq = entry.get("seq")
        if log is not None and entry.get("log") != log:
            return ChainError(seq, f"belongs to log {entry.get('log')!r}, not {log!r}")
        if seq != expected_seq:
            return ChainError(seq, f"sequence number {seq} where {expected_seq} was expected (entry missing, added or moved)")
        if entry.get("prev_hash") != prev:
            return ChainError(seq, "does not link to the entry before it (prev_hash differs)")
        try:
            recomputed = entry_hash(prev, entry)
        except (KeyError, TypeError) as exc:
            return ChainError(seq, f"cannot be hashed: {exc}")
        if entry.get("hash") != recomputed:
            return ChainError(seq, "contents do not match its hash (the entry was changed)")
        prev = recomputed
        expected_seq += 1
    return None
