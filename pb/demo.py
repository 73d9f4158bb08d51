"""A realistic fictional neighbourhood to explore: Eastbrook, with its board, facilitators, an
auditor and 200 residents. Postcodes use the area letters EB, which no real UK postcode has."""
from __future__ import annotations

import random

import click
from sqlalchemy import select

from pb.accounts import passwords
from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.extensions import db
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR, Neighbourhood

SLUG = "eastbrook"
PASSWORD = "eastbrook-demo-2026"
FIRST = ("Aisha Amir Ben Chloe Daniel Ewa Fatima George Grace Hannah Imran Jack Jade Kamal Kofi Leah "
         "Liam Maria Mohammed Nadia Noah Olivia Oskar Priya Ravi Ruby Sam Sana Tariq Tom Yusuf Zara").split()
LAST = ("Ahmed Begum Brown Campbell Clarke Davies Evans Green Hall Hussain Jones Khan Kowalski Lewis Mensah "
        "Nowak Okafor Patel Roberts Shah Singh Smith Taylor Thomas Walker Williams Wilson Wright").split()
DESCRIPTION = (
    "Eastbrook is a neighbourhood of about 6,500 people on the east side of town: two estates, the "
    "old brickworks and the streets around Eastbrook Road. Through the Community Wealth Fund, "
    "residents decide each year how to spend a devolved budget, with at least a tenth kept for "
    "building community capacity. The Eastbrook Partnership Board approves the rules and signs off the results."
)
STAFF = [
    ("admin@eastbrook.example", "Pat Admin", None),
    ("chair@eastbrook.example", "Margaret Okafor", BOARD_MEMBER),
    ("board2@eastbrook.example", "Desmond Clarke", BOARD_MEMBER),
    ("board3@eastbrook.example", "Sunita Patel", BOARD_MEMBER),
    ("board4@eastbrook.example", "Gareth Evans", BOARD_MEMBER),
    ("board5@eastbrook.example", "Agnieszka Nowak", BOARD_MEMBER),
    ("facilitator@eastbrook.example", "Femi Adeyemi", FACILITATOR),
    ("facilitator2@eastbrook.example", "Rosie Hall", FACILITATOR),
    ("auditor@eastbrook.example", "Ian Auditor", AUDITOR),
]


def postcodes() -> list[str]:
    return [f"EB{district} {sector}{unit}" for district in (1, 2) for sector in (1, 2, 3, 4)
            for unit in ("AA", "AB", "AD", "AE", "AF")]


def seed(echo=click.echo) -> bool:
    """Create the demo if it is not there. Returns False when it already was (idempotent)."""
    if db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == SLUG)):
        return False
    rng = random.Random(2026)
    shared_hash = passwords.hash_password(PASSWORD)
    area = postcodes()
    hood = hoods.create_neighbourhood(slug=SLUG, name="Eastbrook", description=DESCRIPTION, min_voting_age=16)
    hoods.set_area(hood, set(area), replace=True, source="demo")
    echo(f"Created Eastbrook with {len(area)} eligible postcodes.")

    people = {}
    for email, name, role in STAFF:
        user = db.session.scalar(select(User).where(User.email == email)) or accounts.create_account(
            name=name, email=email, password_hash=shared_hash, postcode=rng.choice(area),
            birth_year=rng.randint(1950, 1995), is_admin=role is None)
        people[email] = user
        if role:
            hoods.grant_role(user, hood, role)
    facilitator = people["facilitator@eastbrook.example"]
    echo("Created the partnership board (5), 2 facilitators, an auditor and an admin.")

    with click.progressbar(range(1, 201), label="Creating 200 residents", file=None) as numbers:
        for number in numbers:
            email = f"resident{number}@eastbrook.example"
            user = db.session.scalar(select(User).where(User.email == email)) or accounts.create_account(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", email=email, password_hash=shared_hash,
                postcode=rng.choice(area), birth_year=rng.randint(1940, 2009))
            member = hoods.join_as_resident(user, hood)
            # About three in four have had their address checked; the rest show the unverified path.
            if number <= 150:
                hoods.verify_resident(member, facilitator)
    return True


def print_logins(echo=click.echo) -> None:
    echo("")
    echo("Demo sign-ins (password for all: %s)" % PASSWORD)
    echo("  platform admin     admin@eastbrook.example")
    echo("  board chair        chair@eastbrook.example   (board2..board5@eastbrook.example too)")
    echo("  facilitator        facilitator@eastbrook.example")
    echo("  auditor            auditor@eastbrook.example")
    echo("  verified resident  resident1@eastbrook.example   (resident1-150 are verified)")
    echo("  unverified         resident151@eastbrook.example (resident151-200 are not)")
    echo("Open http://127.0.0.1:5000/n/eastbrook/")
