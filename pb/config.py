"""Settings: read from defaults, then `instance/config.toml`, then the environment, then the
mapping given to `create_app`. Everything is checked once at start-up so a mistake stops the app
with a message that says which setting is wrong and how to fix it."""
from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

# Names a deployer may set, with what they mean. The README's configuration table is this list.
SETTINGS_HELP = {
    "DATABASE_URL": "PostgreSQL URL (postgresql://user@host/db). Unset: SQLite at instance/pb.sqlite3.",
    "SECRET_KEY": "Signs session cookies and CSRF tokens, 32+ characters. Unset: generated once into instance/secret_key.",
    "PB_HTTPS": "1 when served over HTTPS: cookies become Secure. Default 0.",
    "PB_SESSION_IDLE_MINUTES": "Sign out after this many minutes without a request. Default 30.",
    "PB_SESSION_ABSOLUTE_HOURS": "Sign out this many hours after signing in, however active. Default 12.",
    "PB_SMTP_URL": "smtp://user:password@host:587 (STARTTLS) or smtps://...:465; file:///a/folder writes each email there as a .eml file (testing). Unset: emails are printed to the console.",
    "PB_MAIL_FROM": "Sender address for emails. Default pb@localhost.",
    "PB_BASE_URL": "Public address used in links inside emails sent from the command line. Default http://127.0.0.1:5000.",
    "PB_VERIFICATION_LETTER_DAYS": "Days a residency verification letter's code stays valid. Default 60.",
    "PB_PROXY_COUNT": "How many reverse proxies (each adding X-Forwarded-For) sit in front of pb. Default 0.",
    "REDIS_URL": "redis://host:6379/0 for the request rate limits' counters and the job queue, shared by every app server and worker. Unset: each process counts alone (one server only) and jobs queue in instance/jobs.sqlite3.",
    "PB_JOBS_IMMEDIATE": "1 runs background jobs at once, inside the request that queued them, with no worker (tests; one-process trials). Default 0.",
    "PB_RATE_LIMITS": "0 turns the request rate limits off (never in production). Default 1.",
    "PB_RETAIN_UNVERIFIED_DAYS": "Unverified accounts with no activity are deleted after this many days (flask privacy purge). Default 180.",
    "PB_PACK_IN_REQUEST_BALLOTS": "A round with more ballots than this gets its auditor pack built by the job worker and listed when ready, not built in the request. Default 100000 (about 8 s).",
    "PB_RETAIN_BIRTH_YEARS_DAYS": "Voter-roll birth years are deleted this many days after their round's results are published (flask privacy purge). Default 90.",
}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it and says how to fix it."""


def _instance_secret(instance_path: Path, name: str) -> str:
    """Read a generated secret from instance/, creating it (mode 0600) the first time."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def _database_uri(url: str | None, instance_path: Path) -> str:
    if not url:
        return f"sqlite:///{instance_path / 'pb.sqlite3'}"
    scheme = urlsplit(url).scheme
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if scheme == "sqlite":
        return url
    raise ConfigError(
        f"DATABASE_URL has the scheme {scheme!r}; pb runs on PostgreSQL "
        "(postgresql://user:password@host:5432/dbname) or, unset, SQLite in instance/."
    )


def _int(raw: dict, key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a whole number between {low} and {high}, not {value!r}.") from None
    if not low <= number <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, not {number}.")
    return number


def _flag(raw: dict, key: str, default: str = "0") -> bool:
    value = str(raw.get(key, default)).strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no", ""):
        return False
    raise ConfigError(f"{key} must be 1 or 0, not {value!r}.")


def load(instance_path: str | Path, overrides: dict | None = None) -> dict:
    """Return Flask config keys, checked. Raises ConfigError naming the first bad setting."""
    instance_path = Path(instance_path)
    raw: dict = {}
    toml_file = instance_path / "config.toml"
    if toml_file.exists():
        try:
            raw.update(tomllib.loads(toml_file.read_text()))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{toml_file} is not valid TOML: {exc}") from None
    for key in SETTINGS_HELP:
        if key in os.environ:
            raw[key] = os.environ[key]
    raw.update(overrides or {})

    unknown = sorted(k for k in raw if k.startswith("PB_") and k not in SETTINGS_HELP)
    if unknown:
        raise ConfigError(f"Unknown setting {unknown[0]}; the settings pb knows are: {', '.join(SETTINGS_HELP)}.")

    secret_key = raw.get("SECRET_KEY") or _instance_secret(instance_path, "secret_key")
    if len(secret_key) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters; unset it to have one generated into instance/.")

    https = _flag(raw, "PB_HTTPS")
    smtp_url = raw.get("PB_SMTP_URL") or None
    if smtp_url and urlsplit(smtp_url).scheme not in ("smtp", "smtps", "file"):
        raise ConfigError("PB_SMTP_URL must start smtp:// (STARTTLS) or smtps:// (TLS), e.g. smtp://user:pass@mail.example.org:587, "
                          "or be file:///a/folder to write each email there as a file.")
    if smtp_url and urlsplit(smtp_url).scheme != "file" and not urlsplit(smtp_url).hostname:
        raise ConfigError("PB_SMTP_URL has no host name.")

    redis_url = raw.get("REDIS_URL") or None
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError("REDIS_URL must start redis:// (or rediss:// for TLS), e.g. redis://127.0.0.1:6379/0.")

    idle = _int(raw, "PB_SESSION_IDLE_MINUTES", 30, 1, 24 * 60)
    absolute = _int(raw, "PB_SESSION_ABSOLUTE_HOURS", 12, 1, 24 * 30)
    if idle > absolute * 60:
        raise ConfigError("PB_SESSION_IDLE_MINUTES cannot be longer than PB_SESSION_ABSOLUTE_HOURS.")

    config = {
        # Anything not in SETTINGS_HELP that a test passes straight through (TESTING, WTF_CSRF_ENABLED...).
        **{k: v for k, v in raw.items() if k not in SETTINGS_HELP},
        "SECRET_KEY": secret_key,
        # A second key, kept apart from SECRET_KEY, for keyed digests of personal data in audit payloads.
        "PB_DIGEST_KEY": raw.get("PB_DIGEST_KEY") or _instance_secret(instance_path, "digest_key"),
        # Keys the pseudonym that lets a voter's next ballot replace their last one (pb.voting).
        "PB_BALLOT_KEY": raw.get("PB_BALLOT_KEY") or _instance_secret(instance_path, "ballot_key"),
        # Seed of the Ed25519 key that signs the ledger's checkpoints; never stored in the database.
        "PB_CHECKPOINT_KEY": raw.get("PB_CHECKPOINT_KEY") or _instance_secret(instance_path, "checkpoint_key"),
        # Signs each backup's description (HMAC-SHA256), kept out of the backup: an archive edited and
        # given new checksums no longer verifies, so it is never restored.
        "PB_BACKUP_KEY": raw.get("PB_BACKUP_KEY") or _instance_secret(instance_path, "backup_key"),
        "SQLALCHEMY_DATABASE_URI": raw.get("SQLALCHEMY_DATABASE_URI") or _database_uri(raw.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": raw.get("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True}),
        "PB_HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "__Host-pb" if https else "pb",
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "PB_SESSION_IDLE_MINUTES": idle,
        "PB_SESSION_ABSOLUTE_HOURS": absolute,
        "PB_SMTP_URL": smtp_url,
        "PB_MAIL_FROM": raw.get("PB_MAIL_FROM", "pb@localhost"),
        "PB_BASE_URL": str(raw.get("PB_BASE_URL", "http://127.0.0.1:5000")).rstrip("/"),
        "PB_VERIFICATION_LETTER_DAYS": _int(raw, "PB_VERIFICATION_LETTER_DAYS", 60, 1, 365),
        "PB_PROXY_COUNT": _int(raw, "PB_PROXY_COUNT", 0, 0, 5),
        "REDIS_URL": redis_url,
        "RATELIMIT_ENABLED": _flag(raw, "PB_RATE_LIMITS", default="1"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": raw.get("RATELIMIT_KEY_PREFIX", "pb"),
        # Redis down must not take pb down: count in memory until it is back.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "PB_RETAIN_UNVERIFIED_DAYS": _int(raw, "PB_RETAIN_UNVERIFIED_DAYS", 180, 7, 3650),
        "PB_RETAIN_BIRTH_YEARS_DAYS": _int(raw, "PB_RETAIN_BIRTH_YEARS_DAYS", 90, 1, 3650),
        "PB_PACK_IN_REQUEST_BALLOTS": _int(raw, "PB_PACK_IN_REQUEST_BALLOTS", 100_000, 0, 100_000_000),
        # A proposal picture may be 5 MB; the rest of its form is small.
        "MAX_CONTENT_LENGTH": raw.get("MAX_CONTENT_LENGTH", 6 * 1024 * 1024),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which has its own limits
    }
    if not config["PB_MAIL_FROM"] or "@" not in config["PB_MAIL_FROM"]:
        raise ConfigError("PB_MAIL_FROM must be an email address.")
    return config
