"""Slows down guessing: failures are counted per key in the database (shared by every app server).

This counts *failed* attempts at a secret (a password per email, a letter code per person, a voting
code per address and round), and a success clears the count. Request *volume* (floods of sign-ins,
emails, comments, uploads, downloads) is capped separately by pb.ratelimits (Flask-Limiter)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from pb.accounts.models import FailedAttempt
from pb.extensions import db
from pb.timeutil import utcnow
from pb.tokens import digest

LIMITS = {
    # kind: (failures allowed, within this window)
    "sign_in": (10, timedelta(minutes=15)),
    "letter_code": (10, timedelta(hours=1)),
    # Per address and per round: with 80-bit codes, 20 wrong guesses an hour makes guessing hopeless.
    "voting_code": (20, timedelta(hours=1)),
}


def _key(kind: str, key: str) -> str:
    return digest(f"{kind}:{key.lower()}")


def blocked(kind: str, key: str) -> bool:
    limit, window = LIMITS[kind]
    count = db.session.scalar(select(func.count()).select_from(FailedAttempt).where(
        FailedAttempt.key_digest == _key(kind, key), FailedAttempt.at > utcnow() - window))
    return count >= limit


def note_failure(kind: str, key: str) -> None:
    """Recorded in its own commit: a refused attempt must still count."""
    db.session.rollback()
    db.session.add(FailedAttempt(kind=kind, key_digest=_key(kind, key)))
    db.session.commit()


def clear(kind: str, key: str) -> None:
    db.session.execute(delete(FailedAttempt).where(FailedAttempt.key_digest == _key(kind, key)))


def purge_expired() -> int:
    """Delete failures older than the longest window: they no longer count against anyone."""
    oldest = utcnow() - max(window for _, window in LIMITS.values())
    result = db.session.execute(delete(FailedAttempt).where(FailedAttempt.at < oldest))
    db.session.commit()
    return result.rowcount


def minutes(kind: str) -> int:
    return int(LIMITS[kind][1].total_seconds() // 60)
