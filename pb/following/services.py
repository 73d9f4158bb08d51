"""One following system. A domain registers each kind of thing people may follow (`Subject`):
how to find one by id, its neighbourhood, its name, and what its news is called. Then anyone
signed in may follow one, is emailed its news (`tell`) with a one-step unsubscribe link that names
the kind and the id, and unsubscribes on one page (pb.following.views), signed in or not.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select

from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.notifications import notify_about
from pb.services import ServiceError, transaction

from .models import Follower


@dataclass(frozen=True)
class Subject:
    kind: str  # stored in follower.subject_type and named in unsubscribe links: never rename one
    news: str  # "updates when a round moves to its next phase": what a follower is sent
    already: str  # the refusal when someone follows twice
    load: Callable[[int], object]  # the subject with this id, or None
    neighbourhood: Callable[[object], object]  # whose audit log records the follow
    name: Callable[[object], str]  # how a page or an email names it
    payload: Callable[[object], dict]  # what the ledger entry says about it


SUBJECTS: dict[str, Subject] = {}


def register(subject: Subject) -> Subject:
    SUBJECTS[subject.kind] = subject
    return subject


def _kind_of(kind: str) -> Subject:
    return SUBJECTS[kind]


def _row(kind: str, subject, user) -> Follower | None:
    return db.session.scalar(select(Follower).where(Follower.subject_type == kind, Follower.subject_id == subject.id,
                                                    Follower.user_id == user.id))


def is_following(kind: str, subject, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _row(kind, subject, user) is not None


def follow(kind: str, subject, user: User) -> Follower:
    about = _kind_of(kind)
    if _row(kind, subject, user) is not None:
        raise ServiceError(about.already)
    with transaction():
        follower = Follower(subject_type=kind, subject_id=subject.id, user_id=user.id)
        db.session.add(follower)
        db.session.flush()
        record(f"{kind}.followed", follower, actor=user, neighbourhood=about.neighbourhood(subject),
               payload=about.payload(subject))
    return follower


def unfollow(kind: str, subject, user: User) -> bool:
    """Stop following; False if they were not following it."""
    about = _kind_of(kind)
    follower = _row(kind, subject, user)
    if follower is None:
        return False
    with transaction():
        record(f"{kind}.unfollowed", follower, actor=user, neighbourhood=about.neighbourhood(subject),
               payload=about.payload(subject))
        db.session.delete(follower)
    return True


def followers(kind: str, subject) -> list[User]:
    return list(db.session.scalars(select(User).join(Follower, Follower.user_id == User.id).where(
        Follower.subject_type == kind, Follower.subject_id == subject.id, User.erased_at.is_(None)).order_by(User.id)))


def tell(kind: str, subject, email_subject: str, template: str, **context) -> int:
    """In the caller's transaction: one email to each follower, with its unsubscribe link. Returns how many."""
    about = _kind_of(kind)
    people = followers(kind, subject)
    for person in people:
        notify_about(person, kind, subject.id, about.news, email_subject, template, **context)
    return len(people)


def followed_by(user: User) -> list[tuple[str, object]]:
    """(kind, subject) for everything this person follows, oldest first."""
    found = []
    for row in db.session.scalars(select(Follower).where(Follower.user_id == user.id).order_by(Follower.id)):
        about = SUBJECTS.get(row.subject_type)
        subject = about.load(row.subject_id) if about else None
        if subject is not None:
            found.append((row.subject_type, subject))
    return found


def forget(user: User) -> int:
    """Erasure: stop every follow of this person (no ledger entry each: the erasure is recorded)."""
    return db.session.execute(delete(Follower).where(Follower.user_id == user.id)).rowcount


__all__ = ["SUBJECTS", "Follower", "Subject", "follow", "followed_by", "followers", "forget", "is_following",
           "register", "tell", "unfollow"]
