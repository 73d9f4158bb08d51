"""Platform admin: create and edit neighbourhoods, their areas and who holds which role."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb import mail
from pb.access import admin_only
from pb.accounts.models import User
from pb.extensions import db
from pb.forms import EmptyForm
from pb.ledger.browsing import entries_page, page_number, verification
from pb.ledger.checkpoints import checkpoint_if_grown
from pb.ledger.services import existing_log
from pb.neighbourhoods import services
from pb.neighbourhoods.forms import AreaForm, GrantRoleForm, NeighbourhoodForm, RevokeRoleForm
from pb.neighbourhoods.models import RESIDENT, Membership, Neighbourhood
from pb.posting import one_button
from pb.services import ServiceError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@admin_only
def index():
    hoods = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.name)).all()
    return render_template("admin/index.html", neighbourhoods=hoods)


@bp.route("/neighbourhoods/new", methods=["GET", "POST"])
@admin_only
def create():
    form = NeighbourhoodForm(data={"min_voting_age": 16, "proposing_needs_verification": True,
                                   "voting_needs_verification": True})
    if form.validate_on_submit():
        try:
            hood = services.create_neighbourhood(slug=form.slug.data, name=form.name.data,
                                                 description=form.description.data,
                                                 min_voting_age=form.min_voting_age.data, actor=current_user)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"{hood.name} has been created. Now add the postcodes in its area.", "success")
            return redirect(url_for("admin.area", slug=hood.slug))
    return render_template("admin/neighbourhood_form.html", form=form, hood=None), 400 if form.has_errors else 200


@bp.route("/n/<slug>/", methods=["GET", "POST"])
@admin_only
def edit(slug):
    hood = g.neighbourhood
    form = NeighbourhoodForm(obj=hood)
    del form.slug  # the web address is permanent: links and audit logs name it
    if form.validate_on_submit():
        try:
            changed = services.update_neighbourhood(
                hood, actor=current_user, name=form.name.data, description=form.description.data or "",
                min_voting_age=form.min_voting_age.data,
                commenting_needs_verification=form.commenting_needs_verification.data,
                proposing_needs_verification=form.proposing_needs_verification.data,
                voting_needs_verification=form.voting_needs_verification.data,
                consultations_need_board_approval=form.consultations_need_board_approval.data)
        except ServiceError as error:
            form.fail(error)
        else:
            flash("Changes saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("admin.edit", slug=slug))
    return render_template("admin/neighbourhood_form.html", form=form, hood=hood), 400 if form.has_errors else 200


@bp.route("/n/<slug>/area", methods=["GET", "POST"])
@admin_only
def area(slug):
    hood = g.neighbourhood
    form = AreaForm()
    if request.method == "GET":
        form.postcodes.data = "\n".join(p.postcode for p in hood.postcodes)
    if form.validate_on_submit():
        try:
            postcodes = services.parse_postcodes(enumerate(form.postcodes.data.splitlines(), 1))
            result = services.set_area(hood, postcodes, replace=True, actor=current_user)
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"Area saved: {result['total']} postcodes ({result['added']} added, {result['removed']} removed).", "success")
            return redirect(url_for("admin.area", slug=slug))
    return render_template("admin/area.html", form=form, hood=hood), 400 if form.has_errors else 200


@bp.route("/n/<slug>/roles", methods=["GET", "POST"])
@admin_only
def roles(slug):
    hood = g.neighbourhood
    form = GrantRoleForm()
    if form.validate_on_submit():
        person = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if person is None:
            form.email.errors.append("No one has an account with that email address. Ask them to register first")
        else:
            try:
                services.grant_role(person, hood, form.role.data, actor=current_user)
            except ServiceError as error:
                form.fail(error)
            else:
                flash(f"{person.name} is now a {form.role.data.replace('_', ' ')} of {hood.name}.", "success")
                return redirect(url_for("admin.roles", slug=slug))
    holders = db.session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.neighbourhood_id == hood.id, Membership.role != RESIDENT)
        .order_by(Membership.role, User.name)).all()
    return render_template("admin/roles.html", form=form, hood=hood, holders=holders,
                           revoke_form=RevokeRoleForm()), 400 if form.has_errors else 200


@bp.route("/n/<slug>/roles/revoke", methods=["POST"])
@admin_only
def revoke(slug):
    form = RevokeRoleForm()
    if form.validate_on_submit():
        try:
            member = db.session.get(Membership, int(form.membership_id.data or 0))
        except ValueError:
            member = None
        if member is None or member.neighbourhood_id != g.neighbourhood.id:
            abort(404)
        name, role = member.user.name, member.label
        services.revoke_role(member, actor=current_user)
        flash(f"{name} is no longer a {role} of {g.neighbourhood.name}.", "success")
    return redirect(url_for("admin.roles", slug=slug))


@bp.route("/audit")
@admin_only
def platform_log():
    audit_log = existing_log(None)
    page = page_number()
    rows, total, pages = entries_page(audit_log, page)
    return render_template("ledger/log.html", hood=None, log=audit_log, rows=rows, total=total, page=page,
                           pages=pages, result=verification(audit_log, total))


@bp.route("/audit/checkpoint", methods=["POST"])
@admin_only
def platform_checkpoint():
    """Sign the platform log's head now (the scheduled `flask audit checkpoint` does it daily)."""
    audit_log = existing_log(None)
    one_button(lambda: checkpoint_if_grown(audit_log, "asked for by an admin") if audit_log else None,
               lambda row: f"Checkpoint signed at {row.size:,} entries." if row else
               "Nothing new to sign: the latest checkpoint covers every entry.")
    return redirect(url_for("ledger.platform_checkpoints"))


@bp.route("/outbox", methods=["GET", "POST"])
@admin_only
def outbox():
    """Emails waiting to be sent and those that failed, without a command line."""
    form = EmptyForm()
    if form.validate_on_submit():
        if request.form.get("action") == "retry":
            count = mail.retry_failed(current_user)
            flash(f"{count} failed email{'s' if count != 1 else ''} will be tried again. Send them now, or wait for "
                  "the next scheduled send.", "success")
        else:
            sent, failed = mail.send_now(current_user)
            flash(f"{sent} sent, {failed} failed.", "success" if not failed else "error")
        return redirect(url_for("admin.outbox"))
    return render_template("admin/outbox.html", form=form, **mail.outbox_state())
