"""What both proposal view modules share: the blueprint, loading a proposal named in a URL, and
rendering its page (pb.proposals.views registers the proposal routes on it, deliberation_views the
discussion's)."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import viewer_roles
from pb.extensions import db, htmx
from pb.forms import EmptyForm
from pb.neighbourhoods.models import FACILITATOR, RESIDENT
from pb.neighbourhoods.services import why_not_comment
from pb.rounds.models import DELIBERATION, PHASE_LABELS, PHASES

from . import queries, services
from .forms import CommentForm
from .models import DRAFT, FIELD_LABELS, STANCES, Proposal, Support

bp = Blueprint("proposals", __name__)
REFERENCE = re.compile(r"^P?-?(\d+)$", re.IGNORECASE)


def form_status(form) -> int:
    return 400 if form.has_errors else 200


def htmx_partial(target: str) -> bool:
    return bool(htmx) and htmx.target == target


def is_facilitator() -> bool:
    return FACILITATOR in viewer_roles()


def load_proposal(proposal_id: int, *, detail: bool = False) -> Proposal:
    proposal = queries.proposal_detail(proposal_id) if detail else db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round.neighbourhood_id != g.neighbourhood.id:
        abort(404)
    if proposal.status == DRAFT and not (services.is_author(proposal, current_user) or is_facilitator()):
        abort(404)  # drafts are private to their authors (and facilitators helping them)
    return proposal


def author_only(proposal: Proposal) -> None:
    if not services.is_author(proposal, current_user):
        flash("Only the proposal's authors can do that. You can suggest a change as an amendment instead.", "error")
        abort(redirect(url_for("proposals.show", slug=g.neighbourhood.slug, proposal_id=proposal.id)))


def render_show(proposal: Proposal, comment_form: CommentForm | None = None, status: int = 200):
    mine = viewer_roles()
    me = current_user if current_user.is_authenticated else None
    supported = False
    if me is not None and proposal.round.phase == DELIBERATION:
        supported = db.session.scalar(select(Support.id).where(Support.proposal_id == proposal.id,
                                                              Support.user_id == me.id)) is not None
    merged_into = db.session.get(Proposal, proposal.merged_into_id) if proposal.merged_into_id else None
    return render_template(
        "proposals/show.html", hood=g.neighbourhood, proposal=proposal, round=proposal.round,
        threads=queries.comment_threads(proposal.id), reviews=queries.reviews_of(proposal.id),
        amendments=queries.amendments_of(proposal.id), events=queries.events_for(proposal.id),
        versions=queries.versions_of(proposal.id), stances=services.stance_counts(proposal.id),
        mine=mine, is_author=services.is_author(proposal, me), supported=supported, merged_into=merged_into,
        comment_form=comment_form or CommentForm(), form=comment_form, empty=EmptyForm(), STANCES=STANCES,
        PHASES=PHASES, PHASE_LABELS=PHASE_LABELS, FIELD_LABELS=FIELD_LABELS,
        **discussion_state(proposal), can_support=RESIDENT in mine,
        edit_minutes=services.COMMENT_EDIT_MINUTES,
        serves=services.intervention_choices(g.neighbourhood).get(proposal.intervention or "")), status


def proposal_numbers(text: str) -> list[int] | None:
    numbers = []
    for part in re.split(r"[,\s]+", text or ""):
        if not part:
            continue
        match = REFERENCE.match(part)
        if not match:
            return None
        numbers.append(int(match.group(1)))
    return numbers


def discussion_state(proposal: Proposal) -> dict:
    """Whether the discussion is closed (to everyone) and, if not, why this viewer cannot comment:
    the services' own rules, so the page never offers a box the service would refuse."""
    closed = services.why_closed_for_discussion(proposal)
    me = current_user if current_user.is_authenticated else None
    refusal = why_not_comment(me, g.neighbourhood) if me is not None and not closed else None
    return {"discussion_closed": closed, "comment_refusal": refusal,
            "may_comment": me is not None and not closed and refusal is None}
