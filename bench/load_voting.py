"""Load and crash: 2,000 verified residents sign in and cast their ballots through gunicorn with 4
workers, and one worker is killed with SIGKILL while ballots are being cast. Then the box is
checked: every ballot whose confirmation page was shown is in it, nobody has two, the roll and the
box agree, and the ledger verifies.

    python bench/load_voting.py [--residents 2000] [--clients 16] [--engines sqlite,postgresql]
                                [--postgres postgresql://postgres@127.0.0.1:5432/test] [--limit-s 900]
                                [--servers 1] [--workers 4]

With --servers 2 the residents are shared between two gunicorns on two ports over one database:
several app servers at once, each appending to the same neighbourhood's audit chain, which must
come out gap-free with every ballot counted once.

Loopback only (127.0.0.1), bounded in count (--residents) and time (--limit-s per engine). For each
engine it measures the casting step alone (POST .../vote/cast, the ballot page already loaded) and,
on the same gunicorn with the same clients, a bare endpoint that inserts one row (the ceiling):
ballots per second, p50/p95/p99 latency, and their ratio. A request cut off by the killed worker is
retried once by its resident, as a person whose page failed would try again. Rate limits are off
(PB_RATE_LIMITS=0): every client here shares one address.

Ends with one line per engine, PostgreSQL last:
RESULT engine=... ballots_per_s=... p95_ms=... lost=... duplicates=... ceiling_per_s=... ratio=...
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ballot_box import a_round  # noqa: E402  (after the path is set)

PASSWORD = "bench password 1"
TRACKER = re.compile(r'class="letter-code">([^<]+)<')
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
CHOICE = re.compile(r'<input[^>]*type="checkbox"[^>]*>')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


# --- the database -----------------------------------------------------------------------------------

def seed(url: str, instance: Path, residents: int) -> int:
    """Migrate, make a round open for voting and `residents` verified residents. Returns the round id."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from pb import create_app
    from pb.accounts import services as accounts
    from pb.extensions import db
    from pb.neighbourhoods import services as hoods

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade()
        hood, facilitator, round_, _, shared = a_round(app)
        started = time.perf_counter()
        for n in range(residents):
            user = accounts.create_account(name=f"Resident {n}", email=f"r{n}@load.example", password_hash=shared,
                                           postcode="EB1 1AA", birth_year=1950 + n % 50)
            hoods.verify_resident(hoods.join_as_resident(user, hood), facilitator)
            if n % 500 == 499:
                print(f"  seeded {n + 1:,} residents ({time.perf_counter() - started:.0f} s)", flush=True)
        serial = "SERIAL" if db.engine.name == "postgresql" else "INTEGER"
        db.session.execute(text(f"CREATE TABLE bench_ceiling (id {serial} PRIMARY KEY, note VARCHAR(20))"))
        db.session.commit()
        round_id = round_.id
        db.session.remove()
        db.engine.dispose()
    return round_id


def check(url: str, instance: Path, round_id: int, confirmed: list[str]) -> dict:
    from sqlalchemy import func, select

    from pb import create_app
    from pb.extensions import db
    from pb.ledger.models import AuditEntry, AuditLog
    from pb.ledger.services import verify_log
    from pb.voting.casting import tracker_hash
    from pb.voting.models import Ballot, BallotBox, VoterRollEntry

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        in_box = set(db.session.scalars(select(Ballot.tracker_hash).where(Ballot.round_id == round_id)))
        lost = sum(1 for tracker in confirmed if tracker_hash(tracker) not in in_box)
        ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id))
        roll = db.session.scalar(select(func.count()).select_from(VoterRollEntry).where(VoterRollEntry.round_id == round_id))
        # Each resident's ballots share one keyed replace_key: more than one in a group is a second ballot.
        groups = db.session.execute(select(Ballot.replace_key, func.count()).where(Ballot.round_id == round_id)
                                    .group_by(Ballot.replace_key)).all()
        duplicates = sum(n - 1 for _, n in groups if n > 1) + max(0, ballots - roll)
        box = db.session.get(BallotBox, round_id)
        # verify_log re-derives every hash and requires sequence numbers 1, 2, 3 ... with no gap, so
        # appends from several servers at once that skipped or repeated a number would show here.
        problems = [verify_log(log) for log in db.session.scalars(select(AuditLog))]
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(("ballot.cast", "ballot.replaced"))))
        result = {"lost": lost, "duplicates": duplicates, "ballots": ballots, "roll": roll, "entries": entries,
                  "box": (box.roll_entries, box.ballots), "ledger_ok": not any(problems)}
        db.session.remove()
        db.engine.dispose()
    return result


# --- the residents ----------------------------------------------------------------------------------

class Resident:
    def __init__(self, base: str, n: int):
        self.base, self.email = base, f"r{n}@load.example"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())
        self.form = None

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def sign_in(self):
        status, page = self.request("/sign-in")
        token = CSRF.search(page).group(1)
        status, _ = self.request("/sign-in", {"csrf_token": token, "email": self.email, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"sign-in of {self.email} answered {status}")

    def load_ballot(self, round_path):
        status, page = self.request(f"{round_path}/vote")
        if status != 200:
            raise RuntimeError(f"ballot page answered {status}")
        boxes = [dict(re.findall(r'(\w+)="([^"]*)"', tag)) for tag in CHOICE.findall(page)]
        chosen = boxes[: 1 + int(self.email[1:].split("@")[0]) % max(1, len(boxes))]
        self.form = {"csrf_token": CSRF.search(page).group(1)}
        for box in chosen:
            self.form.setdefault(box["name"], []).append(box["value"])

    def cast(self, round_path):
        started = time.perf_counter()
        status, page = self.request(f"{round_path}/vote/cast", self.form)
        elapsed = (time.perf_counter() - started) * 1000
        found = TRACKER.search(page) if status == 200 else None
        return (found.group(1).strip() if found else None), elapsed, status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_engine(engine: str, url: str, args) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"pb-load-{engine}-"))
    instance = work / "instance"
    print(f"{engine}: seeding {args.residents:,} verified residents ...", flush=True)
    started = time.perf_counter()
    round_id = seed(url, instance, args.residents)
    print(f"{engine}: seeded in {time.perf_counter() - started:.0f} s", flush=True)
    env = {**os.environ, "DATABASE_URL": url, "PB_BENCH_INSTANCE": str(instance), "PB_RATE_LIMITS": "0",
           "PYTHONPATH": str(ROOT)}
    # Several app servers share the database (and, like real ones, the instance keys): each its own
    # gunicorn on its own port, each resident sent to one of them in turn.
    servers, bases = [], []
    for _ in range(args.servers):
        port = free_port()
        servers.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
                                         f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning",
                                         "bench.load_app:app"], cwd=ROOT, env=env))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + args.limit_s
    try:
        for base in bases:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.2)
        round_path = f"/n/bench/rounds/{round_id}"
        people = [Resident(bases[n % len(bases)], n) for n in range(args.residents)]
        with ThreadPoolExecutor(args.clients) as pool:
            print(f"{engine}: {args.residents:,} residents sign in and open their ballot ...", flush=True)
            list(pool.map(lambda r: (r.sign_in(), r.load_ballot(round_path)), people))
            if time.monotonic() > deadline:
                raise TimeoutError("signing in took longer than --limit-s")

            confirmed, latencies, cut_off, retried = [], [], [0], [0]
            lock, done = threading.Lock(), [0]
            kill_at = args.residents // 3
            victim = []

            def vote(resident):
                for attempt in (1, 2):
                    try:
                        tracker, elapsed, _ = resident.cast(round_path)
                    except (OSError, urllib.error.URLError):
                        tracker, elapsed = None, None  # cut off: the worker died under it
                    if tracker:
                        with lock:
                            confirmed.append(tracker)
                            latencies.append(elapsed)
                            done[0] += 1
                            if done[0] == kill_at and not victim:
                                victim.append(kill_a_worker(servers[0].pid))
                        return
                    with lock:
                        cut_off[0] += 1
                        retried[0] += attempt == 1
                    if time.monotonic() > deadline:
                        return
                    resident.load_ballot(round_path)  # as someone whose page failed would reload it

            print(f"{engine}: casting, with one worker killed after {kill_at:,} ballots ...", flush=True)
            started = time.perf_counter()
            list(pool.map(vote, people))
            cast_s = time.perf_counter() - started

            ceiling_latencies = []

            def insert(n):
                t0 = time.perf_counter()
                request = urllib.request.Request(bases[n % len(bases)] + "/bench/insert", data=b"", method="POST")
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                with lock:
                    ceiling_latencies.append((time.perf_counter() - t0) * 1000)

            started = time.perf_counter()
            list(pool.map(insert, range(args.residents)))
            ceiling_s = time.perf_counter() - started
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
    outcome = check(url, instance, round_id, confirmed)
    shutil.rmtree(work, ignore_errors=True)
    ballots_per_s = len(confirmed) / cast_s
    ceiling_per_s = len(ceiling_latencies) / ceiling_s
    figures = {
        "engine": engine, "servers": args.servers, "ballots_per_s": round(ballots_per_s, 1), "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1), "p99_ms": round(percentile(latencies, 99), 1),
        "confirmed": len(confirmed), "cut_off": cut_off[0], "killed_worker": victim[0] if victim else None,
        "lost": outcome["lost"], "duplicates": outcome["duplicates"], "roll": outcome["roll"], "ballots": outcome["ballots"],
        "ledger_ok": outcome["ledger_ok"], "ledger_entries": outcome["entries"], "ceiling_per_s": round(ceiling_per_s, 1),
        "ceiling_p50_ms": round(percentile(ceiling_latencies, 50), 1),
        "ceiling_p95_ms": round(percentile(ceiling_latencies, 95), 1),
        "ceiling_p99_ms": round(percentile(ceiling_latencies, 99), 1),
        "ratio": round(ballots_per_s / ceiling_per_s, 2),
    }
    print(f"{engine}: " + ", ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    assert outcome["roll"] == outcome["ballots"] and not outcome["lost"] and not outcome["duplicates"], outcome
    assert outcome["box"] == (outcome["roll"], outcome["ballots"]), outcome
    assert outcome["ledger_ok"], "the ledger does not verify"
    assert outcome["entries"] >= len(confirmed), "a confirmed ballot has no ledger entry"
    return figures


def kill_a_worker(master: int) -> int:
    workers = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    victim = int(workers[0])
    os.kill(victim, signal.SIGKILL)
    print(f"  killed gunicorn worker {victim} with SIGKILL", flush=True)
    return victim


def postgres_database(base: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--limit-s", type=float, default=900)
    parser.add_argument("--servers", type=int, default=1, help="app servers (gunicorn processes on their own ports)")
    parser.add_argument("--workers", type=int, default=4, help="workers per server")
    args = parser.parse_args()
    if not 1 <= args.residents <= 20_000:
        parser.error("--residents must be between 1 and 20,000")
    if not 1 <= args.servers <= 4 or not 1 <= args.workers <= 8:
        parser.error("--servers must be 1 to 4 and --workers 1 to 8")
    results = []
    for engine in [e for e in ("sqlite", "postgresql") if e in args.engines.split(",")]:
        if engine == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="pb-load-db-"))
            url = f"sqlite:///{folder / 'load.sqlite3'}"
        else:
            url = postgres_database(args.postgres, "pb_load_bench")
        results.append(run_engine(engine, url, args))
    for r in results:
        servers = f" servers={r['servers']}" if r["servers"] > 1 else ""
        print(f"RESULT engine={r['engine']}{servers} ballots_per_s={r['ballots_per_s']} p95_ms={r['p95_ms']} lost={r['lost']} "
              f"duplicates={r['duplicates']} ceiling_per_s={r['ceiling_per_s']} ratio={r['ratio']}")


if __name__ == "__main__":
    main()
