"""Times the proposal list and proposal pages with 1,000 proposals and 20,000 comments on SQLite.

    python bench/proposals_page.py [--proposals 1000] [--comments 20000] [--requests 200]

Proposals are made through the real service functions (drafted, submitted, reviewed feasible), so
each has its cost lines, version and audit entries; comments are inserted in bulk (20,000 service
calls would time the seeding, not the pages) with their proposal's comment count kept in step.
Pages are fetched through Flask's test client: the full app, templates, access rules and
queries, minus the network. The baseline is /healthz in the same run, so the ratio says how much
a page costs over the app's fixed cost per request on this machine.

Ends with: RESULT list_median_ms=... detail_median_ms=... detail_signed_in_median_ms=... healthz_median_ms=... list_ratio=... detail_ratio=...
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seed(app, proposals: int, comments: int) -> tuple[str, int, list[int]]:
    from sqlalchemy import insert, select, update

    from pb import phases
    from pb.accounts import passwords
    from pb.accounts import services as accounts
    from pb.extensions import db
    from pb.neighbourhoods import services as hoods
    from pb.proposals import services as proposal_services
    from pb.proposals.models import CATEGORIES, Comment, Proposal
    from pb.rounds import services as rounds
    from pb.rounds.models import PHASES, SETUP

    rng = random.Random(7)
    with app.app_context():
        hood = hoods.create_neighbourhood(slug="bench", name="Bench")
        hoods.set_area(hood, {"EB1 1AA"}, replace=True)
        shared = passwords.hash_password("bench password 1")

        def person(n, role=None):
            user = accounts.create_account(name=f"Person {n}", email=f"p{n}@bench.example", password_hash=shared,
                                           postcode="EB1 1AA", birth_year=1980)
            if role:
                hoods.grant_role(user, hood, role)
            else:
                hoods.verify_resident(hoods.join_as_resident(user, hood), facilitator)
            return user

        facilitator = accounts.create_account(name="Facilitator", email="f@bench.example", password_hash=shared,
                                              postcode="EB1 1AA", birth_year=1980)
        hoods.grant_role(facilitator, hood, "facilitator")
        board = person(0, "board_member")
        residents = [person(n) for n in range(1, 101)]
        round_ = rounds.create_round(hood, facilitator, name="Bench round", fund_year="2027/28", total_budget=10_000_000_00)
        pots = [rounds.add_pot(round_, facilitator, name=name, amount=amount)
                for name, amount in (("Capacity", 1_000_000_00), ("Open", 9_000_000_00))]
        rounds.set_timeline(round_, facilitator, {p: date.today() + timedelta(days=i) for i, p in enumerate(PHASES) if p != SETUP})
        rounds.approve_setup(round_, board, decided_on=date.today())
        phases.advance_phase(round_, facilitator)
        started = time.perf_counter()
        categories = list(CATEGORIES)
        for n in range(proposals):
            author = residents[n % len(residents)]
            data = proposal_services.ProposalInput(
                title=f"Proposal number {n}", summary=f"A summary of proposal {n} " + "words " * 20,
                description="Description " * 80, need="Need " * 30, beneficiaries="Residents", place="Eastbrook",
                category=categories[n % len(categories)], pot_id=pots[n % 2].id, group_name=None,
                cost_lines=[proposal_services.CostLineInput(f"Item {k}", "revenue", rng.randint(100, 9000) * 100,
                                                            "2027/28") for k in range(1, 4)])
            proposal = proposal_services.create_draft(round_, author, data)
            proposal_services.submit(proposal, author)
            if n % 2 == 0:
                proposal_services.review(proposal, facilitator, "feasible")
            if (n + 1) % 200 == 0:
                print(f"  {n + 1} proposals ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        ids = list(db.session.scalars(select(Proposal.id).where(Proposal.round_id == round_.id)))
        now = date.today()
        rows = [{"proposal_id": ids[i % len(ids)], "author_id": residents[i % len(residents)].id,
                 "stance": rng.choice(["for", "against", "question", "comment"]),
                 "body": "A comment of a sensible length about this proposal. " * 3,
                 "created_at": time_at(now, i), "flag_count": 0, "official": False} for i in range(comments)]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Comment), rows[start:start + 5000])
        for proposal_id in ids:
            db.session.execute(update(Proposal).where(Proposal.id == proposal_id)
                               .values(comment_count=comments // len(ids)))
        db.session.commit()
        return hood.slug, round_.id, ids


def time_at(day, i):
    from datetime import datetime

    return datetime.combine(day, datetime.min.time()) + timedelta(seconds=i)


def median_ms(client, urls, requests: int) -> float:
    times = []
    for i in range(requests):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from pb import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": tmp,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "TESTING": True,
                          "WTF_CSRF_ENABLED": False})
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        slug, round_id, ids = seed(app, args.proposals, args.comments)
        print(f"Seeded {len(ids)} proposals and {args.comments} comments in {time.perf_counter() - started:.0f} s")
        client = app.test_client()
        base = f"/n/{slug}/rounds/{round_id}/proposals"
        list_urls = [base, f"{base}?sort=supports", f"{base}?sort=cost-high&page=7", f"{base}?status=feasible&page=3",
                     f"{base}?q=number+5", f"{base}?category=health&sort=cost-low"]
        detail_urls = [f"/n/{slug}/proposals/{pid}" for pid in random.Random(3).sample(ids, 50)]
        for url in list_urls + detail_urls[:5]:  # warm up templates and caches
            client.get(url)
        healthz = median_ms(client, ["/healthz"], args.requests)
        listing = median_ms(client, list_urls, args.requests)
        detail = median_ms(client, detail_urls, args.requests)
        resident = app.test_client()
        assert resident.post("/sign-in", data={"email": "p1@bench.example", "password": "bench password 1"}).status_code == 302
        signed_in = median_ms(resident, detail_urls, args.requests)
        print(f"list median {listing:.1f} ms, detail median {detail:.1f} ms (signed in: {signed_in:.1f} ms), "
              f"/healthz median {healthz:.2f} ms")
        print(f"RESULT list_median_ms={listing:.1f} detail_median_ms={detail:.1f} detail_signed_in_median_ms={signed_in:.1f} "
              f"healthz_median_ms={healthz:.2f} "
              f"list_ratio={listing / healthz:.1f} detail_ratio={detail / healthz:.1f} proposals={len(ids)} "
              f"comments={args.comments}")


if __name__ == "__main__":
    main()
