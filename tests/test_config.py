"""Configuration is checked at start-up, with a message that says what to fix."""
import sqlite3

import pytest

from pb import create_app
from pb.config import ConfigError
from pb.extensions import db


def build(tmp_path, monkeypatch=None, **settings):
    return create_app({"INSTANCE_PATH": str(tmp_path), **settings})


def test_defaults_are_sqlite_in_instance_and_production_safe(tmp_path):
    app = build(tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'pb.sqlite3'}"
    assert app.debug is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    # Rate limits are on, counted in this process until REDIS_URL says where to share them.
    assert app.config["RATELIMIT_ENABLED"] is True and app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_secret_key_is_generated_once_into_instance(tmp_path):
    first = build(tmp_path).config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert build(tmp_path).config["SECRET_KEY"] == first and len(first) >= 32


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://pb@db.example/pb")
    monkeypatch.setenv("PB_HTTPS", "1")
    app = build(tmp_path)
    assert app.config["SECRET_KEY"] == "k" * 40
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://pb@db.example/pb"
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_NAME"] == "__Host-pb"


def test_instance_config_file_is_read(tmp_path):
    (tmp_path / "config.toml").write_text('PB_SESSION_IDLE_MINUTES = 10\nPB_MAIL_FROM = "budget@eastbrook.example"\n')
    app = build(tmp_path)
    assert app.config["PB_SESSION_IDLE_MINUTES"] == 10 and app.config["PB_MAIL_FROM"] == "budget@eastbrook.example"


@pytest.mark.parametrize("settings,message", [
    ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL has the scheme 'mysql'"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters"),
    ({"PB_HTTPS": "maybe"}, "PB_HTTPS must be 1 or 0"),
    ({"PB_SESSION_IDLE_MINUTES": "soon"}, "PB_SESSION_IDLE_MINUTES must be a whole number"),
    ({"PB_SESSION_IDLE_MINUTES": 600, "PB_SESSION_ABSOLUTE_HOURS": 2}, "cannot be longer than"),
    ({"PB_SMTP_URL": "http://mail"}, "PB_SMTP_URL must start smtp://"),
    ({"PB_MAIL_FROM": "nobody"}, "PB_MAIL_FROM must be an email address"),
    ({"PB_SESION_IDLE_MINUTES": 5}, "Unknown setting PB_SESION_IDLE_MINUTES"),
    ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL must start redis://"),
    ({"PB_RATE_LIMITS": "off"}, "PB_RATE_LIMITS must be 1 or 0"),
    ({"PB_RETAIN_UNVERIFIED_DAYS": 2}, "PB_RETAIN_UNVERIFIED_DAYS must be between 7 and 3650"),
])
def test_bad_settings_stop_start_up_with_a_clear_message(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        build(tmp_path, **settings)


def test_bad_instance_config_file_is_named(tmp_path):
    (tmp_path / "config.toml").write_text("PB_HTTPS = \n")
    with pytest.raises(ConfigError, match="config.toml is not valid TOML"):
        build(tmp_path)


def test_every_sqlite_connection_has_wal_foreign_keys_and_busy_timeout(tmp_path):
    app = build(tmp_path)
    with app.app_context(), db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_forms_without_the_csrf_token_are_refused(client, app):
    response = client.post("/register", data={"name": "x"})
    assert response.status_code == 400
    assert "Your form had expired" in response.get_data(as_text=True)


def test_healthz_checks_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
