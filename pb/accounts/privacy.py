"""Residents' data rights (UK GDPR): see everything pb holds about you, erase your account, and the
retention job that deletes what is no longer needed.

What erasure keeps, and why: the account row stays under its pseudonym, emptied of name, email,
postcode and birth year, because ballots and the voter roll point at it (a ballot cast stays
counted: the result must stay recountable) and public proposals and comments stay attributed to
"A former resident" (the record of a public debate), unless the person asks for them to be hidden,
which a facilitator decides, with a public reason: comments through the usual report queue,
proposals through the round's review queue (a hidden proposal keeps its number, title and costs). The audit
ledger is untouched: it holds pseudonyms and keyed digests, never personal data, so it still verifies.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update

from pb.extensions import db
from pb.funds.models import CANCELLED, COMPLETED, Grant, GrantFollower, GrantUpdate
from pb.ledger.models import AuditEntry
from pb.ledger.services import record
from pb.neighbourhoods.models import RESIDENT, ROLE_LABELS, Membership, Neighbourhood
from pb.proposals.models import DRAFT, Amendment, Comment, CommentFlag, InterestDeclaration, Proposal, ProposalAuthor, Support
from pb.rounds.models import PUBLISHED, Round, RoundFollower, RoundPhase
from pb.services import ServiceError, transaction
from pb.timeutil import utcnow
from pb.voting.models import VoterRollEntry, VotingCode

from . import passwords
from .models import OneTimeToken, OutboxEmail, User, UserSession

FORMER_RESIDENT = "A former resident"
ERASED_DOMAIN = "erased.invalid"  # .invalid never resolves: no email can reach an erased account
# Sent emails are kept this long (to answer "did you email me?"), then deleted by the retention job.
SENT_EMAILS_KEPT = timedelta(days=30)
HIDE_REASON = "Its author erased their pb account and asked for their words to be hidden"


# --- the subject access download ------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


def everything_about(user: User) -> dict:
    """All pb holds about this person, as plain data: the JSON download and the readable page."""
    hoods = {h.id: h for h in db.session.scalars(select(Neighbourhood))}
    rounds = {r.id: r for r in db.session.scalars(select(Round).where(Round.id.in_(
        select(VoterRollEntry.round_id).where(VoterRollEntry.user_id == user.id).union(
            select(RoundFollower.round_id).where(RoundFollower.user_id == user.id)))))}
    proposal_ids = select(ProposalAuthor.proposal_id).where(ProposalAuthor.user_id == user.id)
    proposals = db.session.scalars(select(Proposal).where(or_(Proposal.id.in_(proposal_ids), Proposal.proposer_id == user.id))
                                   .order_by(Proposal.id)).all()
    comments = db.session.execute(select(Comment, Proposal).join(Proposal, Proposal.id == Comment.proposal_id)
                                  .where(Comment.author_id == user.id).order_by(Comment.id)).all()
    amendments = db.session.execute(select(Amendment, Proposal).join(Proposal, Proposal.id == Amendment.proposal_id)
                                    .where(Amendment.author_id == user.id).order_by(Amendment.id)).all()

    def where(proposal):
        return {"neighbourhood": hoods[proposal.round.neighbourhood_id].name, "proposal": f"P-{proposal.number}",
                "proposal_title": proposal.title}

    return {
        "about": "Everything pb holds about you. Your ballots' choices are not here: they are stored apart from "
                 "your name, so nobody, pb included, can say how you voted.",
        "account": {"name": user.name, "email": user.email, "email_confirmed": _iso(user.email_verified_at),
                    "postcode": user.postcode, "year_of_birth": user.birth_year, "created": _iso(user.created_at),
                    "password_last_changed": _iso(user.password_changed_at), "emails_about_my_proposals": user.proposal_emails,
                    "platform_admin": user.is_admin, "pseudonym_in_audit_logs": user.pseudonym},
        "neighbourhoods": [{"neighbourhood": hoods[ms.neighbourhood_id].name, "role": ms.role, "joined": _iso(ms.created_at),
                            "verified": _iso(ms.verified_at), "verified_by": ms.verification_method}
                           for ms in user.memberships],
        "proposals": [{**where(p), "status": p.status, "summary": p.summary, "created": _iso(p.created_at)} for p in proposals],
        "comments": [{**where(p), "text": c.body, "stance": c.stance, "written": _iso(c.created_at),
                      "hidden": _iso(c.hidden_at)} for c, p in comments],
        "amendments_suggested": [{**where(p), "part": a.field, "suggested_text": a.new_text, "reason": a.reason,
                                  "status": a.status, "suggested": _iso(a.created_at)} for a, p in amendments],
        "supported_proposals": [where(p) for p in db.session.scalars(select(Proposal).join(
            Support, Support.proposal_id == Proposal.id).where(Support.user_id == user.id))],
        "comments_reported": [{"comment": f.comment_id, "reason": f.reason, "reported": _iso(f.created_at)}
                              for f in db.session.scalars(select(CommentFlag).where(CommentFlag.user_id == user.id))],
        "interests_declared": [{"proposal": d.proposal_id, "declaration": d.description, "declared": _iso(d.created_at)}
                               for d in db.session.scalars(select(InterestDeclaration).where(
                                   InterestDeclaration.user_id == user.id))],
        "voted_in": [{"neighbourhood": hoods[rounds[v.round_id].neighbourhood_id].name, "round": rounds[v.round_id].name,
                      "how": v.method, "day": _iso(v.voted_on), "year_of_birth_on_the_roll": v.birth_year}
                     for v in db.session.scalars(select(VoterRollEntry).where(VoterRollEntry.user_id == user.id))],
        "voting_codes": [{"round": c.round_id, "issued": _iso(c.created_at), "used": _iso(c.used_at)}
                         for c in db.session.scalars(select(VotingCode).where(VotingCode.user_id == user.id))],
        "following": {"rounds": [rounds[f.round_id].name for f in db.session.scalars(
                          select(RoundFollower).where(RoundFollower.user_id == user.id))],
                      "grants": [f.grant_id for f in db.session.scalars(
                          select(GrantFollower).where(GrantFollower.user_id == user.id))]},
        "grants_you_are_contact_for": [{"grant": g.reference, "title": g.title, "status": g.status}
                                       for g in db.session.scalars(select(Grant).where(Grant.contact_id == user.id))],
        "progress_updates_posted": db.session.scalar(select(func.count()).select_from(GrantUpdate).where(
            GrantUpdate.posted_by_id == user.id)),
        "signed_in_devices": [{"since": _iso(s.created_at), "last_seen": _iso(s.last_seen_at)}
                              for s in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id))],
        "emails_sent_to_you": [{"subject": e.subject, "queued": _iso(e.created_at), "sent": _iso(e.sent_at)}
                               for e in db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == user.email)
                                                           .order_by(OutboxEmail.id))],
        "audit_log_entries_you_made": [{"at": e.at, "action": e.action, "subject": f"{e.subject_type} {e.subject_id}"}
                                       for e in db.session.scalars(select(AuditEntry).where(AuditEntry.actor == user.pseudonym)
                                                                   .order_by(AuditEntry.id))],
    }


# --- erasure --------------------------------------------------------------------------------------

def duties(user: User) -> list[str]:
    """What must be handed over before this account can be erased, in words for the page."""
    found = []
    if user.is_admin:
        found.append("You are a platform admin: ask another platform admin to remove that first.")
    for membership in user.memberships:
        if membership.role != RESIDENT:
            found.append(f"You are {ROLE_LABELS[membership.role].lower()} of {membership.neighbourhood.name}: ask a "
                         "platform admin or another facilitator there to hand that role to someone else first.")
    for grant in db.session.scalars(select(Grant).where(
            Grant.contact_id == user.id, Grant.status.not_in((COMPLETED, CANCELLED)))):
        found.append(f"You are the contact for grant {grant.reference} ({grant.title}): ask a facilitator to name a new "
                     "contact for the group first.")
    return found


def _forget_in_emails(user: User) -> None:
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


def erase(user: User, password: str, *, hide_words: bool) -> dict:
    """Erase this account's personal data. With `hide_words`, their visible comments go to the
    facilitators' report queue and their public proposals (theirs alone) to the review queue, to be
    hidden with a public reason. Returns how many of each were sent."""
    if user.erased_at is not None:
        raise ServiceError("This account has already been erased")
    if not passwords.check_password(user.password_hash, password or ""):
        raise ServiceError("Your password is not right", field="password")
    open_duties = duties(user)
    if open_duties:
        raise ServiceError("Before your account can be erased: " + " ".join(open_duties))
    sent = {"comments": 0, "proposals": 0, "drafts_deleted": 0}
    with transaction():
        if hide_words:
            already = select(CommentFlag.comment_id).where(CommentFlag.user_id == user.id)
            for comment in db.session.scalars(select(Comment).where(
                    Comment.author_id == user.id, Comment.hidden_at.is_(None), Comment.id.not_in(already))):
                db.session.add(CommentFlag(comment_id=comment.id, user_id=user.id, reason=HIDE_REASON))
                comment.flag_count += 1
                sent["comments"] += 1
            # A proposal written with others stays theirs too: only one written alone is put forward.
            shared = select(ProposalAuthor.proposal_id).where(ProposalAuthor.user_id != user.id)
            for proposal in db.session.scalars(select(Proposal).where(
                    Proposal.proposer_id == user.id, Proposal.status != DRAFT, Proposal.hidden_at.is_(None),
                    Proposal.id.not_in(shared))):
                proposal.hide_requested_at = utcnow()
                sent["proposals"] += 1
        # Drafts never submitted were never public: nothing else refers to them, so they go.
        drafts = db.session.scalars(select(Proposal).where(
            Proposal.proposer_id == user.id, Proposal.status == DRAFT, Proposal.version == 0,
            Proposal.id.not_in(select(ProposalAuthor.proposal_id).where(ProposalAuthor.user_id != user.id)))).all()
        for draft in drafts:
            db.session.delete(draft)
        sent["drafts_deleted"] = len(drafts)
        _forget_in_emails(user)
        for table in (UserSession, OneTimeToken, RoundFollower, GrantFollower, Membership):
            db.session.execute(delete(table).where(table.user_id == user.id))
        db.session.execute(update(VoterRollEntry).where(VoterRollEntry.user_id == user.id).values(birth_year=None))
        user.name = FORMER_RESIDENT
        user.email = f"erased-{user.pseudonym}@{ERASED_DOMAIN}".lower()
        user.email_verified_at = None
        user.password_hash = "!erased"  # no password matches it
        user.postcode = ""
        user.birth_year = None
        user.proposal_emails = False
        user.erased_at = utcnow()
        db.session.expire(user, ["memberships"])
        record("account.erased", user, actor=user, subject_type="account",
               payload={"comments_sent_to_be_hidden": sent["comments"], "proposals_sent_to_be_hidden": sent["proposals"],
                        "drafts_deleted": sent["drafts_deleted"]})
    return sent


# --- retention ------------------------------------------------------------------------------------

def purge(*, birth_years_after_days: int, unverified_after_days: int, now=None) -> dict:
    """The retention job (`flask --app pb privacy purge`, daily from cron):
    - voter-roll birth years, once the round closed that many days ago (its turnout is published);
    - sent emails, after SENT_EMAILS_KEPT;
    - accounts that never confirmed their email nor joined a neighbourhood as verified, and did
      nothing public (no proposal, comment, support or vote) that many days after registering;
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
                Amendment.author_id, VoterRollEntry.user_id, VotingCode.user_id, CommentFlag.user_id)])
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
