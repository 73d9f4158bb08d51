"""Times `python -m pb.audit verify` on an auditor pack with 100,000 ballots.

    python bench/verify_pack.py [--ballots 100000] [--rule mes-add1]

The pack is built with the same pure functions the app uses (hash chain, Merkle trees, signed
checkpoints, pb.counting), without the app: a ledger with one "ballot.cast" entry per voter plus
the set-up entries, checkpoints at voting, counting and sign-off, 100,000 random knapsack ballots
over 20 projects in two pots, and the result counted with the round's rule. The verifier then runs
in its own process, as an auditor would run it. Baseline in the same run: reading the pack's tables
(`pb.audit.pack.load`) without checking anything. Target: under 30 s.

Ends with: RESULT seconds=... ballots=... entries=... load_seconds=... ratio=...
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(path: Path, ballots: int, rule: str) -> tuple[str, int]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from pb.audit import checkpoint as notes
    from pb.audit.chain import GENESIS_HASH, canonical_json, entry_hash
    from pb.audit.merkle import entry_leaf, root
    from pb.audit.recount import ballots_digest, pot_election
    from pb.counting import count

    rng = random.Random(2026)
    log = "neighbourhood/bench"
    key = notes.new_private_key()
    public = notes.public_bytes(Ed25519PrivateKey.from_private_bytes(key).public_key())
    verifier = notes.verifier_key("pb.bench", public)
    pots = [{"id": 1, "name": "Community capacity", "amount": 12_000_00}, {"id": 2, "name": "Open pot", "amount": 108_000_00}]
    proposals = [{"id": n, "number": n, "title": f"Project {n}", "pot_id": 1 if n <= 5 else 2,
                  "cost": rng.randint(10, 60) * 1000_00 // (20 if n <= 5 else 1), "status": "on_ballot"} for n in range(1, 21)]
    costs = {p["id"]: p["cost"] for p in proposals}
    choices = []
    for _ in range(ballots):
        ballot = {}
        for pot in pots:
            chosen, spent = [], 0
            for p in rng.sample([p for p in proposals if p["pot_id"] == pot["id"]], k=5):
                if rng.random() < 0.5 and spent + costs[p["id"]] <= pot["amount"]:
                    chosen.append([p["id"], 1])
                    spent += costs[p["id"]]
            ballot[str(pot["id"])] = sorted(chosen)
        choices.append(ballot)
    outcome, selected_by_name = {}, {}
    for pot in pots:
        election = pot_election("knapsack", pot["id"], pot["name"], pot["amount"], proposals, choices)
        selected = [int(n) for n in count(election, rule, explain=False).selected]
        outcome[str(pot["id"])] = {"pot": pot["name"], "budget": pot["amount"], "selected_numbers": selected,
                                   "selected": selected}
        selected_by_name[pot["name"]] = selected
    digest = ballots_digest(choices)
    from pb.audit.merkle import leaf_hash

    receipts = sorted(leaf_hash(rng.randbytes(32)) for _ in range(ballots))

    entries, prev, checkpoints = [], GENESIS_HASH, []

    def append(action, payload, actor="system"):
        nonlocal prev
        body = {"log": log, "seq": len(entries) + 1, "at": "2027-05-01T12:00:00.000000Z", "actor": actor,
                "action": action, "subject_type": "round", "subject_id": "1", "payload": payload}
        before, prev = prev, entry_hash(prev, body)
        entries.append({**body, "prev_hash": before, "hash": prev})

    def checkpoint(reason):
        leaves = [entry_leaf(e) for e in entries]
        point = notes.Checkpoint(f"pb.bench/{log}", len(leaves), root(leaves), "2027-05-01T12:00:00Z")
        checkpoints.append({"id": len(checkpoints) + 1, "size": point.size, "root_hash": point.root.hex(),
                            "timestamp": point.timestamp, "reason": reason, "note": notes.sign(point, "pb.bench", key)})

    append("round.created", {"name": "Bench round"})
    append("round.phase_changed", {"from": "deliberation", "to": "voting"})
    checkpoint("voting")
    for n in range(ballots):
        append("ballot.cast", {"method": "online"}, actor=f"p-{n:016x}")
    append("round.phase_changed", {"from": "voting", "to": "counting"})
    checkpoint("counting")
    append("round.counted", {"round": 1, "rule": rule, "ballots": ballots, "ballots_sha256": digest,
                             "receipts_root": root(receipts).hex(), "selected": selected_by_name})
    checkpoint("counted")

    with sqlite3.connect(path) as conn:
        meta = {"format": "pb-auditor-pack/1", "log": log, "round_id": 1, "round": "Bench round", "rule": rule,
                "ballot_type": "knapsack", "ballot_max": None, "verifier_key": verifier}
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
        conn.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, at TEXT, actor TEXT, action TEXT, subject_type TEXT, "
                     "subject_id TEXT, payload TEXT, prev_hash TEXT, hash TEXT)")
        conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [(e["seq"], e["at"], e["actor"], e["action"], e["subject_type"], e["subject_id"],
                           canonical_json(e["payload"]), e["prev_hash"], e["hash"]) for e in entries])
        conn.execute("CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, size INTEGER, root_hash TEXT, timestamp TEXT, "
                     "reason TEXT, note TEXT)")
        conn.executemany("INSERT INTO checkpoints VALUES (:id, :size, :root_hash, :timestamp, :reason, :note)", checkpoints)
        conn.execute("CREATE TABLE pots (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER)")
        conn.executemany("INSERT INTO pots VALUES (:id, :name, :amount)", pots)
        conn.execute("CREATE TABLE proposals (id INTEGER PRIMARY KEY, number INTEGER, title TEXT, pot_id INTEGER, "
                     "cost INTEGER, status TEXT)")
        conn.executemany("INSERT INTO proposals VALUES (:id, :number, :title, :pot_id, :cost, :status)", proposals)
        conn.execute("CREATE TABLE ballots (n INTEGER PRIMARY KEY, choices TEXT)")
        conn.executemany("INSERT INTO ballots VALUES (?, ?)",
                         [(n, json.dumps(c, sort_keys=True, separators=(",", ":"))) for n, c in enumerate(choices, 1)])
        conn.execute("CREATE TABLE receipts (n INTEGER PRIMARY KEY, leaf TEXT)")
        conn.executemany("INSERT INTO receipts VALUES (?, ?)", [(n, leaf.hex()) for n, leaf in enumerate(receipts, 1)])
        conn.execute("CREATE TABLE result (id INTEGER PRIMARY KEY, rule TEXT, status TEXT, ballots_sha256 TEXT, "
                     "ballot_count INTEGER, result TEXT, reason TEXT)")
        conn.execute("INSERT INTO result VALUES (1, ?, 'approved', ?, ?, ?, '')", (rule, digest, ballots, json.dumps(outcome)))
    return verifier, len(entries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--rule", default="mes-add1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pack.db"
        started = time.perf_counter()
        key, entries = build(path, args.ballots, args.rule)
        print(f"Built a pack with {args.ballots:,} ballots and {entries:,} ledger entries in "
              f"{time.perf_counter() - started:.0f} s ({path.stat().st_size / 1e6:.0f} MB)")
        from pb.audit.pack import load

        started = time.perf_counter()
        load(path)
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "pb.audit", "verify", str(path), "--key", key], cwd=ROOT,
                             capture_output=True, text=True)
        seconds = time.perf_counter() - started
        print(run.stdout.strip())
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            sys.exit(1)
        print(f"RESULT seconds={seconds:.1f} ballots={args.ballots} entries={entries} load_seconds={load_seconds:.2f} "
              f"ratio={seconds / load_seconds:.1f}")


if __name__ == "__main__":
    main()
