"""The receipts tree of a counted round, stored (receipt_node) so that checking a receipt reads its
leaf by index and O(log n) nodes in one query. Before, every check hashed and sorted every ballot's
tracker: 0.7 s a check at 168,727 ballots (bench/pack_export.py's round), growing with turnout."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from pb.audit.merkle import grow, needed, stored_inclusion_proof, stored_root
from pb.bulk import insert_rows
from pb.extensions import db
from pb.ledger.tree import read_nodes

from .models import ReceiptNode


def store(round_id: int, leaves: list[bytes]) -> None:
    """Store the tree over these sorted leaves, in the caller's transaction. A recount over the same
    ballots (a declined project) finds it there already; ballots cannot change once voting closes,
    so a different size means an old tree from a count that was set aside, replaced here."""
    if stored_size(round_id) == len(leaves):
        return
    db.session.execute(delete(ReceiptNode).where(ReceiptNode.round_id == round_id))
    nodes = grow(0, leaves, {})
    insert_rows(ReceiptNode.__table__, ({"round_id": round_id, "level": level, "idx": idx, "hash": value}
                                        for (level, idx), value in nodes.items()))


def stored_size(round_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ReceiptNode)
                             .where(ReceiptNode.round_id == round_id, ReceiptNode.level == 0))


def index_of(round_id: int, leaf: bytes) -> int | None:
    """The leaf's place in the sorted tree, found through ix_receipt_node_hash. (A leaf and an inner
    node never share a hash: RFC 9162 hashes them with different prefixes.)"""
    found = db.session.execute(select(ReceiptNode.level, ReceiptNode.idx).where(
        ReceiptNode.round_id == round_id, ReceiptNode.hash == leaf)).all()
    return next((idx for level, idx in found if level == 0), None)


def _reader(round_id: int, compute):
    """Run `compute(get)` over stored nodes: a dry run names them, one query fetches them."""
    found = read_nodes(ReceiptNode.round_id, round_id, needed(compute))
    return compute(found.__getitem__)


def root(round_id: int, size: int) -> bytes:
    return _reader(round_id, lambda get: stored_root(get, size))


def inclusion_path(round_id: int, index: int, size: int) -> list[bytes]:
    return _reader(round_id, lambda get: stored_inclusion_proof(get, index, size))
