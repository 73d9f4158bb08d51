"""Emails go out from Huey workers, each claimed first: two worker processes over PostgreSQL, four
threads between them, send each of 500 waiting emails exactly once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.mail import queue_email
from pb.mail.models import OutboxEmail
from tests.conftest import POSTGRES, TEST_SECRET

CONSUMER = Path(sys.executable).parent / "huey_consumer"


def _env(app, tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PB_JOBS_IMMEDIATE"}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY=TEST_SECRET,
               PB_INSTANCE_PATH=str(tmp_path / "instance"), PB_JOBS_DB=str(tmp_path / "jobs.sqlite3"),
               PB_SMTP_URL=f"file://{tmp_path / 'sent'}", PB_RATE_LIMITS="0", PB_BASE_URL="http://pb.test")
    return env


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL")
@pytest.mark.parametrize("engine_name", ["postgresql"])
def test_two_workers_send_each_of_500_emails_exactly_once(app, tmp_path, engine_name):
    with app.app_context():
        for n in range(500):
            queue_email(f"resident{n}@example.org", f"Round news {n}", "password_changed", user=None)
        db.session.commit()
        ids = set(db.session.scalars(select(OutboxEmail.id)))
    env = _env(app, tmp_path)
    workers = [subprocess.Popen([str(CONSUMER), "pb.jobs.worker.huey", "-w", "2", "-k", "thread", "-n"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        # As app servers would: many small sending jobs queued at once, for the workers to share.
        subprocess.run([sys.executable, "-c", "from pb.jobs.tasks import send_emails\n"
                        "for _ in range(40): send_emails(limit=5)"], env=env, check=True, timeout=60)
        deadline = time.monotonic() + 120
        with app.app_context():
            while time.monotonic() < deadline:
                db.session.rollback()
                if db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_(None))) == 0:
                    break
                time.sleep(0.5)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        logs = [worker.communicate(timeout=30)[1] for worker in workers]
    files = sorted((tmp_path / "sent").glob("*.eml"))
    sent_ids = [int(f.name.split("-", 1)[0]) for f in files]
    assert len(sent_ids) == 500 and set(sent_ids) == ids, f"{len(sent_ids)} files for {len(ids)} emails\n{logs}"
    with app.app_context():
        attempts = db.session.execute(select(OutboxEmail.attempts, func.count()).group_by(OutboxEmail.attempts)).all()
        assert attempts == [(1, 500)]  # none tried twice
    assert all("Executing pb.jobs.tasks.send_emails" in log for log in logs), "each worker took a share of the jobs"
