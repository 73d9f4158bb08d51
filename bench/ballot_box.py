"""What the ballot box tally costs: the triggers that keep `ballot_box` (and its CHECK that ballots
never outnumber the roll) against the same database without them, in the same run.

    python bench/ballot_box.py [--rows 100000] [--voters 300] [--postgres URL]

Two measures, each with the triggers and without (dropped from an identical database):
- bulk: --rows roll entries and --rows ballots inserted in batches of 5,000 in one transaction, as a
  national-scale seed would: executemany on SQLite, COPY on PostgreSQL (with --postgres), where
  the tally is kept per statement;
- service: --voters residents vote through voting.services.cast_ballot, one transaction each with
  its audit entry, as on the site; the median milliseconds per ballot.

Ends with: RESULT bulk_sqlite_s=... bulk_sqlite_plain_s=... bulk_ratio=... cast_median_ms=... cast_plain_median_ms=... cast_ratio=... [bulk_pg_s=... bulk_pg_plain_s=... bulk_pg_ratio=...]
"""
from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SQLITE_DROP = ["DROP TRIGGER voter_roll_entry_tally", "DROP TRIGGER voter_roll_entry_untally", "DROP TRIGGER ballot_tally",
               "DROP TRIGGER ballot_untally"]
PG_DROP = ["DROP TRIGGER voter_roll_entry_tally ON voter_roll_entry", "DROP TRIGGER ballot_tally ON ballot"]


def make_app(url: str, instance: Path):
    from pb import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": str(instance),
                       "TESTING": True})


def a_round(app):
    """A neighbourhood and a round in voting with two proposals, made through the services."""
    from datetime import date, timedelta

    from pb import phases
    from pb.accounts import passwords
    from pb.accounts import services as accounts
    from pb.neighbourhoods import services as hoods
    from pb.proposals import services as proposals
    from pb.rounds import services as rounds
    from pb.rounds.models import PHASES, SETUP

    hood = hoods.create_neighbourhood(slug="bench", name="Bench")
    hoods.set_area(hood, {"EB1 1AA"}, replace=True)
    shared = passwords.hash_password("bench password 1")
    f = accounts.create_account(name="F", email="f@b.example", password_hash=shared, postcode="EB1 1AA", birth_year=1980)
    board = accounts.create_account(name="B", email="b@b.example", password_hash=shared, postcode="EB1 1AA", birth_year=1980)
    hoods.grant_role(f, hood, "facilitator")
    hoods.grant_role(board, hood, "board_member")
    round_ = rounds.create_round(hood, f, name="Bench round", fund_year="2027/28", total_budget=100_000_00)
    rounds.add_pot(round_, f, name="Open pot", amount=100_000_00)
    rounds.set_timeline(round_, f, {p: date.today() + timedelta(days=10 * i) for i, p in enumerate(PHASES) if p != SETUP})
    rounds.update_rules(round_, f, ballot_type="approval", counting_rule="greedy")
    rounds.approve_setup(round_, board, decided_on=date.today())
    phases.advance_phase(round_, f)
    ids = []
    for n in range(2):
        author = accounts.create_account(name=f"A{n}", email=f"a{n}@b.example", password_hash=shared, postcode="EB1 1AA",
                                         birth_year=1980)
        hoods.verify_resident(hoods.join_as_resident(author, hood), f)
        draft = proposals.create_draft(round_, author, proposals.ProposalInput(
            title=f"Project {n}", summary="s", description="", need="", beneficiaries="", place="", category="community",
            pot_id=round_.pots[0].id, group_name=None,
            cost_lines=[proposals.CostLineInput("Costs", "revenue", 10_000_00, "2027/28")]))
        proposals.submit(draft, author)
        ids.append(draft.id)
    phases.advance_phase(round_, f)
    from pb.extensions import db
    from pb.proposals.models import Proposal

    for pid in ids:
        proposals.review(db.session.get(Proposal, pid), f, "feasible")
    phases.advance_phase(round_, f)
    phases.advance_phase(round_, f)
    return hood, f, round_, ids, shared


def bulk(url: str, rows: int, drop: list[str], instance: Path) -> float:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from pb.extensions import db

    app = make_app(url, instance)
    with app.app_context():
        upgrade()
        _, _, round_, _, _ = a_round(app)
        for statement in drop:
            db.session.execute(text(statement))
        db.session.commit()
        conn = db.session.connection().connection.driver_connection
        cursor = conn.cursor()
        marker = "?" if "sqlite" in url else "%s"
        start = time.perf_counter()
        for first in range(0, rows, 5000):
            n = min(5000, rows - first)
            # users first: roll entries point at them
            cursor.executemany(
                f"INSERT INTO user_account (pseudonym, name, email, password_hash, postcode, birth_year, is_admin, "
                f"created_at, password_changed_at, proposal_emails) VALUES ({', '.join([marker] * 10)})",
                [(f"p-{first + i:x}", "V", f"v{first + i}@b.example", "x", "EB1 1AA", 1980, False,
                  "2026-01-01 00:00:00", "2026-01-01 00:00:00", True) for i in range(n)])
            cursor.execute("SELECT id FROM user_account WHERE email LIKE 'v%@b.example' ORDER BY id DESC LIMIT " + str(n))
            user_ids = [r[0] for r in cursor.fetchall()]
            roll = [(round_.id, uid, "online", "2026-12-04", 1980) for uid in user_ids]
            ballots = [(secrets.token_hex(16), round_.id, json.dumps({}), None, secrets.token_hex(32)) for _ in range(n)]
            if marker == "?":
                cursor.executemany("INSERT INTO voter_roll_entry (round_id, user_id, method, voted_on, birth_year) "
                                   "VALUES (?, ?, ?, ?, ?)", roll)
                cursor.executemany("INSERT INTO ballot (id, round_id, choices, replace_key, tracker_hash) "
                                   "VALUES (?, ?, ?, ?, ?)", ballots)
            else:  # PostgreSQL bulk loads use COPY: one tally update per COPY
                with cursor.copy("COPY voter_roll_entry (round_id, user_id, method, voted_on, birth_year) FROM STDIN") as copy:
                    for row in roll:
                        copy.write_row(row)
                with cursor.copy("COPY ballot (id, round_id, choices, replace_key, tracker_hash) FROM STDIN") as copy:
                    for row in ballots:
                        copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - start
        counts = db.session.execute(text("SELECT count(*) FROM ballot")).scalar()
        assert counts == rows, counts
        db.session.remove()
        db.engine.dispose()
    return seconds


def casting(url: str, voters: int, drop: list[str], instance: Path) -> float:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from pb.accounts import services as accounts
    from pb.extensions import db
    from pb.neighbourhoods import services as hoods
    from pb.voting import services as voting

    app = make_app(url, instance)
    with app.app_context():
        upgrade()
        hood, f, round_, ids, shared = a_round(app)
        people = []
        for n in range(voters):
            user = accounts.create_account(name=f"V{n}", email=f"v{n}@b.example", password_hash=shared,
                                           postcode="EB1 1AA", birth_year=1980)
            hoods.verify_resident(hoods.join_as_resident(user, hood), f)
            people.append(user)
        for statement in drop:
            db.session.execute(text(statement))
        db.session.commit()
        times = []
        for n, person in enumerate(people):
            start = time.perf_counter()
            voting.cast_ballot(round_, person, {round_.pots[0].id: [str(ids[n % 2])]})
            times.append((time.perf_counter() - start) * 1000)
        db.session.remove()
        db.engine.dispose()
    return statistics.median(times)


def pg_schema(url: str):
    """A throwaway schema in the given PostgreSQL database; returns (url using it, drop)."""
    import uuid

    from sqlalchemy import create_engine, text

    name = "pbbench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in url else "?"

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    return f"{url}{sep}options=-csearch_path%3D{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--postgres", default=None, help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for label, drop in (("", []), ("_plain", SQLITE_DROP)):
            folder = tmp / f"bulk{label}"
            folder.mkdir()
            figures[f"bulk_sqlite{label}_s"] = bulk(f"sqlite:///{folder / 'pb.sqlite3'}", args.rows, drop, folder)
            print(f"bulk sqlite{label or ' with the tally'}: {figures[f'bulk_sqlite{label}_s']:.2f} s for {args.rows:,} "
                  "roll entries and ballots", flush=True)
            folder = tmp / f"cast{label}"
            folder.mkdir()
            figures[f"cast{label}_median_ms"] = casting(f"sqlite:///{folder / 'pb.sqlite3'}", args.voters, drop, folder)
            print(f"cast_ballot{label or ' with the tally'}: median {figures[f'cast{label}_median_ms']:.2f} ms", flush=True)
        if args.postgres:
            for label, drop in (("", []), ("_plain", PG_DROP)):
                url, cleanup = pg_schema(args.postgres)
                folder = tmp / f"pg{label}"
                folder.mkdir()
                try:
                    figures[f"bulk_pg{label}_s"] = bulk(url, args.rows, drop, folder)
                finally:
                    cleanup()
                print(f"bulk postgresql{label or ' with the tally'}: {figures[f'bulk_pg{label}_s']:.2f} s", flush=True)
    figures["bulk_ratio"] = figures["bulk_sqlite_s"] / figures["bulk_sqlite_plain_s"]
    figures["cast_ratio"] = figures["cast_median_ms"] / figures["cast_plain_median_ms"]
    if args.postgres:
        figures["bulk_pg_ratio"] = figures["bulk_pg_s"] / figures["bulk_pg_plain_s"]
    order = ["bulk_sqlite_s", "bulk_sqlite_plain_s", "bulk_ratio", "cast_median_ms", "cast_plain_median_ms", "cast_ratio",
             "bulk_pg_s", "bulk_pg_plain_s", "bulk_pg_ratio"]
    print("RESULT " + " ".join(f"{k}={figures[k]:.2f}" for k in order if k in figures))


if __name__ == "__main__":
    main()
