"""How long the auditor pack of a large round takes to build, as the auditor's download builds it
inside the request (`pb.auditing.pack.export`, the same code as `flask audit export`).

    python bench/pack_export.py                            # one neighbourhood, 100,000+ ballots, SQLite
    python bench/pack_export.py --residents 200000         # smaller
    python bench/pack_export.py --postgres URL             # on PostgreSQL (the database is emptied first)

One neighbourhood is seeded with `flask seed-scale`'s code (bulk residents, voter roll, ballots and
their ledger entries), its round is closed and counted through the services, then the pack is built
`--repeats` times. Baseline in the same run: reading the round's ballots and its ledger entries from
the database (no hashing, no writing), the floor under any export. The pack is then verified by
`python -m pb.audit verify`, as an auditor would, so a fast but wrong pack cannot pass.

Target: under 30 s at 100,000 ballots, the request timeout a reverse proxy or gunicorn typically
allows; above that the download needs a background job.

Ends with: RESULT export_s=... ballots=... entries=... pack_mb=... read_s=... ratio=... verify_s=...
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=650_000,
                        help="residents of the one neighbourhood (turnout is 15-30%% of the verified: 650,000 gives ~100,000 ballots)")
    parser.add_argument("--postgres", help="a PostgreSQL URL to use (emptied first) instead of a new SQLite file")
    parser.add_argument("--sqlite", help="this SQLite file (kept afterwards) instead of a temporary one")
    parser.add_argument("--reuse", action="store_true", help="measure a database seeded before, without seeding again")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from bench.scale import fresh_database
    from pb import create_app, phases
    from pb.accounts.models import User
    from pb.auditing.pack import export
    from pb.extensions import db
    from pb.ledger.checkpoints import verifier_key
    from pb.ledger.models import AuditEntry
    from pb.ledger.services import existing_log
    from pb.national import seeding
    from pb.neighbourhoods.models import Neighbourhood
    from pb.rounds.models import VOTING, Round
    from pb.voting import tally
    from pb.voting.models import Ballot

    work = Path(tempfile.mkdtemp(prefix="pb-pack-"))
    database = Path(args.sqlite) if args.sqlite else work / "pack.sqlite3"
    if args.postgres:
        url = args.postgres
        if not args.reuse:
            fresh_database(url)
    else:
        if database.exists() and not args.reuse:
            database.unlink()
        url = f"sqlite:///{database}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PB_RATE_LIMITS": "0", "PB_BASE_URL": "http://pb.bench",
                      "INSTANCE_PATH": str(work / "instance")})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if not args.reuse:
            started = time.perf_counter()
            seeding.run(1, args.residents, echo=print)
            print(f"Seeded in {time.perf_counter() - started:.0f} s")
        hood = db.session.scalar(select(Neighbourhood))
        round_ = db.session.scalar(select(Round).where(Round.neighbourhood_id == hood.id))
        facilitator = db.session.scalar(select(User).where(User.email == f"facilitator@{hood.slug}.example"))
        if round_.phase == VOTING:
            started = time.perf_counter()
            phases.advance_phase(round_, facilitator)
            tally.count_round(db.session.get(Round, round_.id), facilitator)
            print(f"Closed and counted in {time.perf_counter() - started:.1f} s")
        round_ = db.session.get(Round, round_.id)
        ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id))
        log = existing_log(hood)
        entries = log.head_seq
        key = verifier_key()
        print(f"{hood.name}: {ballots:,} ballots, {entries:,} ledger entries")

        # Baseline: every ballot and ledger entry of the round's neighbourhood read from the database.
        reads = []
        for _ in range(args.repeats):
            db.session.expunge_all()
            started = time.perf_counter()
            for _row in db.session.execute(select(Ballot.choices).where(Ballot.round_id == round_.id)):
                pass
            for _row in db.session.execute(select(AuditEntry.payload, AuditEntry.hash).where(AuditEntry.log_id == log.id)):
                pass
            reads.append(time.perf_counter() - started)

        times, path = [], work / "round.pack"
        for n in range(args.repeats):
            if path.exists():
                path.unlink()
            db.session.expunge_all()
            round_ = db.session.get(Round, round_.id)
            started = time.perf_counter()
            counts = export(round_, str(path))
            times.append(time.perf_counter() - started)
            print(f"  export {n + 1}: {times[-1]:.1f} s ({counts['entries']:,} entries, {counts['ballots']:,} ballots)")
    pack_mb = path.stat().st_size / 1e6
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pb.audit", "verify", str(path), "--key", key], cwd=ROOT,
                         capture_output=True, text=True)
    verify_s = time.perf_counter() - started
    print(run.stdout.strip()[-2000:])
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        sys.exit(1)
    export_s, read_s = statistics.median(times), statistics.median(reads)
    if not args.postgres and not args.sqlite:
        os.unlink(database)
    print(f"RESULT export_s={export_s:.1f} ballots={ballots} entries={entries} pack_mb={pack_mb:.0f} "
          f"read_s={read_s:.2f} ratio={export_s / read_s:.1f} verify_s={verify_s:.1f}")


if __name__ == "__main__":
    main()
