"""Times answering for the money at the size of the largest neighbourhood `flask seed-scale` makes:
a ten-year fund with 400 grants and 4,000 payments in one financial year, a funding agreement with
twelve drawdowns, and a 3,000-line bank statement.

    python bench/returns.py [--engine sqlite|postgresql]

Measured, each the median of 5 runs:
  return_s    a twelve-monthly return's figures (pb.reports.returnfigures.build)
  accounts_s  the year's receipts and payments accounts, with the reconciliation (pb.reports.accounts)
  match_s     importing the 3,000-line statement: reading it, refusing repeats, suggesting every match
              (one run: a statement imports once)
  national_s  the national workbook of 225 returns (the bench return's content, 225 times)
The baseline is reading the year's 4,000 payments once, in the same run.

Ends with: RESULT engine=... return_s=... accounts_s=... match_s=... national_s=... baseline_s=... lines=...
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

GRANTS, PAYMENTS_EACH, LINES, NATIONAL = 400, 10, 3_000, 225


def seed(app):
    from sqlalchemy import insert, select

    from pb import timeutil
    from pb.accounts import passwords
    from pb.accounts import services as accounts
    from pb.extensions import db
    from pb.funds import planning
    from pb.funds.figures import financial_year_of
    from pb.funds.models import FundYear, Grant, Payment
    from pb.neighbourhoods import services as hoods
    from pb.reports import agreements, returns
    from pb.reports.models import Drawdown

    rng = random.Random(3000)
    year = financial_year_of(date.today() - timedelta(days=366))  # last year: its return is owed
    first = date(int(year[:4]), 4, 1)
    with app.app_context():
        hood = hoods.create_neighbourhood(slug="bench", name="Bench")
        shared = passwords.hash_password("bench password 1")
        people = [accounts.create_account(name=name, email=f"{name}@bench.example", password_hash=shared,
                                          postcode="EB1 1AA", birth_year=1980)
                  for name in ("facilitator", "treasurer", "officer", "funder")]
        facilitator, treasurer, officer, funder = people
        hoods.grant_role(facilitator, hood, "facilitator")
        hoods.grant_role(treasurer, hood, "treasurer")
        with timeutil.as_of(first):
            fund = planning.create_fund(hood, facilitator, name="Ten-year fund", first_year=year, years=10)
            for fy in fund.financial_years:
                planning.set_year_plan(fund, facilitator, financial_year=fy, planned=2_000_000_00, capacity_percent=10)
            source = planning.add_source(fund, facilitator, name="Community Wealth Fund", kind="community_wealth_fund")
            deal = agreements.set_up(hood, facilitator, source=source, funder_name="CWF", body_name="Council",
                                     body_kind="council", amount=20_000_000_00, fee="5", conditions="",
                                     signed_on=first, body_contact_email=officer.email,
                                     funder_contact_email=funder.email,
                                     schedule="\n".join(f"{fy}, whole plan, £2000000" for fy in fund.financial_years))
        for month in range(12):
            day = first + timedelta(days=30 * month + 1)
            with timeutil.as_of(day):
                deal = db.session.get(type(deal), deal.id)
                asked = agreements.request_drawdown(deal, officer, line=deal.schedule[0], amount=160_000_00, covers="Month")
                agreements.decide_drawdown(asked, funder, approve=True)
                agreements.receive_drawdown(db.session.get(Drawdown, asked.id), treasurer, received_on=day)
        year_id = db.session.scalar(select(FundYear.id).where(FundYear.fund_id == fund.id, FundYear.financial_year == year))
        db.session.execute(insert(Grant), [
            {"neighbourhood_id": hood.id, "number": n + 1, "fund_year_id": year_id, "title": f"Project {n + 1}",
             "summary": "", "capacity_building": n % 10 == 0, "amount": 40_000_00, "intervention": None,
             "starts_on": first, "ends_on": first + timedelta(days=364), "split": {}, "conditions": "",
             "status": "active", "version": 1, "awarded_on": first} for n in range(GRANTS)])
        ids = db.session.scalars(select(Grant.id).where(Grant.neighbourhood_id == hood.id)).all()
        db.session.execute(insert(Payment), [
            {"grant_id": gid, "kind": "payment", "amount": rng.randint(1, 30) * 100_00 + rng.randint(0, 99),
             "paid_on": first + timedelta(days=rng.randint(0, 360)), "spend": rng.choice(("revenue", "capital")),
             "financial_year": year, "status": "paid", "recorded_by_id": treasurer.id, "reference": f"BACS {gid}-{n}"}
            for gid in ids for n in range(PAYMENTS_EACH)])
        db.session.commit()
        with timeutil.as_of(first + timedelta(days=380)):
            return_ = returns.start_return(fund, facilitator, kind="annual", period_start=first)
        payments = db.session.execute(select(Payment.paid_on, Payment.amount, Payment.reference).where(
            Payment.grant_id.in_(ids)).order_by(Payment.paid_on, Payment.id)).all()
        chosen = sorted(rng.sample(payments, LINES))
        statement = ["Date,Description,Amount"] + [
            f"{(on + timedelta(days=rng.randint(0, 3))):%d/%m/%Y},{reference.upper()},-{amount / 100:.2f}"
            for on, amount, reference in chosen]
        return fund.id, return_.id, year, ("\n".join(statement) + "\n").encode(), treasurer.id


def timed(call, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, select, text

    from pb import create_app, timeutil
    from pb.accounts.models import User
    from pb.extensions import db
    from pb.funds.models import Fund, Payment
    from pb.reports import reconciling, returnfigures, returns, workbook
    from pb.reports.accounts import accounts_for
    from pb.reports.models import MonitoringReturn

    server = os.environ.get("PB_TEST_POSTGRES") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    name = f"pb_bench_returns_{os.getpid()}"
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
            fund_id, return_id, year, statement, treasurer_id = seed(app)
            print(f"Seeded {GRANTS} grants, {GRANTS * PAYMENTS_EACH:,} payments, 12 drawdowns and a {LINES:,}-line "
                  f"statement in {time.perf_counter() - started:.1f} s ({args.engine}).")
            with app.app_context():
                baseline = timed(lambda: db.session.execute(select(Payment)).all())
                return_ = db.session.get(MonitoringReturn, return_id)
                return_s = timed(lambda: returnfigures.build(return_))
                content = returns.content_of(return_)
                fund = db.session.get(Fund, fund_id)
                with timeutil.as_of(date(int(year[:4]) + 1, 4, 20)):
                    started = time.perf_counter()
                    imported = reconciling.import_statement(fund, db.session.get(User, treasurer_id), data=statement)
                    match_s = time.perf_counter() - started
                    suggested = reconciling.counts(fund_id, imported.first_on, imported.last_on)["suggested"]
                accounts_s = timed(lambda: accounts_for(db.session.get(Fund, fund_id), year))
                rows = [{"neighbourhood": f"Neighbourhood {n}", "fund": "Fund", "label": "Twelve-monthly return",
                         "period": year, "due_on": "", "status": "Submitted", "late": False, "submitted_on": "",
                         "content": content} for n in range(NATIONAL)]
                national_s = timed(lambda: workbook.xlsx(workbook.national_sheets(rows)), runs=3)
            print(f"Return {return_s:.3f} s, accounts {accounts_s:.3f} s, statement import and matching {match_s:.3f} s "
                  f"({suggested:,} of {LINES:,} lines matched), national workbook of {NATIONAL} {national_s:.3f} s; "
                  f"reading the payments {baseline:.3f} s.")
            print(f"RESULT engine={args.engine} return_s={return_s:.3f} accounts_s={accounts_s:.3f} match_s={match_s:.3f} "
                  f"national_s={national_s:.3f} baseline_s={baseline:.3f} return_ratio={return_s / baseline:.1f} "
                  f"lines={LINES} matched={suggested}")
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
