"""One following system: a round, a project and a place followed the same way, each email's link
naming what it stops; links in emails sent before (round, project and asset topics) still work; and
the migration moves existing followers into the one table, and back, on both engines."""
from __future__ import annotations

from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from itsdangerous import URLSafeSerializer
from sqlalchemy import select, text

from pb import timeutil
from pb.accounts.models import User
from pb.assets import services as assets
from pb.extensions import db
from pb.following import services as following
from pb.following.models import Follower
from pb.funds.models import Grant
from pb.neighbourhoods.models import Neighbourhood
from pb.rounds.models import Round
from pb.services import ServiceError
from tests.assets.test_assets import PUB
from tests.conftest import database_url, link_in, make_app, outbox
from tests.factories import Factory, make_round
from tests.funds.test_funds import money  # noqa: F401 (the fixture)

pytestmark = pytest.mark.both_engines  # a migration moves rows; the unique index refuses a second follow


def _old_link(app, user_id: int, topic: str, subject_id: int) -> str:
    """An unsubscribe link as pb wrote them before the one following system: topic and a round-id slot."""
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="pb-unsubscribe").dumps({"u": user_id, "t": topic, "r": subject_id})
    return f"/unsubscribe/{token}"


def test_a_round_a_project_and_a_place_are_followed_one_way_and_old_links_still_stop_them(app, factory, money):  # noqa: F811
    person = factory.resident(money.hood)
    with app.app_context():
        me = db.session.get(User, person.id)
        round_ = db.session.get(Round, money.round_id)
        grant = db.session.get(Grant, money.grant_id)
        following.follow("round", round_, me)
        with pytest.raises(ServiceError, match="You already get emails about this round"):
            following.follow("round", round_, me)
        following.follow("grant", grant, me)
        with timeutil.as_of(date(2027, 1, 10)):
            place = assets.register_asset(db.session.get(Neighbourhood, money.hood.id), me, PUB)
        following.follow("asset", place, me)
        place_id = place.id
        rows = db.session.execute(select(Follower.subject_type, Follower.subject_id).where(Follower.user_id == person.id)
                                  .order_by(Follower.id)).all()
        assert rows == [("round", money.round_id), ("grant", money.grant_id), ("asset", place_id)]
        # Each subject's news goes to its followers, with a link naming that subject.
        assert following.tell("grant", grant, "Test news", "project_update", grant=grant, update=None,
                              hood=grant.fund_year.fund.neighbourhood, link="http://pb.test/") == 1
        db.session.commit()
    new_link = link_in(outbox(app, person.email)[-1][2].split("To stop them: ")[1])
    web = app.test_client()
    assert "Stop progress updates from a funded project you follow for Organiser" in web.get(new_link).get_data(as_text=True)
    assert "You are unsubscribed" in web.post(new_link).get_data(as_text=True)
    # Links in emails sent before: the topic and the id in the round slot still stop the right thing.
    for topic, _kind, subject_id in (("round_updates", "round", money.round_id), ("asset_updates", "asset", place_id)):
        page = web.post(_old_link(app, person.id, topic, subject_id)).get_data(as_text=True)
        assert "You are unsubscribed" in page, page
    with app.app_context():
        assert db.session.scalar(select(Follower).where(Follower.user_id == person.id)) is None
    forged = _old_link(app, person.id, "round_updates", money.round_id)[:-3] + "xyz"
    assert web.get(forged).status_code == 404


def test_the_migration_moves_followers_into_one_table_and_back(engine_name, tmp_path):
    url, cleanup = database_url(engine_name, tmp_path)
    app = make_app(url, tmp_path)
    try:
        with app.app_context():
            upgrade()
        factory = Factory(app)
        ref = make_round(factory)
        people = [factory.resident(ref.hood) for _ in range(3)]
        with app.app_context():
            for person in people:
                following.follow("round", db.session.get(Round, ref.id), db.session.get(User, person.id))
            db.session.remove()  # PostgreSQL's DROP TABLE waits for every open transaction on it
            downgrade(revision="0022")
            moved_back = db.session.execute(text("SELECT round_id, user_id FROM round_follower ORDER BY id")).all()
            assert moved_back == [(ref.id, p.id) for p in people]
            db.session.remove()
            upgrade()
            rows = db.session.execute(select(Follower.subject_type, Follower.subject_id, Follower.user_id)
                                      .order_by(Follower.id)).all()
            assert rows == [("round", ref.id, p.id) for p in people]
            db.engine.dispose()
    finally:
        cleanup()
