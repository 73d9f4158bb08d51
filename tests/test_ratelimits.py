"""Request rate limits: floods are refused with a plain-English 429 that says when to try again,
per address for anonymous pages, per person once signed in; Redis shares the count between servers."""
import uuid

import pytest
import redis

from tests.conftest import make_app
from tests.factories import make_proposal, make_round, sign_in
from tests.test_access import money_world

LIMITS_ON = pytest.mark.config(PB_RATE_LIMITS="1", RATELIMIT_KEY_PREFIX=f"pbtest-{uuid.uuid4().hex}")


@LIMITS_ON
def test_sign_in_floods_get_a_429_page_saying_when_to_try_again(app, client):
    for _ in range(30):
        response = client.post("/sign-in", data={"email": "nobody@example.org", "password": "wrong password"})
        assert response.status_code != 429
    response = client.post("/sign-in", data={"email": "nobody@example.org", "password": "wrong password"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many tries from here" in page
    assert "30 times in 5 minutes" in page
    assert "You can try again in about 5 minutes" in page
    assert 240 <= int(response.headers["Retry-After"]) <= 300
    # Looking at the page is never limited, only sending the form.
    assert client.get("/sign-in").status_code == 200


@LIMITS_ON
def test_comment_limits_count_each_person_not_the_shared_address(app, factory):
    round_ref = make_round(factory)
    proposal_id, _ = make_proposal(factory, round_ref)
    path = f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/comments"
    busy, other = app.test_client(), app.test_client()
    sign_in(busy, factory.resident(round_ref.hood))
    sign_in(other, factory.resident(round_ref.hood))
    for n in range(20):
        assert busy.post(path, data={"body": f"Comment number {n}", "stance": "question"}).status_code == 302
    refused = busy.post(path, data={"body": "One too many", "stance": "question"})
    assert refused.status_code == 429
    assert "from your account" in refused.get_data(as_text=True)
    # Same address (the test client's), another person: still free to speak.
    assert other.post(path, data={"body": "My first comment", "stance": "question"}).status_code == 302


@LIMITS_ON
def test_public_downloads_are_limited_per_address(app, client, factory):
    round_ref = make_round(factory)
    ids = money_world(factory, round_ref)
    path = f"/n/{round_ref.hood.slug}/funds/{ids['fund']}/grants.csv"
    statuses = [client.get(path).status_code for _ in range(121)]
    assert set(statuses[:120]) == {200}
    assert statuses[120] == 429


def test_limits_are_off_only_when_the_setting_says_so(app, client):
    assert app.config["RATELIMIT_ENABLED"] is False  # conftest's default for the rest of the suite
    for _ in range(40):
        assert client.post("/sign-in", data={"email": "x@example.org", "password": "y"}).status_code != 429


def _redis_answers() -> bool:
    try:
        return redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer at 127.0.0.1:6379")
def test_with_redis_two_app_servers_share_one_count(engine_name, tmp_path):
    from tests.conftest import database_url

    url, cleanup = database_url(engine_name, tmp_path)
    settings = {"PB_RATE_LIMITS": "1", "REDIS_URL": "redis://127.0.0.1:6379/0",
                "RATELIMIT_KEY_PREFIX": f"pbtest-{uuid.uuid4().hex}"}
    try:
        first = make_app(url, tmp_path / "one", **settings)
        with first.app_context():
            from pb.extensions import db

            db.create_all()
        second = make_app(url, tmp_path / "two", **settings)
        forms = {"email": "nobody@example.org", "password": "wrong password"}
        for n in range(30):
            server = first if n % 2 else second
            assert server.test_client().post("/sign-in", data=forms).status_code != 429
        assert first.test_client().post("/sign-in", data=forms).status_code == 429
        assert second.test_client().post("/sign-in", data=forms).status_code == 429
    finally:
        with first.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup()
