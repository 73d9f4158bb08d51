"""Paper ballots: events and serial numbers, double keying by two facilitators, the reconciliation
queue, spoilt ballots, and a count that waits until every paper ballot is accounted for."""
from datetime import date

import pytest
from sqlalchemy import func, select

from pb import phases
from pb.extensions import db
from pb.neighbourhoods.models import FACILITATOR
from pb.services import ServiceError
from pb.voting import services as voting
from pb.voting.models import Ballot, PaperSerial, VoterRollEntry
from tests.factories import _round, _user, make_voting_round, sign_in

pytestmark = pytest.mark.both_engines  # paper ballots are keyed in bulk


@pytest.fixture
def setup(app, factory):
    round_ref, ids = make_voting_round(factory, ballot_type="knapsack")
    second = factory.with_role(round_ref.hood, FACILITATOR)
    third = factory.with_role(round_ref.hood, FACILITATOR)
    return round_ref, ids, round_ref.facilitator, second, third


def test_double_entry_from_event_to_count_through_the_pages(app, factory, setup):
    round_ref, ids, first, second, third = setup
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/paper"
    clients = []
    for person in (first, second, third):
        c = app.test_client()
        sign_in(c, person)
        clients.append(c)
    f1, f2, f3 = clients
    pot = f"pot-{round_ref.pot_ids[1]}"
    page = f1.post(base, data={"action": "event", "name": "Community centre", "held_on": date.today().isoformat(),
                               "first_serial": "101", "last_serial": "90"}).get_data(as_text=True)
    assert "The last serial number must be the same as or after the first" in page
    assert f1.post(base, data={"action": "event", "name": "Community centre", "held_on": date.today().isoformat(),
                               "first_serial": "101", "last_serial": "104"}).status_code == 302
    page = f1.post(base, data={"action": "event", "name": "Library", "held_on": date.today().isoformat(),
                               "first_serial": "104", "last_serial": "110"}).get_data(as_text=True)
    assert "Serial numbers 101 to 104 were already handed out at Community centre" in page
    voters = [factory.resident(round_ref.hood) for _ in range(3)]
    for person in voters:
        assert f1.post(base, data={"action": "give", "resident": str(person.id)}).status_code == 302
    page = f1.post(base, data={"action": "give", "resident": str(voters[0].id)}).get_data(as_text=True)
    assert "has already voted on paper in this round" in page
    key = f"{base}/key"
    # bad keyings: a serial never handed out, the same facilitator twice
    page = f1.post(key, data={"serial": "999", pot: [str(ids[1])]}).get_data(as_text=True)
    assert "Serial number 999 was never handed out in this round" in page
    assert f1.post(key, data={"serial": "101", pot: [str(ids[1])]}).status_code == 302
    page = f1.post(key, data={"serial": "101", pot: [str(ids[1])]}).get_data(as_text=True)
    assert "You have already keyed ballot 101. A different facilitator must key it the second time" in page
    # 101 matches; 102 does not and goes to reconciliation; 103 is spoilt; 104 was not returned
    f2.post(key, data={"serial": "101", pot: [str(ids[1])]})
    f1.post(key, data={"serial": "102", pot: [str(ids[2])]})
    f2.post(key, data={"serial": "102", pot: [str(ids[3])]})
    assert "Ballot 102" in f1.get(base).get_data(as_text=True)
    with app.app_context():
        phases.advance_phase(_round(round_ref), _user(first))
    count = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/count"
    page = f1.post(count).get_data(as_text=True)
    assert "1 paper ballot waiting to be reconciled" in page
    assert "returned and not-returned ballots are not recorded yet" in page
    page = f1.post(f"{key}?reconcile=102", data={pot: [str(ids[2])]}).get_data(as_text=True)
    assert "You keyed this ballot, so a third person must read it from the paper" in page
    assert f3.post(f"{key}?reconcile=102", data={pot: [str(ids[2])]}).status_code == 302
    page = f1.post(base, data={"action": "spoil", "serial": "103", "reason": ""}).get_data(as_text=True)
    assert "Say why the ballot is spoilt" in page
    f1.post(base, data={"action": "spoil", "serial": "103", "reason": "Every box ticked"})
    with app.app_context():
        event_id = db.session.scalar(select(PaperSerial.event_id))
    page = f1.post(base, data={"action": "returns", "event": str(event_id), "returned": "3", "outstanding": "0"}).get_data(as_text=True)
    assert "4 ballots were handed out (serials 101 to 104), but returned plus not returned is 3" in page
    f1.post(base, data={"action": "returns", "event": str(event_id), "returned": "3", "outstanding": "1"})
    assert f1.post(count).status_code == 302
    with app.app_context():
        result = voting.current_result(_round(round_ref))
        assert result.ballot_count == 2 and result.turnout["by_method"]["paper"] == 3
        scores = result.result[str(round_ref.pot_ids[1])]["scores"]
        assert scores[str(ids[1])] == 1 and scores[str(ids[2])] == 1 and scores[str(ids[3])] == 0
        assert db.session.scalar(select(func.count()).select_from(VoterRollEntry)) == 3
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 2


def test_paper_voters_cannot_also_vote_online_and_invalid_paper_must_be_spoilt(app, factory, setup, client):
    round_ref, ids, first, second, third = setup
    voter = factory.resident(round_ref.hood)
    with app.app_context():
        round_ = _round(round_ref)
        voting.add_paper_event(round_, _user(first), name="Market", held_on=date.today(), first_serial=1, last_serial=10)
        voting.give_paper_ballot(round_, _user(first), _user(voter))
        with pytest.raises(ServiceError, match="more than the £108,000 in this pot. Remove .* If the paper really says this, record the ballot as spoilt"):
            voting.key_paper_ballot(round_, _user(first), 1, {round_ref.pot_ids[1]: ids[1:]})
    sign_in(client, voter)
    page = client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/vote/cast",
                       data={f"pot-{round_ref.pot_ids[1]}": [str(ids[1])]}).get_data(as_text=True)
    assert "You were given a paper ballot in this round, so your ballot cannot be changed online" in page
