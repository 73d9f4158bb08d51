"""Who may use each route: the one place it is declared and enforced.

Every view function carries a rule set by one of the decorators below; `enforce` runs before every
request and denies any endpoint without one, so a route someone forgot to mark is closed, not open.
`tests/test_access.py` walks `app.url_map` and fails if any route has no rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.extensions import db
from pb.neighbourhoods.models import (
    BOARD_MEMBER,
    FACILITATOR,
    RESIDENT,
    ROLE_PLURALS,
    Neighbourhood,
)

PUBLIC = "public"
SIGNED_IN = "signed in"
ADMIN = "platform admin"
ROLE = "role"


@dataclass(frozen=True)
class Rule:
    kind: str
    roles: frozenset = field(default_factory=frozenset)
    verified_resident: bool = False

    def describe(self) -> str:
        if self.kind == ROLE:
            names = sorted(ROLE_PLURALS[r] for r in self.roles)
            if self.verified_resident:
                names = ["verified residents" if n == "residents" else n for n in names]
            return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
        return self.kind


class AccessDenied(Exception):
    """Carries what the 403 page tells the person: what is needed and how to get it."""

    def __init__(self, rule: Rule, neighbourhood=None, reason: str | None = None):
        super().__init__(rule.describe())
        self.rule = rule
        self.neighbourhood = neighbourhood
        self.reason = reason


def _mark(view, rule: Rule):
    view.access_rule = rule
    return view


def public(view):
    """Anyone, signed in or not."""
    return _mark(view, Rule(PUBLIC))


def signed_in(view):
    """Anyone with an account who has signed in."""
    return _mark(view, Rule(SIGNED_IN))


def admin_only(view):
    """Platform admins only."""
    return _mark(view, Rule(ADMIN))


def roles(*names: str, verified_resident: bool = False):
    """People holding one of these roles in the neighbourhood named by the URL's <slug>.
    With verified_resident, a resident counts only once verified."""

    def decorate(view):
        return _mark(view, Rule(ROLE, frozenset(names), verified_resident))

    return decorate


def rule_for(endpoint: str | None) -> Rule | None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access_rule", None)


def holds(user, neighbourhood, rule: Rule) -> bool:
    for membership in user.roles_in(neighbourhood):
        if membership.role not in rule.roles:
            continue
        if membership.role == RESIDENT and rule.verified_resident and not membership.verified:
            continue
        return True
    return False


def enforce():
    """before_request: load the neighbourhood named in the URL, then apply the endpoint's rule."""
    if request.endpoint is None:
        return None  # no route matched: the 404 handler answers
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("route %s has no access rule: denied", request.endpoint)
        abort(403)

    slug = (request.view_args or {}).get("slug")
    if slug is not None:
        g.neighbourhood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
        if g.neighbourhood is None:
            abort(404)

    if rule.kind == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in", next=request.full_path if request.method == "GET" else None))
    if rule.kind == SIGNED_IN:
        return None
    if rule.kind == ADMIN:
        if not current_user.is_admin:
            raise AccessDenied(rule)
        return None
    if not holds(current_user, g.neighbourhood, rule):
        raise AccessDenied(rule, g.neighbourhood)
    return None


def how_to_get(rule: Rule, neighbourhood, user) -> str:
    """Plain-English advice for the 403 page."""
    if rule.kind == ADMIN:
        return "Only platform admins can use this page. If you need a change made, contact the team that runs pb."
    if rule.roles == {RESIDENT} or (RESIDENT in rule.roles and rule.verified_resident):
        if user.is_authenticated and neighbourhood is not None:
            mine = {m.role: m for m in user.roles_in(neighbourhood)}
            if RESIDENT in mine and not mine[RESIDENT].verified:
                return ("You are a resident here but not yet verified. Enter the code from your verification "
                        "letter, or ask a facilitator to check your address.")
        return "Join this neighbourhood as a resident from its page, then get verified by a facilitator or with a letter."
    if FACILITATOR in rule.roles or BOARD_MEMBER in rule.roles:
        return "Roles like this are given by the neighbourhood's facilitators or platform admins. Ask them if you think you should have it."
    return "Ask the neighbourhood's facilitators or a platform admin to give you this role."


# --- loading what a URL names -------------------------------------------------------------------

def found(model, object_id: int):
    """The `model` row with this id, or 404."""
    row = db.session.get(model, object_id)
    if row is None:
        abort(404)
    return row


def one_of_this_neighbourhood(model, object_id: int, *, neighbourhood_of=None):
    """The `model` row with this id if it belongs to the neighbourhood in the URL; else 404 (never
    403: another neighbourhood's objects are not even said to exist). `neighbourhood_of(row)` gives
    the neighbourhood's id for a row that holds none itself (a payment: its grant's)."""
    row = found(model, object_id)
    owner = neighbourhood_of(row) if neighbourhood_of else row.neighbourhood_id
    if owner != g.neighbourhood.id:
        abort(404)
    return row


def viewer_roles() -> set[str]:
    """The signed-in person's roles in the neighbourhood in the URL (none when signed out)."""
    if not current_user.is_authenticated:
        return set()
    return {m.role for m in current_user.roles_in(g.neighbourhood)}

