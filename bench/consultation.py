"""Times a consultation's results page and a full recount with 5,000 responses to 10 questions.

    python bench/consultation.py [--engine sqlite|postgresql] [--responses 5000] [--requests 200]

The consultation and its questions are made through the services; the 5,000 responses (a tenth
with a written answer, all published) are inserted in bulk, as keyed paper copies would leave them
(5,000 service calls would time the seeding, not the page), then the results are published through
the service, which counts them. The results page is fetched through Flask's test client (the full
app: access rules, templates, charts); the recount is what the auditor's verifier does:
pb.counting.answers over the published responses. The baseline is /healthz in the same run.

On PostgreSQL it uses a database of its own, created and dropped on the server of
PB_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test).

Ends with: RESULT engine=... responses=... results_page_median_ms=... recount_s=... healthz_median_ms=... page_ratio=...
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = (
    {"kind": "one", "prompt": "What first?", "options": "A\nB\nC\nD\nE", "required": True},
    {"kind": "several", "prompt": "Which would you use?", "options": "A\nB\nC\nD\nE\nF", "max_choices": 3},
    {"kind": "rank", "prompt": "In order", "options": "A\nB\nC\nD"},
    {"kind": "scale", "prompt": "How safe?"},
    {"kind": "scale", "prompt": "How much say?"},
    {"kind": "text", "prompt": "Anything else?"},
    {"kind": "one", "prompt": "How did you hear?", "options": "Leaflet\nFriend\nOnline"},
    {"kind": "several", "prompt": "When are you free?", "options": "Mornings\nAfternoons\nEvenings\nWeekends"},
    {"kind": "about", "prompt": "How old are you?", "about_group": "age"},
    {"kind": "about", "prompt": "Children at home?", "about_group": "children at home", "options": "Yes\nNo"},
)


def _answers(questions, rng) -> tuple[dict, str | None]:
    q = questions
    answers = {str(q[0].id): rng.randrange(5), str(q[1].id): sorted(rng.sample(range(6), rng.randint(1, 3))),
               str(q[2].id): rng.sample(range(4), rng.randint(1, 4)), str(q[3].id): rng.randrange(11),
               str(q[4].id): rng.randrange(11), str(q[6].id): rng.randrange(3),
               str(q[7].id): sorted(rng.sample(range(4), rng.randint(1, 4))),
               str(q[8].id): rng.choice([*range(8), "prefer_not"]), str(q[9].id): rng.randrange(2)}
    return answers, (f"Written answer {rng.randrange(1000)}" if rng.random() < 0.1 else None)


def seed(app, responses: int) -> tuple[str, int]:
    from sqlalchemy import insert

    from pb import timeutil
    from pb.accounts import passwords
    from pb.accounts import services as accounts
    from pb.consultations import building
    from pb.consultations.models import ConsultationResponse, ConsultationText, TextStatus
    from pb.extensions import db
    from pb.neighbourhoods import services as hoods

    rng = random.Random(5000)
    with app.app_context():
        hood = hoods.create_neighbourhood(slug="bench", name="Bench")
        hoods.set_area(hood, {"EB1 1AA"}, replace=True)
        facilitator = accounts.create_account(name="Facilitator", email="f@bench.example", postcode="EB1 1AA",
                                              password_hash=passwords.hash_password("bench password 1"),
                                              birth_year=1980)
        hoods.grant_role(facilitator, hood, "facilitator")
        consultation = building.create_consultation(hood, facilitator, title="Bench consultation",
                                                    opens_on=date.today(), closes_on=date.today() + timedelta(days=30))
        for question in QUESTIONS:
            building.add_question(consultation, facilitator, **question)
        building.finish_writing(consultation, facilitator)
        rows, texts = [], []
        for n in range(responses):
            answers, said = _answers(consultation.questions, rng)
            response_id = secrets.token_hex(16)
            rows.append({"id": response_id, "consultation_id": consultation.id, "method": "paper", "answers": answers,
                         "serial": n + 1})
            if said:
                texts.append({"consultation_id": consultation.id, "response_id": response_id,
                              "question_id": consultation.questions[5].id, "body": said, "body_sha256": "0" * 64,
                              "redacted": False, "status": TextStatus.PUBLISHED, "reason": ""})
        db.session.execute(insert(ConsultationResponse), rows)
        if texts:
            db.session.execute(insert(ConsultationText), texts)
        db.session.commit()
        with timeutil.as_of(date.today() + timedelta(days=31)):
            building.publish_results(consultation, facilitator)
        return hood.slug, consultation.id


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
    parser.add_argument("--responses", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from pb import create_app
    from pb.consultations.models import Consultation
    from pb.consultations.results import count, published_data
    from pb.extensions import db

    server = os.environ.get("PB_TEST_POSTGRES") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    name = f"pb_bench_consultation_{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        if args.engine == "postgresql":
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = server.rsplit("/", 1)[0] + f"/{name}"
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        try:
            app = create_app({"SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": url,
                              "TESTING": True, "PB_RATE_LIMITS": "0"})
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
            started = time.perf_counter()
            slug, consultation_id = seed(app, args.responses)
            print(f"Seeded {args.responses:,} responses and published the results in "
                  f"{time.perf_counter() - started:.1f} s ({args.engine}).")
            client = app.test_client()
            page = median_ms(client, f"/n/{slug}/consultations/{consultation_id}/results", args.requests)
            healthz = median_ms(client, "/healthz", args.requests)
            with app.app_context():
                consultation = db.session.get(Consultation, consultation_id)
                recounts = []
                for _ in range(5):
                    started = time.perf_counter()
                    figures = count(published_data(consultation))
                    recounts.append(time.perf_counter() - started)
                    db.session.expire_all()
                assert figures == consultation.results and figures["responses"] == args.responses
            recount = statistics.median(recounts)
            print(f"Results page: median {page:.1f} ms over {args.requests} requests (/healthz {healthz:.1f} ms).")
            print(f"Full recount from the published responses: median {recount:.3f} s of 5.")
            print(f"RESULT engine={args.engine} responses={args.responses} results_page_median_ms={page:.1f} "
                  f"recount_s={recount:.3f} healthz_median_ms={healthz:.1f} page_ratio={page / healthz:.1f}")
        finally:
            if args.engine == "postgresql":
                if "app" in locals():
                    with app.app_context():
                        db.session.remove()
                        db.engine.dispose()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


if __name__ == "__main__":
    main()
