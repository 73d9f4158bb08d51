"""The app factory.

`create_app(config)` builds the app in named steps; it does no database work, so it is safe to call
on a machine whose database is not migrated yet (the CLI needs that to run `db upgrade`).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, render_template, request
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect

from pb import config as settings
from pb import ratelimits
from pb.extensions import csrf, db, htmx, login_manager, migrate
from pb.states import State

ROOT = Path(__file__).resolve().parent.parent
# Pages that hold a ballot or its receipt even when nobody is signed in (code voting, receipt checks).
PRIVATE_PAGES = {"voting.code_vote", "voting.receipt", "voting.ballot", "voting.check", "voting.cast"}


def create_app(config: dict | None = None) -> Flask:
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("PB_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.load(app.instance_path, config))
    if app.config["PB_PROXY_COUNT"]:
        # Trust exactly that many proxies' X-Forwarded-For: throttles then see the client's address.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PB_PROXY_COUNT"], x_proto=app.config["PB_PROXY_COUNT"])
    _init_extensions(app)
    _register_url_converters(app)
    _register_blueprints(app)
    ratelimits.install(app)  # after the blueprints: it wraps the views that declare a limit
    _register_request_hooks(app)
    _register_error_pages(app)
    _register_template_helpers(app)
    from pb.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    import pb.models  # noqa: F401  (every table registered before migrations look)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = None
    # Our own server-side sessions (pb.accounts.sessions) decide who is signed in.
    login_manager.session_protection = None
    from pb.accounts import sessions

    login_manager.user_loader(sessions.load_user)


def _register_url_converters(app: Flask) -> None:
    """`<int:...>` in every route takes ASCII digits that fit an id column; anything else (a
    25-digit id, '²') is a 404, never a database error."""
    from werkzeug.routing import IntegerConverter

    from pb.numbers import MAX_INT

    class IdConverter(IntegerConverter):
        regex = r"[0-9]{1,10}"

        def __init__(self, url_map, fixed_digits=0, min=0, max=MAX_INT, signed=False):
            super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    app.url_map.converters["int"] = IdConverter


def _register_blueprints(app: Flask) -> None:
    from pb.access import public
    from pb.accounts.views import bp as accounts
    from pb.admin.views import bp as admin
    from pb.assets.views import bp as assets
    from pb.auditing.views import bp as ledger
    from pb.boards.manage_views import bp as board_admin
    from pb.boards.views import bp as boards
    from pb.consultations.manage_views import bp as consultation_admin
    from pb.consultations.views import bp as consultations
    from pb.following.views import bp as following
    from pb.funds.manage_views import bp as funds_admin
    from pb.funds.views import bp as funds
    from pb.national.views import bp as national
    from pb.neighbourhoods.views import bp as neighbourhoods
    from pb.plans.manage_views import bp as plan_admin
    from pb.plans.views import bp as plans
    from pb.proposals import deliberation_views  # noqa: F401  (its routes join the proposals blueprint)
    from pb.proposals.views import bp as proposals
    from pb.reports.manage_views import bp as reports_admin
    from pb.reports.views import bp as reports
    from pb.rounds.views import bp as rounds
    from pb.voting.views import bp as voting

    for blueprint in (accounts, neighbourhoods, rounds, proposals, voting, funds, funds_admin, national, assets, ledger,
                      admin, following, consultations, consultation_admin, plans, plan_admin,
                      boards, board_admin, reports, reports_admin):
        app.register_blueprint(blueprint)
    public(app.view_functions["static"])


def _register_request_hooks(app: Flask) -> None:
    from pb.access import enforce
    from pb.jobs import tasks

    app.before_request(enforce)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["PB_HTTPS"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Signed-in pages, ballots and receipts must never sit in a shared or back-button cache.
        if request.endpoint in PRIVATE_PAGES:
            response.headers["Cache-Control"] = "no-store"
        elif current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")  # a public picture keeps its own
        if response.mimetype == "text/html":
            # One URL answers a whole page or, to htmx, a fragment: caches must keep them apart.
            response.vary.add("HX-Request")
        return response

    @app.teardown_request
    def send_queued_mail(exc):
        # Emails were written to the outbox in the request's transaction; once it has committed, a
        # job sends them (a worker; at once in immediate mode). A failure stays in the outbox for
        # the next try, or `flask --app pb outbox send`.
        if exc is None and g.get("outbox_dirty"):
            # This request's own emails first (those that committed: a refused change wrote none).
            mine = [email.id for email in g.get("outbox_new", []) if sa_inspect(email).persistent]
            tasks.send_emails(first=mine)


def _register_error_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from pb.access import AccessDenied, how_to_get

    @app.errorhandler(AccessDenied)
    def access_denied(exc: AccessDenied):
        return render_template(
            "errors/403.html", needed=exc.rule.describe(), neighbourhood=exc.neighbourhood,
            advice=how_to_get(exc.rule, exc.neighbourhood, current_user),
        ), 403

    @app.errorhandler(403)
    def forbidden(exc):
        return render_template("errors/403.html", needed=None, neighbourhood=None,
                               advice="This page is not open to anyone."), 403

    @app.errorhandler(404)
    def not_found(exc):
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def wrong_method(exc):
        return render_template("errors/405.html"), 405

    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(413)
    def too_large(exc):
        return render_template("errors/413.html"), 413

    @app.errorhandler(429)
    def too_many(exc):
        retry_after = _seconds_until_reset()
        response = app.make_response((render_template(
            "errors/429.html", retry_words=_retry_words(retry_after),
            limit_words=_limit_words(getattr(exc, "limit", None))), 429))
        response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_template("errors/500.html"), 500


def _seconds_until_reset() -> int:
    current = ratelimits.current_limit(current_app)
    return max(1, int(current.reset_at - time.time())) if current else 60


def _retry_words(seconds: int) -> str:
    if seconds < 90:
        return "in about a minute"
    if seconds < 90 * 60:
        return f"in about {round(seconds / 60)} minutes"
    return f"in about {round(seconds / 3600)} hours"


def _limit_words(limit) -> str:
    """'30 per 5 minutes' -> '30 times in 5 minutes', for the 429 page."""
    item = getattr(limit, "limit", None)
    if item is None:
        return "many times in a short while"
    unit = item.GRANULARITY.name
    span = f"{item.multiples} {unit}s" if item.multiples > 1 else f"an {unit}" if unit == "hour" else f"a {unit}"
    return f"{item.amount} times in {span}"


def _register_template_helpers(app: Flask) -> None:
    from pb.neighbourhoods.models import ROLE_LABELS
    from pb.rounds.models import RULE_IN_PLAIN_WORDS

    # Every state enum (pb.states), so templates compare with Phase.VOTING, never with 'voting'.
    app.jinja_env.globals.update({state.__name__: state for state in State.__subclasses__()})

    @app.context_processor
    def globals_for_templates():
        return {"current_neighbourhood": g.get("neighbourhood"), "ROLE_LABELS": ROLE_LABELS,
                "RULE_IN_PLAIN_WORDS": RULE_IN_PLAIN_WORDS,
                "request_path": request.path if has_request_context() else ""}

    @app.template_global()
    def covering_neighbourhoods(postcode):
        from pb.neighbourhoods.services import neighbourhoods_covering

        return neighbourhoods_covering(postcode)

    @app.template_global()
    def input_attrs(field, described, extra_class="", type=None, checkbox=False):
        """Attributes for a form control: hint and error linked by aria-describedby, error state."""
        attrs = {}
        if described:
            attrs["aria-describedby"] = " ".join(described)
        if field.errors:
            attrs["aria-invalid"] = "true"
        if not checkbox:
            base = (field.render_kw or {}).get("class", "")
            attrs["class"] = " ".join(c for c in ("input", base, extra_class, "input-error" if field.errors else "") if c)
        if type:
            attrs["type"] = type
        return attrs

    @app.template_filter("money")
    def money(pence: int | None) -> str:
        from pb.money import pounds as whole_pounds

        return whole_pounds(pence)

    @app.template_filter("paragraphs")
    def paragraphs(text: str):
        """Plain text typed by residents, shown as paragraphs (escaped: never HTML)."""
        from markupsafe import Markup, escape

        blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
        return Markup("".join(f"<p>{escape(b)}</p>".replace("\n", Markup("<br>")) for b in blocks))

    @app.template_filter("day")
    def day(value) -> str:
        """A date as people write it: 14 March 2027."""
        return value.strftime("%-d %B %Y")

    @app.template_filter("ordinal")
    def ordinal(n: int) -> str:
        """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st."""
        suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"

    @app.template_filter("pounds")
    def pounds(pence: int) -> str:
        return f"£{pence / 100:,.2f}"
