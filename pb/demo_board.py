"""Eastbrook's board, for the demo: eleven seats (eight residents, the independent chair, a
councillor and a business seat) under the Community Wealth Fund's rules, registers of interests
filled in and confirmed (one member's confirmation overdue), and the code of conduct accepted."""
from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from pb import timeutil
from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.boards import members, register
from pb.boards.models import CameBy, InterestKind, SeatKind
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
    echo("Eastbrook's board: 11 seats (8 residents, the chair, a councillor, a business), registers of interests "
         "confirmed (one overdue) and the code of conduct accepted.")
