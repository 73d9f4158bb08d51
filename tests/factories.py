"""Build domain objects through the real service functions, so test data obeys the same rules
and leaves the same audit entries as real use. Returns plain records (ids and fields), not ORM
objects, because each test request runs in its own app context."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select

from pb import phases
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


# --- rounds and proposals ---------------------------------------------------------------------------

@dataclass
class RoundRef:
    id: int
    hood: Hood
    facilitator: Person
    board_member: Person
    pot_ids: list


def _user(person: Person):
    return db.session.get(User, person.id)


def _round(ref):
    from pb.rounds.models import Round

    return db.session.get(Round, ref.id if hasattr(ref, "id") else ref)


def _advance_to(round_, phase, facilitator):
    from pb.rounds.models import PHASES

    while PHASES.index(round_.phase) < PHASES.index(phase):
        phases.advance_phase(round_, facilitator)


def make_round(factory: Factory, hood: Hood | None = None, *, phase="proposals", budget=120_000_00,
               pots=(("Community capacity", 12_000_00, "revenue"), ("Open pot", 108_000_00, "any")),
               fund_year="2027/28", facilitator=None, board_member=None, **rules) -> RoundRef:
    """A round set up by a facilitator, approved by the board, moved on to `phase`."""
    from datetime import date, timedelta

    from pb.rounds import services as rounds
    from pb.rounds.models import PHASES, SETUP

    hood = hood or factory.neighbourhood()
    facilitator = facilitator or factory.with_role(hood, "facilitator")
    board_member = board_member or factory.with_role(hood, "board_member")
    with factory.app.app_context():
        f = _user(facilitator)
        round_ = rounds.create_round(factory._hood(hood), f, name=f"Round {next(_numbers)}", fund_year=fund_year,
                                     total_budget=budget)
        pot_ids = [rounds.add_pot(round_, f, name=name, amount=amount, spend_rule=rule).id for name, amount, rule in pots]
        start = date.today() + timedelta(days=30)
        rounds.set_timeline(round_, f, {p: start + timedelta(days=30 * i) for i, p in enumerate(PHASES) if p != SETUP})
        if rules:
            rounds.update_rules(round_, f, **rules)
        if phase != SETUP:
            rounds.approve_setup(round_, _user(board_member), decided_on=date.today())
        _advance_to(round_, phase, f) if phase not in ("voting",) else None
        return RoundRef(round_.id, hood, facilitator, board_member, pot_ids)


def proposal_input(round_ref: RoundRef, *, title="Youth club", amount=5_000_00, pot=0, kind="revenue",
                   year="2027/28", category="young-people", group_name=None, lines=None):
    from pb.proposals.services import CostLineInput, ProposalInput

    return ProposalInput(title=title, summary=f"{title}: a summary", description="What we will do.",
                         need="The need.", beneficiaries="Young people.", place="Mill Lane", category=category,
                         pot_id=round_ref.pot_ids[pot], group_name=group_name,
                         cost_lines=lines or [CostLineInput("Sessions", kind, amount, year)])


def make_proposal(factory: Factory, round_ref: RoundRef, author: Person | None = None, *, submit=True, **kw):
    """(proposal id, author) drafted and, by default, submitted by a verified resident."""
    from pb.proposals import services as proposals

    author = author or factory.resident(round_ref.hood)
    with factory.app.app_context():
        proposal = proposals.create_draft(_round(round_ref), _user(author), proposal_input(round_ref, **kw))
        if submit:
            proposals.submit(proposal, _user(author))
        return proposal.id, author


def make_voting_round(factory: Factory, *, proposals=((0, 3_000_00), (1, 40_000_00), (1, 50_000_00), (1, 30_000_00)),
                      **rules):
    """A round in its voting phase with these (pot index, cost) proposals on the ballot.
    Returns (RoundRef, [proposal ids])."""
    from pb.proposals import services as proposal_services

    round_ref = make_round(factory, **rules)
    ids = []
    for n, (pot, cost) in enumerate(proposals):
        kind = "revenue"
        pid, _ = make_proposal(factory, round_ref, title=f"Project {n + 1}", pot=pot, amount=cost, kind=kind)
        ids.append(pid)
    with factory.app.app_context():
        from pb.proposals.models import Proposal

        f = _user(round_ref.facilitator)
        for pid in ids:
            proposal_services.review(db.session.get(Proposal, pid), f, "feasible")
        _advance_to(_round(round_ref), "voting", f)
    return round_ref, ids


@dataclass
class ConsultationRef:
    id: int
    hood: Hood
    facilitator: Person
    question_ids: list


SAMPLE_QUESTIONS = (
    {"kind": "one", "prompt": "What should come first?", "options": "Youth club\nPark benches\nBus shelter",
     "required": True},
    {"kind": "several", "prompt": "Which would you use?", "options": "Cafe\nLibrary\nGym\nGarden", "max_choices": 2},
    {"kind": "rank", "prompt": "Put these in order", "options": "Safety\nCleanliness\nTransport"},
    {"kind": "scale", "prompt": "How safe do you feel at night?"},
    {"kind": "text", "prompt": "Anything else?"},
    {"kind": "about", "prompt": "How old are you?", "about_group": "age"},
)


def make_consultation(factory: Factory, hood: Hood | None = None, *, questions=SAMPLE_QUESTIONS, finish=True,
                      facilitator: Person | None = None, **settings) -> ConsultationRef:
    """A consultation open today for ten days (unless told otherwise), written by a facilitator."""
    from datetime import date, timedelta

    from pb.consultations import building
    from pb.neighbourhoods.models import FACILITATOR

    hood = hood or factory.neighbourhood()
    facilitator = facilitator or factory.with_role(hood, FACILITATOR)
    with factory.app.app_context():
        values = {"title": "What matters most to you?", "opens_on": date.today(),
                  "closes_on": date.today() + timedelta(days=10)} | settings
        consultation = building.create_consultation(factory._hood(hood), _user(facilitator), **values)
        ids = [building.add_question(consultation, _user(facilitator), **q).id for q in questions]
        if finish:
            building.finish_writing(consultation, _user(facilitator))
        return ConsultationRef(consultation.id, hood, facilitator, ids)
