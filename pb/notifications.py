"""Emails about rounds and proposals, each with a link that unsubscribes its reader in one step.

The link carries a signed token (the server's secret key), so nobody can unsubscribe someone else
by editing a number in the address."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from pb.mail import queue_email

PROPOSAL_ACTIVITY = "proposal_activity"
ROUND_UPDATES = "round_updates"
PROJECT_UPDATES = "project_updates"  # the token's round id slot holds the grant's id
ASSET_UPDATES = "asset_updates"  # ... and here the community asset's id
TOPICS = {PROPOSAL_ACTIVITY: "news about proposals you put forward",
          ROUND_UPDATES: "updates when a round moves to its next phase",
          PROJECT_UPDATES: "progress updates from a funded project you follow",
          ASSET_UPDATES: "news and deadlines of a place you follow on the register of assets"}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="pb-unsubscribe")


def unsubscribe_token(user_id: int, topic: str, round_id: int | None = None) -> str:
    return _serializer().dumps({"u": user_id, "t": topic, "r": round_id})


def read_unsubscribe_token(token: str) -> dict | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") not in TOPICS or not isinstance(data.get("u"), int):
        return None
    return data


def notify(user, topic: str, subject: str, template: str, round_id: int | None = None, **context) -> None:
    """Queue one email in the caller's transaction, unless the person has opted out."""
    if topic == PROPOSAL_ACTIVITY and not user.proposal_emails:
        return
    from pb.accounts.services import _link

    link = _link("proposals.unsubscribe", token=unsubscribe_token(user.id, topic, round_id))
    queue_email(user.email, subject, template, user=user, unsubscribe_link=link, topic=TOPICS[topic], **context)


def link(endpoint: str, **values) -> str:
    from pb.accounts.services import _link

    return _link(endpoint, **values)
