"""Setting up a round: pots, timeline, rules, the board's approval, locked rules and phases."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pb import phases
from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.rounds import services as rounds
from pb.rounds.models import BoardDecision, Phase, Round
from pb.services import ServiceError
from tests.conftest import link_in, outbox
from tests.factories import _round, _user, make_proposal, make_round, sign_in


def audit_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.fixture
def setup(app, factory, client):
    hood = factory.neighbourhood()
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    response = client.post(f"/n/{hood.slug}/rounds/new", data={"name": "Fund 2027/28", "fund_year": "2027/28",
                                                                "total_budget": "100000"})
    assert response.status_code == 302
    with app.app_context():
        round_id = db.session.scalar(select(Round.id))
    return hood, facilitator, f"/n/{hood.slug}/rounds/{round_id}", round_id


@pytest.mark.parametrize("data, message", [
    ({"name": "", "fund_year": "2027/28", "total_budget": "1000"}, "Enter the round&#39;s name"),
    ({"name": "X", "fund_year": "2027", "total_budget": "1000"}, "Fund year must be a financial year like 2027/28"),
    ({"name": "X", "fund_year": "2027/29", "total_budget": "1000"}, "Fund year must be a financial year like 2027/28"),
    ({"name": "X", "fund_year": "2027/28", "total_budget": "0"}, "Total budget must be more than £0"),
    ({"name": "X", "fund_year": "2027/28", "total_budget": "a lot"}, "Total budget must be an amount in pounds"),
])
def test_a_round_needs_a_name_a_financial_year_and_a_budget(app, factory, client, data, message):
    hood = factory.neighbourhood()
    sign_in(client, factory.with_role(hood, FACILITATOR))
    before = audit_count(app)
    response = client.post(f"/n/{hood.slug}/rounds/new", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert audit_count(app) == before


def test_pots_must_fit_the_budget_and_add_up_to_it_before_approval(app, client, setup):
    hood, facilitator, url, round_id = setup
    assert client.post(f"{url}/pots", data={"name": "Capacity", "amount": "10000", "spend_rule": "revenue"}).status_code == 302
    page = client.post(f"{url}/pots", data={"name": "Open", "amount": "95000", "spend_rule": "any"}).get_data(as_text=True)
    assert "The pots would add up to £105,000, more than the round&#39;s budget of £100,000. £90,000 is left to share" in page
    page = client.post(f"{url}/pots", data={"name": "capacity", "amount": "100", "spend_rule": "any"}).get_data(as_text=True)
    assert "This round already has a pot called capacity" in page
    page = client.post(f"{url}/pots", data={"name": "Open", "amount": "50000", "spend_rule": "any",
                                            "max_per_proposal": "60000"}).get_data(as_text=True)
    assert "no more than the pot, £50,000" in page
    page = client.get(f"{url}/").get_data(as_text=True)
    assert "The pots add up to £10,000 but the budget is £100,000" in page
    assert "Set the date each phase starts" in page


def test_the_timeline_runs_forwards(app, client, setup):
    hood, facilitator, url, round_id = setup
    today = date.today()
    dates = {p: (today + timedelta(days=i)).isoformat() for i, p in enumerate(
        ["proposals", "feasibility", "deliberation", "voting", "counting", "sign_off", "published", "delivery"], 1)}
    page = client.post(f"{url}/timeline", data=dates | {"voting": (today - timedelta(days=3)).isoformat()}).get_data(as_text=True)
    assert "Voting cannot start before deliberation and shortlisting" in page and 'href="#voting"' in page
    page = client.post(f"{url}/timeline", data=dates | {"counting": "31/02/2027"}).get_data(as_text=True)
    assert "The date counting starts must be a real date, like 1/4/2027" in page
    assert client.post(f"{url}/timeline", data=dates).status_code == 302
    page = client.get(f"{url}/").get_data(as_text=True)
    assert "Planned from " + (today + timedelta(days=4)).strftime("%-d %B %Y") in page


def test_counting_rules_must_suit_the_ballot(app, client, setup):
    hood, facilitator, url, round_id = setup
    data = {"who_may_propose": "verified_residents", "ballot_type": "ordinal", "ballot_min": "1", "ballot_max": "5",
            "counting_rule": "mes-add1", "tie_break": "cost-votes-id"}
    page = client.post(f"{url}/rules", data=data).get_data(as_text=True)
    assert "That counting rule cannot count rank your favourites (ranking) ballots" in page
    page = client.post(f"{url}/rules", data=data | {"ballot_type": "cumulative", "counting_rule": "greedy"}).get_data(as_text=True)
    assert "Points to share out must be between 2 and 100" in page
    page = client.post(f"{url}/rules", data=data | {"ballot_max": "0", "counting_rule": "greedy"}).get_data(as_text=True)
    assert "Most choices must be at least the fewest choices" in page


@pytest.mark.both_engines
def test_rules_lock_when_proposals_open_and_only_the_board_changes_them_with_a_reason(app, factory, client):
    round_ref = make_round(factory)
    sign_in(client, round_ref.facilitator)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    assert "The rules locked when proposals opened" in client.get(f"{base}/rules").get_data(as_text=True)
    with app.app_context():
        with pytest.raises(ServiceError, match="needs a decision of the partnership board"):
            rounds.update_rules(_round(round_ref), _user(round_ref.facilitator), support_cap=3)
        with pytest.raises(ServiceError, match="Pots are part of the rules"):
            rounds.add_pot(_round(round_ref), _user(round_ref.facilitator), name="More", amount=100)
    assert client.get(f"{base}/rule-change").status_code == 403  # facilitators cannot
    board = app.test_client()
    sign_in(board, round_ref.board_member)
    before = audit_count(app)
    today = date.today().isoformat()
    page = board.post(f"{base}/rule-change", data={"rule": "support_cap", "value": "3", "reason": "", "decided_on": today})
    assert page.status_code == 400 and "Enter the board&#39;s reason for the change" in page.get_data(as_text=True)
    page = board.post(f"{base}/rule-change", data={"rule": "counting_rule", "value": "the best one", "reason": "x",
                                                   "decided_on": today}).get_data(as_text=True)
    assert "Enter one of: Most votes first" in page
    assert audit_count(app) == before
    response = board.post(f"{base}/rule-change", data={"rule": "support_cap", "value": "3",
                                                       "reason": "Residents asked for fewer, stronger supports",
                                                       "decided_on": today})
    assert response.status_code == 302
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Changed most proposals one resident may support" in page
    assert "Reason: Residents asked for fewer, stronger supports" in page
    with app.app_context():
        assert _round(round_ref).support_cap == 3
        decision = db.session.scalar(select(BoardDecision).where(BoardDecision.kind == "change_rule"))
        assert decision.changes == {"support_cap": [None, 3]}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "board.changed_rule"))
        assert "Residents asked for fewer" in entry.payload and entry.actor == round_ref.board_member.pseudonym


def test_changing_rules_after_approval_withdraws_it(app, factory):
    round_ref = make_round(factory, phase="setup")
    with app.app_context():
        round_ = _round(round_ref)
        rounds.approve_setup(round_, _user(round_ref.board_member), decided_on=date.today())
        with pytest.raises(ServiceError, match="already approved"):
            rounds.approve_setup(round_, _user(round_ref.board_member), decided_on=date.today())
        rounds.update_rules(round_, _user(round_ref.facilitator), ballot_max=4)
        assert round_.approved_at is None
        with pytest.raises(ServiceError, match="The partnership board has not approved the set-up"):
            phases.advance_phase(round_, _user(round_ref.facilitator))


def test_only_board_members_approve_and_not_before_the_set_up_is_complete(app, factory, client):
    hood = factory.neighbourhood()
    facilitator, member = factory.with_role(hood, FACILITATOR), factory.with_role(hood, BOARD_MEMBER)
    with app.app_context():
        round_ = rounds.create_round(factory._hood(hood), _user(facilitator), name="R", fund_year="2027/28",
                                     total_budget=1000_00)
        round_id = round_.id
        with pytest.raises(ServiceError, match="Only partnership board members can approve"):
            rounds.approve_setup(round_, _user(facilitator), decided_on=date.today())
        with pytest.raises(ServiceError, match="Add at least one pot"):
            rounds.approve_setup(round_, _user(member), decided_on=date.today())
    sign_in(client, member)
    page = client.get(f"/n/{hood.slug}/rounds/{round_id}/approve").get_data(as_text=True)
    assert "The set-up is not ready to approve yet" in page and "Add at least one pot" in page


@pytest.mark.both_engines
def test_phases_move_on_their_dates_and_followers_are_emailed(app, factory, client):
    round_ref = make_round(factory, phase="setup")
    follower = factory.resident(round_ref.hood)
    sign_in(client, follower)
    client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/follow")
    with app.app_context():
        rounds.approve_setup(_round(round_ref), _user(round_ref.board_member), decided_on=date.today())
        proposals_open = _round(round_ref).start_of("proposals")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rounds", "advance", "--today", (proposals_open - timedelta(days=1)).isoformat()])
    assert "0 rounds due to move on" in result.output
    result = runner.invoke(args=["rounds", "advance", "--today", proposals_open.isoformat()])
    assert result.exit_code == 0, result.output
    assert "now ‘Proposals open’" in result.output and "1 phase change, 0 rounds blocked" in result.output
    with app.app_context():
        round_ = _round(round_ref)
        assert round_.phase == Phase.PROPOSALS and round_.locked
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "round.phase_changed"))
        assert entry.actor == "system" and '"how":"scheduled date"' in entry.payload
    mail = outbox(app, follower.email)
    assert mail[-1][1].endswith(": proposals open")
    link = link_in(mail[-1][2].split("To stop them: ")[1])
    assert "You are unsubscribed" in app.test_client().post(link).get_data(as_text=True)
    # a round whose dates all passed is moved phase by phase, and stops where a rule says no
    make_proposal(factory, round_ref)
    result = runner.invoke(args=["rounds", "advance", "--today", "2099-01-01"])
    assert "now ‘Feasibility review’" in result.output and "now ‘Deliberation and shortlisting’" in result.output
    assert "1 proposal still waits for a feasibility decision" in result.output and result.exit_code == 1
    assert len(outbox(app, follower.email)) == len(mail)  # unsubscribed: no more emails


def test_voting_cannot_open_with_proposals_still_waiting_for_review(app, factory, client):
    round_ref = make_round(factory, phase="deliberation")
    sign_in(client, round_ref.facilitator)
    page = client.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/advance").get_data(as_text=True)
    assert "No proposal qualifies for the ballot" in page
    assert client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/advance").status_code == 400


def test_facilitators_are_warned_when_a_pot_is_too_small_for_mes_completion(app, factory, client):
    round_ref = make_round(factory, phase="setup", pots=(("Tiny", 2_00, "any"), ("Open", 119_998_00, "any")))
    for _ in range(3):
        factory.resident(round_ref.hood)
    sign_in(client, round_ref.facilitator)
    page = client.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/rules").get_data(as_text=True)
    assert "The Tiny pot, £2, is less than £1 for each of the 3 verified residents" in page
    assert "The Open pot" not in page
    with app.app_context():
        rounds.update_rules(_round(round_ref), _user(round_ref.facilitator), counting_rule="greedy")
    assert "less than £1 for each" not in client.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/").get_data(as_text=True)
