"""Board meetings: scheduled with a place or a link, an agenda of items with papers (text or PDF,
public or confidential with a reason) published a set number of days before (late papers say so),
attendance, motions per item with the quorum worked out from the members present and free of an
interest, and minutes approved at the next meeting. Followers of the board are emailed when papers
are published and when minutes are approved. Each change checks its rules, writes, and appends one
audit entry, in one transaction."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.following import services as following
from pb.funds import grants
from pb.funds.models import DecisionStatus, GrantDecision
from pb.ledger.services import record
from pb.mail import email_link, queue_email
from pb.neighbourhoods.models import FACILITATOR, Membership, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.rounds.models import SETUP, SIGN_OFF, Round
from pb.rounds.services import approve_setup
from pb.services import ServiceError, one_transaction, transaction, under_lock
from pb.text import hidden_characters, required_text
from pb.voting import signoff

from .members import open_seats, settings_of
from .models import (
    AgendaItem,
    Attendance,
    BoardSeat,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    MinutesStatus,
    Motion,
    SeatKind,
)
from .register import entries_in_text

PDF_LIMIT = 10 * 1024 * 1024


def _facilitator(user: User, hood_id: int, doing: str) -> None:
    require_role(user, hood_id, FACILITATOR, f"Only facilitators {doing}")


def notice_days(hood: Neighbourhood) -> int:
    settings = settings_of(hood)
    return settings.notice_days if settings else 7


def schedule_meeting(hood: Neighbourhood, facilitator: User, *, title: str, starts_at: datetime | None, place: str,
                     online_link: str = "", public: bool = True, annual: bool = False) -> Meeting:
    _facilitator(facilitator, hood.id, "schedule board meetings")
    title = required_text(title, field="title", label="The title", limit=160,
                          missing="Enter the meeting's title, for example ‘Board meeting, March’")
    if starts_at is None:
        raise ServiceError("Enter the day and time it starts", field="starts_at")
    place, online_link = (place or "").strip(), (online_link or "").strip()
    if not place and not online_link:
        raise ServiceError("Say where it is, or give the link to join online", field="place")
    if len(place) > 300 or hidden_characters(place):
        raise ServiceError("Keep the place to 300 characters, with no hidden characters", field="place")
    if online_link and (not online_link.startswith("https://") or len(online_link) > 500 or " " in online_link):
        raise ServiceError("The online link must start with https:// and have no spaces", field="online_link")
    with transaction():
        meeting = Meeting(neighbourhood_id=hood.id, title=title, starts_at=starts_at, place=place,
                          online_link=online_link, public=public, annual=annual, created_by_id=facilitator.id)
        db.session.add(meeting)
        db.session.flush()
        record("board.meeting_scheduled", meeting, actor=facilitator, neighbourhood=hood,
               payload={"title": title, "starts_at": starts_at.isoformat(), "place": place, "public": public,
                        "annual": annual})
    return meeting


def _open(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED):
        raise ServiceError(f"This meeting is {meeting.status_label.lower()}: its agenda is closed")


def _meeting_lock(meeting: Meeting, *args, **kwargs):
    return Meeting, meeting.id


def _item_meeting_lock(item: AgendaItem, *args, **kwargs):
    return Meeting, item.meeting_id


@under_lock(_meeting_lock)  # two items added at once get different numbers
def add_item(meeting: Meeting, facilitator: User, *, title: str, paper: str = "", pdf: bytes | None = None,
             confidential: bool = False, reason: str = "") -> AgendaItem:
    _facilitator(facilitator, meeting.neighbourhood_id, "set the agenda")
    _open(meeting)
    title = required_text(title, field="title", label="The item", limit=200,
                          missing="Enter the item's title, for example ‘Grant G-4: renew for a second year’")
    paper = (paper or "").strip()
    if len(paper) > 50_000 or hidden_characters(paper):
        raise ServiceError("Keep the paper to 50,000 characters, with no hidden characters (or attach a PDF)",
                           field="paper")
    if pdf is not None:
        if not pdf.startswith(b"%PDF-"):
            raise ServiceError("The paper must be a PDF file", field="pdf")
        if len(pdf) > PDF_LIMIT:
            raise ServiceError("The PDF must be smaller than 10 MB", field="pdf")
    reason = (reason or "").strip()
    if confidential and not reason:
        raise ServiceError("Say why this item is confidential (for example ‘a named person’s circumstances’): "
                           "the reason is published", field="reason")
    if len(reason) > 300 or hidden_characters(reason):
        raise ServiceError("Keep the reason to 300 characters, with no hidden characters", field="reason")
    with transaction():
        number = max((i.number for i in meeting.items), default=0) + 1
        item = AgendaItem(meeting_id=meeting.id, number=number, title=title, paper=paper, paper_pdf=pdf,
                          paper_sha256=hashlib.sha256(pdf).hexdigest() if pdf else None, confidential=confidential,
                          confidential_reason=reason if confidential else "",
                          added_late=meeting.papers_published_on is not None)
        db.session.add(item)
        db.session.flush()
        record("board.item_added", item, actor=facilitator,
               neighbourhood=db.session.get(Neighbourhood, meeting.neighbourhood_id),
               payload={"meeting": meeting.id, "number": number, "title": title, "confidential": confidential,
                        "reason": item.confidential_reason, "paper_sha256": hashlib.sha256(
                            pdf or paper.encode()).hexdigest(), "late": item.added_late})
    return item


@under_lock(_meeting_lock)  # published once, followers emailed once
def publish_papers(meeting: Meeting, facilitator: User) -> bool:
    """The agenda and papers go public. Returns True when they are late (under the notice the board set)."""
    _facilitator(facilitator, meeting.neighbourhood_id, "publish meeting papers")
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ServiceError("The papers are published already" if meeting.status == MeetingStatus.PAPERS_PUBLISHED
                           else f"This meeting is {meeting.status_label.lower()}")
    if not meeting.items:
        raise ServiceError("Add at least one agenda item first")
    hood = db.session.get(Neighbourhood, meeting.neighbourhood_id)
    today = timeutil.today()
    days = notice_days(hood)
    late = (meeting.starts_at.date() - today).days < days
    with transaction():
        meeting.status, meeting.papers_published_on, meeting.papers_late = MeetingStatus.PAPERS_PUBLISHED, today, late
        record("board.papers_published", meeting, actor=facilitator, neighbourhood=hood,
               payload={"meeting": meeting.id, "items": len(meeting.items), "late": late, "notice_days": days,
                        "starts_at": meeting.starts_at.isoformat()})
        following.tell("board", hood, f"{hood.name}'s board: papers for {meeting.title}", "board_news",
                       hood=hood, what=f"The agenda and papers for {meeting.title} on "
                                       f"{meeting.starts_at:%-d %B %Y at %H:%M} are published.",
                       link=email_link("boards.meeting", slug=hood.slug, meeting_id=meeting.id))
    return late


@under_lock(_meeting_lock)
def record_attendance(meeting: Meeting, facilitator: User, marks: dict[int, str]) -> None:
    """marks: {seat id: present, apologies or absent} for every member with a seat on the day."""
    _facilitator(facilitator, meeting.neighbourhood_id, "record attendance")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ServiceError("This meeting was cancelled")
    if meeting.starts_at.date() > timeutil.today():
        raise ServiceError("Attendance is recorded on the day of the meeting or after")
    seats = {s.id: s for s in seated_on(meeting)}
    missing = [s.user.name for sid, s in seats.items() if marks.get(sid) not in Attendance.labels()]
    if missing:
        raise ServiceError(f"Say whether each member came: {', '.join(missing)}", field="attendance")
    if any(sid not in seats for sid in marks):
        raise ServiceError("Mark only members who sat on the board on the day", field="attendance")
    with transaction():
        for row in db.session.scalars(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)):
            db.session.delete(row)
        db.session.flush()
        for sid, status in marks.items():
            db.session.add(MeetingAttendance(meeting_id=meeting.id, seat_id=sid, status=status))
        meeting.status = MeetingStatus.HELD
        db.session.flush()
        hood = db.session.get(Neighbourhood, meeting.neighbourhood_id)
        # Members absent without apologies from this and every other recent meeting: the chair and the
        # facilitators hear of it with each meeting they miss.
        flagged = [s for s in absent_members(hood, meeting.starts_at.date()) if marks.get(s.id) == Attendance.ABSENT]
        record("board.attendance_recorded", meeting, actor=facilitator, neighbourhood=hood,
               payload={"meeting": meeting.id, "attendance": {seats[sid].user.pseudonym: status
                                                              for sid, status in sorted(marks.items())},
                        "flagged_for_absence": [s.user.pseudonym for s in flagged]})
        if flagged:
            _tell_about_absence(hood, flagged)


def _tell_about_absence(hood: Neighbourhood, flagged: list[BoardSeat]) -> None:
    settings = settings_of(hood)
    months = settings.absence_months if settings else 3
    chair = next((s.user for s in open_seats(hood.id) if s.kind == SeatKind.CHAIR), None)
    staff = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.neighbourhood_id == hood.id, Membership.role == FACILITATOR, User.erased_at.is_(None))).all()
    names = ", ".join(s.user.name for s in flagged)
    contacts = [line.strip().lower() for line in (settings.concern_contacts if settings else "").splitlines()
                if line.strip()]  # the accountable body's named contacts
    body = db.session.scalars(select(User).where(func.lower(User.email).in_(contacts))).all() if contacts else []
    for person in {p.id: p for p in [*([chair] if chair else []), *staff, *body]}.values():
        queue_email(person.email, f"{hood.name}'s board: absent without apologies", "board_absence", user=person,
                    hood=hood, names=names, months=months,
                    link=email_link("boards.meetings_list", slug=hood.slug))


def seated_on(meeting: Meeting) -> list[BoardSeat]:
    """The members who held a seat on the day of the meeting."""
    day = meeting.starts_at.date()
    seats = db.session.scalars(select(BoardSeat).where(
        BoardSeat.neighbourhood_id == meeting.neighbourhood_id, BoardSeat.started_on <= day,
        (BoardSeat.ended_on.is_(None)) | (BoardSeat.ended_on >= day))).all()
    order = {s.id: n for n, s in enumerate(open_seats(meeting.neighbourhood_id))}
    return sorted(seats, key=lambda s: (order.get(s.id, 999), s.id))


def attendance_of(meeting: Meeting) -> dict[int, str]:
    return dict(db.session.execute(select(MeetingAttendance.seat_id, MeetingAttendance.status)
                                   .where(MeetingAttendance.meeting_id == meeting.id)).all())


def quorum_for(voting_members: int, declared: int) -> int:
    """More than half of the voting members free of an interest in the item must be present."""
    return (voting_members - declared) // 2 + 1


@under_lock(_item_meeting_lock)  # the attendance the quorum is counted from cannot change meanwhile
def record_motion(item: AgendaItem, facilitator: User, *, text: str, proposer_seat_id: int | None,
                  seconder_seat_id: int | None, votes_for: int | None, votes_against: int | None,
                  abstentions: int | None, interests: dict[int, str],
                  grant_decision_id: int | None = None, round_id: int | None = None,
                  register_reasons: dict[int, str] | None = None) -> Motion:
    """With grant_decision_id, the motion decides that open grant decision; with round_id, it signs
    off that round's result, or approves its rules: carried, the decision is made by the meeting's
    vote, in the same transaction, with its own ledger entry."""
    meeting = db.session.get(Meeting, item.meeting_id)
    _facilitator(facilitator, meeting.neighbourhood_id, "record what the board decided")
    if meeting.status != MeetingStatus.HELD:
        raise ServiceError("Record who came first: motions are recorded once the meeting is held")
    text = required_text(text, field="text", label="The motion", limit=2000,
                         missing="Enter what was proposed, for example ‘That the board approves grant G-4’")
    seats = {s.id: s for s in seated_on(meeting) if s.votes}
    came = {sid for sid, status in attendance_of(meeting).items() if status == Attendance.PRESENT and sid in seats}
    for sid, said in interests.items():
        if sid not in came:
            raise ServiceError("Only members present declare an interest at the meeting", field="interests")
        if not (said or "").strip():
            raise ServiceError(f"Say what {seats[sid].user.name}'s interest is", field="interests")
    free = came - set(interests)
    # A member present whose register names an organisation the item names, and who declares no
    # interest, says why (recorded with the vote).
    named = register_named(item, [seats[sid] for sid in free])
    said_why = {}
    for sid, entries in named.items():
        why = ((register_reasons or {}).get(sid) or "").strip()
        if not why:
            raise ServiceError(f"{seats[sid].user.name}'s register names {entries[0]}: record their interest, or why "
                               "it does not touch this item", field=f"why_{sid}")
        said_why[seats[sid].user.pseudonym] = why[:1000]
    for field, sid, role in (("proposer_seat_id", proposer_seat_id, "proposer"),
                             ("seconder_seat_id", seconder_seat_id, "seconder")):
        if sid not in free:
            raise ServiceError(f"Choose the {role} from the voting members present without an interest", field=field)
    if proposer_seat_id == seconder_seat_id:
        raise ServiceError("The seconder must be someone other than the proposer", field="seconder_seat_id")
    counts = {"votes_for": votes_for, "votes_against": votes_against, "abstentions": abstentions}
    for field, value in counts.items():
        if value is None or value < 0:
            raise ServiceError("Enter each count as a whole number, 0 or more", field=field)
    if sum(counts.values()) > len(free):
        raise ServiceError(f"{sum(counts.values())} votes, but only {len(free)} members present could vote (those "
                           "who declared an interest left the room)", field="votes_for")
    needed = quorum_for(len(seats), len(interests))
    carried = len(free) >= needed and votes_for > votes_against
    hood = db.session.get(Neighbourhood, meeting.neighbourhood_id)
    decision = None
    if grant_decision_id is not None:
        decision = db.session.get(GrantDecision, grant_decision_id)
        if decision is None or decision.grant.neighbourhood_id != hood.id or decision.status != DecisionStatus.OPEN:
            raise ServiceError("Choose one of the grant decisions waiting to be made", field="grant_decision_id")
    round_ = None
    if round_id is not None:
        round_ = db.session.get(Round, round_id)
        if round_ is None or round_.neighbourhood_id != hood.id or not (
                round_.phase == SIGN_OFF or (round_.approved_at is None and round_.phase == SETUP)):
            raise ServiceError("Choose a round whose rules or result wait for the board", field="round_id")
        if decision is not None:
            raise ServiceError("A motion decides one thing: a grant decision or a round", field="round_id")
    with one_transaction():
        motion = Motion(item_id=item.id, text=text, proposer_seat_id=proposer_seat_id,
                        seconder_seat_id=seconder_seat_id, interests={str(k): v.strip() for k, v in interests.items()},
                        quorum=needed, free_present=len(free), carried=carried, recorded_by_id=facilitator.id,
                        **counts)
        db.session.add(motion)
        db.session.flush()
        record("board.motion_recorded", motion, actor=facilitator, neighbourhood=hood,
               payload={"meeting": meeting.id, "item": item.number, "item_title": item.title,
                        "confidential": item.confidential, "motion": "" if item.confidential else text,
                        "proposer": seats[proposer_seat_id].user.pseudonym,
                        "seconder": seats[seconder_seat_id].user.pseudonym, **counts,
                        "interests": {seats[sid].user.pseudonym: said for sid, said in interests.items()}
                        if not item.confidential else len(interests),
                        "quorum": needed, "present_free": len(free), "carried": carried,
                        "on": meeting.starts_at.date().isoformat(),
                        "grant_decision": decision.id if decision else None, "round": round_.id if round_ else None,
                        "register_named": said_why})
        votes = {**counts, "quorum": needed, "present_free": len(free)}
        if decision is not None and carried:
            grants.make_at_meeting(decision, facilitator, meeting=meeting.title, held_on=meeting.starts_at.date(),
                                   motion=motion.id, votes=votes)
        if round_ is not None and carried and round_.phase == SIGN_OFF:
            signoff.sign_off_at_meeting(round_, facilitator, meeting=meeting.title, held_on=meeting.starts_at.date(),
                                        votes=votes, motion=motion.id)
        elif round_ is not None and carried:
            # Rules are approved by a board member recording the meeting's decision: the proposer.
            approve_setup(round_, seats[proposer_seat_id].user, decided_on=meeting.starts_at.date(),
                          note=f"Motion carried at {meeting.title}: {votes_for} for, {votes_against} against, "
                               f"{abstentions} abstaining")
    return motion


def register_named(item: AgendaItem, seats: list[BoardSeat]) -> dict[int, list[str]]:
    """{seat id: ["‘Friends of Eastbrook Park’ (Her partner chairs it)"]} for members whose register
    names an organisation the item's title or paper names."""
    text = f"{item.title} {item.paper}"
    hood_id = db.session.get(Meeting, item.meeting_id).neighbourhood_id
    out = {}
    for seat in seats:
        found = entries_in_text(seat.user_id, hood_id, text)
        if found:
            out[seat.id] = [f"‘{e.organisation}’ ({e.description})" for e in found]
    return out


@under_lock(_meeting_lock)
def write_minutes(meeting: Meeting, facilitator: User, *, minutes: str, confidential: str = "") -> None:
    _facilitator(facilitator, meeting.neighbourhood_id, "write the minutes")
    if meeting.status != MeetingStatus.HELD:
        raise ServiceError("Minutes are written once the meeting is held")
    if meeting.minutes_status == MinutesStatus.APPROVED:
        raise ServiceError("These minutes are approved: they can no longer change")
    minutes = required_text(minutes, field="minutes", label="The minutes", limit=50_000,
                            missing="Write what was discussed and decided")
    confidential = (confidential or "").strip()
    if len(confidential) > 50_000 or hidden_characters(confidential):
        raise ServiceError("Keep the confidential minutes to 50,000 characters, with no hidden characters",
                           field="confidential")
    with transaction():
        meeting.minutes, meeting.confidential_minutes = minutes, confidential
        meeting.minutes_status = MinutesStatus.DRAFT
        record("board.minutes_drafted", meeting, actor=facilitator,
               neighbourhood=db.session.get(Neighbourhood, meeting.neighbourhood_id),
               payload={"meeting": meeting.id, "sha256": hashlib.sha256(minutes.encode()).hexdigest(),
                        "confidential_sha256": hashlib.sha256(confidential.encode()).hexdigest()
                        if confidential else None})


@under_lock(_meeting_lock)
def approve_minutes(meeting: Meeting, facilitator: User, *, at: Meeting) -> None:
    """The minutes are approved at a later meeting, as its record shows; then they are published."""
    _facilitator(facilitator, meeting.neighbourhood_id, "record the approval of minutes")
    if meeting.minutes_status != MinutesStatus.DRAFT:
        raise ServiceError("Only draft minutes are approved" if meeting.minutes_status == MinutesStatus.NONE
                           else "These minutes are approved already")
    if at.neighbourhood_id != meeting.neighbourhood_id or at.status != MeetingStatus.HELD \
            or at.starts_at <= meeting.starts_at:
        raise ServiceError("Choose the later meeting, held, at which the board approved them", field="at")
    hood = db.session.get(Neighbourhood, meeting.neighbourhood_id)
    with transaction():
        meeting.minutes_status, meeting.minutes_approved_at_id = MinutesStatus.APPROVED, at.id
        record("board.minutes_approved", meeting, actor=facilitator, neighbourhood=hood,
               payload={"meeting": meeting.id, "approved_at": at.id,
                        "sha256": hashlib.sha256(meeting.minutes.encode()).hexdigest()})
        following.tell("board", hood, f"{hood.name}'s board: minutes of {meeting.title}", "board_news",
                       hood=hood, what=f"The minutes of {meeting.title} on {meeting.starts_at:%-d %B %Y} are "
                                       "approved and published.",
                       link=email_link("boards.meeting", slug=hood.slug, meeting_id=meeting.id))


def next_meeting(hood: Neighbourhood) -> Meeting | None:
    """The next meeting whose papers are published (for the neighbourhood's page)."""
    return db.session.scalar(select(Meeting).where(Meeting.neighbourhood_id == hood.id,
                                                   Meeting.status == MeetingStatus.PAPERS_PUBLISHED,
                                                   Meeting.starts_at >= timeutil.stamp())
                             .order_by(Meeting.starts_at).limit(1))


def attended_this_year(hood: Neighbourhood, today: date | None = None) -> dict[int, tuple[int, int]]:
    """{seat id: (meetings present at, meetings held while they sat)} since 1 January."""
    today = today or timeutil.today()
    start = datetime(today.year, 1, 1)
    held = db.session.scalars(select(Meeting.id).where(Meeting.neighbourhood_id == hood.id,
                                                       Meeting.status == MeetingStatus.HELD,
                                                       Meeting.starts_at >= start)).all()
    out: dict[int, tuple[int, int]] = {}
    for seat_id, status in db.session.execute(select(MeetingAttendance.seat_id, MeetingAttendance.status)
                                              .where(MeetingAttendance.meeting_id.in_(held))):
        present, of = out.get(seat_id, (0, 0))
        out[seat_id] = (present + (status == Attendance.PRESENT), of + 1)
    return out


def absent_members(hood: Neighbourhood, today: date | None = None) -> list[BoardSeat]:
    """Members absent without apologies from every meeting held in the last N months (the board
    sets N), where there was at least one: flagged to the chair and the accountable body."""
    today = today or timeutil.today()
    settings = settings_of(hood)
    months = settings.absence_months if settings else 3
    since = datetime.combine(today - timedelta(days=months * 30), datetime.min.time())
    held = db.session.scalars(select(Meeting.id).where(Meeting.neighbourhood_id == hood.id,
                                                       Meeting.status == MeetingStatus.HELD,
                                                       Meeting.starts_at >= since)).all()
    if not held:
        return []
    marks: dict[int, list[str]] = {}
    for seat_id, status in db.session.execute(select(MeetingAttendance.seat_id, MeetingAttendance.status)
                                              .where(MeetingAttendance.meeting_id.in_(held))):
        marks.setdefault(seat_id, []).append(status)
    return [seat for seat in open_seats(hood.id)
            if marks.get(seat.id) and all(mark == Attendance.ABSENT for mark in marks[seat.id])]


following.register(following.Subject(
    kind="board", news="news of the board: meeting papers published and minutes approved",
    already="You already get the board's news by email", load=lambda hood_id: db.session.get(Neighbourhood, hood_id),
    neighbourhood=lambda hood: hood, name=lambda hood: f"{hood.name}'s board", payload=lambda hood: {}))
