from contextlib import contextmanager
from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Naive UTC: both SQLite and PostgreSQL `timestamp without time zone` store it unchanged."""
    return datetime.now(UTC).replace(tzinfo=None)


_pretend: date | None = None


def today() -> date:
    """Today's date for money (pb.funds). Called through the module (`timeutil.today()`), so a test
    or the demo can run a fund's past years by moving this one clock (see `as_of`)."""
    return _pretend or date.today()


def stamp() -> datetime:
    """utcnow, moved to the pretend day while `as_of` is in force: when a row's own date is part of
    its story (an asset's timeline), the demo's history reads in order."""
    now = utcnow()
    return datetime.combine(_pretend, now.time()) if _pretend else now


@contextmanager
def as_of(day: date):
    """Act as if today were `day` (the demo's earlier years). Audit entries keep their real time."""
    global _pretend
    before, _pretend = _pretend, day
    try:
        yield
    finally:
        _pretend = before
