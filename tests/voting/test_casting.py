"""Casting ballots: the four ballot types, eligibility, replacing a ballot, receipts, secrecy,
and one ballot per resident however requests race."""
import re
import threading

import pytest
from sqlalchemy import func, inspect, select
from werkzeug.serving import make_server

from pb import phases
from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.voting import services as voting
from pb.voting.models import Ballot, VoterRollEntry
from tests.factories import _round, _user, make_voting_round, sign_in


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in (Ballot, VoterRollEntry, AuditEntry))


def post_ballot(client, round_ref, data, step="cast"):
    return client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/vote/{step}", data=data)


def pots(round_ref):
    return [f"pot-{p}" for p in round_ref.pot_ids]


@pytest.mark.parametrize("data, message", [
    ({}, "Choose at least 1 project"),
    ({"open": ["b", "c", "d"]}, "Open pot: your choices cost £120,000, more than the £108,000 in this pot. Remove £12,000 or more"),
    ({"open": ["999"]}, "Open pot: a choice is not on the ballot"),
])
def test_knapsack_ballots_must_fit_each_pot(app, factory, client, data, message):
    round_ref, ids = make_voting_round(factory, ballot_type="knapsack")
    names = dict(zip("abcd", map(str, ids), strict=False))
    form = {pots(round_ref)[1]: [names.get(v, v) for v in data.get("open", [])]}
    sign_in(client, factory.resident(round_ref.hood))
    before = counts(app)
    for step in ("check", "cast"):
        response = post_ballot(client, round_ref, form, step)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "There is a problem" in page and message in page
    assert counts(app) == before


def test_a_resident_votes_checks_answers_and_gets_a_receipt_that_shows_no_choices(app, factory, client):
    round_ref, ids = make_voting_round(factory, ballot_type="knapsack")
    voter = factory.resident(round_ref.hood)
    sign_in(client, voter)
    page = client.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/vote").get_data(as_text=True)
    assert "Your ballot" in page and "P-2 Project 2" in page and "£108,000 to spend" in page
    form = {pots(round_ref)[0]: [str(ids[0])], pots(round_ref)[1]: [str(ids[1]), str(ids[2])]}
    page = post_ballot(client, round_ref, form, "check").get_data(as_text=True)
    assert "Check your choices before you vote" in page and "£90,000 of £108,000" in page
    assert counts(app)[0] == 0  # checking stores nothing
    page = post_ballot(client, round_ref, form).get_data(as_text=True)
    tracker = re.search(r'class="letter-code">([0-9A-Z-]+)<', page).group(1)
    assert "You have voted" in page
    with app.app_context():
        ballot = db.session.scalar(select(Ballot))
        assert ballot.choices == {str(round_ref.pot_ids[0]): [[ids[0], 1]], str(round_ref.pot_ids[1]): [[ids[1], 1], [ids[2], 1]]}
        roll = db.session.scalar(select(VoterRollEntry))
        assert roll.user_id == voter.id and roll.method == "online"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ballot.cast"))
        assert entry.payload == '{"method":"online"}' and ballot.id not in entry.payload
    anyone = app.test_client()
    page = anyone.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/receipt", data={"tracker": tracker.lower()}).get_data(as_text=True)
    assert "Your ballot is in the ballot box" in page and "Project 2" not in page
    page = anyone.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/receipt", data={"tracker": "AAAA-BBBB-CCCC-DDDD"}).get_data(as_text=True)
    assert "No ballot in" in page


def test_htmx_shows_the_running_total_as_choices_change(app, factory, client):
    round_ref, ids = make_voting_round(factory, ballot_type="knapsack")
    sign_in(client, factory.resident(round_ref.hood))
    page = client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/vote/check",
                       data={pots(round_ref)[1]: [str(ids[1]), str(ids[2]), str(ids[3])]},
                       headers={"HX-Request": "true", "HX-Target": "ballot-totals"}).get_data(as_text=True)
    assert "<html" not in page and "£120,000 of £108,000 chosen" in page and "Over the limit" in page


@pytest.mark.parametrize("kind, rules, form, message", [
    ("approval", {"ballot_max": 2}, lambda p, i: {p[1]: [str(i[1]), str(i[2]), str(i[3])]}, "Open pot: choose no more than 2 projects (you chose 3)"),
    ("cumulative", {"ballot_points": 10, "counting_rule": "greedy"}, lambda p, i: {f"{p[1]}-{i[1]}": "7", f"{p[1]}-{i[2]}": "5"},
     "Open pot: you gave 12 points but have 10 to share out. Take away 2"),
    ("cumulative", {"ballot_points": 10, "counting_rule": "greedy"}, lambda p, i: {f"{p[1]}-{i[1]}": "-3"},
     "Open pot: points must be whole numbers, like 3"),
    ("ordinal", {"ballot_max": 3, "counting_rule": "greedy"}, lambda p, i: {f"{p[1]}-{i[1]}": "1", f"{p[1]}-{i[2]}": "1"},
     "Open pot: each rank can be given once; you gave rank 1 more than once"),
    ("ordinal", {"ballot_max": 3, "counting_rule": "greedy"}, lambda p, i: {f"{p[1]}-{i[1]}": "1", f"{p[1]}-{i[2]}": "3"},
     "Open pot: number your choices 1, 2, 3 ... without gaps"),
])
def test_each_ballot_type_refuses_what_breaks_its_rules(app, factory, client, kind, rules, form, message):
    round_ref, ids = make_voting_round(factory, ballot_type=kind, **rules)
    sign_in(client, factory.resident(round_ref.hood))
    before = counts(app)
    page = post_ballot(client, round_ref, form(pots(round_ref), ids)).get_data(as_text=True)
    assert message in page
    assert counts(app) == before


@pytest.mark.parametrize("kind, rules, form, stored", [
    ("cumulative", {"ballot_points": 10, "counting_rule": "greedy"}, lambda p, i: {f"{p[1]}-{i[1]}": "7", f"{p[1]}-{i[2]}": "3", f"{p[1]}-{i[3]}": ""},
     lambda i: [[i[1], 7], [i[2], 3]]),
    ("ordinal", {"ballot_max": 3, "counting_rule": "greedy"}, lambda p, i: {f"{p[1]}-{i[3]}": "1", f"{p[1]}-{i[1]}": "2", f"{p[1]}-{i[2]}": ""},
     lambda i: [[i[3], 1], [i[1], 2]]),
    ("approval", {"ballot_max": 2}, lambda p, i: {p[1]: [str(i[3]), str(i[1])]}, lambda i: [[i[1], 1], [i[3], 1]]),
])
def test_each_ballot_type_is_stored_in_its_normal_form(app, factory, client, kind, rules, form, stored):
    round_ref, ids = make_voting_round(factory, ballot_type=kind, **rules)
    sign_in(client, factory.resident(round_ref.hood))
    assert "You have voted" in post_ballot(client, round_ref, form(pots(round_ref), ids)).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Ballot.choices))[str(round_ref.pot_ids[1])] == stored(ids)


def test_who_may_vote_and_when(app, factory, client):
    from tests.factories import make_round

    early = make_round(factory, phase="deliberation")
    c = app.test_client()
    sign_in(c, factory.resident(early.hood))
    assert "Voting has not opened yet: it opens on" in c.get(f"/n/{early.hood.slug}/rounds/{early.id}/vote").get_data(as_text=True)

    round_ref, ids = make_voting_round(factory)
    form = {pots(round_ref)[1]: [str(ids[1])]}
    cases = [(factory.resident(round_ref.hood, verified=False), "You need to be a verified resident to vote"),
             (factory.resident(round_ref.hood, birth_year=2015), "You need to be 16 or older this year to vote")]
    for person, message in cases:
        c = app.test_client()
        sign_in(c, person)
        assert message in c.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/vote").get_data(as_text=True)
        assert message in post_ballot(c, round_ref, form).get_data(as_text=True)
    late = factory.resident(round_ref.hood)
    with app.app_context():
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
    sign_in(client, late)
    assert "Voting has closed for this round" in post_ballot(client, round_ref, form).get_data(as_text=True)
    assert counts(app)[0] == 0


def test_a_new_ballot_replaces_the_last_one_only_when_the_round_allows_it(app, factory, client):
    round_ref, ids = make_voting_round(factory)
    voter = factory.resident(round_ref.hood)
    sign_in(client, voter)
    post_ballot(client, round_ref, {pots(round_ref)[1]: [str(ids[1])]})
    page = post_ballot(client, round_ref, {pots(round_ref)[1]: [str(ids[2])]}).get_data(as_text=True)
    assert "Your ballot is changed" in page
    with app.app_context():
        assert [b.choices[str(round_ref.pot_ids[1])] for b in db.session.scalars(select(Ballot))] == [[[ids[2], 1]]]
        assert db.session.scalar(select(func.count()).select_from(VoterRollEntry)) == 1
    fixed, fixed_ids = make_voting_round(factory, allow_ballot_changes=False)
    other = app.test_client()
    sign_in(other, factory.resident(fixed.hood))
    post_ballot(other, fixed, {pots(fixed)[1]: [str(fixed_ids[1])]})
    page = post_ballot(other, fixed, {pots(fixed)[1]: [str(fixed_ids[2])]}).get_data(as_text=True)
    assert "You have already voted in this round, and this round&#39;s rules do not allow changing a ballot" in page
    with app.app_context():
        assert db.session.scalar(select(Ballot.replace_key).where(Ballot.round_id == fixed.id)) is None


@pytest.mark.both_engines
def test_nothing_in_the_ballots_or_the_roll_joins_a_ballot_to_a_resident(app, factory):
    """Ballots carry no user id, no time, no sequence; ids are random; their order and the
    roll's order do not line up; the audit entries name the voter but not the ballot."""
    round_ref, ids = make_voting_round(factory, allow_ballot_changes=False)
    voters = [factory.resident(round_ref.hood) for _ in range(12)]
    with app.app_context():
        for n, person in enumerate(voters):
            voting.cast_ballot(_round(round_ref), _user(person), {round_ref.pot_ids[1]: [ids[1 + n % 3]]})
        columns = {c["name"] for c in inspect(db.engine).get_columns("ballot")}
        assert columns == {"id", "round_id", "choices", "replace_key", "tracker_hash"}
        roll_columns = {c["name"] for c in inspect(db.engine).get_columns("voter_roll_entry")}
        assert not (columns - {"id", "round_id"}) & roll_columns
        ballot_ids = list(db.session.execute(select(Ballot.id)).scalars())  # stored order, no ORDER BY
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ballot_ids) and len(set(ballot_ids)) == 12
        if db.engine.name == "sqlite":
            assert ballot_ids == sorted(ballot_ids)  # WITHOUT ROWID: kept in random-id order, not arrival order
        assert all(b.replace_key is None for b in db.session.scalars(select(Ballot)))
        payloads = list(db.session.scalars(select(AuditEntry.payload).where(AuditEntry.action == "ballot.cast")))
        assert payloads == ['{"method":"online"}'] * 12
        export = voting.pabulib_export(_round(round_ref), _round(round_ref).pots[1])
        assert not any(p.pseudonym in export or p.email in export for p in voters)
        roll = list(db.session.execute(select(VoterRollEntry)).scalars())
        assert all(r.voted_on is not None and not hasattr(r, "ballot_id") for r in roll)


@pytest.mark.both_engines
@pytest.mark.parametrize("allow_changes", [True, False], ids=["changes-allowed", "no-changes"])
def test_fifty_simultaneous_submissions_by_one_voter_leave_one_ballot(app, factory, allow_changes):
    """Real HTTP requests against a threaded server, all at once, from one signed-in voter."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    round_ref, ids = make_voting_round(factory, allow_ballot_changes=allow_changes)
    voter = factory.resident(round_ref.hood)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(base + "/sign-in", urllib.parse.urlencode({"email": voter.email, "password": voter.password}).encode())
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        url = f"{base}/n/{round_ref.hood.slug}/rounds/{round_ref.id}/vote/cast"
        start = threading.Barrier(50)
        statuses = []

        def submit(n):
            body = urllib.parse.urlencode({f"pot-{round_ref.pot_ids[1]}": str(ids[1 + n % 3])}).encode()
            request = urllib.request.Request(url, data=body, headers={"Cookie": cookie})
            start.wait()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)

        workers = [threading.Thread(target=submit, args=(n,)) for n in range(50)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        server.shutdown()
    assert len(statuses) == 50 and set(statuses) <= {200, 400}, statuses
    assert 200 in statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_ref.id)) == 1
        assert db.session.scalar(select(func.count()).select_from(VoterRollEntry)
                                 .where(VoterRollEntry.round_id == round_ref.id)) == 1
    if not allow_changes:
        assert statuses.count(200) == 1


@pytest.mark.both_engines
def test_voting_codes_open_a_simple_ballot_once_without_an_account(app, factory, client):
    round_ref, ids = make_voting_round(factory)
    residents = [factory.resident(round_ref.hood) for _ in range(3)]
    sign_in(client, round_ref.facilitator)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    page = client.get(f"{base}/codes").get_data(as_text=True)
    assert residents[0].name in page
    assert "Choose at least one resident" in client.post(f"{base}/codes", data={}).get_data(as_text=True)
    page = client.post(f"{base}/codes", data={"residents": [str(residents[0].id), str(residents[1].id)]}).get_data(as_text=True)
    codes = re.findall(r'class="letter-code">([0-9A-Z-]+)<', page)
    assert len(codes) == 2 and residents[0].name in page
    assert residents[0].name not in client.get(f"{base}/codes").get_data(as_text=True)  # has a code now
    kiosk = app.test_client()  # a shared computer at the community centre: nobody signed in
    assert "Your voting code" in kiosk.get(f"{base}/code-vote").get_data(as_text=True)
    page = kiosk.post(f"{base}/code-vote", data={"step": "code", "code": "AAAA-BBBB-CCCC-DDDD"}).get_data(as_text=True)
    assert "That code is not right for this vote" in page
    page = kiosk.post(f"{base}/code-vote", data={"step": "code", "code": codes[0].lower().replace("-", " ")}).get_data(as_text=True)
    assert "Your ballot" in page and 'class="large-text"' in page and 'name="code"' in page
    choice = {"code": codes[0], f"pot-{round_ref.pot_ids[1]}": [str(ids[1])]}
    page = kiosk.post(f"{base}/code-vote", data=choice | {"step": "check"}).get_data(as_text=True)
    assert "Check your choices before you vote" in page
    page = kiosk.post(f"{base}/code-vote", data=choice | {"step": "cast"}).get_data(as_text=True)
    assert "You have voted" in page and "change your ballot" not in page
    page = kiosk.post(f"{base}/code-vote", data=choice | {"step": "cast"}).get_data(as_text=True)
    assert "That code has already been used to vote" in page
    with app.app_context():
        roll = db.session.scalar(select(VoterRollEntry))
        assert (roll.user_id, roll.method) == (residents[0].id, "code")
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    # the other resident's code still works, once; guessing is throttled
    for _ in range(20):
        kiosk.post(f"{base}/code-vote", data={"step": "code", "code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    page = kiosk.post(f"{base}/code-vote", data={"step": "code", "code": codes[1]}).get_data(as_text=True)
    assert "Too many wrong codes from here" in page


def _guess_twenty_times(client, base, **headers):
    for _ in range(20):
        client.post(f"{base}/code-vote", data={"step": "code", "code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}, headers=headers)


def test_a_code_guesser_cannot_dodge_the_throttle_by_claiming_another_address(app, factory):
    round_ref, ids = make_voting_round(factory)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    kiosk = app.test_client()
    _guess_twenty_times(kiosk, base)
    page = kiosk.post(f"{base}/code-vote", data={"step": "code", "code": "ZZZZ-ZZZZ-ZZZZ-ZZZA"},
                      headers={"X-Forwarded-For": "203.0.113.9"}).get_data(as_text=True)
    assert "Too many wrong codes from here" in page


@pytest.mark.config(PB_PROXY_COUNT=1)
def test_behind_one_proxy_each_client_is_throttled_on_its_own(app, factory):
    round_ref, ids = make_voting_round(factory)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    proxy = app.test_client()
    _guess_twenty_times(proxy, base, **{"X-Forwarded-For": "203.0.113.9"})
    blocked = proxy.post(f"{base}/code-vote", data={"step": "code", "code": "ZZZZ-ZZZZ-ZZZZ-ZZZA"},
                         headers={"X-Forwarded-For": "203.0.113.9"}).get_data(as_text=True)
    other = proxy.post(f"{base}/code-vote", data={"step": "code", "code": "ZZZZ-ZZZZ-ZZZZ-ZZZA"},
                       headers={"X-Forwarded-For": "198.51.100.7"}).get_data(as_text=True)
    assert "Too many wrong codes from here" in blocked
    assert "That code is not right for this vote" in other
