"""What the proposal services share: limits, and small helpers."""
from __future__ import annotations

import hashlib

from pb.accounts.models import User
from pb.notifications import PROPOSAL_ACTIVITY, link, notify
from pb.rounds.models import (
    Round,
)

from .models import (
    NEEDS_CHANGES,
    SUBMITTED,
    Proposal,
)

LIMITS = {"title": 120, "summary": 300, "description": 10_000, "need": 3_000, "beneficiaries": 3_000, "place": 120,
          "group_name": 120}
MAX_COST_LINES = 30
MAX_IMAGES = 4
COMMENT_LIMIT = 3_000
COMMENT_EDIT_MINUTES = 15
REVIEWABLE = (SUBMITTED, NEEDS_CHANGES)


def hood_of(round_: Round):
    return round_.neighbourhood


def text_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def is_author(proposal: Proposal, user) -> bool:
    return getattr(user, "id", None) is not None and any(a.user_id == user.id for a in proposal.authors)


def notify_authors(proposal: Proposal, subject: str, template: str, skip: User | None = None, **context) -> None:
    for author in proposal.authors:
        if skip is not None and author.user_id == skip.id:
            continue
        notify(author.user, PROPOSAL_ACTIVITY, subject, template, proposal=proposal,
               link=link("proposals.show", slug=proposal.round.neighbourhood.slug, proposal_id=proposal.id), **context)
