from datetime import date, datetime, timezone


def utcnow() -> datetime:
    """Naive UTC: both SQLite and PostgreSQL `timestamp without time zone` store it unchanged."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    """Today's date. Called through the module (`timeutil.today()`), so a test can run a fund's years
    by moving this one clock."""
    return date.today()
