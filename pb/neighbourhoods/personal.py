"""What a neighbourhood holds about a person, for pb.privacy: their memberships and roles."""
from __future__ import annotations

from sqlalchemy import delete, select

from pb.accounts.personal import iso
from pb.extensions import db

from .models import RESIDENT, ROLE_LABELS, Membership, Neighbourhood

HEADING = "Your neighbourhoods"
HELD = {
    "membership.user_id": "deleted: an erased person is nobody's resident, facilitator or board member",
}
KEPT = {
    "membership.verified_by_id": "the facilitator who verified someone: an official act",
    "verification_letter.issued_by_id": "the facilitator who printed a letter: an official act",
    "verification_letter.used_by_id": "which account a letter verified: the letter stays used",
}
NOT_ABOUT_PEOPLE = {
    "neighbourhood.name": "the neighbourhood's name",
    "neighbourhood.help_phone": "the neighbourhood's public help line",
    "neighbourhood.help_email": "the neighbourhood's public help address",
    "eligible_postcode.postcode": "the postcodes of the neighbourhood's area",
}


def personal_data(user) -> list[tuple]:
    hoods = {h.id: h for h in db.session.scalars(select(Neighbourhood))}
    return [("neighbourhoods", "Your neighbourhoods and roles",
             [{"neighbourhood": hoods[ms.neighbourhood_id].name, "role": ms.role, "joined": iso(ms.created_at),
               "verified": iso(ms.verified_at), "verified_by": ms.verification_method} for ms in user.memberships])]


def duties(user) -> list[str]:
    return [f"You are {ROLE_LABELS[ms.role].lower()} of {ms.neighbourhood.name}: ask a platform admin or another "
            "facilitator there to hand that role to someone else first."
            for ms in user.memberships if ms.role != RESIDENT]


def erase(user, *, hide_words: bool) -> dict:
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    return {}
