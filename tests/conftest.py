"""One app per test on a fresh database: SQLite always, PostgreSQL too when it answers.

PostgreSQL is found through PB_TEST_POSTGRES (a URL) or at 127.0.0.1:5432 (database `test`,
trust auth). Each test gets its own database, dropped afterwards, so runs never see each other.
Under CI=true a missing PostgreSQL fails the run instead of quietly testing one engine.

Building the tables, indexes and triggers once per test cost a third of a second on PostgreSQL, a
few minutes of the whole run; so each worker builds them once into a template (a database that
PostgreSQL copies, a file that SQLite copies) and each test starts from a copy of it. Tests that
need a database with nothing in it (migrations, restores) still get an empty one.
"""
from __future__ import annotations

import os
import re
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text

# Jobs run at once, inside the request or test that queued them (set before pb.jobs builds its queue;
# the servers tests start inherit it).
os.environ["PB_JOBS_IMMEDIATE"] = "1"

from pb import create_app  # noqa: E402
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


def _pg_database_url(name: str) -> str:
    base, _, query = PG_URL.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


class Templates:
    """This worker's databases with every table built, copied for each test."""

    def __init__(self, tmp_dir):
        self.tmp_dir = tmp_dir
        self.sqlite_file = None
        self.pg_name = None
        self.admin = None

    def _build(self, url):
        application = make_app(url, self.tmp_dir)
        with application.app_context():
            db.create_all()  # tests only: real databases are built by migrations
            db.engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it

    def sqlite(self, tmp_path):
        if self.sqlite_file is None:
            self.sqlite_file = self.tmp_dir / "template.sqlite3"
            self._build(f"sqlite:///{self.sqlite_file}")
        target = tmp_path / "pb-test.sqlite3"
        shutil.copyfile(self.sqlite_file, target)
        return f"sqlite:///{target}", lambda: None

    def postgresql(self):
        if self.pg_name is None:
            self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            self.pg_name = "pbt_template_" + uuid.uuid4().hex[:12]
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.pg_name}"'))
            self._build(_pg_database_url(self.pg_name))
        name = "pbt_" + uuid.uuid4().hex[:12]
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_name}" STRATEGY WAL_LOG'))

        def drop():
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        return _pg_database_url(name), drop

    def close(self):
        if self.pg_name:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            self.admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    built = Templates(tmp_path_factory.mktemp("templates"))
    yield built
    built.close()


def make_app(url: str, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "PB_BASE_URL": "http://pb.test",
        # tests/test_ratelimits.py turns them on; elsewhere one test may register many people.
        "PB_RATE_LIMITS": "0",
    }
    config.update(overrides)
    return create_app(config)


def pytest_generate_tests(metafunc):
    """Which engines a test runs on: SQLite for all, PostgreSQL too where the engine matters.

    A test (or its module, through `pytestmark`) marked `both_engines` runs on each engine this
    machine has; every other test runs on SQLite only. tests/README.md says how that is decided.
    """
    if "engine_name" not in metafunc.fixturenames:
        return
    if any("engine_name" in m.args[0] for m in metafunc.definition.iter_markers("parametrize")):
        return  # the test names its own engine
    engines = ENGINES if metafunc.definition.get_closest_marker("both_engines") else ["sqlite"]
    metafunc.parametrize("engine_name", engines)


@pytest.fixture
def app(engine_name, tmp_path, request, templates):
    url, cleanup = templates.sqlite(tmp_path) if engine_name == "sqlite" else templates.postgresql()
    marker = request.node.get_closest_marker("config")
    application = make_app(url, tmp_path, **(marker.kwargs if marker else {}))
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
    config.addinivalue_line("markers", "both_engines: the engine matters here, so run on PostgreSQL as well as SQLite")


# --- helpers for tests ----------------------------------------------------------------------------

def outbox(app, to: str | None = None):
    from sqlalchemy import select

    from pb.mail.models import OutboxEmail

    with app.app_context():
        stmt = select(OutboxEmail).order_by(OutboxEmail.id)
        if to:
            stmt = stmt.where(OutboxEmail.to_address == to)
        return [(e.to_address, e.subject, e.body) for e in db.session.scalars(stmt)]


def link_in(body: str) -> str:
    match = re.search(r"http://\S+", body)
    assert match, f"no link in email: {body!r}"
    return match.group(0).replace("http://pb.test", "").replace("http://localhost", "")
