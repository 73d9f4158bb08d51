"""Running the board's membership: facilitators seat members, record approvals and seats ending,
choose whose rules apply, and set the code of conduct."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import one_of_this_neighbourhood, roles
from pb.extensions import db
from pb.forms import choices
from pb.frameworks import frameworks
from pb.funds import grants
from pb.neighbourhoods.models import FACILITATOR
from pb.posting import attempt, one_button
from pb.rounds.models import SETUP, SIGN_OFF, Round
from pb.services import ServiceError

from . import concerns, elections, meetings, members, register
from .composition import composition
from .forms import (
    ApprovalForm,
    ApproveMinutesForm,
    CandidateForm,
    CodeForm,
    ContactsForm,
    ElectionForm,
    EndSeatForm,
    ItemForm,
    MeetingForm,
    MinutesForm,
    PaperBallotForm,
    RulesForm,
    SeatForm,
    attendance_form,
    interests_form,
)
from .models import Attendance, BoardSeat, Election, Meeting, MeetingStatus

bp = Blueprint("board_admin", __name__)


def _page(form, **kw):
    return render_template("form_page.html", hood=g.neighbourhood, form=form, **kw), 400 if form.has_errors else 200


def _back() -> str:
    return url_for("board_admin.manage", slug=g.neighbourhood.slug)


def _standings(hood_id: int, seats: list) -> dict:
    """{seat id: Standing}, in a few queries for the whole board."""
    by_user = register.standings(hood_id, [(s.user_id, s.started_on) for s in seats])
    return {s.id: by_user[s.user_id] for s in seats}


@bp.route("/n/<slug>/board/manage")
@roles(FACILITATOR)
def manage(slug):
    hood = g.neighbourhood
    found = composition(hood)
    return render_template("boards/manage.html", hood=hood, found=found, rules=members.rules_key(hood),
                           frameworks=frameworks(), code=register.current_code(hood.id),
                           standings=_standings(hood.id, found.seats))


@bp.route("/n/<slug>/board/rules", methods=["GET", "POST"])
@roles(FACILITATOR)
def rules(slug):
    hood = g.neighbourhood
    settings = members.settings_of(hood)
    form = RulesForm(data={"rules": members.rules_key(hood), "seats": settings.seats if settings else None,
                           "notice_days": settings.notice_days if settings else 7,
                           "absence_months": settings.absence_months if settings else 3,
                           "gift_threshold": settings.gift_threshold if settings else 50_00})
    form.rules.choices = choices([(key, f.name if key != "our_own" else "The board's own terms of reference")
                                  for key, f in frameworks().items()])
    done = attempt(form, lambda: members.set_rules(
        hood, current_user, rules=form.rules.data, seats=form.seats.data, notice_days=form.notice_days.data,
        absence_months=form.absence_months.data, gift_threshold=form.gift_threshold.data),
        "Saved: the board page checks the board against its rules.", _back())
    return done or _page(form, heading="The board's rules and terms", submit="Save", back=_back(),
                         fields=("rules", "seats", "notice_days", "absence_months", "gift_threshold"))


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


# --- meetings ---------------------------------------------------------------------------------------

def _meeting_page(meeting: Meeting) -> str:
    return url_for("boards.meeting", slug=g.neighbourhood.slug, meeting_id=meeting.id)


@bp.route("/n/<slug>/board/meetings/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_meeting(slug):
    hood = g.neighbourhood
    form = MeetingForm()
    done = attempt(form, lambda: meetings.schedule_meeting(
        hood, current_user, title=form.title.data, starts_at=form.starts_at.data, place=form.place.data,
        online_link=form.online_link.data, public=form.public.data, annual=form.annual.data),
        "Meeting scheduled. Add its agenda, then publish the papers.", _meeting_page)
    return done or _page(form, heading="Schedule a board meeting", submit="Schedule it",
                         fields=("title", "starts_at", "place", "online_link", "public", "annual"),
                         back=url_for("boards.meetings_list", slug=slug),
                         intro=[f"Publish the papers at least {meetings.notice_days(hood)} days before: later papers "
                                "are marked late."])


@bp.route("/n/<slug>/board/meetings/<int:meeting_id>/items/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_item(slug, meeting_id):
    meeting = one_of_this_neighbourhood(Meeting, meeting_id)
    form = ItemForm()

    def add():
        upload = request.files.get("pdf")
        raw = upload.read() if upload and upload.filename else None
        return meetings.add_item(meeting, current_user, title=form.title.data, paper=form.paper.data, pdf=raw,
                                 confidential=form.confidential.data, reason=form.reason.data)

    done = attempt(form, add, lambda item: f"Item {item.number} added.", _meeting_page(meeting))
    return done or _page(form, heading="Add an agenda item", caption=meeting.title, submit="Add it",
                         fields=("title", "paper", "pdf", "confidential", "reason"), back=_meeting_page(meeting))


@bp.route("/n/<slug>/board/meetings/<int:meeting_id>/publish", methods=["POST"])
@roles(FACILITATOR)
def publish(slug, meeting_id):
    meeting = one_of_this_neighbourhood(Meeting, meeting_id)
    one_button(lambda: meetings.publish_papers(meeting, current_user),
               lambda late: "Papers published. They are late: the page says so." if late
               else "Papers published, in good time.")
    return redirect(_meeting_page(meeting))


@bp.route("/n/<slug>/board/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"])
@roles(FACILITATOR)
def attendance(slug, meeting_id):
    meeting = one_of_this_neighbourhood(Meeting, meeting_id)
    seats = meetings.seated_on(meeting)
    marked = meetings.attendance_of(meeting)
    form = attendance_form(seats)(data={f"seat_{sid}": status for sid, status in marked.items()})
    done = attempt(form, lambda: meetings.record_attendance(
        meeting, current_user, {s.id: form[f"seat_{s.id}"].data for s in seats}),
        "Attendance recorded: the meeting is marked as held.", _meeting_page(meeting))
    return done or _page(form, heading="Who came", caption=meeting.title, submit="Save attendance",
                         fields=tuple(f"seat_{s.id}" for s in seats), back=_meeting_page(meeting))


@bp.route("/n/<slug>/board/meetings/<int:meeting_id>/items/<int:number>/motion", methods=["GET", "POST"])
@roles(FACILITATOR)
def motion(slug, meeting_id, number):
    meeting = one_of_this_neighbourhood(Meeting, meeting_id)
    item = next((i for i in meeting.items if i.number == number), None)
    if item is None:
        abort(404)
    came = meetings.attendance_of(meeting)
    present = [s for s in meetings.seated_on(meeting) if s.votes and came.get(s.id) == Attendance.PRESENT]
    named = meetings.register_named(item, present)
    form = interests_form(present, named)()
    people = choices([("", "Choose a member"), *((str(s.id), s.user.name) for s in present)])
    form.proposer_seat_id.choices = form.seconder_seat_id.choices = people
    waiting = grants.pending_decisions(meeting.neighbourhood_id)
    deciding = db.session.scalars(select(Round).where(
        Round.neighbourhood_id == meeting.neighbourhood_id,
        (Round.phase == SIGN_OFF) | ((Round.phase == SETUP) & Round.approved_at.is_(None))).order_by(Round.id)).all()
    form.round_id.choices = choices([("", "None"), *((str(r.id), f"{r.name}: "
                                                      f"{'sign off the result' if r.phase == SIGN_OFF else 'approve the rules'}")
                                                     for r in deciding)])
    form.grant_decision_id.choices = choices([("", "None"), *((str(d.id), f"{d.grant.reference} {d.grant.title}: "
                                                               f"{d.kind_label.lower()}") for d in waiting)])

    def save():
        said = {s.id: form[f"interest_{s.id}"].data for s in present if (form[f"interest_{s.id}"].data or "").strip()}
        why = {sid: form[f"why_{sid}"].data for sid in named}
        return meetings.record_motion(
            item, current_user, text=form.text.data,
            proposer_seat_id=int(form.proposer_seat_id.data) if form.proposer_seat_id.data.isdigit() else None,
            seconder_seat_id=int(form.seconder_seat_id.data) if form.seconder_seat_id.data.isdigit() else None,
            votes_for=form.votes_for.data, votes_against=form.votes_against.data, abstentions=form.abstentions.data,
            interests=said, grant_decision_id=int(form.grant_decision_id.data)
            if (form.grant_decision_id.data or "").isdigit() else None,
            round_id=int(form.round_id.data) if (form.round_id.data or "").isdigit() else None, register_reasons=why)

    done = attempt(form, save, lambda m: "Carried." if m.carried else "Recorded: not carried.", _meeting_page(meeting))
    return done or _page(form, heading=f"Item {item.number}: what the board decided", caption=item.title,
                         submit="Record it", back=_meeting_page(meeting),
                         fields=("text", "proposer_seat_id", "seconder_seat_id",
                                 *(f for s in present for f in (f"interest_{s.id}",
                                                                *((f"why_{s.id}",) if s.id in named else ()))),
                                 "votes_for", "votes_against", "abstentions",
                                 *(("grant_decision_id",) if waiting else ()), *(("round_id",) if deciding else ())),
                         intro=[f"{len(present)} voting members came. More than half of the voting members without "
                                "an interest must be present for the board to decide."])


@bp.route("/n/<slug>/board/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
@roles(FACILITATOR)
def minutes(slug, meeting_id):
    meeting = one_of_this_neighbourhood(Meeting, meeting_id)
    form = MinutesForm(data={"minutes": meeting.minutes, "confidential": meeting.confidential_minutes})
    done = attempt(form, lambda: meetings.write_minutes(meeting, current_user, minutes=form.minutes.data,
                                                        confidential=form.confidential.data),
                   "Draft minutes saved. They are published once the next meeting approves them.",
                   _meeting_page(meeting))
    return done or _page(form, heading="The minutes", caption=meeting.title, submit="Save the draft",
                         fields=("minutes", "confidential"), back=_meeting_page(meeting))


@bp.route("/n/<slug>/board/meetings/<int:meeting_id>/minutes/approve", methods=["GET", "POST"])
@roles(FACILITATOR)
def approve_minutes(slug, meeting_id):
    meeting = one_of_this_neighbourhood(Meeting, meeting_id)
    later = db.session.scalars(select(Meeting).where(Meeting.neighbourhood_id == meeting.neighbourhood_id,
                                                     Meeting.status == MeetingStatus.HELD,
                                                     Meeting.starts_at > meeting.starts_at)
                               .order_by(Meeting.starts_at)).all()
    form = ApproveMinutesForm()
    form.at.choices = choices([("", "Choose a meeting"),
                               *((str(m.id), f"{m.title}, {m.starts_at:%-d %B %Y}") for m in later)])

    def approve():
        at = db.session.get(Meeting, int(form.at.data)) if (form.at.data or "").isdigit() else None
        if at is None:
            raise ServiceError("Choose the meeting that approved them", field="at")
        meetings.approve_minutes(meeting, current_user, at=at)

    done = attempt(form, approve, "Minutes approved and published.", _meeting_page(meeting))
    return done or _page(form, heading="Record the minutes' approval", caption=meeting.title, submit="Record it",
                         fields=("at",), back=_meeting_page(meeting))


@bp.route("/n/<slug>/board/concerns/contacts", methods=["GET", "POST"])
@roles(FACILITATOR)
def concern_contacts(slug):
    hood = g.neighbourhood
    settings = members.settings_of(hood)
    form = ContactsForm(data={"emails": settings.concern_contacts if settings else "",
                              "days": settings.concern_days if settings else 10})
    done = attempt(form, lambda: concerns.set_contacts(hood, current_user, emails=form.emails.data,
                                                       days=form.days.data),
                   "Saved: concerns about the board go to these people.", _back())
    return done or _page(form, heading="Who handles concerns about the board", fields=("emails", "days"),
                         submit="Save", back=_back())


# --- elections --------------------------------------------------------------------------------------

def _election_page(election: Election) -> str:
    return url_for("boards.election", slug=g.neighbourhood.slug, election_id=election.id)


@bp.route("/n/<slug>/board/elections/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_election(slug):
    hood = g.neighbourhood
    form = ElectionForm()
    upcoming = db.session.scalars(select(Meeting).where(Meeting.neighbourhood_id == hood.id,
                                                        Meeting.status != MeetingStatus.CANCELLED)
                                  .order_by(Meeting.starts_at.desc())).all()
    form.meeting_id.choices = choices([("", "None"), *((str(m.id), f"{m.title}, {m.starts_at:%-d %B %Y}")
                                                       for m in upcoming)])

    def create():
        meeting = db.session.get(Meeting, int(form.meeting_id.data)) if (form.meeting_id.data or "").isdigit() else None
        return elections.create_election(hood, current_user, title=form.title.data, seats=form.seats.data,
                                         method=form.method.data, closes_on=form.closes_on.data,
                                         term_ends_on=form.term_ends_on.data, meeting=meeting)

    done = attempt(form, create, "Election set up: add the candidates.", _election_page)
    return done or _page(form, heading="Elect resident seats", submit="Set it up", back=_back(),
                         fields=("title", "seats", "method", "closes_on", "term_ends_on", "meeting_id"),
                         intro=["Verified residents vote once each, online or on paper. The most votes win and "
                                "are seated when you count."])


@bp.route("/n/<slug>/board/elections/<int:election_id>/candidates/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_candidate(slug, election_id):
    election = one_of_this_neighbourhood(Election, election_id)
    form = CandidateForm()
    done = attempt(form, lambda: elections.add_candidate(election, current_user, email=form.email.data,
                                                         statement=form.statement.data),
                   lambda c: f"{c.user.name} is standing.", _election_page(election))
    return done or _page(form, heading="Add a candidate", caption=election.title, submit="Add them",
                         fields=("email", "statement"), back=_election_page(election))


@bp.route("/n/<slug>/board/elections/<int:election_id>/paper", methods=["GET", "POST"])
@roles(FACILITATOR)
def paper_ballot(slug, election_id):
    election = one_of_this_neighbourhood(Election, election_id)
    form = PaperBallotForm()
    ticked = [int(v) for v in request.form.getlist("choices") if v.isdigit()]
    done = attempt(form, lambda: elections.key_paper_ballot(election, current_user, voter_email=form.voter_email.data,
                                                            choices=ticked),
                   "Paper ballot keyed in, and the voter marked on the roll.",
                   url_for("board_admin.paper_ballot", slug=slug, election_id=election.id))
    return done or (render_template("boards/paper_ballot.html", hood=g.neighbourhood, election=election, form=form,
                                    ticked=ticked), 400 if form.has_errors else 200)


@bp.route("/n/<slug>/board/elections/<int:election_id>/count", methods=["POST"])
@roles(FACILITATOR)
def count_election(slug, election_id):
    election = one_of_this_neighbourhood(Election, election_id)
    one_button(lambda: elections.count(election, current_user),
               lambda e: "Counted: the winners are seated." + (" A tie for the last seat is drawn by lot at the "
                                                               "meeting; seat the winner by hand." if e.tie else ""))
    return redirect(_election_page(election))
