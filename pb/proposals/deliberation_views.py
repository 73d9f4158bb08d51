"""Proposals, the deliberation pages: comments and moderation, supports, amendments, events, and
unsubscribing from emails. Its routes join the proposals blueprint (see pb.app)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import found, one_of_this_neighbourhood, public, roles, signed_in, viewer_roles
from pb.extensions import db
from pb.forms import EmptyForm
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, RESIDENT
from pb.numbers import whole_number
from pb.ratelimits import AMENDMENTS, COMMENTS, REPORTS, on_post, person_or_address
from pb.rounds.models import Round
from pb.rounds.queries import load_round
from pb.services import ServiceError
from pb.text import word_diff

from . import queries, services
from .forms import (
    AmendmentForm,
    AmendmentResponseForm,
    CommentForm,
    EditCommentForm,
    EventForm,
    FlagForm,
    HideForm,
    HideProposalForm,
)
from .models import (
    FIELD_LABELS,
    PENDING,
    STANCES,
    Amendment,
    Comment,
    DeliberationEvent,
    Proposal,
)
from .pages import author_only, bp, discussion_state, form_status, htmx_partial, load_proposal, proposal_numbers, render_show

# --- comments ---------------------------------------------------------------------------------------

def _comment(comment_id: int) -> tuple[Comment, Proposal]:
    comment = found(Comment, comment_id)
    return comment, load_proposal(comment.proposal_id)


def _discussion(proposal: Proposal, comment_form: CommentForm, **flags) -> str:
    """The discussion section alone, for htmx to swap in place."""
    return render_template("proposals/_comments.html", hood=g.neighbourhood, proposal=proposal,
                           threads=queries.comment_threads(proposal.id), comment_form=comment_form, mine=viewer_roles(),
                           **discussion_state(proposal), STANCES=STANCES, empty=EmptyForm(), edit_minutes=services.COMMENT_EDIT_MINUTES,
                           stances=services.stance_counts(proposal.id), **flags)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/comments", methods=["POST"])
@roles(RESIDENT, FACILITATOR, BOARD_MEMBER)
@on_post(COMMENTS, person_or_address)
def comment(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            parent = whole_number(form.parent_id.data, low=1)
            services.add_comment(proposal, current_user, form.body.data, form.stance.data, parent,
                                 official=bool(form.official.data))
        except ServiceError as error:
            form.fail(error)
        else:
            if htmx_partial("comments"):
                return _discussion(proposal, CommentForm(formdata=None), posted=True)
            flash("Your comment is posted.", "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id) + "#comments")
    if htmx_partial("comments"):
        # 422: htmx swaps it in (see base.html's htmx-config), with the errors by the form.
        return _discussion(proposal, form, inline_errors=True), 422
    detail = queries.proposal_detail(proposal.id)
    return render_show(detail, comment_form=form, status=400)


@bp.route("/n/<slug>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, BOARD_MEMBER)
def edit_comment(slug, comment_id):
    comment, proposal = _comment(comment_id)
    if comment.author_id != current_user.id:
        flash("You can only edit your own comments.", "error")
        return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id) + f"#comment-{comment.id}")
    form = EditCommentForm(obj=comment)
    if form.validate_on_submit():
        try:
            services.edit_comment(comment, current_user, form.body.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Comment updated.", "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id) + f"#comment-{comment.id}")
    return render_template("proposals/comment_edit.html", hood=g.neighbourhood, proposal=proposal, comment=comment,
                           form=form), form_status(form)


@bp.route("/n/<slug>/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@signed_in
@on_post(REPORTS, person_or_address)
def flag_comment(slug, comment_id):
    comment, proposal = _comment(comment_id)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            services.flag_comment(comment, current_user, form.reason.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Thank you. A facilitator will look at the comment.", "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id) + f"#comment-{comment.id}")
    return render_template("proposals/comment_flag.html", hood=g.neighbourhood, proposal=proposal, comment=comment,
                           form=form), form_status(form)


@bp.route("/n/<slug>/comments/<int:comment_id>/hide", methods=["GET", "POST"])
@roles(FACILITATOR)
def hide_comment(slug, comment_id):
    comment, proposal = _comment(comment_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            services.hide_comment(comment, current_user, form.reason.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("The comment is hidden and the reason shown in its place.", "success")
            return redirect(url_for("proposals.queue", slug=slug, round_id=proposal.round_id))
    return render_template("proposals/comment_hide.html", hood=g.neighbourhood, proposal=proposal, comment=comment,
                           form=form), form_status(form)


@bp.route("/n/<slug>/proposals/<int:proposal_id>/hide", methods=["GET", "POST"])
@roles(FACILITATOR)
def decide_hide(slug, proposal_id):
    """A former author asked for their proposal to be hidden: hide its text, or keep it, saying why."""
    proposal = load_proposal(proposal_id)
    form = HideProposalForm()
    if form.validate_on_submit():
        hide = request.form.get("decision") == "hide"
        try:
            services.decide_hide_request(proposal, current_user, hide=hide, reason=form.reason.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"{proposal.reference} is hidden; the reason shows in its place." if hide else
                  f"{proposal.reference} stays shown; the reason is in the audit log.", "success")
            return redirect(url_for("proposals.queue", slug=slug, round_id=proposal.round_id))
    return render_template("proposals/proposal_hide.html", hood=g.neighbourhood, proposal=proposal, form=form), form_status(form)


@bp.route("/n/<slug>/comments/<int:comment_id>/dismiss", methods=["POST"])
@roles(FACILITATOR)
def dismiss_flags(slug, comment_id):
    comment, proposal = _comment(comment_id)
    if EmptyForm().validate_on_submit():
        try:
            count = services.dismiss_flags(comment, current_user)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"{count} report{'s' if count != 1 else ''} dismissed; the comment stays.", "success")
    return redirect(url_for("proposals.queue", slug=slug, round_id=proposal.round_id))


# --- supports ---------------------------------------------------------------------------------------

@bp.route("/n/<slug>/proposals/<int:proposal_id>/support", methods=["POST"])
@roles(RESIDENT, verified_resident=True)
def support(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    error_message = None
    if EmptyForm().validate_on_submit():
        try:
            if request.form.get("withdraw"):
                services.withdraw_support(proposal, current_user)
                message = "Your support is withdrawn."
            else:
                services.support(proposal, current_user)
                message = f"You support {proposal.reference}."
        except ServiceError as error:
            error_message = error.message
        if htmx_partial(f"support-{proposal.id}"):
            supported = not request.form.get("withdraw") if error_message is None else bool(request.form.get("withdraw"))
            return render_template("proposals/_support.html", hood=g.neighbourhood, proposal=proposal,
                                   supported=supported, message=error_message or message, failed=bool(error_message),
                                   empty=EmptyForm(), can_support=True)
        flash(error_message or message, "error" if error_message else "success")
    return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id) + "#support")


# --- amendments -------------------------------------------------------------------------------------

@bp.route("/n/<slug>/proposals/<int:proposal_id>/amendments/new", methods=["GET", "POST"])
@roles(RESIDENT)
@on_post(AMENDMENTS, person_or_address)
def suggest_amendment(slug, proposal_id):
    proposal = load_proposal(proposal_id)
    form = AmendmentForm()
    if form.validate_on_submit():
        try:
            services.suggest_amendment(proposal, current_user, form.field.data, form.new_text.data, form.reason.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Your suggestion is sent to the proposer, who will accept or decline it.", "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id) + "#amendments")
    return render_template("proposals/amendment_new.html", hood=g.neighbourhood, proposal=proposal, form=form,
                           FIELD_LABELS=FIELD_LABELS), form_status(form)


@bp.route("/n/<slug>/amendments/<int:amendment_id>", methods=["GET", "POST"])
@roles(RESIDENT)
def respond_amendment(slug, amendment_id):
    amendment = found(Amendment, amendment_id)
    proposal = load_proposal(amendment.proposal_id)
    author_only(proposal)
    form = AmendmentResponseForm()
    if amendment.status == PENDING and form.validate_on_submit():
        try:
            services.respond_to_amendment(amendment, current_user, form.decision.data == "accept", form.reason.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Amendment accepted: your proposal has a new version." if form.decision.data == "accept"
                  else "Amendment declined; your reason is published.", "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id) + "#amendments")
    current = getattr(proposal, amendment.field)
    return render_template("proposals/amendment_respond.html", hood=g.neighbourhood, proposal=proposal,
                           amendment=amendment, form=form, FIELD_LABELS=FIELD_LABELS,
                           parts=word_diff(current, amendment.new_text)), form_status(form)


# --- deliberation events ----------------------------------------------------------------------------

def _event_input(form: EventForm) -> services.EventInput:
    numbers = proposal_numbers(form.proposals.data)
    if numbers is None:
        raise ServiceError("Enter proposal numbers like P-1, P-4", field="proposals")
    return services.EventInput(title=form.title.data, starts_at=form.starts_at.data, place=form.place.data,
                               access_notes=form.access_notes.data, minutes=form.minutes.data,
                               attendance=form.attendance.data, proposal_numbers=numbers)


@bp.route("/n/<slug>/rounds/<int:round_id>/events")
@public
def events(slug, round_id):
    round_ = load_round(round_id)
    rows = db.session.scalars(select(DeliberationEvent).where(DeliberationEvent.round_id == round_.id)
                              .order_by(DeliberationEvent.starts_at)).all()
    return render_template("proposals/events.html", hood=g.neighbourhood, round=round_, events=rows,
                           mine=viewer_roles())


@bp.route("/n/<slug>/rounds/<int:round_id>/events/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_event(slug, round_id):
    round_ = load_round(round_id)
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = services.create_event(round_, current_user, _event_input(form))
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Event added.", "success")
            return redirect(url_for("proposals.event", slug=slug, event_id=event.id))
    return render_template("proposals/event_form.html", hood=g.neighbourhood, round=round_, form=form,
                           event=None), form_status(form)


def _event(event_id: int) -> DeliberationEvent:
    return one_of_this_neighbourhood(DeliberationEvent, event_id,
                                     neighbourhood_of=lambda event: db.session.get(Round, event.round_id).neighbourhood_id)


@bp.route("/n/<slug>/events/<int:event_id>")
@public
def event(slug, event_id):
    event = _event(event_id)
    return render_template("proposals/event.html", hood=g.neighbourhood, event=event,
                           round=db.session.get(Round, event.round_id), mine=viewer_roles())


@bp.route("/n/<slug>/events/<int:event_id>/edit", methods=["GET", "POST"])
@roles(FACILITATOR)
def edit_event(slug, event_id):
    event = _event(event_id)
    round_ = db.session.get(Round, event.round_id)
    form = EventForm(obj=event)
    if request.method == "GET":
        form.proposals.data = ", ".join(p.reference for p in event.proposals)
    if form.validate_on_submit():
        try:
            services.update_event(event, current_user, _event_input(form))
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Event saved.", "success")
            return redirect(url_for("proposals.event", slug=slug, event_id=event.id))
    return render_template("proposals/event_form.html", hood=g.neighbourhood, round=round_, form=form,
                           event=event), form_status(form)
