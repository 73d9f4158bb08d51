"""500 residents vote online, with codes and on paper (keyed twice, one mismatch reconciled); the
round is counted, signed off by the board and published; the published ballots, recounted by
pabutools, give the published result."""
import random
import re
from datetime import date

import pytest
from pabutools.election import parse_pabulib
from sqlalchemy import select

from pb.accounts import services as accounts
from pb.extensions import db
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.voting import services as voting
from pb.voting.models import CountStatus, PaperSerial
from tests.counting.pabutools_reference import outcome
from tests.factories import _password_hash, _round, _user, make_voting_round, sign_in

ONLINE, CODES, PAPER = 420, 50, 30


# SQLite only, to keep the suite under 10 minutes: every step it takes also runs on PostgreSQL in
# test_casting.py, test_paper.py and test_tally.py.
@pytest.mark.parametrize("engine_name", ["sqlite"])
def test_500_voters_online_by_code_and_on_paper_through_to_publication(app, factory, tmp_path, engine_name):
    rng = random.Random(500)
    round_ref, ids = make_voting_round(factory, ballot_type="knapsack", counting_rule="mes-add1", proposals=(
        (0, 3_000_00), (0, 5_000_00), (0, 6_000_00), (1, 40_000_00), (1, 50_000_00), (1, 30_000_00), (1, 25_000_00),
        (1, 20_000_00), (1, 12_000_00), (1, 8_000_00)))
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    pots = {0: [i for i in ids[:3]], 1: ids[3:]}
    costs = dict(zip(ids, [3000, 5000, 6000, 40000, 50000, 30000, 25000, 20000, 12000, 8000], strict=False))

    def random_ballot():
        ballot = {}
        for index, pot_ids in pots.items():
            budget = 12_000 if index == 0 else 108_000
            chosen, spent = [], 0
            for pid in rng.sample(pot_ids, k=len(pot_ids)):
                if rng.random() < 0.45 and spent + costs[pid] <= budget:
                    chosen.append(pid)
                    spent += costs[pid]
            ballot[round_ref.pot_ids[index]] = chosen
        if not any(ballot.values()):
            ballot[round_ref.pot_ids[1]] = [ids[-1]]
        return ballot

    facilitators = [round_ref.facilitator, factory.with_role(round_ref.hood, FACILITATOR),
                    factory.with_role(round_ref.hood, FACILITATOR)]
    board = [round_ref.board_member] + [factory.with_role(round_ref.hood, BOARD_MEMBER) for _ in range(2)]
    with app.app_context():
        hood, f = factory._hood(round_ref.hood), _user(round_ref.facilitator)
        people = []
        for n in range(ONLINE + CODES + PAPER):
            user = accounts.create_account(name=f"Voter {n}", email=f"voter{n}@e2e.example", password_hash=_password_hash(),
                                           postcode="EB1 1AA", birth_year=rng.randint(1940, 2008))
            hoods.verify_resident(hoods.join_as_resident(user, hood), f)
            people.append(user.id)
        online, coded, paper = people[:ONLINE], people[ONLINE:ONLINE + CODES], people[ONLINE + CODES:]
        round_ = _round(round_ref)
        for user_id in online[:-5]:
            voting.cast_ballot(round_, db.session.get(type(f), user_id), random_ballot())
        _, printed = voting.issue_codes(round_, f, coded)
        codes = [code for _, code in printed]
        for code in codes[:-3]:
            voting.cast_with_code(round_, code, random_ballot(), "kiosk")
        voting.add_paper_event(round_, f, name="Community centre", held_on=date.today(), first_serial=1,
                               last_serial=PAPER + 2)
        for user_id in paper:
            voting.give_paper_ballot(round_, f, db.session.get(type(f), user_id))
        paper_ballots = [random_ballot() for _ in range(PAPER)]
        for serial, ballot in enumerate(paper_ballots, 1):
            voting.key_paper_ballot(round_, _user(facilitators[0]), serial, ballot)
            second = dict(ballot)
            if serial == 7:  # a keying slip: the second facilitator ticks the wrong box
                second = {round_ref.pot_ids[1]: [ids[-1]], round_ref.pot_ids[0]: []}
            voting.key_paper_ballot(round_, _user(facilitators[1]), serial, second)
        assert db.session.scalar(select(PaperSerial.status).where(PaperSerial.serial == 7)) == "mismatch"
        voting.reconcile_paper_ballot(round_, _user(facilitators[2]), 7, paper_ballots[6])
        voting.spoil_paper_ballot(round_, f, PAPER + 1, "Torn in half")

    # the last online voters use the web pages, one with a ballot over budget first
    for user_id in online[-5:]:
        with app.app_context():
            email = db.session.get(type(f), user_id).email
        c = app.test_client()
        c.post("/sign-in", data={"email": email, "password": "correct horse battery"})
        over = {f"pot-{round_ref.pot_ids[1]}": [str(i) for i in ids[3:6]]}
        assert "more than the £108,000 in this pot" in c.post(f"{base}/vote/cast", data=over).get_data(as_text=True)
        assert "You have voted" in c.post(f"{base}/vote/cast", data={f"pot-{round_ref.pot_ids[1]}": [str(ids[4])]}).get_data(as_text=True)
    kiosk = app.test_client()
    for code in codes[-3:]:
        page = kiosk.post(f"{base}/code-vote", data={"step": "cast", "code": code, f"pot-{round_ref.pot_ids[0]}": [str(ids[0])]})
        assert "You have voted" in page.get_data(as_text=True)

    fc = app.test_client()
    sign_in(fc, round_ref.facilitator)
    assert fc.post(f"{base}/advance").status_code == 302  # voting closes
    assert "returned and not-returned ballots are not recorded yet" in fc.post(f"{base}/count").get_data(as_text=True)
    with app.app_context():
        event_id = db.session.scalar(select(PaperSerial.event_id))
    fc.post(f"{base}/paper", data={"action": "returns", "event": str(event_id), "returned": str(PAPER + 1), "outstanding": "1"})
    assert fc.post(f"{base}/count").status_code == 302
    assert fc.post(f"{base}/advance").status_code == 302  # to board sign-off
    for member in board[:2]:  # quorum: more than half of 3
        c = app.test_client()
        sign_in(c, member)
        assert c.post(f"{base}/sign-off", data={"action": "approve"}).status_code == 302
    assert fc.post(f"{base}/advance").status_code == 302  # published

    public = app.test_client()
    page = public.get(f"{base}/results").get_data(as_text=True)
    assert "500 residents voted" in page and "Provisional" not in page
    with app.app_context():
        result = voting.current_result(_round(round_ref))
        assert result.status == CountStatus.APPROVED and result.ballot_count == ONLINE + CODES + PAPER
        assert result.turnout["by_method"] == {"online": ONLINE, "code": CODES, "paper": PAPER}
    for pot_id, pot in result.result.items():
        text = public.get(f"{base}/results/ballots-{pot_id}.pb").get_data(as_text=True)
        path = tmp_path / f"{pot_id}.pb"
        path.write_text(text)
        instance, profile = parse_pabulib(str(path))
        assert sorted(outcome(instance, profile, "mes-add1"), key=int) == sorted(map(str, pot["selected_numbers"]), key=int)
        funded = re.findall(r"Funded, (\d+)(?:st|nd|rd|th)<", page)
        assert funded
    assert public.get(f"{base}/results.json").status_code == 200
