"""What the audit ledger holds about a person, for pb.privacy: their pseudonym beside their actions,
never their name or email. Erasure leaves the ledger as it is, so it still verifies."""
from __future__ import annotations

from sqlalchemy import select

from pb.extensions import db

from .models import AuditEntry

HEADING = "The audit log"
INTRO = "The public audit log names you only by your pseudonym, never by name or email."
HELD: dict[str, str] = {}
KEPT: dict[str, str] = {}
NOT_ABOUT_PEOPLE = {"audit_log.name": "the name of a log (a neighbourhood's, or the platform's)"}


def personal_data(user) -> list[tuple]:
    return [("audit_log_entries_you_made", "Actions of yours in the audit log",
             [{"at": e.at, "action": e.action, "subject": f"{e.subject_type} {e.subject_id}"}
              for e in db.session.scalars(select(AuditEntry).where(AuditEntry.actor == user.pseudonym)
                                          .order_by(AuditEntry.id))])]


def erase(user, *, hide_words: bool) -> dict:
    return {}
