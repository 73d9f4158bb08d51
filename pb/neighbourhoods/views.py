"""Public neighbourhood pages, joining, residency verification (residents and facilitators)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from pb import timeutil
from pb.access import public, roles, signed_in
from pb.accounts.models import User
from pb.assets import services as asset_services
from pb.assets.queries import assets_of
from pb.boards.meetings import next_meeting
from pb.consultations.queries import open_consultations
from pb.extensions import db, htmx
from pb.forms import EmptyForm
from pb.numbers import whole_number
from pb.plans.progress import progress
from pb.plans.services import plan_of
from pb.postcodes import normalise
from pb.ratelimits import CODES, on_post
from pb.rounds.models import DELIVERY, Round
from pb.services import ServiceError
from pb.text import search_text

from . import services
from .forms import HelpRoutesForm, IssueLettersForm, LetterCodeForm, PostcodeCheckForm
from .models import (
    AUDITOR,
    BOARD_MEMBER,
    FACILITATOR,
    RESIDENT,
    EligiblePostcode,
    Membership,
    Neighbourhood,
    VerificationLetter,
)

bp = Blueprint("neighbourhoods", __name__)
PAGE_SIZE = 25


@bp.route("/")
@public
def home():
    hoods = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.name)).all()
    counts = dict(db.session.execute(
        select(Membership.neighbourhood_id, func.count()).where(Membership.role == RESIDENT)
        .group_by(Membership.neighbourhood_id)).all())
    return render_template("neighbourhoods/home.html", neighbourhoods=hoods, resident_counts=counts)


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.route("/n/<slug>/")
@public
def show(slug):
    hood = g.neighbourhood
    people = db.session.execute(
        select(Membership.role, User.name).join(User, User.id == Membership.user_id)
        .where(Membership.neighbourhood_id == hood.id, Membership.role.in_([BOARD_MEMBER, FACILITATOR]))
        .order_by(User.name)).all()
    board = [name for role, name in people if role == BOARD_MEMBER]
    facilitators = [name for role, name in people if role == FACILITATOR]
    residents = db.session.execute(
        select(func.count(), func.count(Membership.verified_at))
        .where(Membership.neighbourhood_id == hood.id, Membership.role == RESIDENT)).one()
    postcode_count = db.session.scalar(select(func.count()).select_from(EligiblePostcode)
                                       .where(EligiblePostcode.neighbourhood_id == hood.id))
    mine = current_user.roles_in(hood) if current_user.is_authenticated else []
    in_area = current_user.is_authenticated and services.postcode_in_area(hood, current_user.postcode)

    rounds = db.session.scalars(select(Round).where(Round.neighbourhood_id == hood.id, Round.phase != DELIVERY)
                                .order_by(Round.created_at.desc()).limit(5)).all()
    places = [(asset, asset_services.status(asset)) for asset in assets_of(hood.id)]
    return render_template("neighbourhoods/show.html", hood=hood, rounds=rounds, board=board, facilitators=facilitators,
                           next_meeting=next_meeting(hood),
                           resident_count=residents[0], verified_count=residents[1], mine=mine,
                           in_area=in_area, postcode_count=postcode_count, form=EmptyForm(), places=places,
                           ASSET_STATES=asset_services.STATES,
                           consultations=open_consultations(hood, timeutil.today()), today=timeutil.today(),
                           **_plan_summary(hood))


def _plan_summary(hood) -> dict:
    """The vision and a line per intervention of the plan in force, which the page leads with."""
    plan = plan_of(hood)
    version = plan.current if plan else None
    if version is None:
        return {"vision": None, "plan_lines": []}
    return {"vision": version.content["vision"], "plan_lines": progress(plan, version)}


@bp.route("/postcode")
@public
def postcode_check():
    """Before registering: is my postcode in a neighbourhood on pb?"""
    form = PostcodeCheckForm(request.args)
    postcode, covering = None, None
    if request.args and form.validate():
        postcode = normalise(form.postcode.data)
        if postcode is None:
            form.postcode.errors = ["Enter a real UK postcode, like EB1 1AA"]
        else:
            covering = services.neighbourhoods_covering(postcode)
    return render_template("neighbourhoods/postcode_check.html", form=form, postcode=postcode,
                           covering=covering), 400 if form.has_errors else 200


@bp.route("/n/<slug>/help", methods=["GET", "POST"])
@roles(FACILITATOR)
def help_routes(slug):
    hood = g.neighbourhood
    form = HelpRoutesForm(obj=hood)
    if form.validate_on_submit():
        try:
            changed = services.set_help_routes(hood, current_user, phone=form.help_phone.data,
                                               email=form.help_email.data, in_person=form.help_in_person.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Saved: residents now see these on the neighbourhood's page, letters and voting cards." if changed
                  else "Nothing was changed.", "success")
            return redirect(url_for("neighbourhoods.show", slug=slug) + "#help")
    return render_template("neighbourhoods/help_routes.html", hood=hood, form=form), 400 if form.has_errors else 200


@bp.route("/n/<slug>/join", methods=["POST"])
@signed_in
def join(slug):
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.join_as_resident(current_user, g.neighbourhood)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"You have joined {g.neighbourhood.name} as a resident. Next, get verified so you can propose and vote.", "success")
    return redirect(url_for("neighbourhoods.show", slug=slug))


@bp.route("/n/<slug>/verify", methods=["GET", "POST"])
@roles(RESIDENT)
@on_post(CODES)
def verify_with_letter(slug):
    hood = g.neighbourhood
    member = services.membership(current_user, hood, RESIDENT)
    if member.verified:
        return render_template("neighbourhoods/verified.html", hood=hood, member=member)
    form = LetterCodeForm()
    if form.validate_on_submit():
        try:
            member = services.redeem_letter(current_user, hood, form.code.data)
        except ServiceError as error:
            form.fail(error)
        else:
            return render_template("neighbourhoods/verified.html", hood=hood, member=member, just_now=True)
    return render_template("neighbourhoods/verify.html", hood=hood, form=form), 400 if form.has_errors else 200


# --- facilitators -------------------------------------------------------------------------------

@bp.route("/n/<slug>/residents")
@roles(FACILITATOR)
def residents(slug):
    hood = g.neighbourhood
    query = search_text(request.args.get("q"))
    status = request.args.get("status", "unverified")
    if status not in ("unverified", "verified", "all"):
        status = "unverified"
    page = whole_number(request.args.get("page"), low=1) or 1
    stmt = (select(Membership).join(User, User.id == Membership.user_id).options(contains_eager(Membership.user))
            .where(Membership.neighbourhood_id == hood.id, Membership.role == RESIDENT))
    if status == "unverified":
        stmt = stmt.where(Membership.verified_at.is_(None))
    elif status == "verified":
        stmt = stmt.where(Membership.verified_at.is_not(None))
    if query:
        stmt = stmt.where(services.person_matches(query, email=True))
    found = db.paginate(stmt.order_by(User.name, User.id), page=page, per_page=PAGE_SIZE, error_out=False)
    rows, total = [(member, member.user) for member in found.items], found.total
    # Only this page's postcodes are looked up: an area can hold thousands.
    shown = {person.postcode for _, person in rows}
    in_area = set(db.session.scalars(select(EligiblePostcode.postcode).where(
        EligiblePostcode.neighbourhood_id == hood.id, EligiblePostcode.postcode.in_(shown)))) if shown else set()
    in_place = htmx and htmx.target == "resident-results"
    template = "neighbourhoods/_resident_rows.html" if in_place else "neighbourhoods/residents.html"
    return render_template(template, hood=hood, rows=rows, query=query, status=status, page=page,
                           pages=max(1, found.pages), total=total, in_area=in_area, form=EmptyForm())


@bp.route("/n/<slug>/residents/<int:membership_id>/verify", methods=["POST"])
@roles(FACILITATOR)
def verify_resident(slug, membership_id):
    member = db.session.get(Membership, membership_id)
    if member is None or member.neighbourhood_id != g.neighbourhood.id or member.role != RESIDENT:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.verify_resident(member, current_user)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"{member.user.name} is now a verified resident.", "success")
    return redirect(url_for("neighbourhoods.residents", slug=slug, q=request.form.get("q") or None,
                            status=request.form.get("status") or None))


@bp.route("/n/<slug>/letters", methods=["GET", "POST"])
@roles(FACILITATOR)
def letters(slug):
    hood = g.neighbourhood
    form = IssueLettersForm()
    if form.validate_on_submit():
        try:
            batch, letters, expires = services.issue_letters(hood, form.count.data, current_user)
        except ServiceError as error:
            form.fail(error)
        else:
            # Shown once: only digests are stored, so this page is the only copy of the codes.
            return render_template("neighbourhoods/letters_print.html", hood=hood, batch=batch,
                                   letters=letters, expires=expires)
    batches = db.session.execute(
        select(VerificationLetter.batch, func.count(), func.count(VerificationLetter.used_at),
               func.min(VerificationLetter.created_at), func.min(VerificationLetter.expires_at))
        .where(VerificationLetter.neighbourhood_id == hood.id)
        .group_by(VerificationLetter.batch).order_by(VerificationLetter.batch.desc())).all()
    return render_template("neighbourhoods/letters.html", hood=hood, form=form, batches=batches), 400 if form.has_errors else 200


@bp.route("/n/<slug>/people")
@roles(FACILITATOR, BOARD_MEMBER, AUDITOR)
def people(slug):
    """Who holds which role here: for the board, facilitators and auditors."""
    hood = g.neighbourhood
    rows = db.session.execute(
        select(Membership.role, User.name, User.pseudonym, Membership.created_at)
        .join(User, User.id == Membership.user_id)
        .where(Membership.neighbourhood_id == hood.id, Membership.role != RESIDENT)
        .order_by(Membership.role, User.name)).all()
    return render_template("neighbourhoods/people.html", hood=hood, rows=rows)
