"""Emails: written to the outbox table inside the service's transaction, sent after it commits.
Without PB_SMTP_URL they are printed to the console (development); with it, sent over SMTP."""
from __future__ import annotations

import secrets
import smtplib
import sys
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, g, has_request_context, render_template, url_for
from sqlalchemy import case, func, or_, select, update

from pb.extensions import db
from pb.ledger.services import record
from pb.mail.models import OutboxEmail
from pb.services import transaction
from pb.timeutil import utcnow

MAX_ATTEMPTS = 5
CLAIM_SECONDS = 300  # how long a sender holds the emails it claimed before another may try them


def email_link(endpoint: str, **values) -> str:
    """An absolute link for an email: from the request when there is one, else PB_BASE_URL."""
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        with current_app.test_request_context(base_url=current_app.config["PB_BASE_URL"]):
            return url_for(endpoint, _external=True, **values)


def queue_email(to: str, subject: str, template: str, *, about=None, **context) -> OutboxEmail:
    """Add an email to the outbox in the caller's transaction (no commit here). `about`: the person,
    other than the recipient, whose name the email carries."""
    body = render_template(f"mail/{template}.txt", **context)
    email = OutboxEmail(to_address=to, subject=subject, body=body, about_user_id=getattr(about, "id", None))
    db.session.add(email)
    if has_request_context():
        g.outbox_dirty = True
        g.setdefault("outbox_new", []).append(email)
    return email


def _send(url: str, sender: str, email: OutboxEmail) -> None:
    """Over SMTP, or (file:///a/folder: development and tests) as one .eml file per email."""
    parts = urlsplit(url)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message.set_content(email.body)
    if parts.scheme == "file":
        folder = Path(unquote(parts.path))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{email.id}-{secrets.token_hex(4)}.eml").write_bytes(bytes(message))
        return
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=10)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 587, timeout=10)
        client.starttls()
    with client:
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def claim(limit: int, first: list[int] | None = None) -> tuple[str, list[int]]:
    """Claim up to `limit` unsent emails for this sender, in their own committed transaction, and
    return (claim, ids). An email claimed by another sender is skipped until its claim runs out
    (CLAIM_SECONDS: a sender that died mid-batch does not hold its emails for ever). On PostgreSQL
    the rows are locked with SKIP LOCKED, so two senders never wait on, or take, the same row; on
    SQLite the UPDATE holds the database's one write lock while it claims."""
    token = secrets.token_hex(16)
    now = utcnow()
    order = (case((OutboxEmail.id.in_(first), 0), else_=1), OutboxEmail.id) if first else (OutboxEmail.id,)
    free = (select(OutboxEmail.id)
            .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS,
                   or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now))
            .order_by(*order).limit(limit))
    claimable = or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now)
    if db.engine.dialect.name == "postgresql":
        free = list(db.session.scalars(free.with_for_update(skip_locked=True)))
    else:
        free = free.scalar_subquery()  # one UPDATE statement: it claims under SQLite's write lock
    db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(free), claimable)
                       .values(claimed_by=token, claimed_until=now + timedelta(seconds=CLAIM_SECONDS)))
    db.session.commit()
    mine = list(db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.claimed_by == token)))
    return token, mine


def deliver_pending(app=None, limit: int = 50, echo=None, first: list[int] | None = None) -> tuple[int, int]:
    """Send up to `limit` unsent emails, the ids in `first` before the rest (the ones a request
    wrote: a newcomer's confirmation email goes out now, not behind a backlog). Returns (sent,
    failed). The batch is claimed first, so two workers or app servers sending at once never send
    one email twice; each is marked sent in its own commit, so a crash part-way never resends one
    already marked."""
    app = app or current_app
    smtp_url = app.config["PB_SMTP_URL"]
    sent = failed = 0
    token, ids = claim(limit, first)
    for email_id in ids:
        email = db.session.get(OutboxEmail, email_id)
        if email is None or email.sent_at is not None or email.claimed_by != token:
            continue
        email.attempts += 1
        try:
            if smtp_url:
                _send(smtp_url, app.config["PB_MAIL_FROM"], email)
            elif not app.config.get("TESTING"):
                out = echo or sys.stderr
                print(f"\n----- email to {email.to_address} -----\nSubject: {email.subject}\n\n{email.body}"
                      "----- end of email -----\n", file=out, flush=True)
            email.sent_at = utcnow()
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            email.last_error = str(exc)[:500]
            failed += 1
        email.claimed_by = email.claimed_until = None
        db.session.commit()
    return sent, failed


# --- the admin's outbox page -----------------------------------------------------------------------

def outbox_state(limit: int = 200) -> dict:
    """What an admin needs to see: emails waiting, and emails that gave up after MAX_ATTEMPTS."""
    unsent = OutboxEmail.sent_at.is_(None)
    stopped = OutboxEmail.attempts >= MAX_ATTEMPTS
    counts = dict(db.session.execute(select(stopped, func.count()).where(unsent).group_by(stopped)).all())
    rows = db.session.scalars(select(OutboxEmail).where(unsent).order_by(stopped, OutboxEmail.id).limit(limit)).all()
    return {"waiting": counts.get(False, 0), "failed": counts.get(True, 0), "rows": rows, "max_attempts": MAX_ATTEMPTS}


def send_now(actor, app=None) -> tuple[int, int]:
    """An admin sends what is waiting, as `flask outbox send` does; recorded on the platform log."""
    sent, failed = deliver_pending(app, limit=500)
    with transaction():
        record("outbox.sent_by_admin", actor, actor=actor, subject_type="outbox", subject_id="outbox",
               payload={"sent": sent, "failed": failed})
    return sent, failed


def retry_failed(actor) -> int:
    """Give emails that failed MAX_ATTEMPTS times another set of tries (after the mail server is
    mended, say). Returns how many."""
    with transaction():
        count = db.session.execute(update(OutboxEmail).where(
            OutboxEmail.sent_at.is_(None), OutboxEmail.attempts >= MAX_ATTEMPTS).values(attempts=0)).rowcount
        record("outbox.failed_retried", actor, actor=actor, subject_type="outbox", subject_id="outbox",
               payload={"emails": count})
    return count
