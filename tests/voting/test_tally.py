"""Counting a round and what the results pages and downloads say: the published files recount to
the same result in pabutools."""
import random

import pytest
from sqlalchemy import select

from pb import phases
from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.services import ServiceError
from pb.voting import services as voting
from pb.voting.models import CountStatus
from tests.factories import _round, _user, make_voting_round, sign_in


def _vote(app, factory, round_ref, ids, n, seed=1, kind="knapsack"):
    rng = random.Random(seed)
    with app.app_context():
        for _ in range(n):
            person = factory.resident(round_ref.hood, birth_year=rng.choice([1950, 1975, 1990, 2005]))
            open_pot = [i for i in ids[1:] if rng.random() < 0.5][:2] or [ids[1]]
            voting.cast_ballot(_round(round_ref), _user(person), {round_ref.pot_ids[0]: [ids[0]] if rng.random() < 0.6 else [],
                                                                  round_ref.pot_ids[1]: open_pot})


@pytest.mark.parametrize("rule", ["mes-add1", "greedy"])
def test_the_count_agrees_with_pabutools_on_the_downloaded_files(app, factory, client, tmp_path, rule):
    from pabutools.election import parse_pabulib

    from tests.counting.pabutools_reference import outcome

    round_ref, ids = make_voting_round(factory, ballot_type="knapsack", counting_rule=rule,
                                       proposals=((0, 3_000_00), (1, 40_000_00), (1, 50_000_00), (1, 30_000_00),
                                                  (1, 25_000_00), (1, 20_000_00)))
    _vote(app, factory, round_ref, ids, 40)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    sign_in(client, round_ref.facilitator)
    page = client.post(f"{base}/count").get_data(as_text=True)
    assert "The count runs once voting has closed" in page
    with app.app_context():
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
    assert client.post(f"{base}/count").status_code == 302
    assert "This round has already been counted" in client.post(f"{base}/count").get_data(as_text=True)
    page = client.get(f"{base}/results").get_data(as_text=True)
    assert "Provisional:" in page and "40 residents voted" in page
    assert app.test_client().get(f"{base}/results").status_code == 404  # not public before publication
    assert app.test_client().get(f"{base}/results.csv").status_code == 404
    with app.app_context():
        result = voting.current_result(_round(round_ref))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "round.counted"))
        assert result.ballots_sha256 in entry.payload and result.ballot_count == 40
        for pot_id, pot in result.result.items():
            text = client.get(f"{base}/results/ballots-{pot_id}.pb").get_data(as_text=True)
            path = tmp_path / f"pot-{pot_id}.pb"
            path.write_text(text)
            instance, profile = parse_pabulib(str(path))
            assert sorted(outcome(instance, profile, rule), key=int) == sorted(map(str, pot["selected_numbers"]), key=int)
            assert text.count("\n") > 40
            assert "num_votes;40" in text
        turnout = result.turnout
        assert turnout["voters"] == 40 and sum(turnout["by_age"].values()) == 40 and turnout["by_method"]["online"] == 40
    csv_text = client.get(f"{base}/results.csv").get_data().decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "pot,proposal,title,cost_pence,votes_or_points,funded,order_funded"


def test_sign_off_cannot_start_before_the_count(app, factory):
    round_ref, ids = make_voting_round(factory)
    with app.app_context():
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        with pytest.raises(ServiceError, match="The votes have not been counted yet"):
            phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))


def test_board_sign_off_needs_a_quorum_of_members_without_an_interest(app, factory, client):
    from pb.neighbourhoods.models import BOARD_MEMBER
    from pb.proposals import services as proposals
    from pb.proposals.models import Proposal
    from pb.voting.models import CountResult

    round_ref, ids = make_voting_round(factory, ballot_type="knapsack", counting_rule="greedy")
    members = [round_ref.board_member] + [factory.with_role(round_ref.hood, BOARD_MEMBER) for _ in range(4)]
    _vote(app, factory, round_ref, ids, 12)
    with app.app_context():
        round_ = _round(round_ref)
        phases.advance_phase(round_, _user(round_ref.facilitator))
        result = voting.count_round(round_, _user(round_ref.facilitator))
        funded = result.result[str(round_ref.pot_ids[1])]["selected"]
        conflicted = db.session.get(Proposal, funded[0])
        reference = conflicted.reference
        proposals.declare_interest(conflicted, _user(members[4]), "My partner runs this project")
        with pytest.raises(ServiceError, match="Results are signed off in the board sign-off phase"):
            voting.approve_result(round_, _user(members[0]))
        phases.advance_phase(round_, _user(round_ref.facilitator))
        with pytest.raises(ServiceError, match="The partnership board has not signed off the result"):
            phases.advance_phase(round_, _user(round_ref.facilitator))
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    clients = []
    for person in members:
        c = app.test_client()
        sign_in(c, person)
        clients.append(c)
    page = clients[4].post(f"{base}/sign-off", data={"action": "approve"}).get_data(as_text=True)
    assert f"You declared an interest in {reference}" in page
    page = clients[0].get(f"{base}/sign-off").get_data(as_text=True)
    assert "0 of the 3 approvals needed" in page  # 4 members free to decide: more than half is 3
    # a declined project: recount without it, approvals start again
    page = clients[1].post(f"{base}/sign-off", data={"action": "decline", "proposal": funded[0], "reason": ""}).get_data(as_text=True)
    assert "Give the board&#39;s reason for declining it" in page
    clients[0].post(f"{base}/sign-off", data={"action": "approve"})
    assert clients[1].post(f"{base}/sign-off", data={"action": "decline", "proposal": funded[0],
                                                     "reason": "The venue has closed"}).status_code == 302
    with app.app_context():
        results = db.session.scalars(select(CountResult).order_by(CountResult.id)).all()
        assert [r.status for r in results] == ["superseded", "provisional"]
        assert funded[0] not in results[1].result[str(round_ref.pot_ids[1])]["selected"]
        assert "Recounted without" in results[1].reason
    assert clients[0].post(f"{base}/sign-off", data={"action": "approve"}).status_code == 302
    page = clients[0].post(f"{base}/sign-off", data={"action": "approve"}).get_data(as_text=True)
    assert "You have already approved this result" in page
    for c in clients[1:3]:
        assert c.post(f"{base}/sign-off", data={"action": "approve"}).status_code == 302
    page = clients[3].post(f"{base}/sign-off", data={"action": "approve"}).get_data(as_text=True)
    assert "The board has already approved this result" in page
    with app.app_context():
        assert voting.current_result(_round(round_ref)).status == CountStatus.APPROVED
        entries = list(db.session.scalars(select(AuditEntry.payload).where(AuditEntry.action == "result.approved_by_member")))
        assert len(entries) == 4 and '"quorum_reached":true' in entries[-1]
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
    page = app.test_client().get(f"{base}/results").get_data(as_text=True)
    assert "Provisional" not in page and "12 residents voted" in page


def test_results_name_every_pot_and_explain_the_order_in_plain_words(app, factory, client):
    # Nothing on the ballot in the first pot ("Community capacity"): it is still named, with its money.
    round_ref, ids = make_voting_round(factory, ballot_type="approval", counting_rule="greedy",
                                       proposals=((1, 40_000_00), (1, 30_000_00)))
    with app.app_context():
        for n in range(3):
            voting.cast_ballot(_round(round_ref), _user(factory.resident(round_ref.hood)), {round_ref.pot_ids[1]: [ids[n % 2]]})
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        voting.count_round(_round(round_ref), _user(round_ref.facilitator))
    sign_in(client, round_ref.facilitator)
    page = client.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/results").get_data(as_text=True)
    assert "<h2>Community capacity</h2>" in page
    assert "No projects were on the ballot in this pot, so none of its £12,000 is spent in this round" in page
    assert "Funded, 1st" in page and "Funded, 2nd" in page and "is the order in which the counting rule funded" in page
    assert "£38,000 is not spent: it stays with" in page
    technical = page.index('id="for-auditors"')
    assert page.index(result_digest(app, round_ref)) > technical and page.index("python -m pb.counting") > technical


def result_digest(app, round_ref):
    with app.app_context():
        return voting.current_result(_round(round_ref)).ballots_sha256
