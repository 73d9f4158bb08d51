"""RFC 9162 (Certificate Transparency v2) Merkle trees over a log's entries: tree heads, inclusion
proofs and consistency proofs, with their verification. Pure Python, standard library only.

leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right); a tree of n leaves
splits at k, the largest power of two smaller than n."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .chain import canonical_json

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """Tree head of these leaf hashes, computed bottom-up in O(n) without recursion depth limits."""
    if not leaves:
        return EMPTY_ROOT
    # A stack of (size, hash) subtrees, as an append-only log builds them.
    stack: list[tuple[int, bytes]] = []
    for leaf in leaves:
        size, value = 1, leaf
        while stack and stack[-1][0] == size:
            left_size, left = stack.pop()
            size, value = size + left_size, node_hash(left, value)
        stack.append((size, value))
    size, value = stack.pop()
    while stack:
        _, left = stack.pop()
        value = node_hash(left, value)
    return value


def _subtree(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    return root(leaves[start:end])


def _inclusion_path(subtree, index: int, n: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 section 2.1.3.1, with `subtree(start, end)` giving each
    sibling's hash (from the leaves, or from stored nodes)."""
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of {n}")
    proof: list[bytes] = []
    start, end = 0, n
    # Walk down, collecting the sibling subtree at each level (deepest last, so reverse at the end).
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start = start + k
    return proof[::-1]


def _consistency_path(subtree, old_size: int, n: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1, with `subtree` as above."""
    if not 0 < old_size <= n:
        raise ValueError(f"no consistency proof from size {old_size} to {n}")
    if old_size == n:
        return []

    def sub_proof(m: int, start: int, end: int, complete: bool) -> list[bytes]:
        size = end - start
        if m == size:
            return [] if complete else [subtree(start, end)]
        k = _split(size)
        if m <= k:
            return sub_proof(m, start, start + k, complete) + [subtree(start + k, end)]
        return sub_proof(m - k, start + k, end, False) + [subtree(start, start + k)]

    return sub_proof(old_size, 0, n, True)


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) from all the leaves."""
    return _inclusion_path(lambda start, end: _subtree(leaves, start, end), index, len(leaves))


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) from all the leaves."""
    return _consistency_path(lambda start, end: _subtree(leaves, start, end), old_size, len(leaves))


# --- stored trees --------------------------------------------------------------------------------
# A log keeps the hash of every complete subtree, node (level, index) covering leaves
# [index * 2**level, (index + 1) * 2**level): level 0 holds the leaves. Any subtree the RFC's
# recursion asks for is then a handful of stored nodes, so a root or a proof costs O(log n) reads
# and appending m entries costs O(m) hashes, never a re-hash of the whole log.

NodeKey = tuple[int, int]


def frontier(size: int) -> list[NodeKey]:
    """The complete subtrees a tree of `size` leaves is made of, left to right: what appending needs."""
    keys, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def grow(size: int, leaves: Sequence[bytes], known: dict[NodeKey, bytes]) -> dict[NodeKey, bytes]:
    """The nodes a tree of `size` leaves gains when `leaves` are appended, given its frontier nodes."""
    nodes = dict(known)
    new: dict[NodeKey, bytes] = {}
    for offset, leaf in enumerate(leaves):
        level, index, value = 0, size + offset, leaf
        new[(0, index)] = nodes[(0, index)] = value
        while index & 1:  # a right child completes its parent
            value = node_hash(nodes[(level, index - 1)], value)
            level, index = level + 1, index >> 1
            new[(level, index)] = nodes[(level, index)] = value
    return new


def _stored_subtree(get):
    def subtree(start: int, end: int) -> bytes:
        size = end - start
        if size & (size - 1) == 0:  # complete: the recursion only ever asks for aligned ones
            level = size.bit_length() - 1
            return get((level, start >> level))
        k = _split(size)
        return node_hash(subtree(start, start + k), subtree(start + k, end))
    return subtree


def needed(compute) -> list[NodeKey]:
    """The stored nodes `compute(get)` reads, found by a dry run (which nodes a proof needs depends
    on the sizes only, never on hash values), so a caller can fetch them in one query."""
    keys: list[NodeKey] = []

    def record(key: NodeKey) -> bytes:
        keys.append(key)
        return bytes(32)

    compute(record)
    return sorted(set(keys))


def stored_root(get, size: int) -> bytes:
    return _stored_subtree(get)(0, size) if size else EMPTY_ROOT


def stored_inclusion_proof(get, index: int, size: int) -> list[bytes]:
    return _inclusion_path(_stored_subtree(get), index, size)


def stored_consistency_proof(get, old_size: int, size: int) -> list[bytes]:
    return _consistency_path(_stored_subtree(get), old_size, size)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if old_size == new_size:
        return not proof and old_root == new_root
    if not 0 < old_size < new_size:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def entry_leaf(entry: dict) -> bytes:
    """A log entry's leaf: every field, its chain hashes included, in canonical JSON."""
    return leaf_hash(canonical_json(entry).encode())
