"""Electing two resident seats: verified residents vote once each, online or on a paper ballot a
facilitator keys in; too many ticks, a second vote and an unverified voter are refused; the count
after the close seats the winners; a tie for the last seat is left for the lot; ballots published
for anyone to count again, and nothing joins a ballot to its voter."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pb import timeutil
from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, Membership
from tests.factories import sign_in

TODAY = date.today()


@pytest.mark.both_engines  # the roll's lock and unique key, on each engine
def test_two_resident_seats_are_elected_online_and_on_paper(app, factory, client):
    hood = factory.neighbourhood(name="Eastbrook")
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    response = client.post(f"/n/{hood.slug}/board/elections/new", data={
        "title": "Resident seats, 2027", "seats": "2", "method": "limited",
        "closes_on": (TODAY + timedelta(days=7)).isoformat(), "term_ends_on": (TODAY + timedelta(days=730)).isoformat()})
    assert response.status_code == 302
    url = response.location
    election_id = int(url.rstrip("/").split("/")[-1])
    outsider = factory.person(name="Oz Outsider")
    not_resident = client.post(f"/n/{hood.slug}/board/elections/{election_id}/candidates/new",
                               data={"email": outsider.email})
    assert "Oz Outsider is not a verified resident here" in not_resident.get_data(as_text=True)
    candidates = [factory.resident(hood, name=name) for name in ("Amy", "Bo", "Cy")]
    for person in candidates:
        assert client.post(f"/n/{hood.slug}/board/elections/{election_id}/candidates/new", data={
            "email": person.email, "statement": f"{person.name} for a cleaner brook"}).status_code == 302
    with app.app_context():
        from pb.boards.models import Candidate
        ids = {c.user.name: c.id for c in db.session.scalars(select(Candidate))}

    voters = [factory.resident(hood) for _ in range(4)]
    first = app.test_client()
    sign_in(first, voters[0])
    greedy = first.post(url, data={"choices": [str(ids["Amy"]), str(ids["Bo"]), str(ids["Cy"])]})
    assert greedy.status_code == 400 and "Tick up to 2 candidates: one for each seat" in greedy.get_data(as_text=True)
    assert first.post(url, data={"choices": [str(ids["Amy"]), str(ids["Bo"])]}).status_code == 302
    assert "You have voted" in first.get(url).get_data(as_text=True)
    again = first.post(url, data={"choices": [str(ids["Cy"])]})
    assert "You have voted in this election already" in again.get_data(as_text=True)
    for voter, choice in ((voters[1], ["Amy"]), (voters[2], ["Amy", "Cy"])):
        other = app.test_client()
        sign_in(other, voter)
        assert other.post(url, data={"choices": [str(ids[n]) for n in choice]}).status_code == 302
    unverified = app.test_client()
    sign_in(unverified, factory.resident(hood, verified=False))
    refused = unverified.post(url, data={"choices": [str(ids["Amy"])]})
    assert "Only verified residents vote" in refused.get_data(as_text=True)
    # A paper ballot: keyed in by the facilitator; that voter cannot then vote online.
    assert client.post(f"/n/{hood.slug}/board/elections/{election_id}/paper", data={
        "voter_email": voters[3].email, "choices": [str(ids["Cy"])]}).status_code == 302
    late = app.test_client()
    sign_in(late, voters[3])
    assert "You have voted in this election already" in late.post(url, data={"choices": [str(ids["Bo"])]}).get_data(
        as_text=True)

    early = client.post(f"/n/{hood.slug}/board/elections/{election_id}/count", follow_redirects=True)
    assert "Voting is open until the end of" in early.get_data(as_text=True)
    with timeutil.as_of(TODAY + timedelta(days=8)):
        counted = client.post(f"/n/{hood.slug}/board/elections/{election_id}/count", follow_redirects=True)
        assert "Counted: the winners are seated." in counted.get_data(as_text=True)
    page = app.test_client().get(url).get_data(as_text=True)
    assert "4 ballots counted" in page and "Elected: Amy, Cy." in page
    board = app.test_client().get(f"/n/{hood.slug}/board/").get_data(as_text=True)
    assert "Amy</a>" in board and "Cy</a>" in board and "Bo</a>" not in board
    with app.app_context():
        roles = set(db.session.scalars(select(Membership.user_id).where(Membership.role == BOARD_MEMBER)))
        assert {candidates[0].id, candidates[2].id} <= roles and candidates[1].id not in roles
        cast = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "board.election_ballot")).all()
        assert len(cast) == 4 and {e.actor for e in cast if not json.loads(e.payload)["on_paper"]} == {"system"}
    ballots = json.loads(app.test_client().get(f"{url}/ballots.json").get_data(as_text=True))
    assert sorted(ballots["ballots"]) == [["Amy"], ["Amy", "Bo"], ["Amy", "Cy"], ["Cy"]]
    assert ballots["votes"] == {"Amy": 3, "Bo": 1, "Cy": 2} and ballots["elected"] == ["Amy", "Cy"]


def test_a_tie_for_the_last_seat_is_left_for_the_lot(app, factory, client):
    from pb.accounts.models import User
    from pb.boards import elections
    from pb.boards.models import Election

    hood = factory.neighbourhood()
    facilitator = factory.with_role(hood, FACILITATOR)
    people = [factory.resident(hood, name=name) for name in ("Di", "Ed", "Fi")]
    voters = [factory.resident(hood) for _ in range(3)]
    with app.app_context():
        f = db.session.get(User, facilitator.id)
        election = elections.create_election(factory._hood(hood), f, title="One seat", seats=1,
                                             method="approval", closes_on=TODAY)
        ids = [elections.add_candidate(election, f, email=p.email).id for p in people]
        for voter, ticks in zip(voters, ([ids[0], ids[1]], [ids[1]], [ids[0]]), strict=True):
            elections.vote(election, db.session.get(User, voter.id), ticks)
        with timeutil.as_of(TODAY + timedelta(days=1)):
            elections.count(db.session.get(Election, election.id), f)
        counted = db.session.get(Election, election.id)
        assert counted.elected == [] and sorted(counted.tie) == sorted(ids[:2])
    page = app.test_client().get(f"/n/{hood.slug}/board/elections/{election.id}").get_data(as_text=True)
    assert "Di and Ed tied for the last seat: the lot is drawn at the meeting" in page
