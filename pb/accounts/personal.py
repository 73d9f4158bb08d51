"""What an account holds about its person, for pb.privacy: the account itself, sign-ins, one-time
links and the emails pb sent them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from pb.extensions import db
from pb.mail.models import OutboxEmail
from pb.timeutil import utcnow

from .models import OneTimeToken, User, UserSession

FORMER_RESIDENT = "A former resident"
ERASED_DOMAIN = "erased.invalid"  # .invalid never resolves: no email can reach an erased account
# Sent emails are kept this long (to answer "did you email me?"), then deleted by the retention job.
SENT_EMAILS_KEPT = timedelta(days=30)

HEADING = "Your account"
HELD = {
    "user_account.name": "emptied to 'A former resident'",
    "user_account.email": "replaced by an address that cannot receive email",
    "user_account.email_verified_at": "emptied",
    "user_account.postcode": "emptied",
    "user_account.proposal_emails": "turned off",
    "user_session.user_id": "deleted: every device is signed out",
    "one_time_token.user_id": "deleted",
    "outbox_email.to_address": "emails to the person are deleted",
    "outbox_email.about_user_id": "emails naming the person lose the name before sending, or go once sent",
}
KEPT: dict[str, str] = {}
NOT_ABOUT_PEOPLE: dict[str, str] = {}


def iso(value):
    return value.isoformat() if value is not None else None


def personal_data(user: User) -> list[tuple]:
    return [
        ("account", "Your account", {
            "name": user.name, "email": user.email, "email_confirmed": iso(user.email_verified_at),
            "postcode": user.postcode, "year_of_birth": user.birth_year, "created": iso(user.created_at),
            "password_last_changed": iso(user.password_changed_at), "emails_about_my_proposals": user.proposal_emails,
            "platform_admin": user.is_admin, "pseudonym_in_audit_logs": user.pseudonym}),
        ("signed_in_devices", "Where you are signed in",
         [{"since": iso(s.created_at), "last_seen": iso(s.last_seen_at)}
          for s in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id))]),
        ("emails_sent_to_you", "Emails pb sent or is about to send you",
         [{"subject": e.subject, "queued": iso(e.created_at), "sent": iso(e.sent_at)}
          for e in db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == user.email)
                                      .order_by(OutboxEmail.id))]),
    ]


def duties(user: User) -> list[str]:
    if user.is_admin:
        return ["You are a platform admin: ask another platform admin to remove that first."]
    return []


def forget_in_emails(user: User) -> None:
    """Emails hold names and addresses in their text: those to the person go; those to others that
    name them (a comment notice to a proposer: the email says whom it is about) go once sent, or lose
    the name before they are sent. Nobody else's email is touched, whatever its text contains."""
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.to_address == user.email))
    for email in db.session.scalars(select(OutboxEmail).where(OutboxEmail.about_user_id == user.id)):
        if email.sent_at is not None:
            db.session.delete(email)
        else:
            email.subject = email.subject.replace(user.name, FORMER_RESIDENT)
            email.body = email.body.replace(user.name, FORMER_RESIDENT)
            email.about_user_id = None


def erase(user: User, *, hide_words: bool) -> dict:
    forget_in_emails(user)
    for table in (UserSession, OneTimeToken):
        db.session.execute(delete(table).where(table.user_id == user.id))
    user.name = FORMER_RESIDENT
    user.email = f"erased-{user.pseudonym}@{ERASED_DOMAIN}".lower()
    user.email_verified_at = None
    user.password_hash = "!erased"  # no password matches it
    user.postcode = ""
    user.birth_year = None
    user.proposal_emails = False
    user.erased_at = utcnow()
    db.session.expire(user, ["memberships"])
    return {}
