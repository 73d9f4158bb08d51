"""Running the board's membership: facilitators seat members, record approvals and seats ending,
choose whose rules apply, and set the code of conduct."""
from __future__ import annotations

from flask import Blueprint, g, render_template, url_for
from flask_login import current_user

from pb.access import one_of_this_neighbourhood, roles
from pb.forms import choices
from pb.frameworks import frameworks
from pb.neighbourhoods.models import FACILITATOR
from pb.posting import attempt

from . import members, register
from .composition import composition
from .forms import ApprovalForm, CodeForm, EndSeatForm, RulesForm, SeatForm
from .models import BoardSeat

bp = Blueprint("board_admin", __name__)


def _page(form, **kw):
    return render_template("form_page.html", hood=g.neighbourhood, form=form, **kw), 400 if form.has_errors else 200


def _back() -> str:
    return url_for("board_admin.manage", slug=g.neighbourhood.slug)


@bp.route("/n/<slug>/board/manage")
@roles(FACILITATOR)
def manage(slug):
    hood = g.neighbourhood
    found = composition(hood)
    return render_template("boards/manage.html", hood=hood, found=found, rules=members.rules_key(hood),
                           frameworks=frameworks(), code=register.current_code(hood.id),
                           standings={s.id: register.standing(s.user_id, hood.id, s.started_on) for s in found.seats})


@bp.route("/n/<slug>/board/rules", methods=["GET", "POST"])
@roles(FACILITATOR)
def rules(slug):
    hood = g.neighbourhood
    form = RulesForm(data={"rules": members.rules_key(hood)})
    form.rules.choices = choices([(key, f.name if key != "our_own" else "The board's own terms of reference")
                                  for key, f in frameworks().items()])
    done = attempt(form, lambda: members.set_rules(hood, current_user, rules=form.rules.data),
                   "Rules saved: the board page checks the board against them.", _back())
    return done or _page(form, heading="Whose rules the board follows", fields=("rules",), submit="Save",
                         back=_back())


@bp.route("/n/<slug>/board/seats/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def seat(slug):
    hood = g.neighbourhood
    form = SeatForm()
    done = attempt(form, lambda: members.seat_member(
        hood, current_user, email=form.email.data, kind=form.kind.data, started_on=form.started_on.data,
        term_ends_on=form.term_ends_on.data, came_by=form.came_by.data,
        elected_representative=form.elected_representative.data),
        lambda s: f"{s.user.name} now sits on the board.", _back())
    return done or _page(form, heading="Seat a board member", submit="Seat them", back=_back(),
                         fields=("email", "kind", "came_by", "elected_representative", "started_on", "term_ends_on"),
                         intro=["A voting seat lets them approve grants and sign off results; an observer's "
                                "does not."])


@bp.route("/n/<slug>/board/seats/<int:seat_id>/approval", methods=["GET", "POST"])
@roles(FACILITATOR)
def approval(slug, seat_id):
    seat_ = one_of_this_neighbourhood(BoardSeat, seat_id)
    form = ApprovalForm()
    done = attempt(form, lambda: members.record_approval(seat_, current_user, approver=form.approver.data,
                                                         approved_on=form.approved_on.data),
                   "Approval recorded.", _back())
    return done or _page(form, heading="Record an approval", caption=f"{seat_.user.name}, {seat_.kind_label}",
                         fields=("approver", "approved_on"), submit="Record it", back=_back())


@bp.route("/n/<slug>/board/seats/<int:seat_id>/end", methods=["GET", "POST"])
@roles(FACILITATOR)
def end(slug, seat_id):
    seat_ = one_of_this_neighbourhood(BoardSeat, seat_id)
    form = EndSeatForm()
    done = attempt(form, lambda: members.end_seat(seat_, current_user, reason=form.reason.data,
                                                  ended_on=form.ended_on.data, note=form.note.data),
                   f"{seat_.user.name}'s seat has ended. It stays in the board's history.", _back())
    return done or _page(form, heading="End a seat", caption=f"{seat_.user.name}, {seat_.kind_label}",
                         fields=("reason", "ended_on", "note"), submit="End the seat", back=_back(), warning=True)


@bp.route("/n/<slug>/board/code-of-conduct/edit", methods=["GET", "POST"])
@roles(FACILITATOR)
def code(slug):
    hood = g.neighbourhood
    current = register.current_code(hood.id)
    form = CodeForm(data={"text": current.text if current else ""})
    done = attempt(form, lambda: register.set_code(hood, current_user, text=form.text.data),
                   lambda c: f"Version {c.version} of the code of conduct is in force: every member accepts it afresh.",
                   _back())
    return done or _page(form, heading="The code of conduct", fields=("text",), submit="Save a new version",
                         back=_back(), intro=["Members accept each version. The old versions are kept."])
