"""How long a resident's receipt check takes in a large round: the stored receipts tree
(pb.voting.receipts, migration 0018) against rebuilding the tree from every ballot on each check,
as pb did before (the baseline, run in the same process on the same round).

    python bench/pack_export.py --sqlite /tmp/big.sqlite3      # seeds one counted round of ~170,000 ballots
    python bench/receipt_check.py --sqlite /tmp/big.sqlite3    # or --postgres URL for one seeded the same way

Each way runs `--repeats` times for randomly chosen ballots; the median is reported. Both must give
the same root and the same path, and the root must be the one the count's ledger entry records.

Ends with: RESULT stored_ms=... rebuilt_ms=... ratio=... ballots=...
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", help="a database seeded by bench/pack_export.py --sqlite")
    parser.add_argument("--postgres", help="or a PostgreSQL one seeded by bench/pack_export.py --postgres")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    if not (args.sqlite or args.postgres):
        parser.error("give --sqlite FILE or --postgres URL")

    from flask_migrate import upgrade
    from sqlalchemy import select

    from pb import create_app
    from pb.audit.merkle import inclusion_proof, leaf_hash, root
    from pb.extensions import db
    from pb.ledger.models import AuditEntry
    from pb.rounds.models import Round
    from pb.voting import receipts, tally
    from pb.voting.models import Ballot

    url = args.postgres or f"sqlite:///{Path(args.sqlite).resolve()}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PB_RATE_LIMITS": "0", "PB_BASE_URL": "http://pb.bench",
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="pb-receipt-")})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))  # 0018 stores the tree of a round counted before it
        round_ = db.session.scalar(select(Round).join(tally.CountResult, tally.CountResult.round_id == Round.id))
        result = tally.current_result(round_)
        size = result.ballot_count
        recorded = json.loads(db.session.scalar(select(AuditEntry.payload).where(AuditEntry.action == "round.counted")))
        trackers = db.session.scalars(select(Ballot.tracker_hash).where(Ballot.round_id == round_.id)).all()
        rng = random.Random(7)
        stored_times, rebuilt_times = [], []
        for _ in range(args.repeats):
            mine = leaf_hash(bytes.fromhex(rng.choice(trackers)))
            db.session.expunge_all()
            started = time.perf_counter()
            index = receipts.index_of(round_.id, mine)
            stored = (receipts.root(round_.id, size), receipts.inclusion_path(round_.id, index, size))
            stored_times.append(time.perf_counter() - started)

            started = time.perf_counter()  # what every receipt check did before migration 0018
            leaves = tally.round_receipt_leaves(round_)
            at = leaves.index(mine)
            rebuilt = (root(leaves), inclusion_proof(leaves, at))
            rebuilt_times.append(time.perf_counter() - started)
            assert index == at and stored == rebuilt, "the stored tree differs from the ballots' tree"
            assert stored[0].hex() == recorded["receipts_root"], "not the root the count recorded"
    stored_ms, rebuilt_ms = statistics.median(stored_times) * 1000, statistics.median(rebuilt_times) * 1000
    print(f"{size:,} ballots: stored tree {stored_ms:.1f} ms, rebuilt from the ballots {rebuilt_ms:.0f} ms (median of "
          f"{args.repeats})")
    print(f"RESULT stored_ms={stored_ms:.1f} rebuilt_ms={rebuilt_ms:.0f} ratio={rebuilt_ms / stored_ms:.0f} ballots={size}")


if __name__ == "__main__":
    main()
