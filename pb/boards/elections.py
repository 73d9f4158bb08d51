"""Electing resident seats: the facilitator sets up an election (how many seats, how people vote,
the last day, the term won), adds the candidates (verified residents), and the neighbourhood's
verified residents vote once each, online or on a paper ballot the facilitator keys in. At the
count, the most votes win and are seated; a tie for the last seat is left for the lot drawn at the
meeting. Each change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.counting.answers import digest
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR, RESIDENT, Neighbourhood
from pb.neighbourhoods.services import require_role, role_in
from pb.services import ServiceError, one_transaction, transaction, under_lock
from pb.text import hidden_characters, required_text

from .members import seat_member, seat_of
from .models import (
    CameBy,
    Candidate,
    Election,
    ElectionBallot,
    ElectionMethod,
    ElectionRoll,
    ElectionStatus,
    Meeting,
    SeatKind,
)

MOST_SEATS = 20


def _facilitator(user: User, hood_id: int, doing: str) -> None:
    require_role(user, hood_id, FACILITATOR, f"Only facilitators {doing}")


def _verified(user: User, hood_id: int) -> bool:
    member = role_in(user, hood_id, RESIDENT)
    return member is not None and member.verified_at is not None


def create_election(hood: Neighbourhood, facilitator: User, *, title: str, seats: int | None, method: str,
                    closes_on: date | None, term_ends_on: date | None = None, meeting: Meeting | None = None
                    ) -> Election:
    _facilitator(facilitator, hood.id, "set up elections")
    title = required_text(title, field="title", label="The title", limit=160,
                          missing="Enter the election's title, for example ‘Resident seats, 2027’")
    if seats is None or not 1 <= seats <= MOST_SEATS:
        raise ServiceError(f"Enter how many seats are up for election, from 1 to {MOST_SEATS}", field="seats")
    if method not in ElectionMethod.labels():
        raise ServiceError("Choose how people vote", field="method")
    if closes_on is None or closes_on < timeutil.today():
        raise ServiceError("Enter the last day to vote, today or later", field="closes_on")
    if term_ends_on is not None and term_ends_on <= closes_on:
        raise ServiceError("The term won must end after the vote", field="term_ends_on")
    if meeting is not None and meeting.neighbourhood_id != hood.id:
        raise ServiceError("Choose one of the board's meetings", field="meeting_id")
    with transaction():
        election = Election(neighbourhood_id=hood.id, title=title, seats=seats, method=method, closes_on=closes_on,
                            term_ends_on=term_ends_on, meeting_id=meeting.id if meeting else None,
                            created_by_id=facilitator.id)
        db.session.add(election)
        db.session.flush()
        record("board.election_created", election, actor=facilitator, neighbourhood=hood,
               payload={"title": title, "seats": seats, "method": method, "closes_on": closes_on.isoformat()})
    return election


def _election_lock(election: Election, *args, **kwargs):
    return Election, election.id


@under_lock(_election_lock)  # no candidate added once voting has begun, none twice
def add_candidate(election: Election, facilitator: User, *, email: str, statement: str = "") -> Candidate:
    _facilitator(facilitator, election.neighbourhood_id, "add candidates")
    if election.status != ElectionStatus.OPEN:
        raise ServiceError("The election has been counted")
    if db.session.scalar(select(func.count(ElectionRoll.id)).where(ElectionRoll.election_id == election.id)):
        raise ServiceError("Voting has begun: the candidates can no longer change")
    person = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if person is None:
        raise ServiceError("Nobody has a pb account with that email address", field="email")
    if not _verified(person, election.neighbourhood_id):
        raise ServiceError(f"{person.name} is not a verified resident here: only residents stand for resident seats",
                           field="email")
    statement = (statement or "").strip()
    if len(statement) > 2000 or hidden_characters(statement):
        raise ServiceError("Keep the statement to 2,000 characters, with no hidden characters", field="statement")
    if any(c.user_id == person.id for c in election.candidates):
        raise ServiceError(f"{person.name} is standing already", field="email")
    with transaction():
        candidate = Candidate(election_id=election.id, user_id=person.id, statement=statement)
        db.session.add(candidate)
        db.session.flush()
        record("board.candidate_added", candidate, actor=facilitator,
               neighbourhood=db.session.get(Neighbourhood, election.neighbourhood_id),
               payload={"election": election.id, "person": person.pseudonym})
    return candidate


def _checked(election: Election, choices: list[int]) -> list[int]:
    known = {c.id for c in election.candidates}
    chosen = sorted(set(choices))
    if not chosen:
        raise ServiceError("Tick at least one candidate", field="choices")
    if any(c not in known for c in chosen):
        raise ServiceError("Choose from the candidates listed", field="choices")
    if election.method == ElectionMethod.LIMITED and len(chosen) > election.seats:
        raise ServiceError(f"Tick up to {election.seats} candidate{'s' if election.seats != 1 else ''}: one for each "
                           "seat", field="choices")
    return chosen


@under_lock(_election_lock)  # one ballot per voter, none after the count
def _cast(election: Election, voter: User, choices: list[int], *, on_paper: bool, actor: User) -> None:
    if election.status != ElectionStatus.OPEN or timeutil.today() > election.closes_on:
        raise ServiceError("Voting in this election has closed")
    if len(election.candidates) <= election.seats:
        raise ServiceError("There are no more candidates than seats: nobody needs to vote")
    chosen = _checked(election, choices)
    with transaction():
        if db.session.scalar(select(ElectionRoll.id).where(ElectionRoll.election_id == election.id,
                                                           ElectionRoll.user_id == voter.id)):
            raise ServiceError(f"{'They have' if on_paper else 'You have'} voted in this election already")
        db.session.add(ElectionRoll(election_id=election.id, user_id=voter.id, on_paper=on_paper))
        db.session.add(ElectionBallot(id=secrets.token_hex(16), election_id=election.id, choices=chosen))
        db.session.flush()
        # The roll records who voted; the ballot, what: the ledger says only that one more was cast.
        record("board.election_ballot", election, actor=None if not on_paper else actor,
               neighbourhood=db.session.get(Neighbourhood, election.neighbourhood_id),
               payload={"election": election.id, "on_paper": on_paper})


def vote(election: Election, voter: User, choices: list[int]) -> None:
    if not _verified(voter, election.neighbourhood_id):
        raise ServiceError("Only verified residents vote: a facilitator can check your address")
    _cast(election, voter, choices, on_paper=False, actor=voter)


def key_paper_ballot(election: Election, facilitator: User, *, voter_email: str, choices: list[int]) -> None:
    """A paper ballot: the facilitator marks the voter on the roll and keys in their choices."""
    _facilitator(facilitator, election.neighbourhood_id, "key in paper ballots")
    voter = db.session.scalar(select(User).where(func.lower(User.email) == (voter_email or "").strip().lower()))
    if voter is None or not _verified(voter, election.neighbourhood_id):
        raise ServiceError("Find the voter by their email address: only verified residents vote", field="voter_email")
    _cast(election, voter, choices, on_paper=True, actor=facilitator)


def tally(election: Election) -> tuple[dict[int, int], list[int], list[int], int]:
    """(votes per candidate, elected, tied for the last seat, ballots)."""
    ballots = db.session.scalars(select(ElectionBallot.choices).where(ElectionBallot.election_id == election.id)).all()
    votes = {c.id: 0 for c in election.candidates}
    for choices in ballots:
        for candidate in choices:
            votes[candidate] += 1
    ranked = sorted(votes, key=lambda c: (-votes[c], c))
    if len(ranked) <= election.seats:
        return votes, ranked, [], len(ballots)
    cutoff = votes[ranked[election.seats - 1]]
    above = [c for c in ranked if votes[c] > cutoff]
    at_cutoff = [c for c in ranked if votes[c] == cutoff]
    if len(above) + len(at_cutoff) == election.seats:
        return votes, above + at_cutoff, [], len(ballots)
    return votes, above, at_cutoff, len(ballots)


@under_lock(_election_lock)  # counted once
def count(election: Election, facilitator: User) -> Election:
    """After the last day: the winners are seated as elected residents; a tie for the last seat waits
    for the lot drawn at the meeting."""
    _facilitator(facilitator, election.neighbourhood_id, "count elections")
    if election.status != ElectionStatus.OPEN:
        raise ServiceError("This election has been counted")
    if timeutil.today() <= election.closes_on and len(election.candidates) > election.seats:
        raise ServiceError(f"Voting is open until the end of {election.closes_on:%-d %B %Y}")
    if not election.candidates:
        raise ServiceError("Nobody stood: add candidates, or set up a new election")
    votes, elected, tie, ballots = tally(election)
    hood = db.session.get(Neighbourhood, election.neighbourhood_id)
    names = {c.id: c for c in election.candidates}
    with one_transaction():
        election.status, election.counted_on = ElectionStatus.COUNTED, timeutil.today()
        election.votes = {str(k): v for k, v in votes.items()}
        election.elected, election.tie, election.ballots_counted = elected, tie, ballots
        for candidate_id in elected:
            person = names[candidate_id].user
            if seat_of(person, hood.id) is None:
                seat_member(hood, facilitator, email=person.email, kind=SeatKind.RESIDENT,
                            started_on=timeutil.today(), term_ends_on=election.term_ends_on, came_by=CameBy.ELECTED)
        record("board.election_counted", election, actor=facilitator, neighbourhood=hood,
               payload={"election": election.id, "ballots": ballots,
                        "votes": {names[c].user.pseudonym: v for c, v in votes.items()},
                        "elected": [names[c].user.pseudonym for c in elected],
                        "tie": [names[c].user.pseudonym for c in tie],
                        "ballots_sha256": digest(sorted(sorted(b) for b in db.session.scalars(
                            select(ElectionBallot.choices).where(ElectionBallot.election_id == election.id))))})
    return election
