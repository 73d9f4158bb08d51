"""Who may comment, propose, support and vote (the neighbourhood's settings, one definition used by
every service and page), how a newcomer finds out how to get verified, and what pages tell people
about withdrawn proposals and about publishing under their name."""
import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import Neighbourhood
from pb.proposals.models import Comment, Proposal
from pb.voting.models import Ballot
from tests.factories import _round, _user, make_proposal, make_round, make_voting_round, sign_in


def set_hood(app, hood, **changes):
    with app.app_context():
        hoods.update_neighbourhood(db.session.get(Neighbourhood, hood.id), **changes)


def count(app, model):
    with app.app_context():
        return len(db.session.scalars(select(model)).all())


@pytest.mark.parametrize("needs", [True, False], ids=["verified-only", "any-resident"])
def test_commenting_follows_the_neighbourhood_setting_in_service_and_page(app, factory, needs):
    round_ref = make_round(factory, phase="proposals")
    pid, _ = make_proposal(factory, round_ref)
    set_hood(app, round_ref.hood, commenting_needs_verification=needs)
    newcomer = factory.resident(round_ref.hood, verified=False)
    client = app.test_client()
    sign_in(client, newcomer)
    page = client.get(f"/n/{round_ref.hood.slug}/proposals/{pid}").get_data(as_text=True)
    response = client.post(f"/n/{round_ref.hood.slug}/proposals/{pid}/comments", data={"body": "Hello", "stance": "comment"})
    if needs:
        assert "You need to be a verified resident to comment" in page and "Post comment" not in page
        assert response.status_code == 400 and "You need to be a verified resident to comment" in response.get_data(as_text=True)
        assert count(app, Comment) == 0
    else:
        assert "Post comment" in page and response.status_code == 302 and count(app, Comment) == 1
    with app.app_context():
        assert (hoods.why_not_comment(_user(newcomer), db.session.get(Neighbourhood, round_ref.hood.id)) is None) is not needs


@pytest.mark.parametrize("needs", [True, False], ids=["verified-only", "any-resident"])
def test_proposing_follows_the_neighbourhood_setting(app, factory, needs):
    round_ref = make_round(factory, phase="proposals")
    set_hood(app, round_ref.hood, proposing_needs_verification=needs)
    newcomer = factory.resident(round_ref.hood, verified=False)
    client = app.test_client()
    sign_in(client, newcomer)
    response = client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new", data={
        "title": "Play street", "summary": "Close the road on Sundays", "category": "young-people",
        "pot_id": str(round_ref.pot_ids[1]), "lines-0-item": "Cones", "lines-0-kind": "revenue",
        "lines-0-amount": "500", "lines-0-financial_year": "2027/28"})
    if needs:
        assert "You need to be a verified resident to put forward a proposal" in response.get_data(as_text=True)
        assert count(app, Proposal) == 0
    else:
        assert response.status_code == 302 and count(app, Proposal) == 1


@pytest.mark.parametrize("needs", [True, False], ids=["verified-only", "any-resident"])
def test_voting_and_supporting_follow_the_neighbourhood_setting(app, factory, needs):
    round_ref, ids = make_voting_round(factory, ballot_type="approval")
    set_hood(app, round_ref.hood, voting_needs_verification=needs, help_phone="0161 496 0000")
    newcomer = factory.resident(round_ref.hood, verified=False)
    client = app.test_client()
    sign_in(client, newcomer)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    page = client.get(f"{base}/vote").get_data(as_text=True)
    response = client.post(f"{base}/vote/cast", data={f"pot-{round_ref.pot_ids[1]}": [str(ids[1])]})
    if needs:
        assert "You need to be a verified resident to vote" in page and "phone 0161 496 0000" in page
        assert response.status_code == 400 and count(app, Ballot) == 0
    else:
        assert response.status_code == 200 and "You have voted" in response.get_data(as_text=True)
        assert count(app, Ballot) == 1
    with app.app_context():
        problem = hoods.why_not_vote(_user(newcomer), db.session.get(Neighbourhood, round_ref.hood.id), doing="support proposals")
        assert (problem is None) is not needs
        assert not needs or problem.startswith("You need to be a verified resident to support proposals")


def test_a_facilitator_sets_how_residents_reach_them_and_it_shows_wherever_verification_is_asked(app, factory):
    round_ref, ids = make_voting_round(factory, ballot_type="approval")
    hood = round_ref.hood
    client = app.test_client()
    sign_in(client, round_ref.facilitator)
    bad = client.post(f"/n/{hood.slug}/help", data={"help_email": "not an email", "help_phone": "<b>"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter an email address in the correct format" in page and "must not contain" in page
    response = client.post(f"/n/{hood.slug}/help", data={
        "help_phone": "0161 496 0000", "help_email": "Help@Eastbrook.example",
        "help_in_person": "Tuesdays 10am to 12 noon, Eastbrook Community Centre, Mill Lane"})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.action == "neighbourhood.updated" and "0161 496 0000" in entry.payload
    anyone = app.test_client()
    page = anyone.get(f"/n/{hood.slug}/").get_data(as_text=True)
    assert 'href="tel:01614960000"' in page and "help@eastbrook.example" in page and "Tuesdays 10am" in page
    newcomer = factory.resident(hood, verified=False)
    c = app.test_client()
    sign_in(c, newcomer)
    assert "Tuesdays 10am to 12 noon" in c.get(f"/n/{hood.slug}/rounds/{round_ref.id}/vote").get_data(as_text=True)
    # printed: letters and voting cards carry the same help line
    letters = client.post(f"/n/{hood.slug}/letters", data={"count": "1"}).get_data(as_text=True)
    assert "Need help? Phone 0161 496 0000. Email help@eastbrook.example. Drop in: Tuesdays 10am" in letters
    voter = factory.resident(hood)
    cards = client.post(f"/n/{hood.slug}/rounds/{round_ref.id}/codes", data={"residents": [str(voter.id)]}).get_data(as_text=True)
    assert "Need help? Phone 0161 496 0000." in cards
    with app.app_context():
        last_day = _round(round_ref).last_voting_day()
    assert last_day is not None and f"by the end of {last_day.strftime('%A %-d %B %Y')}" in cards
    # residents cannot change them
    assert c.post(f"/n/{hood.slug}/help", data={"help_phone": "999"}).status_code == 403


def test_a_visitor_checks_a_postcode_before_registering(app, factory):
    factory.neighbourhood(name="Eastbrook", postcodes=("EB1 1AA",))
    client = app.test_client()
    assert "Check whether your postcode is in a neighbourhood" in client.get("/").get_data(as_text=True)
    page = client.get("/postcode?postcode=eb11aa").get_data(as_text=True)
    assert "Yes: EB1 1AA is in Eastbrook" in page
    page = client.get("/postcode?postcode=ZZ9 9ZZ").get_data(as_text=True)
    assert "ZZ9 9ZZ is not in any neighbourhood on pb yet" in page
    response = client.get("/postcode?postcode=hello")
    assert response.status_code == 400 and "Enter a real UK postcode" in response.get_data(as_text=True)
    assert "Enter your postcode" in client.get("/postcode?postcode=").get_data(as_text=True)


def test_a_withdrawn_proposal_shows_its_reason_closes_its_discussion_and_lists_last(app, factory):
    round_ref = make_round(factory, phase="proposals")
    first, author = make_proposal(factory, round_ref, title="Alpha garden")
    make_proposal(factory, round_ref, title="Beta benches")
    client = app.test_client()
    sign_in(client, author)
    base = f"/n/{round_ref.hood.slug}"
    response = client.post(f"{base}/proposals/{first}/withdraw", data={"reason": ""})
    assert response.status_code == 400 and "Say why you are withdrawing it" in response.get_data(as_text=True)
    client.post(f"{base}/proposals/{first}/withdraw", data={"reason": "The council will do it"})
    page = client.get(f"{base}/proposals/{first}").get_data(as_text=True)
    assert "Withdrawn on" in page and "The council will do it" in page
    assert "This proposal was withdrawn, so its discussion is closed" in page and "Post comment" not in page
    assert "Feasibility review" not in page.split("Where it stands")[1].split("</ol>")[0]  # no steps still to come
    response = client.post(f"{base}/proposals/{first}/comments", data={"body": "Shame", "stance": "comment"})
    assert "discussion is closed" in response.get_data(as_text=True) and count(app, Comment) == 0
    listing = client.get(f"{base}/rounds/{round_ref.id}/proposals?sort=number").get_data(as_text=True)
    assert listing.index("Beta benches") < listing.index("Alpha garden")
    assert "Withdrawn by its proposer: “The council will do it”" in listing


def test_boxes_say_what_is_published_with_a_name(app, factory):
    round_ref = make_round(factory, phase="proposals")
    pid, _ = make_proposal(factory, round_ref)
    person = factory.resident(round_ref.hood, name="Nadia Okafor")
    client = app.test_client()
    sign_in(client, person)
    base = f"/n/{round_ref.hood.slug}"
    assert "Your comment is published on this page with your name, Nadia Okafor" in \
        client.get(f"{base}/proposals/{pid}").get_data(as_text=True)
    assert "Published with your name." in client.get(f"{base}/rounds/{round_ref.id}/proposals/new").get_data(as_text=True)
    page = client.get(f"{base}/proposals/{pid}/amendments/new").get_data(as_text=True)
    assert "Published with your name." in page and "Nadia Okafor" in page

