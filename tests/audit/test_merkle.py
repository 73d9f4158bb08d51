"""The ledger's Merkle tree against the published RFC 6962 / RFC 9162 test vectors, and its proofs
checked exhaustively on small trees: every right proof verifies, every wrong one is refused."""
import random

import pytest

from pb.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    frontier,
    grow,
    inclusion_proof,
    leaf_hash,
    needed,
    root,
    stored_consistency_proof,
    stored_inclusion_proof,
    stored_root,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference leaves and the tree head for each size 0..8.
DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
LEAVES = [leaf_hash(bytes.fromhex(d)) for d in DATA]
INCLUSION = {  # (index, size): proof, as published
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}
CONSISTENCY = {(2, 8): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]}


def test_tree_heads_match_the_published_vectors():
    assert EMPTY_ROOT.hex() == ROOTS[0] and root([]).hex() == ROOTS[0]
    for size in range(1, 9):
        assert root(LEAVES[:size]).hex() == ROOTS[size]


@pytest.mark.parametrize("index, size", sorted(INCLUSION))
def test_inclusion_proofs_match_the_published_vectors(index, size):
    proof = inclusion_proof(LEAVES[:size], index)
    assert [p.hex() for p in proof] == INCLUSION[(index, size)]
    assert verify_inclusion(LEAVES[index], index, size, proof, bytes.fromhex(ROOTS[size]))


def test_consistency_proofs_match_the_published_vectors():
    proof = consistency_proof(LEAVES, 2)
    assert [p.hex() for p in proof] == CONSISTENCY[(2, 8)]
    assert verify_consistency(2, 8, bytes.fromhex(ROOTS[2]), bytes.fromhex(ROOTS[8]), proof)


def test_every_proof_in_every_small_tree_verifies_and_tampering_is_refused():
    for n in range(1, 40):
        leaves = [leaf_hash(n.to_bytes(2, "big") + i.to_bytes(2, "big")) for i in range(n)]
        head = root(leaves)
        for i in range(n):
            proof = inclusion_proof(leaves, i)
            assert verify_inclusion(leaves[i], i, n, proof, head)
            assert not verify_inclusion(leaf_hash(b"forged"), i, n, proof, head)
            if n > 1:
                assert not verify_inclusion(leaves[i], (i + 1) % n, n, proof, head)
            if proof:
                bad = list(proof)
                bad[0] = leaf_hash(b"x")
                assert not verify_inclusion(leaves[i], i, n, bad, head)
        for m in range(1, n + 1):
            proof = consistency_proof(leaves, m)
            old = root(leaves[:m])
            assert verify_consistency(m, n, old, head, proof)
            if m < n:
                assert not verify_consistency(m, n, leaf_hash(b"rewritten"), head, proof)
                assert not verify_consistency(m, n, old, leaf_hash(b"rewritten"), proof)


def test_a_tree_grown_in_batches_gives_the_same_roots_and_proofs_from_its_stored_nodes():
    """Stored nodes answer exactly what hashing every leaf answers, for every size and index,
    however the appends were batched; and a proof reads O(log n) nodes, not the whole log."""
    rng = random.Random(9162)
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(300)]
    nodes: dict = {}
    size = 0
    while size < len(leaves):
        batch = leaves[size:size + rng.choice([1, 1, 2, 3, 7, 16, 33])]
        nodes.update(grow(size, batch, {key: nodes[key] for key in frontier(size)}))
        size += len(batch)
        assert stored_root(nodes.__getitem__, size) == root(leaves[:size])
    assert len(nodes) == 2 * len(leaves) - bin(len(leaves)).count("1")  # every complete subtree, once
    for n in (1, 2, 3, 5, 8, 13, 64, 100, 255, 256, 257, 300):
        for index in {0, n // 2, n - 1}:
            assert stored_inclusion_proof(nodes.__getitem__, index, n) == inclusion_proof(leaves[:n], index)
            reads = needed(lambda get, index=index, n=n: stored_inclusion_proof(get, index, n))
            assert len(reads) <= 2 * n.bit_length()
        for old in {1, n // 3 or 1, n - 1 or 1, n}:
            assert stored_consistency_proof(nodes.__getitem__, old, n) == consistency_proof(leaves[:n], old)
