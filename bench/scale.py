"""National scale: seed 225 neighbourhoods and 2.4 million residents (flask seed-scale), then time
the largest neighbourhood's pages, its count and its ledger check.

    python bench/scale.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/pbscale   # full scale
    python bench/scale.py --fraction 0.1                                                     # SQLite, a tenth
    python bench/scale.py --postgres URL --reuse     # measure a database seeded before, without seeding again

The database is emptied first (its tables dropped and migrated again) unless --reuse. Pages are
fetched through Flask's test client (the whole app, templates, access rules and queries, minus the
network), each `--requests` times after one warm-up request; the median is reported, with the
baseline /healthz in the same run. For each page the slowest SQL statements are printed, so a slow
page can be fixed with the index EXPLAIN ANALYZE asks for, not a cache.

Targets at full scale on PostgreSQL: every page under 200 ms median, counting the largest round
under 5 s, verifying its ledger under 10 s.

Ends with: RESULT page_median_ms_max=... count_s=... verify_s=... seed_s=... db_mb=... (and each page's median)
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NEIGHBOURHOODS, RESIDENTS = 225, 2_400_000


class StatementTimer:
    """Every SQL statement's time while a page renders, to name the slowest."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.times: list[tuple[float, str]] = []
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["pb_started"] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        self.times.append((time.perf_counter() - conn.info.pop("pb_started", time.perf_counter()), statement))


def fresh_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def measure(args) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from pb import create_app, phases
    from pb.extensions import db
    from pb.ledger.models import AuditEntry
    from pb.ledger.services import existing_log, verify_log
    from pb.national import seeding
    from pb.national.models import Programme
    from pb.neighbourhoods.models import Neighbourhood
    from pb.rounds.models import VOTING, Round
    from pb.voting import tally

    if args.postgres:
        url = args.postgres
        if not args.reuse:
            fresh_database(url)
    else:
        path = Path(args.sqlite or Path(tempfile.mkdtemp(prefix="pb-scale-")) / "scale.sqlite3")
        if path.exists() and not args.reuse:
            path.unlink()
        url = f"sqlite:///{path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PB_RATE_LIMITS": "0", "WTF_CSRF_ENABLED": False, "PB_BASE_URL": "http://pb.bench",
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="pb-scale-instance-")})
    neighbourhoods = max(1, round(NEIGHBOURHOODS * args.fraction))
    residents = round(RESIDENTS * args.fraction)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        seeding.run(neighbourhoods, residents, echo=print)
        seed_s = time.perf_counter() - started
        plans = seeding.plan(neighbourhoods, residents)
        largest = max(plans, key=lambda p: p.residents)
        hood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == largest.slug))
        round_ = db.session.scalar(select(Round).where(Round.neighbourhood_id == hood.id))
        log = existing_log(hood)
        entries = log.head_seq
        from pb.funds.models import Fund
        fund_id = db.session.scalar(select(Fund.id).where(Fund.neighbourhood_id == hood.id))
        programme = db.session.scalar(select(Programme))
        programme_id, start = programme.id, int(programme.first_year[:4])
        from pb.accounts.models import User
        from pb.voting.models import Ballot
        ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id))
        facilitator = db.session.scalar(select(User).where(User.email == f"facilitator@{largest.slug}.example"))
        print(f"Largest neighbourhood: {largest.name}, {largest.residents:,} residents, {ballots:,} ballots, "
              f"{entries:,} ledger entries")

        # Counting: the real service (close voting, count) the first time; on a database counted
        # before (--reuse), the count itself over the same ballots.
        started = time.perf_counter()
        if round_.phase == VOTING:
            phases.advance_phase(round_, facilitator)
            tally.count_round(db.session.get(Round, round_.id), facilitator)
        else:
            tally._count(round_, set())
        count_s = time.perf_counter() - started

        started = time.perf_counter()
        problem = verify_log(existing_log(hood))
        verify_s = time.perf_counter() - started
        assert problem is None, problem

        if db.engine.dialect.name == "postgresql":
            db_mb = db.session.scalar(text("SELECT pg_database_size(current_database())")) / 1e6
        else:
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db_mb = os.path.getsize(db.engine.url.database) / 1e6
        total_entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
        slug, round_id = largest.slug, round_.id
        middle = entries // 2

    with app.app_context():
        timer = StatementTimer(db.engine)
    public = app.test_client()
    auditor = app.test_client()
    response = auditor.post("/sign-in", data={"email": f"auditor@{slug}.example", "password": seeding.PASSWORD})
    assert response.status_code == 302, "the auditor could not sign in"
    operator = app.test_client()
    response = operator.post("/sign-in", data={"email": "operator@national.example", "password": seeding.PASSWORD})
    assert response.status_code == 302, "the operator could not sign in"
    pages = {
        "healthz": (public, "/healthz"),
        "round": (public, f"/n/{slug}/rounds/{round_id}/"),
        "proposals": (public, f"/n/{slug}/rounds/{round_id}/proposals"),
        "results": (auditor, f"/n/{slug}/rounds/{round_id}/results"),
        "fund": (public, f"/n/{slug}/funds/{fund_id}/"),
        "ledger": (auditor, f"/n/{slug}/audit"),
        "ledger_entry": (auditor, f"/n/{slug}/audit/entries/{middle}"),
        "national": (public, f"/national/{programme_id}/"),
        "national_table": (public, f"/national/{programme_id}/{start}/neighbourhoods"),
        "national_operator": (operator, f"/national/{programme_id}/{start}/neighbourhoods"),
        "platform_log": (operator, "/admin/audit"),
    }
    medians = {}
    for name, (client, path) in pages.items():
        assert client.get(path).status_code == 200, path  # warm-up, and the page works
        timer.times.clear()
        times = []
        for _ in range(args.requests):
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        medians[name] = statistics.median(times)
        slowest = sorted(timer.times, reverse=True)[:2]
        queries = len(timer.times) // args.requests
        print(f"{name:15s} {medians[name]:8.1f} ms median  {queries:3d} statements  {path}")
        for seconds, statement in slowest:
            print(f"{'':17s}{seconds * 1000:7.1f} ms  {' '.join(statement.split())[:150]}")
    page_max = max(value for key, value in medians.items() if key != "healthz")
    return {"page_median_ms_max": page_max, "count_s": count_s, "verify_s": verify_s, "seed_s": seed_s, "db_mb": db_mb,
            "neighbourhoods": neighbourhoods, "residents": residents, "largest_residents": largest.residents,
            "largest_ballots": ballots, "largest_entries": entries, "all_entries": total_entries,
            **{f"{key}_ms": value for key, value in medians.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (its public schema is emptied unless --reuse)")
    parser.add_argument("--sqlite", help="an SQLite file (a temporary one by default)")
    parser.add_argument("--fraction", type=float, default=None,
                        help="share of the full 225 neighbourhoods and 2.4 million residents (1 on PostgreSQL, 0.1 on SQLite)")
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="measure the database as it is (seeding only what is missing)")
    args = parser.parse_args()
    if args.fraction is None:
        args.fraction = 1.0 if args.postgres else 0.1
    figures = measure(args)
    engine = "postgresql" if args.postgres else "sqlite"
    print("RESULT " + " ".join(f"{key}={value:.1f}" if isinstance(value, float) else f"{key}={value}"
                               for key, value in {**figures, "engine": engine}.items()))


if __name__ == "__main__":
    main()
