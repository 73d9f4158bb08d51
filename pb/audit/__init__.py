"""pb.audit: the tamper-evident audit chain, as pure functions (no Flask, no database).

Each entry's hash is SHA-256(previous hash + canonical JSON of the entry). Anyone holding the
entries can re-derive every hash and find the first entry that does not match: see `verify_chain`
and `python -m pb.audit verify ENTRIES.jsonl`.
"""
from .chain import (
    GENESIS_HASH,
    ChainError,
    canonical_json,
    entry_hash,
    verify_chain,
)

__all__ = ["GENESIS_HASH", "ChainError", "canonical_json", "entry_hash", "verify_chain"]
