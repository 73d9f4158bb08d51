"""The retention job: what pb deletes once it is no longer needed (`flask --app pb privacy purge`,
run daily by the job worker)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from pb.accounts.models import User
from pb.accounts.personal import SENT_EMAILS_KEPT
from pb.consultations.models import ConsultationRoll
from pb.extensions import db
from pb.funds.models import CANCELLED, COMPLETED, Grant
from pb.ledger.services import record
from pb.mail.models import OutboxEmail
from pb.neighbourhoods.models import Membership
from pb.proposals.models import Amendment, Comment, CommentFlag, Proposal, ProposalAuthor, Support
from pb.rounds.models import PUBLISHED, RoundPhase
from pb.services import transaction
from pb.timeutil import utcnow
from pb.voting.models import VoterRollEntry, VotingCode


def purge(*, birth_years_after_days: int, unverified_after_days: int, now=None) -> dict:
    """The retention job (`flask --app pb privacy purge`, daily from cron):
    - voter-roll birth years, once the round closed that many days ago (its turnout is published);
    - sent emails, after SENT_EMAILS_KEPT;
    - accounts that never confirmed their email nor joined a neighbourhood as verified, and did
      nothing public (no proposal, comment, support, vote or consultation answer) that many days
      after registering;
    - the address a grant's contact was invited at, once the grant is cancelled or completed
      without anyone having taken the invitation up (nobody is left to link it to)."""
    now = now or utcnow()
    closed_before = now - timedelta(days=birth_years_after_days)
    closed_rounds = select(RoundPhase.round_id).where(RoundPhase.phase == PUBLISHED, RoundPhase.started_at < closed_before)
    with transaction():
        emails = db.session.execute(delete(OutboxEmail).where(
            OutboxEmail.sent_at.is_not(None), OutboxEmail.sent_at < now - SENT_EMAILS_KEPT)).rowcount
        years = db.session.execute(update(VoterRollEntry).where(
            VoterRollEntry.round_id.in_(closed_rounds), VoterRollEntry.birth_year.is_not(None)).values(birth_year=None)).rowcount
        stale = select(User.id).where(
            User.email_verified_at.is_(None), User.erased_at.is_(None), User.is_admin.is_(False),
            User.created_at < now - timedelta(days=unverified_after_days),
            ~select(Membership.id).where(Membership.user_id == User.id,
                                               Membership.verified_at.is_not(None)).exists(),
            *[~select(column).where(column == User.id).exists() for column in (
                Proposal.proposer_id, ProposalAuthor.user_id, Comment.author_id, Support.user_id,
                Amendment.author_id, VoterRollEntry.user_id, VotingCode.user_id, CommentFlag.user_id,
                ConsultationRoll.user_id)])
        ids = list(db.session.scalars(stale))
        for user_id in ids:
            pseudonym = db.session.scalar(select(User.pseudonym).where(User.id == user_id))
            user = db.session.get(User, user_id)
            db.session.execute(delete(OutboxEmail).where(OutboxEmail.to_address == user.email))
            db.session.delete(user)  # memberships, sessions, links and follows go with it (ON DELETE CASCADE)
            record("account.deleted_unverified", None, subject_type="account", subject_id=pseudonym,
                   payload={"after_days": unverified_after_days})
        if years:
            record("privacy.birth_years_deleted", None, subject_type="voter_roll", subject_id="closed rounds",
                   payload={"entries": years, "after_days": birth_years_after_days})
        invitations = db.session.execute(update(Grant).where(
            Grant.contact_invited_email.is_not(None), Grant.status.in_((CANCELLED, COMPLETED)))
            .values(contact_invited_email=None)).rowcount
        if invitations:
            record("privacy.invitations_cleared", None, subject_type="grant", subject_id="ended grants",
                   payload={"grants": invitations})
    return {"birth_years": years, "accounts": len(ids), "sent_emails": emails, "invitations": invitations}
