"""Emails people asked for, each with a link that unsubscribes its reader in one step: news about
their own proposals (an account setting), and the news of what they follow (pb.following).

The link carries a signed token (the server's secret key), so nobody can unsubscribe someone else
by editing a number in the address. A token names what it stops: {"u": person, "s": kind, "i": id}
for something followed, {"u": person, "t": "proposal_activity"} for proposal news. Links in emails
sent before there was one following system say {"u", "t", "r"} with a round, grant or asset topic;
they still work (`read_unsubscribe_token` reads both)."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from pb.mail import email_link, queue_email

PROPOSAL_ACTIVITY = "proposal_activity"
TOPICS = {PROPOSAL_ACTIVITY: "news about proposals you put forward"}
# The topics of the first unsubscribe links, and the kind of subject each one's "r" held.
OLD_TOPICS = {"round_updates": "round", "project_updates": "grant", "asset_updates": "asset"}

link = email_link


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="pb-unsubscribe")


def topic_token(user_id: int, topic: str) -> str:
    return _serializer().dumps({"u": user_id, "t": topic})


def subject_token(user_id: int, kind: str, subject_id: int) -> str:
    return _serializer().dumps({"u": user_id, "s": kind, "i": subject_id})


def read_unsubscribe_token(token: str) -> dict | None:
    """{"user": id, "topic": ...} or {"user": id, "kind": ..., "id": ...}; None if forged or garbled."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if isinstance(data.get("s"), str) and isinstance(data.get("i"), int):
        return {"user": data["u"], "kind": data["s"], "id": data["i"]}
    if data.get("t") == PROPOSAL_ACTIVITY:
        return {"user": data["u"], "topic": PROPOSAL_ACTIVITY}
    if data.get("t") in OLD_TOPICS and isinstance(data.get("r"), int):
        return {"user": data["u"], "kind": OLD_TOPICS[data["t"]], "id": data["r"]}
    return None


def notify(user, topic: str, subject: str, template: str, **context) -> None:
    """Queue one email about the person's own proposals in the caller's transaction, unless they opted out."""
    if topic == PROPOSAL_ACTIVITY and not user.proposal_emails:
        return
    unsubscribe = email_link("following.unsubscribe", token=topic_token(user.id, topic))
    queue_email(user.email, subject, template, user=user, unsubscribe_link=unsubscribe, topic=TOPICS[topic], **context)


def notify_about(user, kind: str, subject_id: int, topic: str, subject: str, template: str, **context) -> None:
    """Queue one email with the news of something the person follows, and the link that stops it."""
    unsubscribe = email_link("following.unsubscribe", token=subject_token(user.id, kind, subject_id))
    queue_email(user.email, subject, template, user=user, unsubscribe_link=unsubscribe, topic=topic, **context)
