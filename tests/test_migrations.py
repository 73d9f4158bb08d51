"""Migrations build the real databases: they must equal the models on both engines."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from pb.extensions import db
from tests.conftest import database_url, make_app


@pytest.fixture
def empty_app(engine_name, tmp_path):
    url, cleanup = database_url(engine_name, tmp_path)
    app = make_app(url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()
    cleanup()


def schema_differences(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrated_schema_equals_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"user_account", "neighbourhood", "membership", "audit_entry", "audit_log", "alembic_version"} <= tables
    assert schema_differences(empty_app) == []


def test_migrated_database_refuses_audit_edits(empty_app):
    with empty_app.app_context():
        upgrade()
        db.session.execute(text("INSERT INTO audit_log (id, name, head_seq, head_hash) VALUES (1, 'platform', 1, :h)"), {"h": "0" * 64})
        db.session.execute(text(
            "INSERT INTO audit_entry (log_id, seq, at, actor, action, subject_type, subject_id, payload, prev_hash, hash) "
            "VALUES (1, 1, '2026-11-28T00:00:00.000000Z', 'system', 'x', 'y', '1', '{}', :p, :h)"), {"p": "0" * 64, "h": "1" * 64})
        db.session.commit()
        for statement in ("UPDATE audit_entry SET action = 'forged'", "DELETE FROM audit_entry"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_migrations_go_down_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
    assert schema_differences(empty_app) == []
