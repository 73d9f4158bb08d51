"""Times the neighbourhood plan page for a neighbourhood with a 10-year fund, a plan of 12
interventions planned over every year, 400 grants tied to them and 4,000 payments.

    python bench/plan_page.py [--engine sqlite|postgresql] [--requests 200]

The fund, the plan and its versions go through the services; the 400 grants and 4,000 payments
are inserted in bulk (as `flask seed-scale` writes them: thousands of service calls would time
the seeding, not the page). The page is fetched through Flask's test client (access rules,
templates, the investment table, the progress chart); the baseline is /healthz in the same run.
On PostgreSQL it uses a database of its own on the server of PB_TEST_POSTGRES.

Ends with: RESULT engine=... plan_page_median_ms=... healthz_median_ms=... ratio=... grants=... payments=...
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GRANTS, PAYMENTS_EACH = 400, 10


def seed(app) -> str:
    from sqlalchemy import insert, select

    from pb.accounts import passwords
    from pb.accounts import services as accounts
    from pb.extensions import db
    from pb.frameworks import framework
    from pb.funds import planning
    from pb.funds.figures import financial_year_of
    from pb.funds.models import FundYear, Grant, Payment
    from pb.neighbourhoods import services as hoods
    from pb.plans import decisions, services

    rng = random.Random(400)
    with app.app_context():
        hood = hoods.create_neighbourhood(slug="bench", name="Bench")
        hoods.set_area(hood, {"EB1 1AA"}, replace=True)
        shared = passwords.hash_password("bench password 1")
        facilitator = accounts.create_account(name="Facilitator", email="f@bench.example", password_hash=shared,
                                              postcode="EB1 1AA", birth_year=1980)
        member = accounts.create_account(name="Member", email="m@bench.example", password_hash=shared,
                                         postcode="EB1 1AA", birth_year=1980)
        hoods.grant_role(facilitator, hood, "facilitator")
        hoods.grant_role(member, hood, "board_member")
        first = financial_year_of(date.today())
        fund = planning.create_fund(hood, facilitator, name="Ten-year fund", first_year=first, years=10)
        for year in fund.financial_years:
            planning.set_year_plan(fund, facilitator, financial_year=year, planned=2_000_000_00, capacity_percent=10)
        plan = services.start_plan(hood, facilitator, framework_key="pride_in_place", fund=fund)
        version = plan.versions[0]
        services.write_section(version, facilitator, "vision", "A place people choose to stay.")
        chosen = [i.key for i in framework("pride_in_place").interventions]
        services.choose_interventions(version, facilitator, chosen)
        for n in range(12 - len(chosen)):
            item = services.add_own_intervention(version, facilitator, name=f"Our theme {n + 1}", objective=None,
                                                 spend="both", business_case={k: "Set out in full" for k in
                                                                              services.BUSINESS_CASE})
            chosen.append(item["key"])
        for year in fund.financial_years:
            for key in chosen:
                spend = framework("pride_in_place").intervention(key)
                capital = 0 if spend and spend.spend == "revenue" else 60_000_00
                revenue = 0 if spend and spend.spend == "capital" else 80_000_00
                services.set_investment(version, facilitator, financial_year=year, intervention=key,
                                        capital=capital, revenue=revenue)
        decisions.approve(version, member, decided_on=date.today())
        decisions.endorse(version, facilitator, endorsed_on=date.today(), endorsed_by="Bench Funder")
        years = db.session.scalars(select(FundYear).where(FundYear.fund_id == fund.id).order_by(FundYear.id)).all()
        grants = [{"neighbourhood_id": hood.id, "number": n + 1, "fund_year_id": years[n % len(years)].id,
                   "title": f"Project {n + 1}", "summary": "", "capacity_building": False, "amount": 20_000_00,
                   "intervention": chosen[n % len(chosen)], "starts_on": date.today(),
                   "ends_on": date.today() + timedelta(days=365), "split": {}, "conditions": "", "status": "active",
                   "version": 1} for n in range(GRANTS)]
        db.session.execute(insert(Grant), grants)
        ids = db.session.scalars(select(Grant.id).where(Grant.neighbourhood_id == hood.id)).all()
        db.session.execute(insert(Payment), [
            {"grant_id": gid, "kind": "payment", "amount": rng.randint(1, 15) * 100_00, "paid_on": date.today(),
             "spend": "revenue", "financial_year": first, "status": "paid", "recorded_by_id": facilitator.id}
            for gid in ids for _ in range(PAYMENTS_EACH)])
        db.session.commit()
        return hood.slug


def median_ms(client, url: str, requests: int) -> float:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from pb import create_app
    from pb.extensions import db

    server = os.environ.get("PB_TEST_POSTGRES") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    name = f"pb_bench_plan_{os.getpid()}"
    admin = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.engine == "postgresql":
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = server.rsplit("/", 1)[0] + f"/{name}"
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        app = None
        try:
            app = create_app({"SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": url,
                              "TESTING": True, "PB_RATE_LIMITS": "0"})
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
            started = time.perf_counter()
            slug = seed(app)
            print(f"Seeded a 10-year fund, a 12-intervention plan, {GRANTS} grants and {GRANTS * PAYMENTS_EACH:,} "
                  f"payments in {time.perf_counter() - started:.1f} s ({args.engine}).")
            client = app.test_client()
            page = median_ms(client, f"/n/{slug}/plan", args.requests)
            healthz = median_ms(client, "/healthz", args.requests)
            print(f"Plan page: median {page:.1f} ms over {args.requests} requests (/healthz {healthz:.1f} ms).")
            print(f"RESULT engine={args.engine} plan_page_median_ms={page:.1f} healthz_median_ms={healthz:.1f} "
                  f"ratio={page / healthz:.1f} grants={GRANTS} payments={GRANTS * PAYMENTS_EACH}")
        finally:
            if admin is not None:
                if app is not None:
                    with app.app_context():
                        db.session.remove()
                        db.engine.dispose()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


if __name__ == "__main__":
    main()
