"""The money pages a newcomer reads: a project in trouble says so and names who to ask; public project
and national pages keep hashes, entry numbers and commands under "For auditors"; money is shown one
way (with the pound sign, and saying when money paid back is taken off)."""
from __future__ import annotations

import re
from datetime import timedelta

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.funds import payments
from pb.funds.models import Grant
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import Neighbourhood
from tests.factories import sign_in
from tests.funds.test_funds import TODAY, money  # noqa: F401 (the fixture)

HEX = re.compile(r"\b[0-9a-f]{12,}\b")


def before_auditors(page: str) -> str:
    main = page.split("<main", 1)[1] if "<main" in page else page
    return main.split('id="for-auditors"', 1)[0]


def assert_plain(page: str, where: str) -> None:
    """Nothing for auditors alone above the "For auditors" heading: no hashes, entries, codes or commands."""
    plain = before_auditors(page)
    for jargon in ("<code", "python", "Entry ", "sha256", "SHA-256", "grant.", "payment."):
        assert jargon not in plain, (where, jargon)
    assert not HEX.search(plain), (where, HEX.search(plain).group(0))


def test_a_late_tranche_says_so_and_the_project_names_who_to_ask(client, factory, money):  # noqa: F811
    with factory.app.app_context():
        hood = db.session.get(Neighbourhood, money.hood.id)
        hoods.set_help_routes(hood, db.session.get(User, money.facilitator.id), phone="0161 496 0000",
                              email="help@hood.example", in_person="Tuesdays at the centre")
        grant = db.session.get(Grant, money.grant_id)
        with timeutil.as_of(TODAY - timedelta(days=9)):
            payments.add_tranche(grant, db.session.get(User, money.treasurer.id), label="First half",
                                 due_on=TODAY - timedelta(days=5), amount=2_000_00)
    page = client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/").get_data(as_text=True)
    assert "A scheduled payment is late: First half" in page and "Late: not paid yet" in page
    assert 'href="#questions"' in page and 'id="questions"' in page
    assert "0161 496 0000" in page and "help@hood.example" in page
    assert_plain(page, "project page")
    # Once paid, it is no longer late.
    with factory.app.app_context():
        grant = db.session.get(Grant, money.grant_id)
        payments.record_payment(grant, db.session.get(User, money.treasurer.id), amount=900_00, paid_on=TODAY,
                                spend="revenue", tranche_id=grant.tranches[0].id)
    page = client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/").get_data(as_text=True)
    assert "Late: not paid yet" in page  # £900 of £2,000: still late
    with factory.app.app_context():
        grant = db.session.get(Grant, money.grant_id)
        payments.record_payment(grant, db.session.get(User, money.treasurer.id), amount=1_100_00, paid_on=TODAY,
                                spend="revenue", tranche_id=grant.tranches[0].id)
        for payment in payments.awaiting_approval(money.hood.id):
            payments.approve_payment(payment, db.session.get(User, money.board[0].id))
    page = client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/").get_data(as_text=True)
    assert "Late: not paid yet" not in page and "A scheduled payment is late" not in page


def test_the_neighbourhood_page_leads_to_the_money(client, factory, money):  # noqa: F811
    page = client.get(f"/n/{money.hood.slug}/").get_data(as_text=True)
    assert re.search(r'<h2><a href="/n/[^"]+/funds/">Where the money goes</a></h2>', page)


def test_money_is_shown_with_the_pound_sign_and_says_when_repayments_are_taken_off(client, factory, money):  # noqa: F811
    with factory.app.app_context():
        grant = db.session.get(Grant, money.grant_id)
        payments.record_payment(grant, db.session.get(User, money.treasurer.id), amount=900_00, paid_on=TODAY,
                                spend="revenue")
        payments.record_return(db.session.get(Grant, money.grant_id), db.session.get(User, money.treasurer.id),
                               amount=100_00, returned_on=TODAY)
    fund = client.get(f"/n/{money.hood.slug}/funds/{money.fund_id}/").get_data(as_text=True)
    assert "£900, less £100 paid back: £800 kept" in fund and "Paid, less paid back" in fund
    story = client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/").get_data(as_text=True)
    assert "£900 paid to the group, of which £100 was paid back (£800 kept)" in story
    sign_in(client, money.treasurer)
    form = client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/payments/new").get_data(as_text=True)
    assert "reach £1,000" in form and " pounds" not in before_auditors(form).replace("in pounds", "")
