"""Numbers and text no database can take: ids too large for a column, '²' (which isdigit() accepts
and int() refuses), 5,000 digits, and NUL bytes (which PostgreSQL cannot store). Each is a 404 or a
message next to its field on both engines; nothing is a 500 and nothing is saved."""
import itertools
from datetime import date

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR, RESIDENT
from pb.numbers import whole_number
from pb.voting import services as voting
from tests.factories import _round, _user, make_proposal, make_voting_round, sign_in

HUGE = "9999999999999999999999999"
BAD_NUMBERS = [HUGE, "²", "٣", "1" * 5000, "-1", "1e3", " 12 x"]


def test_whole_number_takes_ascii_digits_that_fit_a_column():
    assert [whole_number(x) for x in ("0", " 42 ", "2147483647")] == [0, 42, 2147483647]
    assert [whole_number(x) for x in (*BAD_NUMBERS, "2147483648", "", None)] == [None] * (len(BAD_NUMBERS) + 3)
    assert whole_number("1,250", commas=True) == 1250 and whole_number("1,250") is None
    assert whole_number("0", low=1) is None


@pytest.fixture
def everyone(app, factory):
    """A round in voting with a proposal, and a client signed in with every role there."""
    round_ref, ids = make_voting_round(factory, ballot_type="cumulative", ballot_points=10, counting_rule="greedy")
    person = factory.with_role(round_ref.hood, FACILITATOR)
    for role in (RESIDENT, BOARD_MEMBER, AUDITOR):
        factory.role(person, round_ref.hood, role)
    client = app.test_client()
    sign_in(client, person)
    return round_ref, ids, client


def audit_entries(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_every_id_in_a_url_too_large_or_not_ascii_is_a_404(app, everyone):
    round_ref, ids, client = everyone
    real = {"round_id": round_ref.id, "proposal_id": ids[0], "pot_id": round_ref.pot_ids[0], "seq": 1}
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and any(
        type(r._converters[a]).__name__ == "IdConverter" for a in r.arguments)]
    assert len(rules) > 20
    for rule in rules:
        ids = [a for a in rule.arguments if a not in ("slug", "fmt")]
        for bad, name in itertools.product((HUGE, "%C2%B2"), ids):  # each id in turn is the bad one
            target = rule.rule.replace("<slug>", round_ref.hood.slug).replace("<fmt>", "json")
            for other in ids:
                target = target.replace(f"<int:{other}>", bad if other == name else str(real.get(other, 1)))
            response = client.get(target)
            assert response.status_code == 404, (target, response.status_code)


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_numbers_in_query_strings_never_break_a_page(app, everyone, bad):
    round_ref, ids, client = everyone
    hood, base = round_ref.hood.slug, f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    for path in (f"{base}/proposals?page={bad}", f"{base}/proposals?pot={bad}", f"{base}/proposals?q={bad}",
                 f"{base}/proposals?q=P-{bad}", f"/n/{hood}/residents?page={bad}", f"/n/{hood}/audit?page={bad}",
                 f"{base}/paper/key?reconcile={bad}", f"/n/{hood}/proposals/{ids[0]}/history?from={bad}&to={bad}",
                 f"{base}/codes?q={bad}", f"{base}/paper?q={bad}"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_numbers_in_forms_get_a_message_on_their_field(app, everyone, bad):
    round_ref, ids, client = everyone
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    before = audit_entries(app)
    page = client.post(f"{base}/paper", data={"action": "event", "name": "Hall", "held_on": date.today().isoformat(),
                                              "first_serial": bad, "last_serial": "10"}).get_data(as_text=True)
    assert "Enter the first serial number, 1 or more" in page
    page = client.post(f"{base}/paper/key", data={"serial": bad}).get_data(as_text=True)
    assert "Enter the serial number printed on the ballot" in page
    page = client.post(f"{base}/paper", data={"action": "spoil", "serial": bad, "reason": "Torn"}).get_data(as_text=True)
    assert "Enter the serial number printed on the ballot" in page
    page = client.post(f"{base}/paper", data={"action": "give", "resident": bad}).get_data(as_text=True)
    assert "Choose the resident" in page
    pot = f"pot-{round_ref.pot_ids[1]}"
    response = client.post(f"{base}/vote/check", data={f"{pot}-{ids[1]}": bad})
    assert response.status_code == 400 and "points must be whole numbers" in response.get_data(as_text=True)
    response = client.post(f"{base}/vote/cast", data={f"{pot}-{bad}": "3"})
    assert response.status_code == 400 and "There is a problem" in response.get_data(as_text=True)
    response = client.post(f"/n/{round_ref.hood.slug}/proposals/{ids[0]}/comments",
                           data={"body": "A reply", "stance": "comment", "parent_id": bad})
    assert response.status_code in (200, 302, 400) and response.status_code != 500
    assert audit_entries(app) - before <= 1  # at most the comment, posted as a new thread


def test_a_comment_reply_to_a_bad_parent_is_a_new_thread(app, everyone):
    round_ref, ids, client = everyone
    for bad in ("²", "1" * 30):
        client.post(f"/n/{round_ref.hood.slug}/proposals/{ids[0]}/comments",
                    data={"body": f"Reply {len(bad)}", "stance": "comment", "parent_id": bad})
    from pb.proposals.models import Comment

    with app.app_context():
        assert [c.parent_id for c in db.session.scalars(select(Comment).order_by(Comment.id))][-2:] == [None, None]


def test_amounts_too_large_for_the_database_get_a_message(app, factory):
    from tests.factories import make_round

    round_ref = make_round(factory, phase="proposals")
    client = app.test_client()
    sign_in(client, factory.resident(round_ref.hood))
    before = audit_entries(app)
    response = client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new", data={
        "title": "Big", "summary": "s", "category": "young-people", "pot_id": str(round_ref.pot_ids[1]),
        "lines-0-item": "Hall", "lines-0-kind": "capital", "lines-0-amount": "99999999999", "lines-0-financial_year": "2027/28"})
    assert response.status_code == 400 and "must be £21,474,836.47 or less" in response.get_data(as_text=True)
    assert audit_entries(app) == before


NUL_CASES = [
    ("register", lambda ref, ids: ("/register", {"name": "Ann\x00Lee", "email": "ann@example.org",
                                                 "password": "granite willow parade", "postcode": "EB1 1AA",
                                                 "birth_year": "1980"}), "Full name contains a hidden control character"),
    ("comment", lambda ref, ids: (f"/n/{ref.hood.slug}/proposals/{ids[0]}/comments",
                                  {"body": "Good\x00idea", "stance": "comment"}), "Your comment contains a hidden control character"),
    ("paper event", lambda ref, ids: (f"/n/{ref.hood.slug}/rounds/{ref.id}/paper",
                                      {"action": "event", "name": "Hall\x00", "held_on": date.today().isoformat(),
                                       "first_serial": "1", "last_serial": "5"}), "contains a hidden control character"),
]


@pytest.mark.parametrize("name, request_for, message", NUL_CASES, ids=[c[0] for c in NUL_CASES])
def test_nul_bytes_are_refused_with_a_message(app, everyone, name, request_for, message):
    round_ref, ids, client = everyone
    path, data = request_for(round_ref, ids)
    if name == "register":
        client = app.test_client()
    before = audit_entries(app)
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and "There is a problem" in page
    assert audit_entries(app) == before


def test_nul_bytes_in_proposals_amendments_and_events_are_refused(app, factory):
    from tests.factories import make_round

    round_ref = make_round(factory, phase="proposals")
    pid, author = make_proposal(factory, round_ref)
    client = app.test_client()
    sign_in(client, author)
    base = f"/n/{round_ref.hood.slug}"
    other = factory.resident(round_ref.hood)
    before = audit_entries(app)
    page = client.post(f"{base}/rounds/{round_ref.id}/proposals/new", data={
        "title": "Play\x00street", "summary": "Closed road", "category": "young-people",
        "pot_id": str(round_ref.pot_ids[1]), "lines-0-item": "Cones", "lines-0-kind": "revenue",
        "lines-0-amount": "500", "lines-0-financial_year": "2027/28"}).get_data(as_text=True)
    assert "Title contains a hidden control character" in page
    c2 = app.test_client()
    sign_in(c2, other)
    response = c2.post(f"{base}/proposals/{pid}/amendments/new", data={"field": "summary", "text": "x\x00y",
                                                                        "proposed": "x\x00y", "reason": "r\x00"})
    assert response.status_code == 400 and "hidden control character" in response.get_data(as_text=True)
    f = app.test_client()
    sign_in(f, round_ref.facilitator)
    response = f.post(f"{base}/rounds/{round_ref.id}/events/new", data={
        "title": "Drop\x00in", "starts_at": "2027-05-14T18:30", "place": "Hall", "description": "Come"})
    assert response.status_code == 400 and "hidden control character" in response.get_data(as_text=True)
    assert audit_entries(app) == before


def test_the_paper_page_names_only_residents_of_its_own_neighbourhood(app, factory, everyone):
    round_ref, ids, client = everyone
    stranger = factory.resident(factory.neighbourhood(), name="Zebedee Farquharson")
    page = client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/paper",
                       data={"action": "give", "resident": str(stranger.id)}).get_data(as_text=True)
    assert "Zebedee" not in page and "Choose the resident" in page
    with app.app_context():
        assert voting.has_voted(_round(round_ref), _user(stranger)) is None
