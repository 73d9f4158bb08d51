"""Reading proposals for pages: a fixed number of queries whatever the number of proposals."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from pb.extensions import db
from pb.numbers import whole_number
from pb.text import search_text

from .models import (
    CATEGORIES,
    MERGED,
    PUBLIC_STATUSES,
    WITHDRAWN,
    Amendment,
    Comment,
    DeliberationEvent,
    Proposal,
    ProposalAuthor,
    ProposalVersion,
    Review,
    event_proposal,
)

SORTS = {"newest": "Newest first", "cost-low": "Cost, lowest first", "cost-high": "Cost, highest first",
         "supports": "Most supported", "number": "Proposal number"}
PER_PAGE = 20


@dataclass
class Filters:
    pot: int | None = None
    status: str | None = None
    category: str | None = None
    sort: str = "newest"
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        def number(name):
            return whole_number(args.get(name))

        status = args.get("status") or None
        category = args.get("category") or None
        sort = args.get("sort") or "newest"
        return cls(pot=number("pot"), status=status if status in PUBLIC_STATUSES else None,
                   category=category if category in CATEGORIES else None,
                   sort=sort if sort in SORTS else "newest", q=search_text(args.get("q")),
                   page=max(1, number("page") or 1))

    def args(self, **override) -> dict:
        values = {"pot": self.pot, "status": self.status, "category": self.category,
                  "sort": self.sort if self.sort != "newest" else None, "q": self.q or None, "page": None}
        values.update(override)
        return {k: v for k, v in values.items() if v is not None}


def proposal_page(round_id: int, filters: Filters, per_page: int = PER_PAGE):
    """(proposals on this page with their pots, total matching, number of pages): two queries."""
    stmt = select(Proposal).where(Proposal.round_id == round_id, Proposal.status.in_(PUBLIC_STATUSES))
    if filters.pot:
        stmt = stmt.where(Proposal.pot_id == filters.pot)
    if filters.status:
        stmt = stmt.where(Proposal.status == filters.status)
    if filters.category:
        stmt = stmt.where(Proposal.category == filters.category)
    if filters.q:
        like = "%" + filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions = [func.lower(Proposal.title).like(like, escape="\\"),
                      func.lower(Proposal.summary).like(like, escape="\\")]
        reference = whole_number(filters.q.upper().removeprefix("P-").removeprefix("P"))
        if reference is not None:
            conditions.append(Proposal.number == reference)
        stmt = stmt.where(or_(*conditions))
    cost = func.coalesce(Proposal.adjusted_cost, Proposal.total_cost)
    order = {
        "newest": (Proposal.submitted_at.desc(), Proposal.id.desc()),
        "cost-low": (cost.asc(), Proposal.number),
        "cost-high": (cost.desc(), Proposal.number),
        "supports": (Proposal.support_count.desc(), Proposal.number),
        "number": (Proposal.number,),
    }[filters.sort]
    # Proposals still in the running first, whatever the sort; withdrawn and merged ones after.
    ended = case((Proposal.status.in_((WITHDRAWN, MERGED)), 1), else_=0)
    # Counted first, so that a page past the end shows the last one in the same two queries.
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    found = db.paginate(stmt.options(joinedload(Proposal.pot)).order_by(ended, *order), page=min(filters.page, pages),
                        per_page=per_page, error_out=False, count=False)
    return found.items, total, pages, found.page


def proposal_detail(proposal_id: int) -> Proposal | None:
    return db.session.scalar(
        select(Proposal).where(Proposal.id == proposal_id)
        .options(joinedload(Proposal.pot), joinedload(Proposal.round), selectinload(Proposal.cost_lines),
                 selectinload(Proposal.authors).joinedload(ProposalAuthor.user), selectinload(Proposal.images)))


@dataclass
class Thread:
    comment: Comment
    replies: list


def comment_threads(proposal_id: int) -> list[Thread]:
    """Top-level comments oldest first, each with its replies: one query."""
    comments = db.session.scalars(select(Comment).where(Comment.proposal_id == proposal_id)
                                  .options(joinedload(Comment.author))
                                  .order_by(Comment.created_at, Comment.id)).all()
    threads, by_id = [], {}
    for comment in comments:
        if comment.parent_id is None:
            by_id[comment.id] = Thread(comment, [])
            threads.append(by_id[comment.id])
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in by_id:
            by_id[comment.parent_id].replies.append(comment)
    # Official answers from facilitators stand out and come first.
    threads.sort(key=lambda t: (not t.comment.official, t.comment.created_at))
    return threads


def reviews_of(proposal_id: int) -> list[Review]:
    return db.session.scalars(select(Review).where(Review.proposal_id == proposal_id)
                              .options(joinedload(Review.reviewer)).order_by(Review.id)).all()


def amendments_of(proposal_id: int) -> list[Amendment]:
    return db.session.scalars(select(Amendment).where(Amendment.proposal_id == proposal_id)
                              .options(joinedload(Amendment.author)).order_by(Amendment.id)).all()


def versions_of(proposal_id: int) -> list[ProposalVersion]:
    return db.session.scalars(select(ProposalVersion).where(ProposalVersion.proposal_id == proposal_id)
                              .order_by(ProposalVersion.number)).all()


def events_for(proposal_id: int) -> list[DeliberationEvent]:
    return db.session.scalars(select(DeliberationEvent).join(event_proposal)
                              .where(event_proposal.c.proposal_id == proposal_id)
                              .order_by(DeliberationEvent.starts_at)).all()
