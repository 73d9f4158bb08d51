"""Money that cannot be overspent by asking at once: twenty simultaneous payments and twenty
simultaneous grants through gunicorn (several worker processes, as in production), on each engine.
Each request re-checks its rule under the fund's lock, so the sums never pass their limits."""
from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.funds.models import Grant, Payment
from tests.conftest import TEST_SECRET
from tests.funds.test_funds import TODAY, money  # noqa: F401 (the fixture)

pytestmark = pytest.mark.both_engines  # locks and triggers differ by engine

REQUESTS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(app, tmp_path):
    """The test's own app and database behind gunicorn: 2 processes of 10 threads each (20 requests at once)."""
    config = {"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "INSTANCE_PATH": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False, "PB_RATE_LIMITS": "0",
              "PB_BASE_URL": "http://pb.test", "TESTING": True}
    (tmp_path / "raceapp.py").write_text(f"import json\nfrom pb import create_app\n"
                                         f"app = create_app(json.loads({json.dumps(config)!r}))\n")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--chdir", str(tmp_path), "-w", "2", "--threads", "10",
                               "-b", f"127.0.0.1:{port}", "--log-level", "warning", "raceapp:app"],
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=10)
            break
        except OSError:  # not listening yet, or still starting
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("gunicorn did not start")
    yield base
    server.terminate()
    server.wait(timeout=20)


def _session(base, person) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/sign-in", urllib.parse.urlencode({"email": person.email, "password": person.password}).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _all_at_once(url: str, cookie: str, bodies: list[dict]) -> list[int]:
    start = threading.Barrier(len(bodies))
    statuses = []

    def send(body):
        request = urllib.request.Request(url, data=urllib.parse.urlencode(body).encode(), headers={"Cookie": cookie})
        opener = urllib.request.build_opener(NoRedirect)
        start.wait()
        try:
            with opener.open(request, timeout=60) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_twenty_payments_at_once_never_pay_a_grant_more_than_its_amount(app, factory, money, gunicorn):  # noqa: F811
    # £4,000 unpaid; twenty payments of £300 arrive together: thirteen fit (£3,900), seven are refused.
    cookie = _session(gunicorn, money.treasurer)
    url = f"{gunicorn}/n/{money.hood.slug}/grants/{money.grant_id}/payments/new"
    statuses = _all_at_once(url, cookie, [{"amount": "300", "paid_on": TODAY.isoformat(), "spend": "revenue"}] * REQUESTS)
    assert sorted(set(statuses)) == [302, 400], statuses
    with app.app_context():
        counted = db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.grant_id == money.grant_id, Payment.status.in_(("paid", "awaiting_approval"))))
        assert counted == 3_900_00 and statuses.count(302) == 13


def test_twenty_grants_at_once_never_take_more_than_the_ring_fence(app, factory, money, gunicorn):  # noqa: F811
    # The year's capacity-building share has £1,000 left; twenty £100 grants are proposed together.
    cookie = _session(gunicorn, money.board[0])
    with app.app_context():
        year_id = db.session.get(Grant, money.grant_id).fund_year_id
    body = {"title": "Training", "summary": "Chairing skills", "fund_year_id": str(year_id), "amount": "100",
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=30)).isoformat(), "body_name": "Group",
            "body_type": "constituted_group", "contact_email": money.contact.email, "reason": "Skills"}
    statuses = _all_at_once(f"{gunicorn}/n/{money.hood.slug}/funds/{money.fund_id}/capacity-grants/new", cookie,
                            [body] * REQUESTS)
    assert sorted(set(statuses)) == [302, 400], statuses
    with app.app_context():
        capacity = db.session.scalar(select(func.sum(Grant.amount)).where(Grant.fund_year_id == year_id,
                                                                          Grant.capacity_building))
        assert capacity == 5_000_00 and statuses.count(302) == 10
