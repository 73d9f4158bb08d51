"""What every service function shares: one transaction, and a way to say no with a reason."""
from __future__ import annotations

from contextlib import contextmanager

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
