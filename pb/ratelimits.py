"""Request rate limits (Flask-Limiter): how many requests one address, or one signed-in person,
may make to a costly or abusable page in a window.

Two tools do two jobs here:
- Flask-Limiter (this module) caps request *volume*: floods of registrations, reset emails,
  comments, uploads or downloads. Its counters live in Redis when REDIS_URL is set, shared by every
  app server; otherwise in each process's memory, which is right for one server only.
- `pb.throttle` counts *failures* in the database: wrong passwords, letter codes and voting codes.
  Guessing is slowed per account and per code across every server whatever the storage, and a
  success clears the count, which a volume limit cannot do.
"""
from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_login import current_user

# The limits, in one table so the README and the tests can name them.
REGISTER = "10 per hour"
SIGN_IN = "30 per 5 minutes"
EMAILS = "5 per hour"  # password reset and confirmation emails: each one sends mail
CODES = "30 per 10 minutes"  # letter and voting codes (the database also counts wrong ones)
COMMENTS = "20 per 10 minutes"
REPORTS = "20 per hour"
AMENDMENTS = "10 per hour"
UPLOADS = "30 per hour"
DOWNLOADS = "120 per minute"
# Consultation pages: a person sends one page per question, and a community centre's shared
# address may have a queue of people answering "anyone with the link" consultations in turn.
ANSWERS = "300 per 10 minutes"


def client_address() -> str:
    # ProxyFix (PB_PROXY_COUNT) has already put the client's own address here behind a proxy.
    return request.remote_addr or "unknown"


def person_or_address() -> str:
    """Signed-in people are limited as themselves (several share a community centre's address)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{client_address()}"


def on_post(limit: str, key_func=None):
    """Limit only form submissions: looking at a page is never what is abused."""
    return _declare(limit, ["POST"], key_func)


def on_get(limit: str):
    return _declare(limit, ["GET"], None)


def _declare(limit, methods, key_func):
    # Views only declare their limit; `install` applies it with the app's own Limiter, so two apps in
    # one process (tests, the CLI) never share counters, storage or settings.
    def mark(view):
        view.rate_limits = [*getattr(view, "rate_limits", []), (limit, methods, key_func)]
        return view

    return mark


def install(app) -> Limiter:
    """One Limiter per app: Redis storage when REDIS_URL is set (see pb.config), memory otherwise."""
    limiter = Limiter(key_func=client_address, headers_enabled=True)
    limiter.init_app(app)
    for endpoint, view in list(app.view_functions.items()):
        for limit, methods, key_func in getattr(view, "rate_limits", []):
            view = limiter.limit(limit, methods=methods, key_func=key_func)(view)
        app.view_functions[endpoint] = view
    app.extensions["pb_limiter"] = limiter
    return limiter


def current_limit(app):
    return app.extensions["pb_limiter"].current_limit
