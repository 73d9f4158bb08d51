"""Server-side sessions: the browser's cookie holds a random token naming one row of
user_session. Signing in makes a new token (the session identifier changes); signing out deletes
the row; a password change deletes every other row of that person. Idle and absolute limits are
checked on every request."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from pb.extensions import db
from pb.timeutil import utcnow
from pb.tokens import digest, new_token

from .models import User, UserSession

SEEN_WRITE_EVERY = timedelta(seconds=60)


def start(user: User) -> None:
    """Sign this browser in as `user` with a brand-new session identifier."""
    session.clear()
    token = new_token()
    db.session.add(UserSession(token_hash=digest(token), user_id=user.id))
    db.session.commit()
    session["sid"] = token
    login_user(user)


def end() -> None:
    """Sign this browser out and forget its session row."""
    token = session.get("sid")
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == digest(token)))
        db.session.commit()
    logout_user()
    session.clear()


def end_others(user: User) -> int:
    """Sign `user` out everywhere except this browser (in the caller's transaction)."""
    keep = digest(session.get("sid", "")) if session.get("sid") else ""
    result = db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.token_hash != keep)
    )
    return result.rowcount


def end_all(user: User) -> None:
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def _expired(row: UserSession, now) -> bool:
    cfg = current_app.config
    return (now - row.last_seen_at > timedelta(minutes=cfg["PB_SESSION_IDLE_MINUTES"])
            or now - row.created_at > timedelta(hours=cfg["PB_SESSION_ABSOLUTE_HOURS"]))


def load_user(user_id: str):
    """Flask-Login's user loader: the user only if this browser's session row is alive."""
    token = session.get("sid")
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == digest(token)))
    now = utcnow()
    if row is None or str(row.user_id) != str(user_id) or _expired(row, now):
        if row is not None:
            db.session.delete(row)
            db.session.commit()
        session.clear()
        return None
    if now - row.last_seen_at > SEEN_WRITE_EVERY:
        row.last_seen_at = now
        db.session.commit()
    # Memberships in the same query: every page's access rule and menu asks for them.
    return db.session.get(User, row.user_id, options=[joinedload(User.memberships)])


def purge_expired() -> int:
    cfg = current_app.config
    now = utcnow()
    result = db.session.execute(delete(UserSession).where(
        (UserSession.last_seen_at < now - timedelta(minutes=cfg["PB_SESSION_IDLE_MINUTES"]))
        | (UserSession.created_at < now - timedelta(hours=cfg["PB_SESSION_ABSOLUTE_HOURS"]))
    ))
    db.session.commit()
    return result.rowcount
