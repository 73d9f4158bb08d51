"""One privacy registry: every column that holds a person is claimed by the domain that holds it,
and a resident active across the domains gets all of it in their download and, once erased, is
named nowhere in the database."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, cast, inspect, or_, select

from pb import privacy, timeutil
from pb.accounts.models import User
from pb.assets import services as assets
from pb.assets.models import Asset, Pledge
from pb.assets.photos import add_photo
from pb.extensions import db
from pb.following.models import Follower
from pb.following.services import follow
from pb.funds import grants
from pb.funds.models import Grant
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import BOARD_MEMBER, Membership, Neighbourhood
from tests.assets.test_assets import PUB
from tests.factories import PASSWORD, sign_in
from tests.funds.test_funds import money  # noqa: F401 (the fixture)
from tests.test_access import _png

pytestmark = pytest.mark.both_engines  # the catalogue is read from each engine's own schema

# Columns that hold a person or their contact details, by name, besides every key to an account.
PERSONAL_NAME = re.compile(r"email|name|phone|address|postcode")


def test_every_column_that_holds_a_person_is_claimed_by_one_domain(app):
    claims = privacy.claims()
    with app.app_context():
        catalogue = inspect(db.engine)
        unclaimed, columns = [], set()
        for table in catalogue.get_table_names():
            names = {c["name"] for c in catalogue.get_columns(table)}
            columns |= {f"{table}.{name}" for name in names}
            to_people = {col for fk in catalogue.get_foreign_keys(table) if fk["referred_table"] == "user_account"
                         for col in fk["constrained_columns"]}
            for name in sorted(names):
                if (name in to_people or PERSONAL_NAME.search(name)) and f"{table}.{name}" not in claims:
                    unclaimed.append(f"{table}.{name}")
    assert not unclaimed, f"no domain says what it holds in: {', '.join(unclaimed)}"
    assert not set(claims) - columns, f"claims for columns that do not exist: {sorted(set(claims) - columns)}"


def _mentions(text: str) -> list[str]:
    """Every table.column whose value contains `text`, in any row of any table."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, LargeBinary) or not isinstance(column.type, (String, Text, JSON)):
                continue
            value = cast(column, Text) if isinstance(column.type, JSON) else column
            if db.session.execute(select(table).where(or_(value.contains(text))).limit(1)).first():
                found.append(f"{table.name}.{column.name}")
    return found


def test_a_resident_who_pledged_nominated_followed_and_uploaded_gets_it_all_and_erasure_names_them_nowhere(
        app, factory, money):  # noqa: F811
    name, email = "Quentin Marsh-Holloway", "quentin.mh@example.org"
    person = factory.resident(money.hood, name=name, email=email)
    factory.role(person, money.hood, BOARD_MEMBER)
    starter = factory.resident(money.hood)
    with app.app_context():
        me = db.session.get(User, person.id)
        grants.declare_interest(db.session.get(Grant, money.grant_id), me, "My sister chairs the group")
        with timeutil.as_of(date(2027, 1, 10)):
            pub = assets.register_asset(db.session.get(Neighbourhood, money.hood.id), db.session.get(User, starter.id), PUB)
            nomination = assets.start_nomination(pub, me, group_name="Eastbrook Town Council", group_kind="parish_council")
            assets.support_nomination(nomination, db.session.get(User, starter.id))
            follow("asset", pub, me)
            add_photo(pub, me, _png(), "The front of the pub in the snow")
            assets.mark_sent(nomination, me, sent_on=date(2027, 1, 10))
            assets.record_decision(pub, db.session.get(User, money.facilitator.id), outcome="listed",
                                   decided_on=date(2027, 1, 10), reference="", reasons="")
        with timeutil.as_of(date(2028, 3, 30)):
            assets.record_notice(pub, db.session.get(User, money.facilitator.id), notified_on=date(2028, 3, 1))
            bid = assets.record_bid(pub, db.session.get(User, starter.id), assets.BidInput(
                "Red Lion Community Pub Ltd", date(2028, 3, 20), 350_000_00, 340_000_00, date(2028, 3, 25),
                "Mill & Co Surveyors", 40_000_00, "capital", 10_000_00, "revenue", 400_000_00))
            assets.pledge(bid, me, amount=250_00, show_name=True)
            assets.pledge(bid, db.session.get(User, starter.id), amount=100_00, show_name=False)
            covered = assets.coverage(bid)["covered"]
        seat = db.session.scalar(select(Membership).where(Membership.user_id == person.id, Membership.role == BOARD_MEMBER))
        hoods.revoke_role(seat, db.session.get(User, money.facilitator.id))  # no duties left before erasure

        data = privacy.everything_about(db.session.get(User, person.id))
        assert [(p["asset"], p["amount_pence"], p["name_shown"]) for p in data["asset_pledges"]] == [("A-1", 250_00, True)]
        assert [n["group"] for n in data["asset_nominations_started"]] == ["Eastbrook Town Council"]
        assert [(f["what"], f["name"]) for f in data["following"]] == [("asset", "The Red Lion")]
        assert [p["description"] for p in data["asset_photos_uploaded"]] == ["The front of the pub in the snow"]
        assert [i["declaration"] for i in data["interests_declared_in_grants"]] == ["My sister chairs the group"]

    web = app.test_client()
    sign_in(web, person)
    page = web.get("/account/data").get_data(as_text=True)
    for heading in ("Money you pledged towards buying a place", "Nominations you started", "Rounds, projects and places you follow",
                    "Photos you added of places", "Interests you declared in grants"):
        assert f"<caption>{heading}</caption>" in page, heading
    assert "The front of the pub in the snow" in page and "My sister chairs the group" in page

    with app.app_context():
        assert _mentions(name) and _mentions(email)  # the scan finds them while they are there
        privacy.erase(db.session.get(User, person.id), PASSWORD, hide_words=False)
        db.session.expire_all()
        assert _mentions(name) == [] and _mentions(email) == []
        bid_total = assets.coverage(db.session.scalar(select(Asset).where(Asset.id == pub.id)).bids[-1])["covered"]
        assert bid_total == covered  # the pledge still counts, without the name
        assert db.session.scalar(select(Pledge.show_name).where(Pledge.user_id == person.id)) is False
        assert db.session.scalar(select(Follower).where(Follower.user_id == person.id)) is None
    public = app.test_client().get(f"/n/{money.hood.slug}/assets/1").get_data(as_text=True)
    assert name not in public and "Pledged by 2 residents" in public
