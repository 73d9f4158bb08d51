"""Authorisation in one place: every route has a rule, and each role gets exactly what it should."""
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from pb.access import ADMIN, PUBLIC, ROLE, SIGNED_IN, rule_for
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR, RESIDENT, TREASURER, Membership
from tests.factories import RoundRef, make_proposal, sign_in


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


# --- the access matrix ------------------------------------------------------------------------------
# Every route of the url_map, with who may use it: a spec written apart from the decorators, so a
# changed decorator or a new route without a row fails test_the_matrix_names_every_route.
F, B, A, T, R = FACILITATOR, BOARD_MEMBER, AUDITOR, TREASURER, RESIDENT
VR = "verified resident"  # a resident counts only once verified
MATRIX = {
    "/": PUBLIC, "/postcode": PUBLIC, "/healthz": PUBLIC, "/checkpoint-key.txt": PUBLIC, "/audit/pb-audit.pyz": PUBLIC, "/static/{filename}": PUBLIC,
    "/register": PUBLIC, "/sign-in": PUBLIC, "/forgot-password": PUBLIC, "/reset-password/{token}": PUBLIC,
    "/verify-email/{token}": PUBLIC, "/unsubscribe/{token}": PUBLIC, "/account/erased": PUBLIC,
    "/register/done": SIGNED_IN, "/sign-out": SIGNED_IN, "/account": SIGNED_IN, "/account/password": SIGNED_IN,
    "/account/verify-email/resend": SIGNED_IN, "/account/data": SIGNED_IN, "/account/data.json": SIGNED_IN,
    "/account/erase": SIGNED_IN,
    "/admin/": ADMIN, "/admin/audit": ADMIN, "/admin/audit/checkpoint": ADMIN, "/checkpoints": PUBLIC,
    "/checkpoint.txt": PUBLIC, "/admin/outbox": ADMIN, "/admin/neighbourhoods/new": ADMIN,
    "/admin/n/{slug}/": ADMIN, "/admin/n/{slug}/area": ADMIN, "/admin/n/{slug}/roles": ADMIN,
    "/admin/n/{slug}/roles/revoke": ADMIN, "/admin/programmes/new": ADMIN, "/admin/programmes/{programme}": ADMIN,
    "/admin/programmes/{programme}/years/{start}/allocation": ADMIN,
    "/national/": PUBLIC, "/national/{programme}/": PUBLIC, "/national/{programme}/{start}/figures.csv": PUBLIC,
    "/national/{programme}/{start}/allocation.csv": PUBLIC, "/national/{programme}/{start}/neighbourhoods": PUBLIC,
    "/national/{programme}/{start}/neighbourhoods.csv": PUBLIC, "/national/{programme}/{start}/360giving.json": PUBLIC,
    # a neighbourhood's public pages and open data
    "/n/{slug}/": PUBLIC, "/n/{slug}/rounds": PUBLIC, "/n/{slug}/rounds/{round}/": PUBLIC,
    "/n/{slug}/rounds/{round}/proposals": PUBLIC, "/n/{slug}/proposals/{proposal}": PUBLIC,
    "/n/{slug}/proposals/{proposal}/history": PUBLIC, "/n/{slug}/rounds/{round}/events": PUBLIC,
    "/n/{slug}/events/{event}": PUBLIC, "/n/{slug}/images/{image}": PUBLIC, "/n/{slug}/rounds/{round}/results": PUBLIC,
    "/n/{slug}/rounds/{round}/results.{fmt}": PUBLIC, "/n/{slug}/rounds/{round}/results/ballots-{pot}.pb": PUBLIC,
    "/n/{slug}/rounds/{round}/receipt": PUBLIC, "/n/{slug}/rounds/{round}/code-vote": PUBLIC,
    "/n/{slug}/checkpoints": PUBLIC, "/n/{slug}/checkpoint.txt": PUBLIC, "/n/{slug}/funds/": PUBLIC,
    "/n/{slug}/assets/": PUBLIC, "/n/{slug}/assets/{number}": PUBLIC, "/n/{slug}/assets.csv": PUBLIC,
    "/n/{slug}/assets.json": PUBLIC, "/n/{slug}/assets/{number}/follow": SIGNED_IN,
    "/n/{slug}/assets/{number}/unfollow": SIGNED_IN, "/n/{slug}/asset-photos/{photo}": PUBLIC,
    "/n/{slug}/assets/{number}/photos": {VR, F}, "/n/{slug}/asset-photos/{photo}/remove": {R, F}, "/n/{slug}/assets/{number}/nomination": PUBLIC,
    # the register: verified residents (and facilitators) add places and nominate; facilitators record the council
    "/n/{slug}/assets/new": {VR, F}, "/n/{slug}/assets/{number}/nominate": {VR, F},
    "/n/{slug}/assets/{number}/support": {VR, F}, "/n/{slug}/assets/{number}/sent": {VR, F},
    "/n/{slug}/assets/{number}/decision": {F}, "/n/{slug}/assets/{number}/notice": {F},
    "/n/{slug}/assets/{number}/correct": {F}, "/n/{slug}/assets/{number}/outcome": {F},
    "/n/{slug}/assets/{number}/bid": {VR, F}, "/n/{slug}/assets/{number}/pledge": {VR, F},
    "/n/{slug}/assets/{number}/pledge/withdraw": {VR, F},
    "/n/{slug}/assets/{number}/funding": {VR, F}, "/n/{slug}/assets/{number}/fund-request": {VR, F, B},
    "/n/{slug}/funds/{fund}/": PUBLIC, "/n/{slug}/grants/{grant}/": PUBLIC, "/n/{slug}/funds/{fund}/grants.csv": PUBLIC,
    "/n/{slug}/funds/{fund}/payments.csv": PUBLIC, "/n/{slug}/funds/{fund}/fund.json": PUBLIC,
    "/n/{slug}/360giving.json": PUBLIC, "/n/{slug}/funds/{fund}/360giving.json": PUBLIC,
    "/n/{slug}/grants/updates/{update}/photo": PUBLIC,
    # anyone signed in; the service decides who may act (see OWNER_ONLY)
    "/n/{slug}/join": SIGNED_IN, "/n/{slug}/rounds/{round}/follow": SIGNED_IN, "/n/{slug}/comments/{comment}/flag": SIGNED_IN,
    "/n/{slug}/grants/{grant}/follow": SIGNED_IN, "/n/{slug}/grants/{grant}/unfollow": SIGNED_IN,
    "/n/{slug}/grants/{grant}/accept": SIGNED_IN, "/n/{slug}/grants/{grant}/update": SIGNED_IN,
    # residents
    "/n/{slug}/verify": {R}, "/n/{slug}/rounds/{round}/my-proposals": {R}, "/n/{slug}/rounds/{round}/proposals/new": {R},
    "/n/{slug}/proposals/{proposal}/edit": {R}, "/n/{slug}/proposals/{proposal}/submit": {R},
    "/n/{slug}/proposals/{proposal}/withdraw": {R}, "/n/{slug}/proposals/{proposal}/co-proposers": {R},
    "/n/{slug}/proposals/{proposal}/images": {R}, "/n/{slug}/proposals/{proposal}/amendments/new": {R},
    "/n/{slug}/amendments/{amendment}": {R}, "/n/{slug}/proposals/{proposal}/support": {VR},
    "/n/{slug}/rounds/{round}/vote": {R}, "/n/{slug}/rounds/{round}/vote/check": {R}, "/n/{slug}/rounds/{round}/vote/cast": {R},
    "/n/{slug}/images/{image}/remove": {R, F},
    "/n/{slug}/proposals/{proposal}/comments": {R, F, B}, "/n/{slug}/comments/{comment}/edit": {R, F, B},
    # facilitators
    "/n/{slug}/residents": {F}, "/n/{slug}/residents/{membership}/verify": {F}, "/n/{slug}/letters": {F}, "/n/{slug}/help": {F},
    "/n/{slug}/rounds/new": {F}, "/n/{slug}/rounds/{round}/edit": {F}, "/n/{slug}/rounds/{round}/rules": {F},
    "/n/{slug}/rounds/{round}/pots": {F}, "/n/{slug}/rounds/{round}/pots/{pot}": {F},
    "/n/{slug}/rounds/{round}/pots/{pot}/remove": {F}, "/n/{slug}/rounds/{round}/timeline": {F},
    "/n/{slug}/rounds/{round}/advance": {F}, "/n/{slug}/rounds/{round}/review": {F}, "/n/{slug}/rounds/{round}/events/new": {F},
    "/n/{slug}/events/{event}/edit": {F}, "/n/{slug}/proposals/{proposal}/review": {F}, "/n/{slug}/proposals/{proposal}/merge": {F},
    "/n/{slug}/comments/{comment}/hide": {F}, "/n/{slug}/comments/{comment}/dismiss": {F},
    "/n/{slug}/proposals/{proposal}/hide": {F},
    "/n/{slug}/rounds/{round}/count": {F}, "/n/{slug}/rounds/{round}/codes": {F}, "/n/{slug}/rounds/{round}/paper": {F},
    "/n/{slug}/rounds/{round}/paper/key": {F}, "/n/{slug}/funds/new": {F}, "/n/{slug}/funds/{fund}/plan": {F},
    "/n/{slug}/funds/{fund}/sources/new": {F}, "/n/{slug}/funds/{fund}/promises": {F}, "/n/{slug}/rounds/{round}/fund": {F},
    "/n/{slug}/grants/{grant}/body": {F}, "/n/{slug}/grants/{grant}/milestones/new": {F}, "/n/{slug}/grants/{grant}/complete": {F},
    "/n/{slug}/proposals/{proposal}/interest": {F, B},
    # the partnership board
    "/n/{slug}/rounds/{round}/approve": {B}, "/n/{slug}/rounds/{round}/rule-change": {B}, "/n/{slug}/rounds/{round}/sign-off": {B},
    "/n/{slug}/money/settings": {B}, "/n/{slug}/funds/{fund}/capacity-grants/new": {B}, "/n/{slug}/grants/{grant}/decide": {B},
    "/n/{slug}/decisions/{decision}/approve": {B}, "/n/{slug}/payments/{payment}/approve": {B},
    "/n/{slug}/grants/{grant}/interest": {B, T},
    # money: treasurers (facilitators too where the board allows it, as the world below does)
    "/n/{slug}/funds/{fund}/receipts/new": {T}, "/n/{slug}/funds/{fund}/close": {T}, "/n/{slug}/grants/{grant}/payments/new": {T, F},
    "/n/{slug}/payments/{payment}/recorded": {T, F}, "/n/{slug}/grants/{grant}/returns/new": {T, F},
    "/n/{slug}/grants/{grant}/tranches/new": {T, F},
    "/n/{slug}/money": {F, B, T}, "/n/{slug}/funds/{fund}/manage": {F, B, T}, "/n/{slug}/grants/{grant}/manage": {F, B, T},
    # auditors, and who may see the people
    "/n/{slug}/audit": {A}, "/n/{slug}/audit/entries.jsonl": {A}, "/n/{slug}/audit/entries/{seq}": {A},
    "/n/{slug}/audit/rounds/{round}/pack.sqlite": {A}, "/n/{slug}/audit/rounds/{round}/prepare-pack": {A},
    "/n/{slug}/audit/checkpoint": {A},
    "/n/{slug}/people": {F, B, A},
    # consultations: residents answer (the service says who may, by the consultation's setting)
    "/n/{slug}/consultations/": PUBLIC, "/n/{slug}/consultations/{consultation}": PUBLIC,
    "/n/{slug}/consultations/{consultation}/questions/{number}": PUBLIC,
    "/n/{slug}/consultations/{consultation}/check": PUBLIC, "/n/{slug}/consultations/{consultation}/thank-you": PUBLIC,
    "/n/{slug}/consultations/{consultation}/results": PUBLIC,
    "/n/{slug}/consultations/{consultation}/responses.json": PUBLIC,
    "/n/{slug}/consultations/{consultation}/responses.csv": PUBLIC,
    "/n/{slug}/consultations/{consultation}/follow": SIGNED_IN,
    "/n/{slug}/consultations/new": {F}, "/n/{slug}/consultations/{consultation}/settings": {F},
    "/n/{slug}/consultations/{consultation}/questions/new": {F},
    "/n/{slug}/consultations/{consultation}/questions/{question}/edit": {F},
    "/n/{slug}/consultations/{consultation}/questions/{question}/remove": {F},
    "/n/{slug}/consultations/{consultation}/questions/{question}/move": {F},
    "/n/{slug}/consultations/{consultation}/finish": {F}, "/n/{slug}/consultations/{consultation}/reopen": {F},
    "/n/{slug}/consultations/{consultation}/close": {F}, "/n/{slug}/consultations/{consultation}/publish": {F},
    "/n/{slug}/consultations/{consultation}/paper": {F}, "/n/{slug}/consultations/{consultation}/paper/mark": {F},
    "/n/{slug}/consultations/{consultation}/paper/{batch}/print": {F},
    "/n/{slug}/consultations/{consultation}/paper/key": {F},
    "/n/{slug}/consultations/{consultation}/paper/{serial}/decide": {F},
    "/n/{slug}/consultations/{consultation}/written-answers": {F},
    "/n/{slug}/consultations/{consultation}/written-answers/{text}/publish": {F},
    "/n/{slug}/consultations/{consultation}/written-answers/{text}/withhold": {F},
    "/n/{slug}/consultations/{consultation}/written-answers/{text}/redact": {F},
    "/n/{slug}/consultations/{consultation}/manage": {F, B}, "/n/{slug}/consultations/{consultation}/preview": {F, B},
    "/n/{slug}/consultations/{consultation}/approve": {B},
    "/n/{slug}/engagement": PUBLIC, "/n/{slug}/engagement/{activity}/photo": PUBLIC, "/n/{slug}/who-took-part": PUBLIC,
    "/n/{slug}/engagement/new": {F}, "/n/{slug}/area-profile": {F},
    # the neighbourhood plan
    "/n/{slug}/plan": PUBLIC, "/n/{slug}/plan/versions/{number}": PUBLIC, "/n/{slug}/plan/compare": PUBLIC,
    "/n/{slug}/plan.json": PUBLIC, "/n/{slug}/plan/versions/{number}/comments": SIGNED_IN,
    "/n/{slug}/plan/start": {F}, "/n/{slug}/plan/versions/{number}/sections/{section}": {F},
    "/n/{slug}/plan/versions/{number}/interventions": {F}, "/n/{slug}/plan/versions/{number}/interventions/own": {F},
    "/n/{slug}/plan/versions/{number}/investment": {F}, "/n/{slug}/plan/versions/{number}/out-for-comment": {F},
    "/n/{slug}/plan/versions/{number}/endorse": {F}, "/n/{slug}/plan/new-version": {F},
    "/n/{slug}/plan/comments/{plan_comment}/hide": {F}, "/n/{slug}/plan/versions/{number}/edit": {F, B},
    "/n/{slug}/plan/versions/{number}/approve": {B}, "/n/{slug}/plan/tags": {F},
    "/n/{slug}/plan/progress.csv": PUBLIC, "/n/{slug}/plan/reviews/": PUBLIC,
    "/n/{slug}/plan/reviews/{number}": PUBLIC, "/n/{slug}/plan/reviews/new": {F},
    "/n/{slug}/plan/reviews/{number}/write": {F}, "/n/{slug}/plan/reviews/{number}/approve": {B},
    "/n/{slug}/plan/versions/{number}/targets": {F}, "/n/{slug}/grants/{grant}/outputs": SIGNED_IN,
    "/n/{slug}/plan/spend-out": {F}, "/n/{slug}/plan/interest": {B}, "/n/{slug}/plan/versions/{number}/boundary-map": {F},
    "/n/{slug}/plan/files/{file}": PUBLIC, "/n/{slug}/plan/legacy/{item}/tick": {F}, "/n/{slug}/plan/open-items": {B},
    # the board: public pages, facilitators seat it, each member keeps their own register
    "/n/{slug}/board/": PUBLIC, "/n/{slug}/board/members/{seat}": PUBLIC, "/n/{slug}/board/code-of-conduct": PUBLIC,
    "/n/{slug}/board/manage": {F}, "/n/{slug}/board/rules": {F}, "/n/{slug}/board/seats/new": {F},
    "/n/{slug}/board/seats/{seat}/approval": {F}, "/n/{slug}/board/seats/{seat}/end": {F},
    "/n/{slug}/board/code-of-conduct/edit": {F},
    "/n/{slug}/board/my-register": SIGNED_IN, "/n/{slug}/board/my-register/new": SIGNED_IN,
    "/n/{slug}/board/my-register/{entry}/end": SIGNED_IN, "/n/{slug}/board/my-register/confirm": SIGNED_IN,
    "/n/{slug}/board/code-of-conduct/accept": SIGNED_IN, "/n/{slug}/board/decisions": PUBLIC,
    "/n/{slug}/board/decisions.csv": PUBLIC, "/n/{slug}/board/decisions.json": PUBLIC,
    "/n/{slug}/board/meetings/": PUBLIC, "/n/{slug}/board/meetings/{meeting}": PUBLIC,
    "/n/{slug}/board/meetings/{meeting}/items/{number}/paper.pdf": PUBLIC, "/n/{slug}/board/follow": SIGNED_IN,
    "/n/{slug}/board/meetings/new": {F}, "/n/{slug}/board/meetings/{meeting}/items/new": {F},
    "/n/{slug}/board/meetings/{meeting}/publish": {F}, "/n/{slug}/board/meetings/{meeting}/attendance": {F},
    "/n/{slug}/board/meetings/{meeting}/items/{number}/motion": {F},
    "/n/{slug}/board/meetings/{meeting}/minutes": {F}, "/n/{slug}/board/meetings/{meeting}/minutes/approve": {F},
    "/n/{slug}/board/concerns": PUBLIC, "/n/{slug}/board/concerns/new": PUBLIC,
    "/n/{slug}/board/concerns/handle": SIGNED_IN, "/n/{slug}/board/concerns/{number}": SIGNED_IN,
    "/n/{slug}/board/concerns/{number}/acknowledge": SIGNED_IN, "/n/{slug}/board/concerns/contacts": {F},
    "/n/{slug}/board/elections/{election}": PUBLIC, "/n/{slug}/board/elections/{election}/ballots.json": PUBLIC,
    "/n/{slug}/board/elections/new": {F}, "/n/{slug}/board/elections/{election}/candidates/new": {F},
    "/n/{slug}/board/elections/{election}/paper": {F}, "/n/{slug}/board/elections/{election}/count": {F},
    # answering for the money: agreements and accounts are public; the named officer asks for money and the
    # funder's representative decides (see OWNER_ONLY); treasurers record it and reconcile the bank
    "/n/{slug}/agreements/": PUBLIC, "/n/{slug}/agreements/{agreement}/": PUBLIC,
    "/n/{slug}/funds/{fund}/accounts/{start}": PUBLIC, "/n/{slug}/funds/{fund}/accounts/{start}.json": PUBLIC,
    "/n/{slug}/funds/{fund}/accounts/{start}.csv": PUBLIC,
    "/n/{slug}/agreements/new": {F}, "/n/{slug}/agreements/{agreement}/vary": {F},
    "/n/{slug}/agreements/{agreement}/drawdowns/new": SIGNED_IN, "/n/{slug}/drawdowns/{drawdown}/decide": SIGNED_IN,
    "/n/{slug}/drawdowns/{drawdown}/received": {T}, "/n/{slug}/agreements/{agreement}/repayments/new": {T},
    "/n/{slug}/funds/{fund}/bank": {T}, "/n/{slug}/funds/{fund}/bank/{start}": {T},
    "/n/{slug}/bank-lines/{line}/match": {T},
    # monitoring returns: published once submitted; facilitators write and submit, a board member and the
    # agreement's named officer (see OWNER_ONLY) approve
    "/n/{slug}/funds/{fund}/returns": PUBLIC, "/n/{slug}/returns/{return}": PUBLIC, "/n/{slug}/returns/{return}.json": PUBLIC,
    "/n/{slug}/returns/{return}.csv": PUBLIC, "/n/{slug}/returns/{return}.xlsx": PUBLIC, "/n/{slug}/risks": PUBLIC,
    "/national/{programme}/{start}/returns/{kind}": PUBLIC, "/national/{programme}/{start}/returns/{kind}.json": PUBLIC,
    "/national/{programme}/{start}/returns/{kind}.xlsx": PUBLIC,
    "/n/{slug}/funds/{fund}/returns/start": {F}, "/n/{slug}/returns/{return}/write": {F},
    "/n/{slug}/returns/{return}/submit": {F}, "/n/{slug}/risks/new": {F}, "/n/{slug}/risks/{number}/edit": {F},
    "/n/{slug}/returns/{return}/approve-board": {B}, "/n/{slug}/returns/{return}/approve-body": SIGNED_IN,
    "/n/{slug}/reports/follow": SIGNED_IN,
    "/n/{slug}/funds/{fund}/annual-reports": PUBLIC, "/n/{slug}/funds/{fund}/annual-reports/{start}": PUBLIC,
    "/n/{slug}/funds/{fund}/annual-reports/{start}.pdf": PUBLIC,
    "/n/{slug}/funds/{fund}/annual-reports/{start}/draft": {F}, "/n/{slug}/funds/{fund}/annual-reports/{start}/approve": {F},
    "/n/{slug}/funds/{fund}/annual-reports/{start}/publish": {F},
}
# Pages only a proposal's (or comment's) author may use: others holding the role are sent back to
# the proposal with a message rather than shown a 403.
AUTHOR_ONLY = {"/n/{slug}/proposals/{proposal}/edit", "/n/{slug}/proposals/{proposal}/submit",
               "/n/{slug}/proposals/{proposal}/withdraw", "/n/{slug}/amendments/{amendment}",
               "/n/{slug}/comments/{comment}/edit"}
# Signed-in pages whose service admits only some: the grant's own contact (none of the actors here;
# tests/funds/test_funds.py has them accept) to accept it; the contact or any facilitator to post progress.
OWNER_ONLY = {"/n/{slug}/grants/{grant}/accept": set(), "/n/{slug}/grants/{grant}/update": {F},
              "/n/{slug}/grants/{grant}/outputs": {F},
              # a board member's own register: only members with a seat (the world seats none of the actors)
              "/n/{slug}/board/my-register": set(), "/n/{slug}/board/my-register/new": set(),
              "/n/{slug}/board/my-register/{entry}/end": set(), "/n/{slug}/board/my-register/confirm": set(),
              "/n/{slug}/board/code-of-conduct/accept": set(),
              # concerns: only the accountable body's named contacts (none of the actors) handle them
              "/n/{slug}/board/concerns/handle": set(), "/n/{slug}/board/concerns/{number}": set(),
              "/n/{slug}/board/concerns/{number}/acknowledge": set(),
              # the agreement's named officer asks for drawdowns, its funder's representative decides (neither an actor)
              "/n/{slug}/agreements/{agreement}/drawdowns/new": set(), "/n/{slug}/drawdowns/{drawdown}/decide": set(),
              "/n/{slug}/returns/{return}/approve-body": set()}
# Allowed form posts not sent in the matrix: they would end the session or give the actor a role.
NOT_POSTED = {"/sign-out", "/n/{slug}/join", "/account/erase"}
ROLE_ROUTES = {path: who for path, who in MATRIX.items() if isinstance(who, set)}  # for older tests


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + m.group(1).removesuffix("_id") + "}", rule)


def _routes(app):
    """(spec path, methods) for every route the app answers."""
    with app.test_request_context():
        return {_spec_path(r.rule): sorted(r.methods - {"HEAD", "OPTIONS"}) for r in app.url_map.iter_rules()}


def test_the_matrix_names_every_route(app):
    routes = _routes(app)
    assert sorted(set(routes) - set(MATRIX)) == [], "routes without a row in MATRIX"
    assert sorted(set(MATRIX) - set(routes)) == [], "rows in MATRIX for routes that no longer exist"


def test_the_matrix_agrees_with_each_routes_declared_rule(app):
    with app.test_request_context():
        for r in app.url_map.iter_rules():
            rule, expected = rule_for(r.endpoint), MATRIX[_spec_path(r.rule)]
            if isinstance(expected, set):
                assert rule.kind == ROLE, r.rule
                assert set(rule.roles) == {RESIDENT if who == VR else who for who in expected}, r.rule
                assert rule.verified_resident == (VR in expected), r.rule
            else:
                assert rule.kind == expected, r.rule


def _fill(path: str, slug: str, ids: dict) -> str:
    return path.format(slug=slug, **ids)


def _audit_size(app) -> int:
    from sqlalchemy import func, select

    from pb.extensions import db
    from pb.ledger.models import AuditEntry

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _refused(response, path):
    assert response.status_code == 403, (path, response.status_code)


def _may_use(who, held: str | None, verified: bool, admin: bool, path: str) -> bool:
    if who == PUBLIC:
        return True
    if who == SIGNED_IN:
        return held != "anonymous" and (path not in OWNER_ONLY or held in OWNER_ONLY[path])
    if who == ADMIN:
        return admin
    return held in who or (held == RESIDENT and (VR in who) and verified)


ACTORS = ["anonymous", "unverified", RESIDENT, FACILITATOR, BOARD_MEMBER, AUDITOR, TREASURER, "admin"]


@pytest.mark.parametrize("actor", ACTORS)
def test_each_actor_may_use_exactly_its_routes(app, factory, client, actor):
    hood, ids = _world(factory)
    if actor == "unverified":
        sign_in(client, factory.resident(hood, verified=False))
    elif actor == "admin":
        sign_in(client, factory.person(admin=True))
    elif actor != "anonymous":
        sign_in(client, factory.with_role(hood, actor))
    held = RESIDENT if actor == "unverified" else actor
    routes = _routes(app)
    posts = []
    for path, methods in sorted(routes.items()):
        who, url = MATRIX[path], _fill(path, hood.slug, ids)
        allowed = _may_use(who, held, actor != "unverified", actor == "admin", path)
        if "POST" in methods and path not in NOT_POSTED:
            posts.append((path, url, who, allowed))
        if "GET" not in methods:
            continue
        response = client.get(url)
        assert response.status_code < 500, (path, actor, response.status_code)
        if actor == "anonymous" and who != PUBLIC:
            assert response.status_code == 302 and "/sign-in" in response.location, path
        elif not allowed:
            _refused(response, path)
            page = response.get_data(as_text=True)
            assert "You cannot use this page" in page or "not open to anyone" in page, path
            if isinstance(who, set):
                assert f"of {hood.name}" in page, path  # says where the role is needed
        elif path in AUTHOR_ONLY:
            assert response.status_code in (200, 302), (path, actor, response.status_code)
            if response.status_code == 302:
                assert "/sign-in" not in response.location and "/proposals/" in response.location, path
        elif isinstance(who, set) or who == ADMIN:
            assert response.status_code == 200, (path, actor, response.status_code)
        else:
            assert response.status_code != 403 and "/sign-in?" not in (response.location or ""), (path, actor)

    # Form posts, with nothing filled in: a refusal writes nothing to the ledger.
    for path, url, who, allowed in posts:
        before = _audit_size(app)
        response = client.post(url, data={})
        assert response.status_code < 500, (path, actor, response.status_code)
        if actor == "anonymous" and who != PUBLIC:
            assert response.status_code == 302 and "/sign-in" in response.location, path
            assert _audit_size(app) == before, path
        elif not allowed:
            _refused(response, path)
            assert _audit_size(app) == before, path
        else:
            assert response.status_code != 403, (path, actor)


OTHER_ROLES = ["unverified", RESIDENT, FACILITATOR, BOARD_MEMBER, AUDITOR, TREASURER]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_a_role_in_another_neighbourhood_opens_nothing_here(app, factory, client, role):
    """Someone with this role in Westbrook, holding Eastbrook's ids: refused in Eastbrook, and the
    ids are not found under Westbrook's name (no object leaks across neighbourhoods)."""
    hood, ids = _world(factory)
    draft, _ = make_proposal(factory, RoundRef(ids["round"], hood, None, None, [ids["pot"]]), submit=False)
    elsewhere = factory.neighbourhood()
    person = (factory.resident(elsewhere, verified=False) if role == "unverified" else factory.with_role(elsewhere, role))
    sign_in(client, person)
    object_ids = set(ids) - {"seq"}
    for path, methods in sorted(_routes(app).items()):
        who = MATRIX[path]
        for method in methods:
            if path in NOT_POSTED and method == "POST":
                continue
            send = client.get if method == "GET" else client.post
            before = _audit_size(app)
            if isinstance(who, set):
                response = send(_fill(path, hood.slug, ids))
                _refused(response, f"{method} {path}")
                assert f"of {hood.name}" in response.get_data(as_text=True)
            if "{slug}" in path and any(f"{{{name}}}" in path for name in object_ids) and not path.startswith("/admin"):
                holds_it_there = not isinstance(who, set) or _may_use(who, RESIDENT if role == "unverified" else role,
                                                                      role != "unverified", False, path)
                # The ids of the world, and of a draft (never public) in place of the proposal.
                for these in (ids, ids | {"proposal": draft}) if "{proposal}" in path else (ids,):
                    response = send(_fill(path, elsewhere.slug, these))
                    assert response.status_code == (404 if holds_it_there else 403), (method, path, response.status_code)
            assert _audit_size(app) == before, (method, path)


def _png() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 112, 60)).save(picture, format="PNG")
    return picture.getvalue()


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
        image = proposals.add_image(proposal, _user(author), _png(), "The hall as it is now")
        membership = db.session.scalar(select(Membership.id).where(Membership.user_id == other.id))
        from pb.assets import services as assets

        asset = assets.register_asset(proposal.round.neighbourhood, _user(other), assets.AssetInput(
            "The Red Lion", "12 Mill Lane", "EB1 1AA", "pub", "", "The last pub on the estate."))
        from pb.assets.photos import add_photo

        photo = add_photo(asset, _user(other), _png(), "The Red Lion from Mill Lane")
        ids = {"round": round_ref.id, "pot": round_ref.pot_ids[0], "proposal": proposal_id, "comment": comment.id,
               "amendment": amendment.id, "event": event.id, "seq": 1, "image": image.id, "membership": membership,
               "number": asset.number, "photo": photo.id, "fmt": "csv", "token": "not-a-real-token", "filename": "css/pb.css"}
    ids |= money_world(factory, round_ref)
    ids |= consultation_world(factory, round_ref)
    ids |= plan_world(factory, round_ref, ids)
    ids |= board_world(factory, round_ref, ids)
    ids |= report_world(factory, round_ref, ids)
    return round_ref.hood, ids


def report_world(factory, round_ref, ids) -> dict:
    """The test fund's funding agreement with the council (officer and funder's representative: none of
    the actors), one drawdown received, and a bank statement of one line."""
    from datetime import date

    from pb.extensions import db
    from pb.funds import planning
    from pb.funds.models import Fund
    from pb.neighbourhoods.models import Membership
    from pb.reports import agreements, reconciling
    from tests.factories import _user

    officer, funder = factory.person(), factory.person()
    with factory.app.app_context():
        fund = db.session.get(Fund, ids["fund"])
        source = planning.add_source(fund, _user(round_ref.facilitator), name="Community Wealth Fund", kind="other")
        deal = agreements.set_up(fund.neighbourhood, _user(round_ref.facilitator), source=source,
                                 funder_name="Community Wealth Fund", body_name="The council", body_kind="council",
                                 amount=10_000_00, fee="5", conditions="", signed_on=date.today(),
                                 body_contact_email=officer.email, funder_contact_email=funder.email,
                                 schedule=f"{fund.first_year}, whole plan, £10000")
        drawdown = agreements.request_drawdown(deal, _user(officer), line=deal.schedule[0], amount=1_000_00, covers="Grants")
        agreements.decide_drawdown(drawdown, _user(funder), approve=True)
        treasurer = db.session.scalar(select(Membership.user_id).where(Membership.neighbourhood_id == fund.neighbourhood_id,
                                                                       Membership.role == TREASURER))
        from pb.accounts.models import User
        agreements.receive_drawdown(drawdown, db.session.get(User, treasurer), received_on=date.today())
        statement = reconciling.import_statement(
            db.session.get(Fund, ids["fund"]), db.session.get(User, treasurer),
            data=f"Date,Description,Amount\n{date.today():%d/%m/%Y},CWF A-1 D-1,1000.00\n".encode())
        line_id = statement.lines[0].id
        # The fund's first twelve-monthly return, submitted once its year is over (so its pages are public).
        from pb import timeutil
        from pb.reports import returns
        fund = db.session.get(Fund, ids["fund"])
        start = date(int(fund.first_year[:4]), 4, 1)
        with timeutil.as_of(date(start.year + 1, 4, 20)):
            returned = returns.start_return(fund, _user(round_ref.facilitator), kind="annual", period_start=start)
            returns.write(returned, _user(round_ref.facilitator), narrative={k: "Done." for k in returns.NARRATIVE},
                          forecast={})
            returns.approve_as_board(returned, _user(round_ref.board_member))
            returns.approve_as_body(returned, _user(officer))
            returns.submit(returned, _user(round_ref.facilitator))
        returns.add_risk(factory._hood(round_ref.hood), _user(round_ref.facilitator), risk="Volunteers leave",
                         likelihood="low", impact="high", mitigation="Two leads a project", owner="The facilitators")
        db.session.commit()
        return {"agreement": deal.id, "drawdown": drawdown.id, "line": line_id, "return": returned.id, "kind": "annual"}


def board_world(factory, round_ref, ids) -> dict:
    """The proposal's author sits on the board as an observer (no vote, so no role: none of the
    actors here), with one entry in their register; and a code of conduct."""
    from datetime import date

    from pb.accounts.models import User
    from pb.boards import members, register
    from pb.extensions import db
    from pb.proposals.models import Proposal
    from tests.factories import _user

    with factory.app.app_context():
        hood = factory._hood(round_ref.hood)
        facilitator = _user(round_ref.facilitator)
        member = db.session.get(User, db.session.get(Proposal, ids["proposal"]).proposer_id)
        seat = members.seat_member(hood, facilitator, email=member.email, kind="observer", started_on=date.today(),
                                   term_ends_on=None, came_by="co_opted")
        register.set_code(hood, facilitator, text="The seven principles of public life.")
        entry = register.add_entry(member, hood, kind="organisation", organisation="Eastbrook Food Bank",
                                   description="Trustee", from_on=date(2020, 1, 1))
        # A meeting with its papers published, item 1 with a PDF paper.
        from datetime import datetime, timedelta

        from pb.boards import meetings
        meeting = meetings.schedule_meeting(hood, facilitator, title="Board meeting",
                                            starts_at=datetime.now() + timedelta(days=10), place="The hall")
        meetings.add_item(meeting, facilitator, title="Grants", pdf=b"%PDF-1.4 a paper")
        meetings.publish_papers(meeting, facilitator)
        # Concerns go to a contact at the council (none of the actors); concern 1 is waiting.
        from pb.accounts import services as accounts
        from pb.boards import concerns
        officer = accounts.create_account(name="Council officer", email="officer@council.example",
                                          password_hash="x", postcode="EB1 1AA", birth_year=1980)
        concerns.set_contacts(hood, facilitator, emails=officer.email, days=10)
        concerns.raise_concern(hood, None, kind="conduct", about="", text="A member shouted at a resident.")
        # An election already counted (one candidate for one seat), so its ballots are public.
        from pb.boards import elections
        election = elections.create_election(hood, facilitator, title="Resident seat", seats=1, method="limited",
                                             closes_on=date.today())
        elections.add_candidate(election, facilitator, email=member.email)
        elections.count(election, facilitator)
        db.session.commit()
        return {"seat": seat.id, "entry": entry.id, "meeting": meeting.id, "election": election.id}


def plan_world(factory, round_ref, ids) -> dict:
    """The neighbourhood's plan under the Community Wealth Fund framework, tied to the world's fund,
    version 1 out for comment with a resident's comment."""
    from datetime import date

    from pb.extensions import db
    from pb.funds.models import Fund
    from pb.plans import decisions, reviews, services
    from tests.factories import _user

    commenter = factory.resident(round_ref.hood)
    with factory.app.app_context():
        facilitator = _user(round_ref.facilitator)
        plan = services.start_plan(factory._hood(round_ref.hood), facilitator, framework_key="community_wealth_fund",
                                   fund=db.session.get(Fund, ids["fund"]))
        version = plan.versions[0]
        services.write_section(version, facilitator, "vision", "A neighbourhood where everyone has a say.")
        services.choose_interventions(version, facilitator, ["young_people", "community_spaces"])
        decisions.open_for_comment(version, facilitator)
        comment = decisions.comment(version, _user(commenter), section="vision", body="Add the brook path").id
        # The world's grant serves one of its interventions (so it has outputs to report).
        from pb.funds.models import Grant
        from pb.plans import tagging
        tagging.tag_grant(db.session.get(Grant, ids["grant"]), facilitator, "young_people")
        from pb.plans import legacy
        legacy.set_spend_out(plan, facilitator, threshold=150_000_00, items=["Records handed over"])
        # Approved, reviewed (a review being written), and a second version out for comment.
        decisions.approve(version, _user(round_ref.board_member), decided_on=date.today())
        reviews.start_review(plan, facilitator, title="First investment period")
        decisions.open_for_comment(services.new_version(plan, facilitator, note="Second thoughts"), facilitator)
        db.session.commit()
        from pb.plans.models import LegacyItem
        item = db.session.scalar(select(LegacyItem.id))
        plan_file = services.attach_boundary_map(plan.versions[-1], facilitator, raw=_png(),
                                                 description="The area between the road and the brook").id
        db.session.commit()
    return {"section": "vision", "plan_comment": comment, "item": item, "file": plan_file}


def consultation_world(factory, round_ref) -> dict:
    """An open consultation with paper copies printed and one online response with a written answer."""
    from werkzeug.datastructures import MultiDict

    from pb.consultations import answering, paper
    from pb.consultations.models import Consultation, ConsultationText
    from pb.extensions import db
    from tests.factories import _user, make_consultation

    ref = make_consultation(factory, round_ref.hood, facilitator=round_ref.facilitator)
    resident = factory.resident(round_ref.hood)
    with factory.app.app_context():
        consultation = db.session.get(Consultation, ref.id)
        batch = paper.print_copies(consultation, _user(round_ref.facilitator), 5).id
        user = _user(resident)
        key = answering.owner_key(consultation, user=user)
        for question in consultation.questions[:1] + consultation.questions[4:5]:
            value = "0" if question.kind == "one" else "More benches please"
            answering.save_answer(consultation, user, key, question, MultiDict({f"q{question.id}": value}))
        answering.send(consultation, user, key)
        text = db.session.scalar(select(ConsultationText.id).where(ConsultationText.consultation_id == ref.id))
        from datetime import date

        from pb.consultations import engagement
        activity = engagement.record_activity(consultation.neighbourhood, _user(round_ref.facilitator), kind="stall",
                                              held_on=date.today(), place="Market", people=30,
                                              by_age={"16 to 24": 5}, photo=_png(), photo_alt="The stall").id
        engagement.import_profile(consultation.neighbourhood, _user(round_ref.facilitator), source="Census 2021",
                                  year=2021, text="group,band,population\nage,16 to 24,300\nage,25 to 34,500\n")
        db.session.commit()
    return {"activity": activity, "consultation": ref.id, "question": ref.question_ids[0], "batch": batch, "serial": 1, "text": text}


def money_world(factory, round_ref) -> dict:
    """A fund with a capacity-building grant, accepted, with one payment: behind the money pages."""
    from datetime import date, timedelta

    from pb.extensions import db
    from pb.funds import delivery, grants, payments, planning
    from pb.funds.figures import financial_year_of
    from pb.national import services as national
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
        update = delivery.post_update(grant, facilitator, status="on_track", body="Two sessions so far")
        programme = national.create_programme(
            _user(factory.person(admin=True)), name="Community Wealth Fund", description="", first_year="2027/28",
            years=10, annual_amount=1_000_000_00, base_amount=0, population_weight=60, deprivation_weight=40)
        ids = {"fund": fund.id, "grant": grant.id, "payment": payment.id, "decision": decision.id, "update": update.id,
               "programme": programme.id, "start": 2027}
        db.session.commit()
    return ids


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
