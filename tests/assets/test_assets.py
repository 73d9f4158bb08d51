"""The register of community assets: a place walked from the register through nomination, the
council's listing and an owner's notice to sell, each step one audit entry, every computed deadline
checked, every refusal from the issue's bad-input list with its field."""
import json
from datetime import date

import pytest
from sqlalchemy import select

from pb import timeutil
from pb.accounts.models import User
from pb.assets import services as assets
from pb.assets.models import Asset
from pb.extensions import db
from pb.funds.models import GrantStatus
from pb.neighbourhoods.models import FACILITATOR, Neighbourhood
from pb.services import ServiceError

PUB = assets.AssetInput(name="The Red Lion", address="12 Mill Lane, Eastbrook", postcode="eb1 1aa", kind="pub",
                        owner="Northern Taverns Ltd", why="The last pub on the estate: the darts league and the wakes.")


def _user(person):
    return db.session.get(User, person.id)


def _asset(number=1):
    return db.session.scalar(select(Asset).where(Asset.number == number))


def _listed(hood, starter, facilitator, on: date, reference: str = ""):
    """The pub registered, nominated by the town council, sent and listed, all on one day."""
    with timeutil.as_of(on):
        pub = assets.register_asset(db.session.get(Neighbourhood, hood.id), _user(starter), PUB)
        nomination = assets.start_nomination(pub, _user(starter), group_name="Eastbrook Town Council",
                                             group_kind="parish_council")
        assets.mark_sent(nomination, _user(starter), sent_on=on)
        assets.record_decision(_asset(), _user(facilitator), outcome="listed", decided_on=on, reference=reference,
                               reasons="")


def _refused(call, field, message):
    with pytest.raises(ServiceError) as caught:
        call()
    assert caught.value.field == field and message in caught.value.message, caught.value.message


def test_a_pub_from_the_register_to_a_full_moratorium_one_audit_entry_per_step(app, factory):
    hood = factory.neighbourhood()
    starter, facilitator = factory.resident(hood), factory.with_role(hood, FACILITATOR)
    supporters = [factory.resident(hood) for _ in range(20)]
    with app.app_context():
        count = factory.audit_count()
        with timeutil.as_of(date(2027, 1, 10)):
            pub = assets.register_asset(db.session.get(Neighbourhood, hood.id), _user(starter), PUB)
            assert (pub.reference, pub.postcode) == ("A-1", "EB1 1AA")
            nomination = assets.start_nomination(pub, _user(starter), group_name="Friends of the Red Lion",
                                                 group_kind="unincorporated")
            for person in supporters[:13]:
                assets.support_nomination(nomination, _user(person))
            assert nomination.needs == 7  # 14 of 21
            _refused(lambda: assets.mark_sent(nomination, _user(starter), sent_on=date(2027, 1, 10)), "sent_on",
                     "An unincorporated group needs at least 21 local people: 14 verified residents have added their names, 7 more needed")
            for person in supporters[13:]:
                assets.support_nomination(nomination, _user(person))
            assert nomination.needs == 0
        with timeutil.as_of(date(2027, 2, 1)):
            assets.mark_sent(nomination, _user(starter), sent_on=date(2027, 1, 31))
            _refused(lambda: assets.record_decision(pub, _user(facilitator), outcome="listed", decided_on=date(2027, 1, 30),
                                                    reference="ACV/27/4", reasons=""),
                     "decided_on", "The decision cannot come before the nomination was sent (31 January 2027)")
        with timeutil.as_of(date(2027, 3, 20)):
            assets.record_decision(pub, _user(facilitator), outcome="listed", decided_on=date(2027, 3, 15),
                                   reference="ACV/27/4", reasons="Furthers the social wellbeing of the community.")
            state = assets.status(_asset())
            assert state["state"] == "listed"
            assert (state["listing"].ends_on, state["listing"].remind_on) == (date(2032, 3, 14), date(2031, 9, 15))
        with timeutil.as_of(date(2028, 9, 1)):
            _refused(lambda: assets.record_notice(_asset(), _user(facilitator), notified_on=date(2027, 3, 1)),
                     "notified_on", "The notice cannot come before the listing (15 March 2027)")
            # Typed 2028-08-31 for 2028-08-30: recorded, then corrected with a reason, the first date kept.
            assets.record_notice(_asset(), _user(facilitator), notified_on=date(2028, 8, 31))
            state = assets.status(_asset())
            assert state["state"] == "interim_moratorium"
            assert (state["moratorium"].interim_ends_on, state["moratorium"].full_ends_on,
                    state["moratorium"].protected_ends_on) == (date(2028, 10, 11), date(2029, 2, 28), date(2030, 2, 28))
            _refused(lambda: assets.correct_date(_asset(), _user(facilitator), what="notice", new_date=date(2028, 8, 30),
                                                 reason=" "), "reason", "Say why the date was wrong")
            assets.correct_date(_asset(), _user(facilitator), what="notice", new_date=date(2028, 8, 30),
                                reason="The council's letter says 30 August.")
            pub = _asset()
            assert pub.notices[0].notified_on == date(2028, 8, 31)  # never overwritten
            assert assets.status(pub)["moratorium"].full_ends_on == date(2029, 2, 28)
            assert assets.status(pub)["moratorium"].interim_ends_on == date(2028, 10, 10)
        with timeutil.as_of(date(2028, 11, 1)):
            assert assets.status(_asset())["state"] == "full_moratorium"
            _refused(lambda: assets.record_notice(_asset(), _user(facilitator), notified_on=date(2028, 10, 30)),
                     "notified_on", "still in its protected period (until 28 February 2030)")
        actions = [a for a, *_ in factory.last_entries(factory.audit_count() - count)][::-1]
        assert actions == ["asset.registered", "asset.nominated"] + ["asset.nomination_supported"] * 20 + [
            "asset.nomination_sent", "asset.decision_recorded", "asset.sale_notified", "asset.date_corrected"]


def test_the_register_refuses_bad_input_with_the_field_named_and_saves_nothing(app, factory):
    hood = factory.neighbourhood()
    resident, unverified = factory.resident(hood), factory.resident(hood, verified=False)
    facilitator = factory.with_role(hood, FACILITATOR)
    with app.app_context():
        place = db.session.get(Neighbourhood, hood.id)
        count = factory.audit_count()
        _refused(lambda: assets.register_asset(place, _user(unverified), PUB), None, "Only verified residents")
        for change, field in (({"name": " "}, "name"), ({"postcode": "nowhere"}, "postcode"), ({"kind": "castle"}, "kind"),
                              ({"why": ""}, "why")):
            _refused(lambda change=change: assets.register_asset(place, _user(resident), assets.AssetInput(**{**PUB.__dict__, **change})),
                     field, "")
        _refused(lambda: assets.register_asset(place, _user(resident), assets.AssetInput(**{**PUB.__dict__,
                                                                                           "postcode": "m1 1ae"})),
                 "postcode", f"M1 1AE is not in or near {place.name}")
        assert factory.audit_count() == count and db.session.scalar(select(Asset.id)) is None
        # Just outside the area, in one of its districts (EB1): on the register, recorded as outside.
        outside = assets.register_asset(place, _user(resident), assets.AssetInput(**{**PUB.__dict__, "name": "The Mill",
                                                                                   "postcode": "eb1 9zz"}))
        assert '"in_area":false' in factory.last_entries(1)[0][3].replace(" ", "")
        db.session.delete(outside)  # (the rest of this test starts from an empty register)
        db.session.commit()
        with timeutil.as_of(date(2027, 5, 1)):
            pub = assets.register_asset(place, _user(resident), PUB)
            _refused(lambda: assets.start_nomination(pub, _user(resident), group_name="X", group_kind="club"),
                     "group_kind", "Choose what kind of group")
            nomination = assets.start_nomination(pub, _user(resident), group_name="Eastbrook Parish Council",
                                                 group_kind="parish_council")
            _refused(lambda: assets.support_nomination(nomination, _user(resident)), None, "already added your name")
            _refused(lambda: assets.mark_sent(nomination, _user(resident), sent_on=date(2027, 5, 2)), "sent_on",
                     "cannot be in the future")
            _refused(lambda: assets.record_decision(pub, _user(facilitator), outcome="listed", decided_on=date(2027, 5, 1),
                                                    reference="", reasons=""), None, "once the nomination has been sent")
            assets.mark_sent(nomination, _user(resident), sent_on=date(2027, 5, 1))  # a council needs no 21 names
            assets.record_decision(pub, _user(facilitator), outcome="refused", decided_on=date(2027, 5, 1), reference="",
                                   reasons="Not used for the community in the recent past.")
            _refused(lambda: assets.record_notice(_asset(), _user(facilitator), notified_on=date(2027, 5, 1)), None,
                     "is not listed")
            assert assets.status(_asset())["state"] == "refused"
            # Refused, it may be nominated again (with new evidence).
            assets.start_nomination(_asset(), _user(resident), group_name="Friends of the Red Lion", group_kind="charity")
            assert assets.status(_asset())["state"] == "nominated"


def test_the_asset_pages_show_the_state_the_deadlines_with_days_left_and_the_timeline(app, factory, client):
    hood = factory.neighbourhood()
    starter, facilitator = factory.resident(hood), factory.with_role(hood, FACILITATOR)
    with app.app_context():
        _listed(hood, starter, facilitator, date(2027, 1, 10), reference="ACV/27/4")
        with timeutil.as_of(date(2028, 3, 1)):
            assets.record_notice(_asset(), _user(facilitator), notified_on=date(2028, 3, 1))
    with timeutil.as_of(date(2028, 4, 1)):
        listing = client.get(f"/n/{hood.slug}/assets/").get_data(as_text=True)
        page = client.get(f"/n/{hood.slug}/assets/1").get_data(as_text=True)
    assert "The Red Lion" in listing and "For sale: interim moratorium" in listing
    assert "must ask to be treated as a bidder by 11 April 2028" in listing
    assert "11 April 2028</td><td class=\"num\">11</td>" in page  # 1 to 11 April, both counted
    assert "31 August 2028</td><td class=\"num\">153</td>" in page and "31 August 2029" in page
    assert "Listed as an asset of community value on 10 January 2027 (council reference ACV/27/4)" in page
    assert page.index("Nominated by Eastbrook Town Council") < page.index("The owner told the council they intend to sell")
    assert client.get(f"/n/{hood.slug}/assets/2").status_code == 404
    assert "Assets we want to keep" in client.get(f"/n/{hood.slug}/").get_data(as_text=True)


def test_residents_and_a_facilitator_walk_an_asset_through_the_web_pages(app, factory):
    from tests.factories import sign_in

    hood = factory.neighbourhood()
    starter, neighbour, facilitator = factory.resident(hood), factory.resident(hood), factory.with_role(hood, FACILITATOR)
    unverified = factory.resident(hood, verified=False)
    base = f"/n/{hood.slug}/assets"
    web = app.test_client()
    sign_in(web, unverified)
    assert web.get(f"{base}/new").status_code == 403
    web = app.test_client()
    sign_in(web, starter)
    count = factory.audit_count()
    bad = web.post(f"{base}/new", data={"name": "The Red Lion", "kind": "pub", "address": "12 Mill Lane", "postcode": "nowhere",
                                        "why": ""})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "There is a problem" in page
    assert "Say why the place matters to the community" in page and factory.audit_count() == count
    made = web.post(f"{base}/new", data={"name": "The Red Lion", "kind": "pub", "address": "12 Mill Lane", "postcode": "eb1 1aa",
                                         "owner": "", "why": "The last pub on the estate."})
    assert made.status_code == 302 and made.headers["Location"].endswith(f"{base}/1")
    web.post(f"{base}/1/nominate", data={"group_name": "Friends of the Red Lion", "group_kind": "unincorporated"})
    other = app.test_client()
    sign_in(other, neighbour)
    assert f'action="/n/{hood.slug}/assets/1/support"' in other.get(f"{base}/1").get_data(as_text=True)
    other.post(f"{base}/1/support")
    page = web.get(f"{base}/1").get_data(as_text=True)
    assert "2, of them 2 verified residents: 19 more needed to reach 21 local people" in page and "Your name is on it." in page
    refused = web.post(f"{base}/1/sent", data={"sent_on": timeutil.today().isoformat()})
    assert refused.status_code == 400 and "2 verified residents have added their names, 19 more needed" in refused.get_data(as_text=True)
    pack = web.get(f"{base}/1/nomination").get_data(as_text=True)
    assert "Nomination of an asset of community value" in pack and "The last pub on the estate." in pack
    assert neighbour.name not in pack  # residents' names are not printed
    staff = app.test_client()
    sign_in(staff, facilitator)
    with app.app_context():
        nomination = _asset().nominations[0]
        nomination.group_kind = "charity"  # (the group registered as a charity meanwhile)
        db.session.commit()
    assert web.post(f"{base}/1/sent", data={"sent_on": timeutil.today().isoformat()}).status_code == 302
    wrong = staff.post(f"{base}/1/decision", data={"outcome": "listed", "decided_on": "31/2/2027", "reference": "ACV/1"})
    assert wrong.status_code == 400 and "The date of the decision must be a real date" in wrong.get_data(as_text=True)
    today = timeutil.today()
    assert staff.post(f"{base}/1/decision", data={"outcome": "listed", "decided_on": today.isoformat(),
                                                  "reference": "ACV/1"}).status_code == 302
    assert staff.post(f"{base}/1/notice", data={"notified_on": today.isoformat()}).status_code == 302
    page = staff.get(f"{base}/1").get_data(as_text=True)
    assert "For sale: interim moratorium" in page and "Correct a recorded date" in page
    assert "Record an owner's notice to sell" not in page  # not while a moratorium or protected period runs
    assert web.get(f"{base}/1/decision").status_code == 403  # a resident records no council decisions


@pytest.mark.both_engines
def test_a_community_bid_pledged_and_funded_then_bought_with_its_bad_input_refused(app, factory, client):
    hood = factory.neighbourhood()
    starter, facilitator = factory.resident(hood), factory.with_role(hood, FACILITATOR)
    pledgers = [factory.resident(hood) for _ in range(3)]
    with app.app_context():
        _listed(hood, starter, facilitator, date(2027, 1, 10))
        bid_input = assets.BidInput("Red Lion Community Pub Ltd", date(2028, 3, 20), 350_000_00, 340_000_00, date(2028, 3, 25),
                                    "Mill & Co Surveyors", 40_000_00, "capital", 10_000_00, "revenue", 400_000_00)
        with timeutil.as_of(date(2028, 3, 30)):
            _refused(lambda: assets.record_bid(_asset(), _user(starter), bid_input), None, "not for sale under a moratorium")
            assets.record_notice(_asset(), _user(facilitator), notified_on=date(2028, 3, 1))
            _refused(lambda: assets.record_bid(_asset(), _user(starter), assets.BidInput(**{**bid_input.__dict__, "target": 390_000_00})),
                     "target", "The parts add up to £400,000, not £390,000")
            _refused(lambda: assets.record_bid(_asset(), _user(starter), assets.BidInput(**{**bid_input.__dict__,
                                                                                          "intended_on": date(2028, 2, 1)})),
                     "intended_on", "between the notice (1 March 2028) and the end of the interim moratorium (11 April 2028)")
            bid = assets.record_bid(_asset(), _user(starter), bid_input)
            _refused(lambda: assets.pledge(bid, _user(pledgers[0]), amount=0, show_name=False), "amount", "more than £0")
            _refused(lambda: assets.pledge(bid, _user(pledgers[0]), amount=-5_00, show_name=False), "amount", "more than £0")
            _refused(lambda: assets.pledge(bid, _user(pledgers[0]), amount=150_000_00, show_name=False), "confirm_large",
                     "£150,000 is more than £100,000: tick the box")
            assets.pledge(bid, _user(pledgers[0]), amount=150_000_00, show_name=True, confirm_large=True)
            assets.pledge(bid, _user(pledgers[1]), amount=50_000_00, show_name=False)
            _refused(lambda: assets.pledge(bid, _user(pledgers[1]), amount=5_00, show_name=False), "amount", "already pledged")
            assets.add_funding(bid, _user(starter), source="Community Ownership Fund", kind="grant", amount=100_000_00,
                               secured=False)
            cover = assets.coverage(bid)
            assert (cover["covered"], cover["left"], cover["percent"], cover["applied"]) == (200_000_00, 200_000_00, 50, 100_000_00)
        with timeutil.as_of(date(2028, 4, 20)):
            page = client.get(f"/n/{hood.slug}/assets/1").get_data(as_text=True)
            assert "£200,000 of £400,000 covered (50%), with 134 days left of the full moratorium" in page
            assert "Pledged by 2 residents" in page and "applied for: not counted yet" in page
            assert '11 April 2028</td><td class="num">Passed</td>' in page  # the interim deadline, not "0 days left"
            assert pledgers[1].name not in page
        with timeutil.as_of(date(2028, 8, 1)):
            _refused(lambda: assets.record_outcome(bid, _user(facilitator), bought=True, outcome_on=date(2028, 7, 30),
                                                   price_paid=None, reason=""), "price_paid", "Enter the price paid")
            assets.record_outcome(bid, _user(facilitator), bought=True, outcome_on=date(2028, 7, 30), price_paid=345_000_00,
                                  reason="")
            assert assets.status(_asset())["state"] == "bought"
            page = client.get(f"/n/{hood.slug}/assets/1").get_data(as_text=True)
            assert "Bought by the community</strong> on 30 July 2028 for £345,000" in page
        actions = [a for a, *_ in factory.last_entries(5)][::-1]
        assert actions == ["asset.bid_recorded", "asset.pledged", "asset.pledged", "asset.funding_added", "asset.bid_ended"]


def test_the_register_downloads_as_csv_and_json_and_shows_on_the_neighbourhood_page(app, factory, client):
    import csv
    import io
    import json

    hood = factory.neighbourhood()
    starter = factory.resident(hood)
    with app.app_context():
        pub = assets.register_asset(db.session.get(Neighbourhood, hood.id), _user(starter), PUB)
        assets.start_nomination(pub, _user(starter), group_name="Friends of the Red Lion", group_kind="unincorporated")
    rows = list(csv.DictReader(io.StringIO(client.get(f"/n/{hood.slug}/assets.csv").get_data().decode("utf-8-sig"))))
    assert [(r["reference"], r["state"], r["supporters"], r["listed_until"]) for r in rows] == [("A-1", "nominated", "1", "")]
    data = json.loads(client.get(f"/n/{hood.slug}/assets.json").get_data(as_text=True))
    assert data["assets"][0]["nominated_by"] == "Friends of the Red Lion"
    assert data["assets"][0]["timeline"][0]["what"].startswith("Added to the register")
    assert starter.name not in json.dumps(data)
    page = client.get(f"/n/{hood.slug}/").get_data(as_text=True)
    assert "Assets we want to keep" in page and "The Red Lion</a>: Nomination being signed" in page


def test_followers_hear_of_each_step_and_each_deadline_once(app, factory):
    from tests.conftest import outbox
    from tests.factories import sign_in

    hood = factory.neighbourhood()
    starter, facilitator, follower = factory.resident(hood), factory.with_role(hood, FACILITATOR), factory.resident(hood)
    with app.app_context():
        with timeutil.as_of(date(2027, 1, 10)):
            pub = assets.register_asset(db.session.get(Neighbourhood, hood.id), _user(starter), PUB)
            nomination = assets.start_nomination(pub, _user(starter), group_name="Eastbrook Town Council",
                                                 group_kind="parish_council")
            assets.mark_sent(nomination, _user(starter), sent_on=date(2027, 1, 10))
    web = app.test_client()
    sign_in(web, follower)
    assert web.post(f"/n/{hood.slug}/assets/1/follow").status_code == 302
    assert "Stop emails about this place" in web.get(f"/n/{hood.slug}/assets/1").get_data(as_text=True)
    with app.app_context():
        with timeutil.as_of(date(2027, 1, 20)):
            assets.record_decision(_asset(), _user(facilitator), outcome="listed", decided_on=date(2027, 1, 20),
                                   reference="ACV/9", reasons="")
        with timeutil.as_of(date(2027, 3, 1)):
            assets.record_notice(_asset(), _user(facilitator), notified_on=date(2027, 3, 1))
    mails = outbox(app, follower.email)
    assert [subject for _, subject, _ in mails] == ["The Red Lion: the council has decided",
                                                    "The Red Lion: the owner intends to sell"]
    assert "until 19 January 2032" in mails[0][2] and "until 11 April 2027 to ask" in mails[1][2]
    runner = app.test_cli_runner()
    assert "0 reminders sent." in runner.invoke(args=["assets", "remind", "--today", "2027-04-01"]).output
    week = runner.invoke(args=["assets", "remind", "--today", "2027-04-05"]).output
    assert f"{hood.slug} A-1 interim_week (1 emailed)" in week and "1 reminder sent." in week
    assert "0 reminders sent." in runner.invoke(args=["assets", "remind", "--today", "2027-04-06"]).output  # once
    ended = runner.invoke(args=["assets", "remind", "--today", "2027-04-12"]).output
    assert "A-1 interim_ended (1 emailed)" in ended
    subjects = [subject for _, subject, _ in outbox(app, follower.email)]
    assert subjects[-2:] == ["The Red Lion: a week to go: interim deadline 11 April 2027",
                             "The Red Lion: the interim deadline has passed"]
    assert "7 days left" in outbox(app, follower.email)[-2][2]
    late = runner.invoke(args=["assets", "remind", "--today", "2031-07-20"]).output  # six months before the listing ends
    assert "A-1 listing_ends_soon (1 emailed)" in late
    # The unsubscribe link in each email stops them, without signing in.
    from tests.conftest import link_in

    link = link_in(outbox(app, follower.email)[-1][2].split("To stop them:")[1])
    anyone = app.test_client()
    assert anyone.post(link.replace("http://pb.test", "")).status_code == 200
    with app.app_context():
        from pb.following.services import followers

        assert followers("asset", _asset()) == []


def _bid_world(factory, app):
    """A listed pub in its interim moratorium with a bid under way, in a neighbourhood with a round open
    for proposals, a board of three and a fund planned for this year (£100,000, 10% ring-fenced)."""
    from pb.funds import planning
    from pb.funds.figures import financial_year_of
    from tests.factories import make_round

    round_ref = make_round(factory)
    hood = round_ref.hood
    board = [round_ref.board_member, factory.with_role(hood, "board_member"), factory.with_role(hood, "board_member")]
    starter = factory.resident(hood)
    with app.app_context():
        place = db.session.get(Neighbourhood, hood.id)
        facilitator = _user(round_ref.facilitator)
        year = financial_year_of(timeutil.today())
        fund = planning.create_fund(place, facilitator, name="Community Wealth Fund", first_year=year, years=10)
        planning.set_year_plan(fund, facilitator, financial_year=year, planned=100_000_00, capacity_percent=10)
        pub = assets.register_asset(place, _user(starter), PUB)
        nomination = assets.start_nomination(pub, _user(starter), group_name="Eastbrook Town Council",
                                             group_kind="parish_council")
        today = timeutil.today()
        assets.mark_sent(nomination, _user(starter), sent_on=today)
        assets.record_decision(_asset(), facilitator, outcome="listed", decided_on=today, reference="", reasons="")
        assets.record_notice(_asset(), facilitator, notified_on=today)
        assets.record_bid(_asset(), _user(starter), assets.BidInput("Red Lion Community Pub Ltd", today, 300_000_00, None,
                                                                     None, "", 0, "capital", 0, "revenue", 300_000_00))
    return round_ref, board, starter


@pytest.mark.both_engines
def test_a_bid_asks_the_fund_as_a_proposal_in_the_open_round_in_one_transaction(app, factory):
    from pb.assets.fund_requests import request_from_fund
    from pb.proposals.models import Proposal

    round_ref, board, starter = _bid_world(factory, app)
    with app.app_context():
        bid = _asset().bids[0]
        count = factory.audit_count()
        _refused(lambda: request_from_fund(bid, _user(starter), amount=20_000_00, route="round", round_id=None),
                 "round_id", "Choose a round open for proposals")
        _refused(lambda: request_from_fund(bid, _user(starter), amount=400_000_00, route="round", round_id=round_ref.id),
                 "amount", "The bid needs £300,000 in all")
        assert factory.audit_count() == count
        request = request_from_fund(_asset().bids[0], _user(starter), amount=20_000_00, route="round", round_id=round_ref.id)
        proposal = db.session.get(Proposal, request.proposal_id)
        assert (proposal.title, proposal.status, proposal.total_cost) == ("Buy The Red Lion for the community", "submitted",
                                                                          20_000_00)
        assert proposal.cost_lines[0].kind == "capital"
        actions = [a for a, *_ in factory.last_entries(3)][::-1]
        assert actions == ["proposal.drafted", "proposal.submitted", "asset.fund_requested"]


def test_a_bid_asks_the_board_directly_within_what_the_year_holds(app, factory, client):
    from pb.assets.fund_requests import request_from_fund
    from pb.funds import grants
    from pb.funds.models import Grant
    from tests.factories import sign_in

    round_ref, board, starter = _bid_world(factory, app)
    with app.app_context():
        bid = _asset().bids[0]
        _refused(lambda: request_from_fund(bid, _user(starter), amount=20_000_00, route="board"), "route",
                 "Only partnership board members")
        _refused(lambda: request_from_fund(bid, _user(board[0]), amount=95_000_00, route="board"), "amount",
                 "holds £90,000 not yet granted or ring-fenced, so a grant of £95,000 is too much")
        request = request_from_fund(_asset().bids[0], _user(board[0]), amount=60_000_00, route="board",
                                    reason="The full moratorium ends before the next round.")
        grant = db.session.get(Grant, request.grant_id)
        assert (grant.amount, grant.split[next(iter(grant.split))]["capital"], grant.status) == (60_000_00, 60_000_00, "offered")
        decision = grants.open_decision(grant)
        assert grants.quorum(grant) == 2 and grants.approve_decision(decision, _user(board[1]))  # two of three: made
    sign_in(client, starter)
    page = client.get(f"/n/{round_ref.hood.slug}/assets/1").get_data(as_text=True)
    assert "Asked" in page and "£60,000" in page and "a grant the board decides directly" in page


@pytest.mark.both_engines
def test_one_asset_from_nomination_to_purchase_across_a_leap_year_one_entry_per_action(app, factory):
    """The whole walk in one: nomination, listing, notice (on 31 August, so the full moratorium ends on
    29 February of a leap year), bid, pledges, the board's direct grant from the fund, and purchase."""
    from pb.assets.fund_requests import request_from_fund
    from pb.funds import grants, planning
    from pb.funds.models import Grant
    from tests.factories import make_round

    round_ref = make_round(factory)
    hood = round_ref.hood
    board = [round_ref.board_member, factory.with_role(hood, "board_member"), factory.with_role(hood, "board_member")]
    starter, pledgers = factory.resident(hood), [factory.resident(hood) for _ in range(2)]
    facilitator = round_ref.facilitator
    with app.app_context():
        place = db.session.get(Neighbourhood, hood.id)
        fund = planning.create_fund(place, _user(facilitator), name="Community Wealth Fund", first_year="2027/28", years=10)
        planning.set_year_plan(fund, _user(facilitator), financial_year="2027/28", planned=200_000_00, capacity_percent=10)
        count = factory.audit_count()

        def one_more(action):
            nonlocal count
            assert factory.audit_count() == count + 1 and factory.last_entries(1)[0][0] == action
            count += 1

        with timeutil.as_of(date(2027, 5, 3)):
            pub = assets.register_asset(place, _user(starter), PUB)
            one_more("asset.registered")
            nomination = assets.start_nomination(pub, _user(starter), group_name="Friends of the Red Lion", group_kind="cic")
            one_more("asset.nominated")
            assets.mark_sent(nomination, _user(starter), sent_on=date(2027, 5, 3))
            one_more("asset.nomination_sent")
        with timeutil.as_of(date(2027, 6, 30)):
            assets.record_decision(_asset(), _user(facilitator), outcome="listed", decided_on=date(2027, 6, 30),
                                   reference="ACV/27/1", reasons="")
            one_more("asset.decision_recorded")
            assert assets.status(_asset())["listing"].ends_on == date(2032, 6, 29)
        with timeutil.as_of(date(2027, 8, 31)):
            assets.record_notice(_asset(), _user(facilitator), notified_on=date(2027, 8, 31))
            one_more("asset.sale_notified")
            dates = assets.status(_asset())["moratorium"]
            assert (dates.interim_ends_on, dates.full_ends_on, dates.protected_ends_on) == (
                date(2027, 10, 11), date(2028, 2, 29), date(2029, 2, 28))
        with timeutil.as_of(date(2027, 9, 20)):
            bid = assets.record_bid(_asset(), _user(starter), assets.BidInput(
                "Red Lion Community Pub Ltd", date(2027, 9, 20), 250_000_00, 245_000_00, date(2027, 9, 15), "Mill & Co",
                20_000_00, "capital", 10_000_00, "revenue", 280_000_00))
            one_more("asset.bid_recorded")
            for person, amount in zip(pledgers, (60_000_00, 40_000_00), strict=False):
                assets.pledge(_asset().bids[0], _user(person), amount=amount, show_name=False)
                one_more("asset.pledged")
            request_from_fund(_asset().bids[0], _user(board[0]), amount=100_000_00, route="board",
                              reason="The full moratorium ends on 29 February, before the next round.")
            assert factory.audit_count() == count + 2  # the board's grant decision and the request, together
            count += 2
            grant = db.session.get(Grant, _asset().bids[0].requests[0].grant_id)
            grants.approve_decision(grants.open_decision(grant), _user(board[1]))
            one_more("grant.decision_approved")
            assert db.session.get(Grant, grant.id).status == GrantStatus.APPROVED
            assert assets.coverage(_asset().bids[0])["pledged"] == 100_000_00
        with timeutil.as_of(date(2028, 2, 29)):
            assets.record_outcome(_asset().bids[0], _user(facilitator), bought=True, outcome_on=date(2028, 2, 29),
                                  price_paid=248_000_00, reason="")
            one_more("asset.bid_ended")
            assert assets.status(_asset())["state"] == "bought"
        assert bid.id == _asset().bids[0].id


def test_a_notice_after_the_listing_ended_is_refused(app, factory):
    hood = factory.neighbourhood()
    starter, facilitator = factory.resident(hood), factory.with_role(hood, FACILITATOR)
    with app.app_context():
        _listed(hood, starter, facilitator, date(2027, 1, 10))
        with timeutil.as_of(date(2032, 3, 1)):
            assert assets.status(_asset())["state"] == "listing_ended"
            _refused(lambda: assets.record_notice(_asset(), _user(facilitator), notified_on=date(2032, 2, 1)),
                     "notified_on", "The listing ended on 9 January 2032, before this notice")


def test_photos_of_a_place_are_re_encoded_described_and_removable(app, factory):
    from tests.factories import sign_in
    from tests.test_access import _png

    hood = factory.neighbourhood()
    starter, other = factory.resident(hood), factory.resident(hood)
    with app.app_context():
        assets.register_asset(db.session.get(Neighbourhood, hood.id), _user(starter), PUB)
    web = app.test_client()
    sign_in(web, starter)
    base = f"/n/{hood.slug}/assets/1"
    from io import BytesIO

    missing = web.post(f"{base}/photos", data={"image": (BytesIO(_png()), "pub.png"), "alt_text": ""},
                       content_type="multipart/form-data")
    assert missing.status_code == 400 and "Describe the photo for people who cannot see it" in missing.get_data(as_text=True)
    made = web.post(f"{base}/photos", data={"image": (BytesIO(_png()), "pub.png"), "alt_text": "The Red Lion from Mill Lane"},
                    content_type="multipart/form-data")
    assert made.status_code == 302
    page = web.get(base).get_data(as_text=True)
    assert 'alt="The Red Lion from Mill Lane"' in page
    with app.app_context():
        photo_id = _asset().photos[0].id
    assert web.get(f"/n/{hood.slug}/asset-photos/{photo_id}").mimetype == "image/jpeg"  # re-encoded: pixels only
    stranger = app.test_client()
    sign_in(stranger, other)
    stranger.post(f"/n/{hood.slug}/asset-photos/{photo_id}/remove")
    with app.app_context():
        assert len(_asset().photos) == 1  # only its uploader or a facilitator
    web.post(f"/n/{hood.slug}/asset-photos/{photo_id}/remove")
    with app.app_context():
        assert _asset().photos == []
    assert web.get(f"/n/{hood.slug}/asset-photos/{photo_id}").status_code == 404


def test_a_listing_can_be_renewed_from_six_months_before_it_ends_and_stays_listed_meanwhile(app, factory):
    hood = factory.neighbourhood()
    starter, facilitator = factory.resident(hood), factory.with_role(hood, FACILITATOR)
    with app.app_context():
        with timeutil.as_of(date(2027, 1, 10)):
            pub = assets.register_asset(db.session.get(Neighbourhood, hood.id), _user(starter), PUB)
            nomination = assets.start_nomination(pub, _user(starter), group_name="Eastbrook Town Council",
                                                 group_kind="parish_council")
            _refused(lambda: assets.start_nomination(_asset(), _user(starter), group_name="X", group_kind="charity"),
                     None, "already has a nomination")
            assets.mark_sent(nomination, _user(starter), sent_on=date(2027, 1, 10))
            _refused(lambda: assets.start_nomination(_asset(), _user(starter), group_name="X", group_kind="charity"),
                     None, "is with the council")
            assets.record_decision(_asset(), _user(facilitator), outcome="listed", decided_on=date(2027, 1, 10),
                                   reference="", reasons="")
        with timeutil.as_of(date(2031, 7, 9)):
            _refused(lambda: assets.start_nomination(_asset(), _user(starter), group_name="X", group_kind="charity"),
                     None, "listed until 9 January 2032: it can be nominated again from 10 July 2031")
        with timeutil.as_of(date(2031, 7, 10)):
            assets.start_nomination(_asset(), _user(starter), group_name="Eastbrook Town Council", group_kind="parish_council")
            state = assets.status(_asset())
            assert state["state"] == "listed" and state["listing"].ends_on == date(2032, 1, 9)


def test_a_resident_changes_then_withdraws_a_pledge_and_the_ledger_keeps_each_step(app, factory):
    from tests.factories import sign_in

    round_ref, board, starter = _bid_world(factory, app)
    hood = round_ref.hood
    resident, other = factory.resident(hood), factory.resident(hood)
    base = f"/n/{hood.slug}/assets/1"
    web = app.test_client()
    sign_in(web, resident)
    assert web.post(f"{base}/pledge", data={"amount": "250"}).status_code == 302
    page = web.get(base).get_data(as_text=True)
    assert "You have pledged £250" in page and "change or withdraw your pledge" in page
    form = web.get(f"{base}/pledge").get_data(as_text=True)
    assert "Change your pledge to Red Lion Community Pub Ltd&#39;s bid" in form and 'value="250"' in form

    count = factory.audit_count()
    for data, message in (({"amount": "0"}, "To take your pledge back, withdraw it"),
                          ({"amount": "250"}, "Your pledge is already £250"),
                          ({"amount": "150000"}, "tick the box to confirm")):
        refused = web.post(f"{base}/pledge", data=data)
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), message
    assert factory.audit_count() == count  # nothing saved
    assert web.post(f"{base}/pledge", data={"amount": "400", "show_name": "y"}).status_code == 302
    with app.app_context():
        cover = assets.coverage(_asset().bids[0])
        assert (cover["pledged"], cover["pledges"], cover["named"]) == (400_00, 1, [resident.id])
    other_web = app.test_client()
    sign_in(other_web, other)
    nothing = other_web.get(f"{base}/pledge/withdraw").get_data(as_text=True)
    assert "nothing to withdraw" in nothing and "Withdraw my pledge" not in nothing
    assert other_web.post(f"{base}/pledge/withdraw").status_code == 400

    confirm = web.get(f"{base}/pledge/withdraw").get_data(as_text=True)
    assert "Withdraw your pledge?" in confirm and "Your promise of £400 will stop counting" in confirm
    done = web.post(f"{base}/pledge/withdraw")
    assert done.status_code == 302
    assert "Your pledge of £400 is withdrawn" in web.get(base).get_data(as_text=True)
    with app.app_context():
        assert assets.coverage(_asset().bids[0])["pledged"] == 0
    entries = [e for e in reversed(factory.last_entries(20)) if e[0].startswith("asset.pledge")]
    assert [(action, json.loads(payload)) for action, _, _, payload in entries] == [
        ("asset.pledged", {"asset": 1, "bid": 1, "amount": 250_00, "named": False}),
        ("asset.pledge_changed", {"asset": 1, "bid": 1, "from": 250_00, "amount": 400_00, "named": True}),
        ("asset.pledge_withdrawn", {"asset": 1, "bid": 1, "amount": 400_00})]
    assert len({actor for _, actor, _, _ in entries}) == 1  # one pseudonym, the resident's
    assert web.post(f"{base}/pledge", data={"amount": "30"}).status_code == 302  # and may pledge again
    with app.app_context():
        assets.record_outcome(_asset().bids[0], _user(round_ref.facilitator), bought=False,
                              outcome_on=timeutil.today(), price_paid=None, reason="The owner withdrew the sale")
    closed = web.post(f"{base}/pledge/withdraw")
    assert closed.status_code == 400 and "This bid has ended" in closed.get_data(as_text=True)
