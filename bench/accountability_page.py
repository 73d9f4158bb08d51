"""Times the public money pages: a 10-year fund with 10 rounds, 300 grants, 3,000 payments and
1,500 progress updates, on SQLite (or PostgreSQL with --postgres URL).

    python bench/accountability_page.py [--grants 300] [--payments 3000] [--updates 1500] [--requests 200]

The fund, its sources, plan and rounds are made through the real service functions. Grants are
inserted in bulk as accepted agreements on published rounds (offering 300 of them through 10 full
votes would time the seeding, not the pages); every payment and update then goes through the real
services, so the ledger holds an entry for each, as it would in use. Pages are fetched through
Flask's test client: the full app, templates, access rules and queries, minus the network. The
baseline is /healthz in the same run.

Target: the fund page and a project's story page under 50 ms median.

Ends with: RESULT fund_page_median_ms=... story_page_median_ms=... healthz_median_ms=... fund_ratio=... story_ratio=...
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


def seed(app, grants: int, payments: int, updates: int) -> tuple[str, int, list[int]]:
    from sqlalchemy import insert, select, update

    from pb import timeutil
    from pb.accounts import passwords
    from pb.accounts import services as accounts
    from pb.extensions import db
    from pb.funds import delivery, planning
    from pb.funds import payments as payment_services
    from pb.funds.figures import year_start
    from pb.funds.models import ACTIVE, Grant, GrantVersion
    from pb.neighbourhoods import services as hoods
    from pb.rounds import services as rounds
    from pb.rounds.models import PUBLISHED, Round

    rng = random.Random(11)
    with app.app_context():
        hood = hoods.create_neighbourhood(slug="bench", name="Bench")
        hoods.set_area(hood, {"EB1 1AA"}, replace=True)
        shared = passwords.hash_password("bench password 1")

        def person(n, role):
            user = accounts.create_account(name=f"Person {n}", email=f"p{n}@bench.example", password_hash=shared,
                                           postcode="EB1 1AA", birth_year=1980)
            hoods.grant_role(user, hood, role)
            return user

        facilitator, board, treasurer = person(1, "facilitator"), person(2, "board_member"), person(3, "treasurer")
        contact = person(4, "resident")
        planning.set_money_settings(hood, board, giving_prefix="360G-bench", payment_approval_threshold=10_000_000_00,
                                    full_reporting_threshold=10_000_00, facilitators_record_payments=False)
        first = date.today().year - 9 if date.today().month >= 4 else date.today().year - 10
        fund = planning.create_fund(hood, facilitator, name="Bench Community Wealth Fund", years=10,
                                    first_year=f"{first}/{(first + 1) % 100:02d}")
        source = planning.add_source(fund, facilitator, name="Community Wealth Fund", kind="community_wealth_fund")
        per_round = grants // 10
        for year in fund.financial_years:
            with timeutil.as_of(year_start(year)):
                planning.set_promise(source, facilitator, financial_year=year, amount=200_000_00)
                planning.set_year_plan(fund, facilitator, financial_year=year, planned=200_000_00, capacity_percent=10)
        round_ids = []
        for _n, fund_year in enumerate(fund.plan):
            with timeutil.as_of(year_start(fund_year.financial_year)):
                round_ = rounds.create_round(hood, facilitator, name=f"Round {fund_year.financial_year}",
                                             fund_year=fund_year.financial_year, total_budget=150_000_00)
                planning.allocate_round(round_, facilitator, fund_year)
            round_ids.append((round_.id, fund_year))
        db.session.execute(update(Round).where(Round.id.in_([r for r, _ in round_ids])).values(phase=PUBLISHED))
        rows, number = [], 1
        for round_id, fund_year in round_ids:
            start = year_start(fund_year.financial_year)
            for _k in range(per_round):
                amount = rng.randint(10, 140) * 100_00 // per_round * 10
                rows.append({"neighbourhood_id": hood.id, "number": number, "fund_year_id": fund_year.id,
                             "round_id": round_id, "title": f"Project {number}", "summary": "A project " * 20,
                             "capacity_building": False, "amount": max(amount, 1_000_00), "starts_on": start,
                             "ends_on": start + timedelta(days=364), "status": ACTIVE, "version": 1,
                             "split": {fund_year.financial_year: {"revenue": amount, "capital": 0}}, "conditions": "",
                             "body_name": f"Group {number}", "body_type": "constituted_group", "body_number": "",
                             "contact_name": contact.name, "contact_id": contact.id, "awarded_on": start,
                             "closed_reason": ""})
                number += 1
        db.session.execute(insert(Grant), rows)
        made = db.session.scalars(select(Grant).where(Grant.neighbourhood_id == hood.id).order_by(Grant.number)).all()
        db.session.execute(insert(GrantVersion), [{"grant_id": g.id, "number": 1, "amount": g.amount, "starts_on": g.starts_on,
                                                   "ends_on": g.ends_on, "split": g.split, "reason": "Offered"} for g in made])
        db.session.commit()
        started = time.perf_counter()
        each = payments // len(made)
        for n, grant in enumerate(made):
            for k in range(each):
                day = grant.starts_on + timedelta(days=30 * k + 1)
                with timeutil.as_of(max(day, grant.starts_on)):
                    payment_services.record_payment(grant, treasurer, amount=grant.amount // (each + 1), paid_on=day,
                                                    spend="revenue", reference=f"BACS {n}-{k}")
            if (n + 1) % 50 == 0:
                print(f"  payments for {n + 1} grants ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        per_grant = updates // len(made)
        for grant in made:
            for k in range(per_grant):
                with timeutil.as_of(grant.starts_on + timedelta(days=60 * k + 20)):
                    delivery.post_update(grant, contact, status=rng.choice(["on_track", "on_track", "at_risk"]),
                                         body="What we did this quarter. " * 8, spend_to_date=grant.amount // 3)
        return hood.slug, fund.id, [g.id for g in made]


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
    parser.add_argument("--grants", type=int, default=300)
    parser.add_argument("--payments", type=int, default=3000)
    parser.add_argument("--updates", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL URL (an empty database or schema) instead of SQLite")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from pb import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": url,
                          "TESTING": True, "WTF_CSRF_ENABLED": False})
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        slug, fund_id, grant_ids = seed(app, args.grants, args.payments, args.updates)
        print(f"Seeded {len(grant_ids)} grants, {args.payments} payments and {args.updates} updates in "
              f"{time.perf_counter() - started:.0f} s")
        client = app.test_client()
        fund_urls = [f"/n/{slug}/funds/{fund_id}/"]
        story_urls = [f"/n/{slug}/grants/{gid}/" for gid in random.Random(3).sample(grant_ids, 50)]
        for url in fund_urls + story_urls[:5]:  # warm up templates and caches
            client.get(url)
        healthz = median_ms(client, ["/healthz"], args.requests)
        fund = median_ms(client, fund_urls, args.requests)
        story = median_ms(client, story_urls, args.requests)
        print(f"fund page median {fund:.1f} ms, story page median {story:.1f} ms, /healthz median {healthz:.2f} ms")
        print(f"RESULT fund_page_median_ms={fund:.1f} story_page_median_ms={story:.1f} healthz_median_ms={healthz:.2f} "
              f"fund_ratio={fund / healthz:.1f} story_ratio={story / healthz:.1f} grants={len(grant_ids)} "
              f"payments={args.payments} updates={args.updates}")


if __name__ == "__main__":
    main()
