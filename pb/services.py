"""What every service function shares: one transaction, and a way to say no with a reason."""
from __future__ import annotations

import functools
from contextlib import contextmanager

from sqlalchemy import select, update

from pb.extensions import db


class ServiceError(Exception):
    """A rule refused the change. `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@contextmanager
def transaction():
    """Everything inside commits together, audit entry included, or nothing does."""
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def one_transaction():
    """Compose several service calls into one transaction: inside, each service's commit is only a
    flush, and the block commits once at the end, or rolls everything back. For an action made of
    other actions (a bid's request that also drafts a proposal; seeding a whole neighbourhood)."""
    session = db.session()
    real_commit = session.commit
    session.commit = session.flush
    try:
        yield session
    except BaseException:
        session.commit = real_commit
        session.rollback()
        raise
    session.commit = real_commit
    session.commit()


def keep_loaded_after_commit() -> None:
    """For a busy page shown straight after its write (casting a ballot): what it shows was read or
    written moments ago in this request, so reloading every object after the commit, SQLAlchemy's
    default, would only repeat queries. Lasts for this request's session alone."""
    db.session().expire_on_commit = False


def lock_row(model, row_id: int):
    """Take the write lock on one row for the rest of this transaction, then forget everything read
    before it, so that every rule checked from here on reads what is true now.

    A rule checked against a figure (what a grant has left unpaid, what a year has left) holds only
    if nobody else can change that figure between the check and the write: so the check runs after
    this, inside the writing transaction. PostgreSQL locks the row (SELECT ... FOR UPDATE: a second
    request waits here until the first commits). SQLite has one writer at a time, and a transaction
    only becomes the writer at its first write, so a no-op UPDATE makes it the writer before it reads.
    """
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(model).where(model.id == row_id).values(id=model.id)
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
    db.session.expire_all()
    return db.session.get(model, row_id)


def under_lock(owner):
    """Run a service inside one transaction that first locks the row owning the figures it checks.
    `owner(*args, **kwargs)` names that row as (model, id), or None for no lock. A refusal rolls back and frees the lock."""
    def wrap(service):
        @functools.wraps(service)
        def run(*args, **kwargs):
            row = owner(*args, **kwargs)
            with transaction():
                if row is not None:
                    lock_row(*row)
                return service(*args, **kwargs)
        return run
    return wrap


def reason_when_named(matches: list[str], reason: str, *, declare: str, touches: str) -> dict:
    """The rule for any board decision: a member whose register of interests names someone the
    decision touches (`matches`, in plain words) either declares an interest in `declare` instead or
    says why it does not touch `touches`. Returns what the decision's ledger entry records of it."""
    if not matches:
        return {}
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(f"Your register of interests names {matches[0]}. Declare an interest in {declare} "
                           f"instead, or say here why it does not touch {touches}", field="no_interest_reason")
    if len(reason) > 1000:
        raise ServiceError("Keep the reason to 1,000 characters or fewer", field="no_interest_reason")
    return {"register_names": matches, "no_interest_reason": reason}
