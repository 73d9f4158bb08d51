"""What the money holds about a person, for pb.privacy: grants they are the contact for, interests
they declared, updates they posted."""
from __future__ import annotations

from sqlalchemy import select, update

from pb.accounts.personal import FORMER_RESIDENT, iso
from pb.extensions import db

from .models import CANCELLED, COMPLETED, Grant, GrantInterest, GrantUpdate

HEADING = "Money"
HELD = {
    "fund_grant.contact_id": "kept as 'A former resident' (only once the grant has ended: a live grant needs a new contact first)",
    "fund_grant.contact_name": "replaced by 'A former resident'",
    "fund_grant.contact_invited_email": "cleared by the retention job once the grant ends",
    "grant_interest.user_id": "kept as 'A former resident': part of the public record of a decision",
    "grant_update.posted_by_id": "kept as 'A former resident': the update is the group's public report",
}
KEPT = {
    "fund.created_by_id": "who set a fund up: an official act",
    "fund.closed_by_id": "who closed a fund's books: an official act",
    "source_receipt.recorded_by_id": "who recorded money received: an official act",
    "fund_grant.created_by_id": "who offered a grant: an official act",
    "grant_decision.proposed_by_id": "who proposed a board decision: an official act",
    "decision_approval.member_id": "a board member's approval: an official act",
    "payment.recorded_by_id": "who recorded a payment: an official act",
    "payment.approved_by_id": "who approved a payment: an official act",
}
NOT_ABOUT_PEOPLE = {
    "fund.name": "the fund's name",
    "fund_source.name": "where money comes from (a funder, a council)",
    "fund_grant.body_name": "the group a grant is made to",
}


def personal_data(user) -> list[tuple]:
    return [
        ("grants_you_are_contact_for", "Grants you are the contact for",
         [{"grant": g.reference, "title": g.title, "status": g.status}
          for g in db.session.scalars(select(Grant).where(Grant.contact_id == user.id))]),
        ("interests_declared_in_grants", "Interests you declared in grants",
         [{"grant": g.reference, "title": g.title, "declaration": i.description, "declared": iso(i.created_at)}
          for i, g in db.session.execute(select(GrantInterest, Grant).join(Grant, Grant.id == GrantInterest.grant_id)
                                         .where(GrantInterest.user_id == user.id).order_by(GrantInterest.id))]),
        ("progress_updates_posted", "Progress updates you posted",
         [{"grant": g.reference, "posted": iso(u.created_at)}
          for u, g in db.session.execute(select(GrantUpdate, Grant).join(Grant, Grant.id == GrantUpdate.grant_id)
                                         .where(GrantUpdate.posted_by_id == user.id).order_by(GrantUpdate.id))]),
    ]


def duties(user) -> list[str]:
    return [f"You are the contact for grant {g.reference} ({g.title}): ask a facilitator to name a new contact for the "
            "group first." for g in db.session.scalars(select(Grant).where(
                Grant.contact_id == user.id, Grant.status.not_in((COMPLETED, CANCELLED))))]


def erase(user, *, hide_words: bool) -> dict:
    db.session.execute(update(Grant).where(Grant.contact_id == user.id).values(contact_name=FORMER_RESIDENT))
    return {}
