"""Routes for people's own accounts. Views parse the form, call a service and render."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from pb import privacy
from pb.access import public, signed_in
from pb.forms import EmptyForm
from pb.funds.models import APPROVED
from pb.funds.queries import grants_awaiting_contact
from pb.numbers import whole_number
from pb.ratelimits import EMAILS, REGISTER, SIGN_IN, on_post, person_or_address
from pb.services import ServiceError

from . import services, sessions
from .forms import (
    ChangePasswordForm,
    EraseAccountForm,
    ForgotPasswordForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)

bp = Blueprint("accounts", __name__)


def local_path(target: str) -> str | None:
    """`target` if it is a plain path on this site, else None: printable ASCII only (browsers drop
    tabs and newlines, so '/%09/evil.example' would become '//evil.example', and CR/LF would split a
    header), one leading slash, no backslash, and nothing a URL parser reads as a scheme or host."""
    if not target or any(not 0x21 <= ord(c) <= 0x7e for c in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _safe_next(default: str) -> str:
    """Only same-site paths, so a link can't bounce someone to another site after signing in."""
    return local_path(request.values.get("next") or "") or default


@bp.route("/register", methods=["GET", "POST"])
@public
@on_post(REGISTER)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    # An invitation's link carries the address it was sent to (a grant's contact): filled in for them.
    form = RegisterForm(email=(request.args.get("email") or "")[:254] or None)
    if form.validate_on_submit():
        try:
            services.register(name=form.name.data, email=form.email.data, password=form.password.data,
                              postcode=form.postcode.data, birth_year=form.birth_year.data)
        except ServiceError as error:
            form.fail(error)
        else:
            # The same page whether or not the address already had an account (see register).
            return render_template("accounts/check_email.html", email=form.email.data.strip())
    return render_template("accounts/register.html", form=form), 400 if form.has_errors else 200


@bp.route("/register/done")
@signed_in
def registered():
    return render_template("accounts/registered.html", next=_safe_next(url_for("neighbourhoods.home")))


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
@public
def verify_email(token):
    # GET shows a button; only the POST uses the token, so link scanners in mail systems that
    # fetch every link can't use it up.
    form = EmptyForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.verify_email(token)
        except ServiceError as exc:
            error = exc.message
        else:
            was_signed_in = current_user.is_authenticated
            if not was_signed_in:
                # The link reached its owner's inbox once: that finishes registering, so sign them in
                # (a new session clears the old one's messages, so the message comes after).
                sessions.start(user)
            # A group's contact invited by email came for their grant: take them to it.
            waiting = grants_awaiting_contact(user)
            if waiting:
                grant = waiting[0]
                hood = grant.fund_year.fund.neighbourhood
                if grant.status == APPROVED:
                    flash(f"Your email address is confirmed. You are the contact for {grant.body_name}'s grant "
                          f"{grant.reference}, {grant.title}: read it and accept it below.", "success")
                    return redirect(url_for("funds_admin.accept", slug=hood.slug, grant_id=grant.id))
                flash(f"Your email address is confirmed. You are the contact for {grant.body_name}'s grant "
                      f"{grant.reference}, {grant.title}. The partnership board is still deciding on it: we will "
                      "email you when it is ready for you to accept.", "success")
                return redirect(url_for("funds.story", slug=hood.slug, grant_id=grant.id))
            flash("Your email address is confirmed.", "success")
            return redirect(url_for("accounts.account" if was_signed_in else "accounts.registered"))
    return render_template("accounts/verify_email.html", form=form, error=error), 400 if error else 200


@bp.route("/account/verify-email/resend", methods=["POST"])
@signed_in
@on_post(EMAILS, person_or_address)
def resend_verification():
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.resend_verification(current_user)
            flash(f"We have sent a new link to {current_user.email}.", "success")
        except ServiceError as exc:
            flash(exc.message, "info")
    return redirect(url_for("accounts.account"))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@on_post(SIGN_IN)
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except ServiceError as error:
            form.fail(error)
        else:
            sessions.start(user)
            return redirect(_safe_next(url_for("accounts.account")))
    return render_template("accounts/sign_in.html", form=form), 400 if form.has_errors else 200


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    form = EmptyForm()
    if form.validate_on_submit():
        sessions.end()
        flash("You have signed out.", "success")
    return redirect(url_for("neighbourhoods.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@on_post(EMAILS)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("accounts/reset_sent.html", email=form.email.data.strip())
    return render_template("accounts/forgot_password.html", form=form), 400 if form.has_errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@on_post(SIGN_IN)
def reset_password(token):
    form = ResetPasswordForm()
    try:
        services.check_reset_token(token)
    except ServiceError as error:
        return render_template("accounts/reset_password.html", form=None, link_error=error.message), 400
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ServiceError as error:
            form.fail(error)
        else:
            sessions.end()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form, link_error=None), 400 if form.has_errors else 200


@bp.route("/account")
@signed_in
def account():
    return render_template("accounts/account.html", form=EmptyForm())


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = services.change_password(current_user, form.current_password.data, form.new_password.data)
        except ServiceError as error:
            form.fail(error)
        else:
            message = "Your password has been changed."
            if ended:
                message += f" You have been signed out on {ended} other device{'s' if ended != 1 else ''}."
            flash(message, "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), 400 if form.has_errors else 200


@bp.route("/account/data")
@signed_in
def my_data():
    """Everything pb holds about the signed-in person, readable; the same as JSON below."""
    return render_template("accounts/my_data.html", about=privacy.ABOUT, parts=privacy.sections(current_user),
                           pseudonym=current_user.pseudonym)


@bp.route("/account/data.json")
@signed_in
def my_data_json():
    body = json.dumps(privacy.everything_about(current_user), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-pb-data.json"'})


@bp.route("/account/erase", methods=["GET", "POST"])
@signed_in
def erase():
    form = EraseAccountForm()
    duties = privacy.duties(current_user)
    if not duties and form.validate_on_submit():
        try:
            sent = privacy.erase(current_user, form.password.data, hide_words=form.hide_words.data)
        except ServiceError as error:
            form.fail(error)
        else:
            sessions.end()
            return redirect(url_for("accounts.erased", comments=sent["comments"], proposals=sent["proposals"]))
    return render_template("accounts/erase.html", form=form, duties=duties), 400 if form.has_errors else 200


@bp.route("/account/erased")
@public
def erased():
    sent = {what: whole_number(request.args.get(what), low=0) or 0 for what in ("comments", "proposals")}
    return render_template("accounts/erased.html", sent=sent)
