"""Eastbrook's board, for the demo: eleven seats (eight residents, the independent chair, a
councillor and a business seat) under the Community Wealth Fund's rules, registers of interests
filled in and confirmed (one member's confirmation overdue), and the code of conduct accepted."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from sqlalchemy import select

from pb import timeutil
from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.boards import meetings, members, register
from pb.boards.models import Attendance, CameBy, InterestKind, SeatKind
from pb.extensions import db
from pb.neighbourhoods import services as hoods

CODE = """Members of Eastbrook's board follow the seven principles of public life: selflessness, integrity, objectivity, accountability, openness, honesty and leadership.

We declare any interest in a decision before it is discussed, and leave the room when the board decides on something we have an interest in.

We keep our register of interests up to date and confirm it at least once a year.

We treat residents, officers and each other with respect, and keep confidential what the board agrees is confidential."""

# (email, name or None for an existing account, seat, how they came, term end)
SEATS = [
    ("chair@eastbrook.example", None, SeatKind.CHAIR, CameBy.APPOINTED, date(2028, 3, 31)),
    ("board2@eastbrook.example", None, SeatKind.RESIDENT, CameBy.ELECTED, date(2027, 5, 31)),
    ("board3@eastbrook.example", None, SeatKind.RESIDENT, CameBy.ELECTED, date(2027, 5, 31)),
    ("board4@eastbrook.example", None, SeatKind.RESIDENT, CameBy.ELECTED, date(2028, 5, 31)),
    ("board5@eastbrook.example", None, SeatKind.RESIDENT, CameBy.ELECTED, date(2028, 5, 31)),
    ("resident141@eastbrook.example", None, SeatKind.RESIDENT, CameBy.ELECTED, date(2027, 5, 31)),
    ("resident142@eastbrook.example", None, SeatKind.RESIDENT, CameBy.ELECTED, date(2027, 5, 31)),
    ("resident143@eastbrook.example", None, SeatKind.YOUNG_PERSON, CameBy.CO_OPTED, date(2027, 5, 31)),
    ("resident144@eastbrook.example", None, SeatKind.RESIDENT, CameBy.ELECTED, date(2028, 5, 31)),
    ("councillor@eastbrook.example", "Cllr Tom Reeves", SeatKind.COUNCILLOR, CameBy.APPOINTED, None),
    ("business@eastbrook.example", "Hannah Price", SeatKind.BUSINESS, CameBy.APPOINTED, date(2027, 5, 31)),
]
REGISTERS = {
    "chair@eastbrook.example": [(InterestKind.EMPLOYMENT, "Brookshire College", "Deputy principal (paid)")],
    "board2@eastbrook.example": [(InterestKind.ORGANISATION, "Mill Lane Allotments Society", "Treasurer (unpaid)")],
    "board3@eastbrook.example": [(InterestKind.LAND, "", "Owns her home on Mill Lane")],
    "board5@eastbrook.example": [(InterestKind.FAMILY, "Friends of Eastbrook Park",
                                  "Her partner chairs the Friends of Eastbrook Park")],
    "councillor@eastbrook.example": [(InterestKind.EMPLOYMENT, "Brookshire Council",
                                      "Ward councillor for Eastbrook (allowance)")],
    "business@eastbrook.example": [(InterestKind.BUSINESS, "Brook Street Bakery", "Owner"),
                                   (InterestKind.GIFT, "Eastbrook Traders", "Dinner at the traders' awards, "
                                                                            "about £60")],
}
# Everyone confirmed at the annual meeting but board4, whose last confirmation was the year before.
LATE = "board4@eastbrook.example"


def seed_board(hood, people, echo=click.echo) -> None:
    f = people["facilitator@eastbrook.example"]
    password_hash = people["chair@eastbrook.example"].password_hash
    members.set_rules(hood, f, rules="community_wealth_fund")
    seated = {}
    with timeutil.as_of(date(2025, 1, 20)):
        for email, name, kind, came_by, term_ends_on in SEATS:
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = accounts.create_account(name=name, email=email, password_hash=password_hash,
                                               postcode="EB1 1AA", birth_year=1975)
            if kind in (SeatKind.RESIDENT, SeatKind.YOUNG_PERSON) and hoods.membership(user, hood, "resident") is None:
                hoods.verify_resident(hoods.join_as_resident(user, hood), f)  # residents live in the area
            seated[email] = members.seat_member(hood, f, email=email, kind=kind, started_on=date(2025, 1, 20),
                                                term_ends_on=term_ends_on, came_by=came_by)
        register.set_code(hood, f, text=CODE)
    for email, entries in REGISTERS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        with timeutil.as_of(date(2025, 2, 1)):
            for kind, organisation, description in entries:
                register.add_entry(user, hood, kind=kind, organisation=organisation, description=description,
                                   from_on=date(2019, 4, 1) if kind != InterestKind.GIFT else date(2025, 1, 30))
    for email in seated:
        user = db.session.scalar(select(User).where(User.email == email))
        with timeutil.as_of(date(2025, 2, 3)):
            register.accept_code(user, hood)
            register.confirm_register(user, hood)
        if email != LATE:
            with timeutil.as_of(date(2026, 5, 20)):  # at the annual meeting
                register.confirm_register(user, hood)
    seed_meetings(hood, f, echo)
    echo("Eastbrook's board: 11 seats (8 residents, the chair, a councillor, a business), registers of interests "
         "confirmed (one overdue) and the code of conduct accepted.")


# Three meetings held in the last six months and the next one in nine days, dated from today so the
# demo always has a next meeting. Aisha Begum (resident144) missed the last two without apologies.
HELD = [(180, "Board meeting, summer"), (90, "Board meeting, autumn"), (26, "Board meeting, November")]
ABSENT = "resident144@eastbrook.example"


def seed_meetings(hood, f, echo=click.echo) -> None:
    today = date.today()
    seats = {s.user.email: s for s in members.open_seats(hood.id)}
    held = []
    for days, title in HELD:
        day = today - timedelta(days=days)
        with timeutil.as_of(day - timedelta(days=14)):
            meeting = meetings.schedule_meeting(hood, f, title=title, place="Eastbrook Community Centre, Mill Lane",
                                                starts_at=datetime.combine(day, datetime.min.time()).replace(hour=18))
            if held:
                meetings.add_item(meeting, f, title=f"Minutes of {held[-1].title}")
            meetings.add_item(meeting, f, title="Money report", paper="What the fund has paid this quarter, and "
                                                                      "what is waiting to be paid.")
            meetings.add_item(meeting, f, title="The brook path: Friends of Eastbrook Park's request",
                              paper="The Friends ask for £4,000 to resurface the path by the brook.")
        with timeutil.as_of(day - timedelta(days=9)):
            meetings.publish_papers(meeting, f)
        with timeutil.as_of(day):
            marks = {}
            for email, seat in seats.items():
                if email == ABSENT:
                    marks[seat.id] = Attendance.ABSENT if days < 100 else Attendance.APOLOGIES
                elif email == "councillor@eastbrook.example" and days == 90:
                    marks[seat.id] = Attendance.APOLOGIES
                else:
                    marks[seat.id] = Attendance.PRESENT
            meetings.record_attendance(meeting, f, marks)
            present = [s for e, s in seats.items() if marks[s.id] == Attendance.PRESENT and s.votes]
            park = next(i for i in meeting.items if i.title.startswith("The brook path"))
            partner = seats["board5@eastbrook.example"]
            voters = [s for s in present if s.id != partner.id]
            meetings.record_motion(park, f, text="That the board asks the Friends for a quote from a second "
                                                 "contractor before deciding" if days > 30 else
                                   "That the board funds the brook path, £4,000, from this year's capacity share",
                                   proposer_seat_id=voters[0].id, seconder_seat_id=voters[1].id,
                                   votes_for=len(voters) - 1, votes_against=0, abstentions=1,
                                   interests={partner.id: "Her partner chairs the Friends of Eastbrook Park"})
            meetings.write_minutes(meeting, f, minutes=(
                f"{title}. The board received the money report. On the brook path, Agnieszka Nowak declared an "
                "interest and left the room; the board voted as recorded."))
            if held:
                meetings.approve_minutes(held[-1], f, at=meeting)
        held.append(meeting)
    day = today + timedelta(days=9)
    meeting = meetings.schedule_meeting(hood, f, title="Board meeting, December", place="Eastbrook Community "
                                        "Centre, Mill Lane", starts_at=datetime.combine(day, datetime.min.time())
                                        .replace(hour=18))
    meetings.add_item(meeting, f, title=f"Minutes of {held[-1].title}")
    meetings.add_item(meeting, f, title="The plan's review: what next year's round should serve",
                      paper="Skills and work is under-spent by £12,000 this year. Should next year's round "
                            "ring-fence some of it?")
    meetings.add_item(meeting, f, title="A complaint about a grant", confidential=True,
                      reason="It names a resident who has not agreed to be named")
    meetings.publish_papers(meeting, f)
    echo("Eastbrook's board meetings: three held with minutes (the last awaiting approval), the next one's papers "
         "published; one member flagged for absence.")
