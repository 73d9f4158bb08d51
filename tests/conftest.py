"""One app per test on a fresh database: SQLite always, PostgreSQL too when it answers.

PostgreSQL is found through PB_TEST_POSTGRES (a URL) or at 127.0.0.1:5432 (database `test`,
trust auth). Each test gets its own schema, dropped afterwards, so runs never see each other.
Under CI=true a missing PostgreSQL fails the run instead of quietly testing one engine.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, text

from pb import create_app
from pb.extensions import db

PG_URL = os.environ.get("PB_TEST_POSTGRES") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
if PG_URL.startswith("postgresql://") or PG_URL.startswith("postgres://"):
    PG_URL = "postgresql+psycopg://" + PG_URL.split("://", 1)[1]
TEST_SECRET = "test-secret-key-" + "x" * 32


def _postgres_answers() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


POSTGRES = _postgres_answers()
if not POSTGRES and (os.environ.get("CI") == "true" or os.environ.get("PB_TEST_POSTGRES")):
    raise RuntimeError(f"PostgreSQL does not answer at {PG_URL}; CI must test both engines")
ENGINES = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


def pytest_report_header(config):
    return f"database engines: {', '.join(ENGINES)}" + ("" if POSTGRES else " (PostgreSQL not reachable: skipped)")


class PostgresSchema:
    """A throwaway schema in the test database, used through search_path."""

    def __init__(self):
        self.name = "pbt_" + uuid.uuid4().hex[:12]
        self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        sep = "&" if "?" in PG_URL else "?"
        self.url = f"{PG_URL}{sep}options=-csearch_path%3D{self.name}"

    def drop(self):
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


def database_url(engine: str, tmp_path):
    """(url, cleanup) for an empty database of this engine."""
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'pb-test.sqlite3'}", lambda: None
    schema = PostgresSchema()
    return schema.url, schema.drop


def make_app(url: str, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "PB_BASE_URL": "http://pb.test",
        # tests/test_rate_limits.py turns them on; elsewhere one test may register many people.
        "PB_RATE_LIMITS": "0",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


@pytest.fixture
def app(engine_name, tmp_path, request):
    url, cleanup = database_url(engine_name, tmp_path)
    marker = request.node.get_closest_marker("config")
    application = make_app(url, tmp_path, **(marker.kwargs if marker else {}))
    with application.app_context():
        db.create_all()  # tests only: real databases are built by migrations
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    cleanup()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app):
    from tests.factories import Factory

    return Factory(app)


def pytest_configure(config):
    config.addinivalue_line("markers", "config(**settings): extra app config for this test")


# --- helpers for tests ----------------------------------------------------------------------------

def outbox(app, to: str | None = None):
    from sqlalchemy import select

    from pb.accounts.models import OutboxEmail

    with app.app_context():
        stmt = select(OutboxEmail).order_by(OutboxEmail.id)
        if to:
            stmt = stmt.where(OutboxEmail.to_address == to)
        return [(e.to_address, e.subject, e.body) for e in db.session.scalars(stmt)]


def link_in(body: str) -> str:
    match = re.search(r"http://\S+", body)
    assert match, f"no link in email: {body!r}"
    return match.group(0).replace("http://pb.test", "").replace("http://localhost", "")
