"""Authorisation in one place: every route has a rule, and each role gets exactly what it should."""
import pytest

from pb.access import ADMIN, PUBLIC, ROLE, SIGNED_IN, rule_for
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR, RESIDENT, TREASURER
from tests.factories import sign_in


def test_every_route_declares_who_may_use_it(app):
    missing = []
    with app.test_request_context():
        for url_rule in app.url_map.iter_rules():
            if rule_for(url_rule.endpoint) is None:
                missing.append(f"{url_rule.rule} ({url_rule.endpoint})")
    assert missing == [], "routes without an access rule: " + ", ".join(missing)


def test_a_route_without_a_rule_is_denied(app, client):
    @app.route("/forgotten")
    def forgotten():
        return "secret"

    response = client.get("/forgotten")
    assert response.status_code == 403
    assert b"secret" not in response.data


# Every route that takes a neighbourhood, with the roles allowed. A new route must be added here.
ROLE_ROUTES = {
    "/n/{slug}/residents": {FACILITATOR},
    "/n/{slug}/letters": {FACILITATOR},
    "/n/{slug}/help": {FACILITATOR},
    "/n/{slug}/people": {FACILITATOR, BOARD_MEMBER, AUDITOR},
    "/n/{slug}/audit": {AUDITOR},
    "/n/{slug}/audit/entries.jsonl": {AUDITOR},
    "/n/{slug}/audit/entries/{seq}": {AUDITOR},
    "/n/{slug}/audit/rounds/{round}/pack.sqlite": {AUDITOR},
    "/n/{slug}/verify": {RESIDENT},
    "/n/{slug}/rounds/new": {FACILITATOR},
    "/n/{slug}/rounds/{round}/edit": {FACILITATOR},
    "/n/{slug}/rounds/{round}/rules": {FACILITATOR},
    "/n/{slug}/rounds/{round}/pots": {FACILITATOR},
    "/n/{slug}/rounds/{round}/pots/{pot}": {FACILITATOR},
    "/n/{slug}/rounds/{round}/timeline": {FACILITATOR},
    "/n/{slug}/rounds/{round}/advance": {FACILITATOR},
    "/n/{slug}/rounds/{round}/review": {FACILITATOR},
    "/n/{slug}/rounds/{round}/events/new": {FACILITATOR},
    "/n/{slug}/rounds/{round}/approve": {BOARD_MEMBER},
    "/n/{slug}/rounds/{round}/rule-change": {BOARD_MEMBER},
    "/n/{slug}/rounds/{round}/my-proposals": {RESIDENT},
    "/n/{slug}/rounds/{round}/proposals/new": {RESIDENT},
    "/n/{slug}/proposals/{proposal}/edit": {RESIDENT},
    "/n/{slug}/proposals/{proposal}/submit": {RESIDENT},
    "/n/{slug}/proposals/{proposal}/withdraw": {RESIDENT},
    "/n/{slug}/proposals/{proposal}/amendments/new": {RESIDENT},
    "/n/{slug}/proposals/{proposal}/review": {FACILITATOR},
    "/n/{slug}/proposals/{proposal}/merge": {FACILITATOR},
    "/n/{slug}/proposals/{proposal}/interest": {FACILITATOR, BOARD_MEMBER},
    "/n/{slug}/amendments/{amendment}": {RESIDENT},
    "/n/{slug}/comments/{comment}/edit": {RESIDENT, FACILITATOR, BOARD_MEMBER},
    "/n/{slug}/comments/{comment}/hide": {FACILITATOR},
    "/n/{slug}/events/{event}/edit": {FACILITATOR},
    "/n/{slug}/rounds/{round}/vote": {RESIDENT},
    "/n/{slug}/rounds/{round}/count": {FACILITATOR},
    "/n/{slug}/rounds/{round}/sign-off": {BOARD_MEMBER},
    "/n/{slug}/rounds/{round}/codes": {FACILITATOR},
    "/n/{slug}/rounds/{round}/paper": {FACILITATOR},
    "/n/{slug}/rounds/{round}/paper/key": {FACILITATOR},
    "/n/{slug}/money": {FACILITATOR, BOARD_MEMBER, TREASURER},
    "/n/{slug}/money/settings": {BOARD_MEMBER},
    "/n/{slug}/funds/new": {FACILITATOR},
    "/n/{slug}/funds/{fund}/manage": {FACILITATOR, BOARD_MEMBER, TREASURER},
    "/n/{slug}/funds/{fund}/plan": {FACILITATOR},
    "/n/{slug}/funds/{fund}/sources/new": {FACILITATOR},
    "/n/{slug}/funds/{fund}/promises": {FACILITATOR},
    "/n/{slug}/funds/{fund}/receipts/new": {TREASURER},
    "/n/{slug}/funds/{fund}/capacity-grants/new": {BOARD_MEMBER},
    "/n/{slug}/rounds/{round}/fund": {FACILITATOR},
    "/n/{slug}/grants/{grant}/manage": {FACILITATOR, BOARD_MEMBER, TREASURER},
    "/n/{slug}/grants/{grant}/body": {FACILITATOR},
    "/n/{slug}/grants/{grant}/decide": {BOARD_MEMBER},
    # Facilitators only where the board allows it (the world below does; tests/test_funds.py checks the refusal).
    "/n/{slug}/grants/{grant}/payments/new": {TREASURER, FACILITATOR},
    "/n/{slug}/payments/{payment}/recorded": {TREASURER, FACILITATOR},
    "/n/{slug}/grants/{grant}/returns/new": {TREASURER, FACILITATOR},
    "/n/{slug}/grants/{grant}/tranches/new": {TREASURER, FACILITATOR},
    "/n/{slug}/grants/{grant}/milestones/new": {FACILITATOR},
    "/n/{slug}/grants/{grant}/interest": {BOARD_MEMBER, TREASURER},
}
# Pages only a proposal's (or comment's) author may use: others holding the role are sent back to
# the proposal with a message rather than shown a 403.
AUTHOR_ONLY = {"/n/{slug}/proposals/{proposal}/edit", "/n/{slug}/proposals/{proposal}/submit",
               "/n/{slug}/proposals/{proposal}/withdraw", "/n/{slug}/amendments/{amendment}",
               "/n/{slug}/comments/{comment}/edit"}
ADMIN_ROUTES = ["/admin/", "/admin/neighbourhoods/new", "/admin/audit", "/admin/n/{slug}/",
                "/admin/n/{slug}/area", "/admin/n/{slug}/roles", "/admin/outbox"]
PUBLIC_ROUTES = ["/", "/postcode", "/n/{slug}/", "/register", "/sign-in", "/forgot-password", "/healthz", "/n/{slug}/rounds",
                 "/n/{slug}/rounds/{round}/", "/n/{slug}/rounds/{round}/proposals", "/n/{slug}/proposals/{proposal}",
                 "/n/{slug}/proposals/{proposal}/history", "/n/{slug}/rounds/{round}/events", "/n/{slug}/events/{event}",
                 "/n/{slug}/rounds/{round}/receipt", "/n/{slug}/rounds/{round}/code-vote", "/n/{slug}/funds/",
                 "/n/{slug}/funds/{fund}/", "/n/{slug}/grants/{grant}/", "/n/{slug}/funds/{fund}/grants.csv",
                 "/n/{slug}/funds/{fund}/payments.csv", "/n/{slug}/funds/{fund}/fund.json", "/n/{slug}/360giving.json",
                 "/n/{slug}/funds/{fund}/360giving.json"]
SIGNED_IN_ROUTES = ["/account", "/account/password", "/register/done", "/n/{slug}/comments/{comment}/flag"]


def _placeholders(path: str) -> str:
    return (path.replace("{slug}", "<slug>").replace("{round}", "<int:round_id>").replace("{pot}", "<int:pot_id>")
            .replace("{proposal}", "<int:proposal_id>").replace("{amendment}", "<int:amendment_id>")
            .replace("{comment}", "<int:comment_id>").replace("{event}", "<int:event_id>").replace("{seq}", "<int:seq>")
            .replace("{fund}", "<int:fund_id>").replace("{grant}", "<int:grant_id>").replace("{payment}", "<int:payment_id>"))


def test_the_role_table_covers_every_role_route(app):
    """So a new role-restricted page cannot be added without deciding who it is for."""
    declared = {_placeholders(path) for path in ROLE_ROUTES}
    with app.test_request_context():
        role_rules = {r.rule for r in app.url_map.iter_rules()
                      if rule_for(r.endpoint).kind == ROLE and "GET" in r.methods}
        for r in app.url_map.iter_rules():
            kind = rule_for(r.endpoint).kind
            if kind == ADMIN and "GET" in r.methods:
                assert r.rule.replace("<slug>", "{slug}") in ADMIN_ROUTES, r.rule
    assert role_rules == declared


def _world(factory):
    """A neighbourhood with a round open for proposals, one proposal with a comment, an amendment
    and an event: something behind every placeholder in the tables above."""
    from pb.extensions import db
    from pb.proposals import services as proposals
    from pb.proposals.models import Proposal
    from tests.factories import _user, make_proposal, make_round

    round_ref = make_round(factory)
    proposal_id, author = make_proposal(factory, round_ref)
    other = factory.resident(round_ref.hood)
    with factory.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        comment = proposals.add_comment(proposal, _user(author), "Thanks for reading")
        amendment = proposals.suggest_amendment(proposal, _user(other), "summary", "A better summary", "Clearer")
        from datetime import datetime

        event = proposals.create_event(proposal.round, _user(round_ref.facilitator), proposals.EventInput(
            "Open meeting", datetime(2030, 5, 1, 18, 30), "Community centre", "", "", None, [proposal.number]))
        ids = {"round": round_ref.id, "pot": round_ref.pot_ids[0], "proposal": proposal_id, "comment": comment.id,
               "amendment": amendment.id, "event": event.id, "seq": 1}
    ids |= money_world(factory, round_ref)
    return round_ref.hood, ids


def money_world(factory, round_ref) -> dict:
    """A fund with a capacity-building grant, accepted, with one payment: behind the money pages."""
    from datetime import date, timedelta

    from pb.extensions import db
    from pb.funds import grants, payments, planning
    from pb.funds.figures import financial_year_of
    from tests.factories import _user

    treasurer = factory.with_role(round_ref.hood, TREASURER)
    with factory.app.app_context():
        hood = factory._hood(round_ref.hood)
        board, facilitator = _user(round_ref.board_member), _user(round_ref.facilitator)
        planning.set_money_settings(hood, board, giving_prefix="360G-test", payment_approval_threshold=1_000_00,
                                    full_reporting_threshold=10_000_00, facilitators_record_payments=True)
        this_year = financial_year_of(date.today())
        fund = planning.create_fund(hood, facilitator, name="Test fund", first_year=this_year, years=2)
        planning.set_year_plan(fund, facilitator, financial_year=this_year, planned=10_000_00, capacity_percent=50)
        decision = grants.create_capacity_grant(
            fund.plan[0], board, title="Organiser", summary="Two days a week", amount=2_000_00,
            starts_on=date.today() - timedelta(days=1), ends_on=date.today() + timedelta(days=200),
            body=grants.BodyInput("Test group", "constituted_group", "", facilitator.email), reason="Capacity")
        grant = decision.grant
        grants.accept_grant(grant, facilitator)
        payment = payments.record_payment(grant, _user(treasurer), amount=100_00, paid_on=date.today(), spend="revenue")
        ids = {"fund": fund.id, "grant": grant.id, "payment": payment.id}
        db.session.commit()
    return ids


@pytest.mark.parametrize("role", [None, RESIDENT, FACILITATOR, BOARD_MEMBER, AUDITOR, TREASURER, "unverified", "admin"])
def test_each_role_gets_its_pages_and_is_refused_the_rest(factory, client, role):
    hood, ids = _world(factory)
    if role == "unverified":
        person = factory.resident(hood, verified=False)
    elif role == "admin":
        person = factory.person(admin=True)
    elif role is not None:
        person = factory.with_role(hood, role)
    if role is not None:
        sign_in(client, person)

    for path, allowed in ROLE_ROUTES.items():
        response = client.get(path.format(slug=hood.slug, **ids))
        role_held = RESIDENT if role == "unverified" else role
        if role is None:
            assert response.status_code == 302 and "/sign-in" in response.location, path
        elif role_held in allowed and path in AUTHOR_ONLY:
            assert response.status_code in (200, 302), (path, role, response.status_code)
            if response.status_code == 302:
                assert "/sign-in" not in response.location and "/proposals/" in response.location, path
        elif role_held in allowed:
            assert response.status_code == 200, (path, role, response.status_code)
        else:
            assert response.status_code == 403, (path, role)
            page = response.get_data(as_text=True)
            assert "You cannot use this page" in page
            assert f"of {hood.name}" in page  # says where the role is needed

    for path in ADMIN_ROUTES:
        response = client.get(path.format(slug=hood.slug))
        if role is None:
            assert response.status_code == 302, path
        elif role == "admin":
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, path
            assert "platform admins" in response.get_data(as_text=True)

    for path in PUBLIC_ROUTES:
        response = client.get(path.format(slug=hood.slug, **ids))
        assert response.status_code in (200, 302), path  # register/sign-in redirect once signed in

    for path in SIGNED_IN_ROUTES:
        response = client.get(path.format(slug=hood.slug, **ids))
        assert response.status_code == (302 if role is None else 200), path


def test_the_403_page_says_which_role_is_needed_and_how_to_get_it(factory, client):
    hood = factory.neighbourhood(name="Eastbrook")
    person = factory.resident(hood, verified=False)
    sign_in(client, person)
    page = client.get(f"/n/{hood.slug}/residents").get_data(as_text=True)
    assert "This page is for facilitators of Eastbrook." in page
    assert "Ask them if you think you should have it" in page


def test_roles_in_one_neighbourhood_do_not_carry_to_another(factory, client):
    home, elsewhere = factory.neighbourhood(), factory.neighbourhood()
    facilitator = factory.with_role(home, FACILITATOR)
    sign_in(client, facilitator)
    assert client.get(f"/n/{home.slug}/residents").status_code == 200
    assert client.get(f"/n/{elsewhere.slug}/residents").status_code == 403


def test_unknown_neighbourhood_is_not_found(factory, client):
    assert client.get("/n/no-such-place/").status_code == 404
    assert b"Page not found" in client.get("/n/no-such-place/residents").data


def test_rules_are_of_known_kinds(app):
    with app.test_request_context():
        kinds = {rule_for(r.endpoint).kind for r in app.url_map.iter_rules()}
    assert kinds <= {PUBLIC, SIGNED_IN, ADMIN, ROLE}
