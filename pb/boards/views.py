"""The board in public: who sits on it, whether it meets its rules, each member's register of
interests, and the code of conduct. Members keep their own register here too."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb import timeutil
from pb.access import one_of_this_neighbourhood, public, signed_in, viewer_roles
from pb.downloads import attachment, csv_attachment
from pb.extensions import db
from pb.following import services as following
from pb.forms import EmptyForm
from pb.money import pounds
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR
from pb.posting import attempt, one_button
from pb.ratelimits import COMMENTS, DOWNLOADS, on_get, on_post, person_or_address

from . import concerns, decision_log, elections, meetings, members, register
from .composition import composition
from .forms import AnswerForm, ConcernForm, EndEntryForm, EntryForm, VoteForm
from .members import seat_of
from .models import (
    AgendaItem,
    Attendance,
    BoardSeat,
    Concern,
    ConcernOutcome,
    ConcernStatus,
    Election,
    ElectionBallot,
    ElectionMethod,
    ElectionRoll,
    ElectionStatus,
    Meeting,
    MeetingStatus,
    MinutesStatus,
    Motion,
    RegisterEntry,
    SeatEnd,
)
from .personal import PUBLIC_AFTER_LEAVING

bp = Blueprint("boards", __name__)


@bp.route("/n/<slug>/board/")
@public
def show(slug):
    hood = g.neighbourhood
    found = composition(hood)
    by_user = register.standings(hood.id, [(s.user_id, s.started_on) for s in found.seats])
    standings = {s.id: by_user[s.user_id] for s in found.seats}
    former = db.session.scalars(select(BoardSeat).where(BoardSeat.neighbourhood_id == hood.id,
                                                        BoardSeat.ended_on.is_not(None))
                                .order_by(BoardSeat.ended_on.desc())).all()
    elections_ = db.session.scalars(select(Election).where(Election.neighbourhood_id == hood.id)
                                    .order_by(Election.closes_on.desc())).all()
    return render_template("boards/show.html", hood=hood, found=found, standings=standings, former=former,
                           elections=elections_, attended=meetings.attended_this_year(hood),
                           year=timeutil.today().year,
                           SeatEnd=SeatEnd, code=register.current_code(hood.id),
                           mine=seat_of(current_user, hood.id) if current_user.is_authenticated else None)


def _decisions():
    found = decision_log.decisions(g.neighbourhood)
    years = sorted({d.financial_year for d in found}, reverse=True)
    year = request.args.get("year", "")
    kind = request.args.get("kind", "")
    meeting = request.args.get("meeting", "")
    year = year if year in years else ""
    kind = kind if kind in decision_log.KINDS else ""
    meeting = int(meeting) if meeting.isdigit() and any(d.meeting_id == int(meeting) for d in found) else None
    return found, years, year, kind, decision_log.filtered(found, year=year, kind=kind, meeting=meeting)


@bp.route("/n/<slug>/board/decisions")
@public
def decisions(slug):
    found, years, year, kind, shown = _decisions()
    return render_template("boards/decisions.html", hood=g.neighbourhood, decisions=shown, total=len(found),
                           years=years, year=year, kind=kind, kinds=decision_log.KINDS)


@bp.route("/n/<slug>/board/decisions.csv")
@public
@on_get(DOWNLOADS)
def decisions_csv(slug):
    *_, year, kind, shown = _decisions()
    rows = [["date", "financial_year", "kind", "decided", "vote", "approved_by", "interests_declared_by",
             "register_named_it_but", "board_short_of_its_rules", "ledger_seq", "ledger_hash"]]
    rows += [[d.on.isoformat(), d.financial_year, decision_log.KINDS[d.kind], d.what, d.vote, "; ".join(d.approved_by),
              "; ".join(d.interests), "; ".join(d.register_reasons), d.rules_unmet, d.seq, d.hash] for d in shown]
    return csv_attachment(rows, f"{slug}-board-decisions.csv")


@bp.route("/n/<slug>/board/decisions.json")
@public
@on_get(DOWNLOADS)
def decisions_json(slug):
    *_, year, kind, shown = _decisions()
    body = {"neighbourhood": slug, "year": year or None, "kind": kind or None,
            "decisions": [d.as_dict() for d in shown]}
    return attachment(json.dumps(body, indent=2, ensure_ascii=False), f"{slug}-board-decisions.json",
                      "application/json")


# --- meetings ---------------------------------------------------------------------------------------

def _staff() -> bool:
    return bool(viewer_roles() & {FACILITATOR, BOARD_MEMBER, AUDITOR})


@bp.route("/n/<slug>/board/meetings/")
@public
def meetings_list(slug):
    hood = g.neighbourhood
    rows = db.session.scalars(select(Meeting).where(Meeting.neighbourhood_id == hood.id)
                              .order_by(Meeting.starts_at.desc())).all()
    now = timeutil.stamp()
    return render_template("boards/meetings.html", hood=hood, upcoming=[m for m in reversed(rows) if m.starts_at >= now
                                                                        and m.status != MeetingStatus.CANCELLED],
                           past=[m for m in rows if m.starts_at < now], staff=_staff(), roles_held=viewer_roles(),
                           absent=meetings.absent_members(hood) if _staff() else [], Status=MeetingStatus,
                           following=following.is_following("board", hood, current_user), form=EmptyForm())


def _meeting(meeting_id: int) -> Meeting:
    meeting = one_of_this_neighbourhood(Meeting, meeting_id)
    if meeting.status == MeetingStatus.SCHEDULED and not _staff():
        abort(404)  # the agenda is the facilitators' until the papers are published
    return meeting


@bp.route("/n/<slug>/board/meetings/<int:meeting_id>")
@public
def meeting(slug, meeting_id):
    hood = g.neighbourhood
    found = _meeting(meeting_id)
    motions = {}
    for motion in db.session.scalars(select(Motion).join(AgendaItem, AgendaItem.id == Motion.item_id)
                                     .where(AgendaItem.meeting_id == found.id).order_by(Motion.id)):
        motions.setdefault(motion.item_id, []).append(motion)
    seats = {s.id: s for s in meetings.seated_on(found)}
    approved_at = db.session.get(Meeting, found.minutes_approved_at_id) if found.minutes_approved_at_id else None
    return render_template("boards/meeting.html", hood=hood, meeting=found, motions=motions, seats=seats,
                           attendance=meetings.attendance_of(found), approved_at=approved_at, staff=_staff(),
                           auditor=AUDITOR in viewer_roles(), roles_held=viewer_roles(),
                           notice=meetings.notice_days(hood), Status=MeetingStatus,
                           Minutes=MinutesStatus, Attendance=Attendance, form=EmptyForm())


@bp.route("/n/<slug>/board/meetings/<int:meeting_id>/items/<int:number>/paper.pdf")
@public
def paper(slug, meeting_id, number):
    found = _meeting(meeting_id)
    item = next((i for i in found.items if i.number == number and i.paper_pdf), None)
    if item is None or (item.confidential and not _staff()):
        abort(404)
    return Response(item.paper_pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="item-{number}.pdf"'})


@bp.route("/n/<slug>/board/follow", methods=["POST"])
@signed_in
def follow(slug):
    hood = g.neighbourhood
    if following.is_following("board", hood, current_user):
        one_button(lambda: following.unfollow("board", hood, current_user), "You will no longer get the board's news.")
    else:
        one_button(lambda: following.follow("board", hood, current_user),
                   "You will get an email when the board publishes papers or approves minutes.")
    return redirect(url_for("boards.meetings_list", slug=slug))


# --- concerns ---------------------------------------------------------------------------------------

@bp.route("/n/<slug>/board/concerns")
@public
def concerns_list(slug):
    hood = g.neighbourhood
    rows = db.session.scalars(select(Concern).where(Concern.neighbourhood_id == hood.id)
                              .order_by(Concern.number.desc())).all()
    today = timeutil.today()
    return render_template("boards/concerns.html", hood=hood, answered=[c for c in rows if c.answered_on],
                           late=[c for c in rows if c.acknowledged_on is None and c.acknowledge_by < today],
                           waiting=sum(1 for c in rows if not c.answered_on), Outcome=ConcernOutcome,
                           handler=concerns.handles_concerns(current_user, hood),
                           contacts=bool(concerns.contacts_of(hood)))


@bp.route("/n/<slug>/board/concerns/new", methods=["GET", "POST"])
@public
@on_post(COMMENTS, person_or_address)
def raise_concern(slug):
    hood = g.neighbourhood
    form = ConcernForm()
    signed = current_user.is_authenticated
    done = attempt(form, lambda: concerns.raise_concern(
        hood, current_user, kind=form.kind.data, about=form.about.data, text=form.text.data,
        reply_email=form.reply_email.data, may_name=form.may_name.data, whistleblowing=form.whistleblowing.data),
        lambda c: f"Thank you. Your concern is number {c.number}: the accountable body acknowledges it by "
                  f"{c.acknowledge_by:%-d %B %Y}.", url_for("boards.concerns_list", slug=slug))
    fields = ("kind", "about", "text", *(("may_name",) if signed else ("reply_email",)), "whistleblowing")
    return done or (render_template("form_page.html", hood=hood, form=form, heading="Raise a concern about the board",
                                    fields=fields, submit="Send it", back=url_for("boards.concerns_list", slug=slug),
                                    intro=["It goes to the accountable body's named contacts, not to the board. "
                                           "Nobody on the board sees who raised it."]),
                    400 if form.has_errors else 200)


def _handling() -> None:
    if not concerns.handles_concerns(current_user, g.neighbourhood):
        abort(403)


@bp.route("/n/<slug>/board/concerns/handle")
@signed_in
def handle_concerns(slug):
    _handling()
    rows = db.session.scalars(select(Concern).where(Concern.neighbourhood_id == g.neighbourhood.id)
                              .order_by(Concern.number.desc())).all()
    return render_template("boards/concerns_handle.html", hood=g.neighbourhood, concerns=rows, today=timeutil.today(),
                           Status=ConcernStatus)


def _concern(number: int) -> Concern:
    found = db.session.scalar(select(Concern).where(Concern.neighbourhood_id == g.neighbourhood.id,
                                                    Concern.number == number))
    if found is None:
        abort(404)
    return found


@bp.route("/n/<slug>/board/concerns/<int:number>", methods=["GET", "POST"])
@signed_in
def handle_concern(slug, number):
    found = _concern(number)
    _handling()
    form = AnswerForm()
    done = attempt(form, lambda: concerns.answer(found, current_user, outcome=form.outcome.data,
                                                 reasons=form.reasons.data),
                   "Answered: the outcome is published, and the person told if they left an address.",
                   url_for("boards.handle_concerns", slug=slug))
    return done or (render_template("boards/concern.html", hood=g.neighbourhood, concern=found, form=form,
                                    Status=ConcernStatus, today=timeutil.today()),
                    400 if form.has_errors else 200)


@bp.route("/n/<slug>/board/concerns/<int:number>/acknowledge", methods=["POST"])
@signed_in
def acknowledge_concern(slug, number):
    found = _concern(number)
    _handling()
    one_button(lambda: concerns.acknowledge(found, current_user), f"Concern {number} acknowledged.")
    return redirect(url_for("boards.handle_concern", slug=slug, number=number))


@bp.route("/n/<slug>/board/members/<int:seat_id>")
@public
def member(slug, seat_id):
    hood = g.neighbourhood
    seat = one_of_this_neighbourhood(BoardSeat, seat_id)
    today = timeutil.today()
    published = seat.ended_on is None or seat.ended_on + PUBLIC_AFTER_LEAVING >= today
    return render_template("boards/member.html", hood=hood, seat=seat, published=published,
                           entries=register.entries_of(seat.user_id, hood.id) if published else [],
                           standing=register.standing(seat.user_id, hood.id, seat.started_on),
                           today=timeutil.today(), SeatEnd=SeatEnd)


@bp.route("/n/<slug>/board/code-of-conduct")
@public
def code(slug):
    found = register.current_code(g.neighbourhood.id)
    if found is None:
        abort(404)
    return render_template("boards/code.html", hood=g.neighbourhood, code=found)


# --- a member's own register ------------------------------------------------------------------------

def _my_seat() -> BoardSeat:
    seat = seat_of(current_user, g.neighbourhood.id)
    if seat is None:
        abort(403)
    return seat


@bp.route("/n/<slug>/board/my-register")
@signed_in
def my_register(slug):
    hood = g.neighbourhood
    seat = _my_seat()
    return render_template("boards/register.html", hood=hood, seat=seat, entries=register.entries_of(seat.user_id, hood.id),
                           standing=register.standing(seat.user_id, hood.id, seat.started_on), today=timeutil.today(),
                           form=EmptyForm())


def _gift_threshold(hood) -> int:
    settings = members.settings_of(hood)
    return settings.gift_threshold if settings else 50_00


@bp.route("/n/<slug>/board/my-register/new", methods=["GET", "POST"])
@signed_in
def add_entry(slug):
    hood = g.neighbourhood
    _my_seat()
    form = EntryForm()
    done = attempt(form, lambda: register.add_entry(
        current_user, hood, kind=form.kind.data, organisation=form.organisation.data,
        description=form.description.data, from_on=form.from_on.data, to_on=form.to_on.data),
        "Added to your register. Confirm the whole register when it is complete.",
        url_for("boards.my_register", slug=slug))
    return done or (render_template("form_page.html", hood=hood, form=form, heading="Add an interest",
                                    fields=("kind", "organisation", "description", "from_on", "to_on"),
                                    submit="Add it", back=url_for("boards.my_register", slug=slug),
                                    intro=["Anything a resident might reasonably think affects how you decide: "
                                           "jobs, businesses, land, organisations that may apply for money, "
                                           f"gifts and hospitality worth more than {pounds(_gift_threshold(hood))}, "
                                           "family."]),
                    400 if form.has_errors else 200)


@bp.route("/n/<slug>/board/my-register/<int:entry_id>/end", methods=["GET", "POST"])
@signed_in
def end_entry(slug, entry_id):
    hood = g.neighbourhood
    entry = one_of_this_neighbourhood(RegisterEntry, entry_id)
    _my_seat()
    if entry.user_id != current_user.id:
        abort(404)
    form = EndEntryForm()
    done = attempt(form, lambda: register.end_entry(entry, current_user, to_on=form.to_on.data),
                   "The interest is marked as ended. It stays on your register, as past.",
                   url_for("boards.my_register", slug=slug))
    return done or (render_template("form_page.html", hood=hood, form=form, heading="This interest has ended",
                                    caption=entry.organisation or entry.kind_label, fields=("to_on",),
                                    submit="Save", back=url_for("boards.my_register", slug=slug)),
                    400 if form.has_errors else 200)


@bp.route("/n/<slug>/board/my-register/confirm", methods=["POST"])
@signed_in
def confirm(slug):
    _my_seat()
    one_button(lambda: register.confirm_register(current_user, g.neighbourhood),
               "Thank you: your register is confirmed for the next twelve months.")
    return redirect(url_for("boards.my_register", slug=slug))


@bp.route("/n/<slug>/board/code-of-conduct/accept", methods=["POST"])
@signed_in
def accept_code(slug):
    _my_seat()
    one_button(lambda: register.accept_code(current_user, g.neighbourhood),
               lambda accepted: "Thank you: you have accepted the code of conduct.")
    return redirect(url_for("boards.my_register", slug=slug))


# --- elections --------------------------------------------------------------------------------------

def _election(election_id: int) -> Election:
    return one_of_this_neighbourhood(Election, election_id)


def _ticked() -> list[int]:
    return [int(v) for v in request.form.getlist("choices") if v.isdigit()]


@bp.route("/n/<slug>/board/elections/<int:election_id>", methods=["GET", "POST"])
@public
def election(slug, election_id):
    hood = g.neighbourhood
    found = _election(election_id)
    form = VoteForm()
    voted = current_user.is_authenticated and db.session.scalar(select(ElectionRoll.id).where(
        ElectionRoll.election_id == found.id, ElectionRoll.user_id == current_user.id)) is not None
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.sign_in", next=request.path))
        done = attempt(form, lambda: elections.vote(found, current_user, _ticked()),
                       "Thank you: your vote is counted at the close. Nobody can see how you voted.",
                       url_for("boards.election", slug=slug, election_id=found.id))
        if done:
            return done
    names = {c.id: c.user.name for c in found.candidates}
    return render_template("boards/election.html", hood=hood, election=found, form=form, voted=voted,
                           ticked=_ticked() if request.method == "POST" else [],
                           elected_names=[names[c] for c in found.elected], tie_names=[names[c] for c in found.tie],
                           may_vote=current_user.is_authenticated and not voted and found.status == ElectionStatus.OPEN
                           and timeutil.today() <= found.closes_on, Status=ElectionStatus, Method=ElectionMethod,
                           roles_held=viewer_roles(), form_post=EmptyForm()), 400 if form.has_errors else 200


@bp.route("/n/<slug>/board/elections/<int:election_id>/ballots.json")
@public
@on_get(DOWNLOADS)
def election_ballots(slug, election_id):
    found = _election(election_id)
    if found.status != ElectionStatus.COUNTED:
        abort(404)
    names = {c.id: c.user.name for c in found.candidates}
    ballots = sorted(sorted(names[c] for c in b) for b in db.session.scalars(
        select(ElectionBallot.choices).where(ElectionBallot.election_id == found.id)))
    body = {"election": found.title, "seats": found.seats, "method": found.method, "ballots": ballots,
            "votes": {names[int(k)]: v for k, v in found.votes.items()},
            "elected": [names[c] for c in found.elected], "tied_for_the_last_seat": [names[c] for c in found.tie]}
    return attachment(json.dumps(body, indent=2, ensure_ascii=False), f"{slug}-election-{found.id}.json",
                      "application/json")
