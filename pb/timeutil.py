from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC: both SQLite and PostgreSQL `timestamp without time zone` store it unchanged."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
