"""A grant's named contact who has no pb account yet: invited by email, and linked to the grant
when someone confirms that address as theirs (registering, then clicking the confirmation link).
Until then the grant shows the invitation; only the linked account can accept the grant."""
from __future__ import annotations

from sqlalchemy import select

from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import personal_digest, record
from pb.mail import queue_email
from pb.notifications import link

from .models import Grant


def invite(grant: Grant, hood, *, approved: bool = False) -> None:
    """Email the invited address, in the caller's transaction: what the grant is, and how to make the
    account that will accept it. Sent when the contact is named and again when the board approves."""
    queue_email(grant.contact_invited_email,
                f"{hood.name}: your grant for {grant.title} is ready to accept" if approved else
                f"{hood.name}: you are named as the contact for {grant.title}",
                "grant_contact_invited", grant=grant, hood=hood, approved=approved,
                register=link("accounts.register", email=grant.contact_invited_email),
                story=link("funds.story", slug=hood.slug, grant_id=grant.id))


def claim_invitations(user: User) -> list[Grant]:
    """Link the grants whose contact was invited at this user's address, now that they have confirmed
    it is theirs; one ledger entry in each grant's neighbourhood. In the caller's transaction."""
    grants = db.session.scalars(select(Grant).where(Grant.contact_invited_email == user.email)
                                .order_by(Grant.id)).all()
    for grant in grants:
        grant.contact_id, grant.contact_name, grant.contact_invited_email = user.id, user.name, None
        db.session.expire(grant, ["contact"])
        record("grant.contact_joined", grant, actor=user, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "contact": user.pseudonym, "invited": personal_digest(user.email)})
    return grants


accounts.EMAIL_CONFIRMED_HOOKS.append(claim_invitations)
