"""What proposals and the debate around them hold about a person, for pb.privacy."""
from __future__ import annotations

from sqlalchemy import or_, select

from pb.accounts.personal import iso
from pb.extensions import db
from pb.neighbourhoods.models import Neighbourhood
from pb.timeutil import utcnow

from .models import DRAFT, Amendment, Comment, CommentFlag, InterestDeclaration, Proposal, ProposalAuthor, Support

HIDE_REASON = "Its author erased their pb account and asked for their words to be hidden"

HEADING = "Taking part"
HELD = {
    "proposal.proposer_id": "kept as 'A former resident'; drafts never submitted are deleted; with 'hide my words', "
                            "a proposal written alone goes to the review queue to be hidden",
    "proposal_author.user_id": "kept as 'A former resident'",
    "comment.author_id": "kept as 'A former resident'; with 'hide my words', each goes to the report queue",
    "amendment.author_id": "kept as 'A former resident'",
    "support.user_id": "kept: the support still counts",
    "comment_flag.user_id": "kept: the report still stands",
    "interest_declaration.user_id": "kept as 'A former resident': part of the public record of a decision",
}
KEPT = {
    "comment.hidden_by_id": "the facilitator who hid a comment: an official act",
    "proposal_version.created_by_id": "who made each version of a proposal: part of its public history",
    "proposal_image.uploaded_by_id": "who added a picture to a proposal: part of its public history",
    "review.reviewer_id": "the facilitator who reviewed a proposal: an official act",
    "deliberation_event.created_by_id": "who arranged a meeting: an official act",
}
NOT_ABOUT_PEOPLE = {"proposal.group_name": "the local group a proposal is made for"}


def personal_data(user) -> list[tuple]:
    hoods = {h.id: h for h in db.session.scalars(select(Neighbourhood))}
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

    return [
        ("proposals", "Proposals you wrote or co-wrote",
         [{**where(p), "status": p.status, "summary": p.summary, "created": iso(p.created_at)} for p in proposals]),
        ("comments", "Your comments",
         [{**where(p), "text": c.body, "stance": c.stance, "written": iso(c.created_at), "hidden": iso(c.hidden_at)}
          for c, p in comments]),
        ("amendments_suggested", "Changes you suggested to proposals",
         [{**where(p), "part": a.field, "suggested_text": a.new_text, "reason": a.reason, "status": a.status,
           "suggested": iso(a.created_at)} for a, p in amendments]),
        ("supported_proposals", "Proposals you supported",
         [where(p) for p in db.session.scalars(select(Proposal).join(Support, Support.proposal_id == Proposal.id)
                                               .where(Support.user_id == user.id))]),
        ("comments_reported", "Comments you reported",
         [{"comment": f.comment_id, "reason": f.reason, "reported": iso(f.created_at)}
          for f in db.session.scalars(select(CommentFlag).where(CommentFlag.user_id == user.id))]),
        ("interests_declared", "Interests you declared on proposals",
         [{"proposal": d.proposal_id, "declaration": d.description, "declared": iso(d.created_at)}
          for d in db.session.scalars(select(InterestDeclaration).where(InterestDeclaration.user_id == user.id))]),
    ]


def erase(user, *, hide_words: bool) -> dict:
    done = {"comments": 0, "proposals": 0}
    if hide_words:
        already = select(CommentFlag.comment_id).where(CommentFlag.user_id == user.id)
        for comment in db.session.scalars(select(Comment).where(
                Comment.author_id == user.id, Comment.hidden_at.is_(None), Comment.id.not_in(already))):
            db.session.add(CommentFlag(comment_id=comment.id, user_id=user.id, reason=HIDE_REASON))
            comment.flag_count += 1
            done["comments"] += 1
        # A proposal written with others stays theirs too: only one written alone is put forward.
        shared = select(ProposalAuthor.proposal_id).where(ProposalAuthor.user_id != user.id)
        for proposal in db.session.scalars(select(Proposal).where(
                Proposal.proposer_id == user.id, Proposal.status != DRAFT, Proposal.hidden_at.is_(None),
                Proposal.id.not_in(shared))):
            proposal.hide_requested_at = utcnow()
            done["proposals"] += 1
    # Drafts never submitted were never public: nothing else refers to them, so they go.
    drafts = db.session.scalars(select(Proposal).where(
        Proposal.proposer_id == user.id, Proposal.status == DRAFT, Proposal.version == 0,
        Proposal.id.not_in(select(ProposalAuthor.proposal_id).where(ProposalAuthor.user_id != user.id)))).all()
    for draft in drafts:
        db.session.delete(draft)
    done["drafts_deleted"] = len(drafts)
    return done
