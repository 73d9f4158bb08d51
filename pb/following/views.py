"""The one unsubscribe page: every email's link comes here, signed in or not."""
from __future__ import annotations

from flask import Blueprint, render_template

from pb.access import public
from pb.accounts.models import User
from pb.accounts.services import stop_proposal_emails
from pb.extensions import db
from pb.forms import EmptyForm
from pb.notifications import TOPICS, read_unsubscribe_token

from .services import SUBJECTS, unfollow

bp = Blueprint("following", __name__)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token):
    """One step, no sign-in: the signed token says who and from what."""
    data = read_unsubscribe_token(token)
    user = db.session.get(User, data["user"]) if data else None
    about = SUBJECTS.get(data.get("kind")) if data and data.get("kind") else None
    subject = about.load(data["id"]) if about else None
    if user is None or (data.get("kind") and subject is None):
        return render_template("following/unsubscribe.html", invalid=True, form=EmptyForm()), 404
    form = EmptyForm()
    done = False
    if form.validate_on_submit():
        if about is not None:
            unfollow(about.kind, subject, user)
        else:
            stop_proposal_emails(user)
        done = True
    return render_template("following/unsubscribe.html", invalid=False, form=form, done=done,
                           topic=about.news if about else TOPICS[data["topic"]],
                           name=about.name(subject) if about else None)
