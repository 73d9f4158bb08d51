"""Build domain objects through the real service functions, so test data obeys the same rules
and leaves the same audit entries as real use. Returns plain records (ids and fields), not ORM
objects, because each test request runs in its own app context."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select

from pb.accounts import passwords
from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import RESIDENT, Membership, Neighbourhood

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return passwords.hash_password(PASSWORD)


@dataclass
class Person:
    id: int
    email: str
    name: str
    pseudonym: str
    postcode: str
    password: str = PASSWORD


@dataclass
class Hood:
    id: int
    slug: str
    name: str


class Factory:
    def __init__(self, app):
        self.app = app

    def neighbourhood(self, slug=None, name=None, postcodes=("EB1 1AA", "EB1 1AB", "EB1 2AA"), **kw) -> Hood:
        number = next(_numbers)
        with self.app.app_context():
            hood = hoods.create_neighbourhood(slug=slug or f"hood-{number}", name=name or f"Hood {number}", **kw)
            if postcodes:
                hoods.set_area(hood, set(postcodes), replace=True)
            return Hood(hood.id, hood.slug, hood.name)

    def person(self, name=None, email=None, postcode="EB1 1AA", birth_year=1980, admin=False) -> Person:
        number = next(_numbers)
        with self.app.app_context():
            user = accounts.create_account(name=name or f"Person {number}", email=email or f"person{number}@example.org",
                                           password_hash=_password_hash(), postcode=postcode,
                                           birth_year=birth_year, is_admin=admin)
            return Person(user.id, user.email, user.name, user.pseudonym, user.postcode)

    def _hood(self, hood: Hood):
        return db.session.get(Neighbourhood, hood.id)

    def role(self, person: Person, hood: Hood, role: str) -> int:
        with self.app.app_context():
            member = hoods.grant_role(db.session.get(User, person.id), self._hood(hood), role)
            return member.id

    def resident(self, hood: Hood, verified=True, **kw) -> Person:
        person = self.person(**kw)
        with self.app.app_context():
            member = hoods.join_as_resident(db.session.get(User, person.id), self._hood(hood))
            if verified:
                facilitator = self.person()
                hoods.verify_resident(member, db.session.get(User, facilitator.id))
        return person

    def with_role(self, hood: Hood, role: str, **kw) -> Person:
        if role == RESIDENT:
            return self.resident(hood, verified=True, **kw)
        person = self.person(**kw)
        self.role(person, hood, role)
        return person

    def membership(self, person: Person, hood: Hood, role: str = RESIDENT) -> Membership | None:
        with self.app.app_context():
            return db.session.scalar(select(Membership).where(
                Membership.user_id == person.id, Membership.neighbourhood_id == hood.id, Membership.role == role))

    def audit_count(self) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(AuditEntry))

    def last_entries(self, n=1):
        with self.app.app_context():
            rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(n)).all()
            return [(r.action, r.actor, r.subject_type, r.payload) for r in rows]


def sign_in(client, person: Person, password: str | None = None):
    response = client.post("/sign-in", data={"email": person.email, "password": password or person.password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response
