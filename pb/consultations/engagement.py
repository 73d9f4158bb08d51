"""The engagement log: each way the neighbourhood listened (an event, a stall, door-knocking, a
workshop, a school session, an online post), how many people, by age band where known; and the
area profile, who lives there, imported from CSV.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import delete, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.proposals import images
from pb.services import ServiceError, transaction
from pb.text import hidden_characters, required_text

from .models import AGE_BANDS, AGE_GROUP, AreaGroup, AreaProfile, EngagementActivity, EngagementKind

MOST_PEOPLE = 100_000


def record_activity(hood: Neighbourhood, facilitator: User, *, kind: str, held_on: date | None, place: str,
                    people: int | None, by_age: dict[str, int | None] | None = None, note: str = "",
                    photo: bytes | None = None, photo_alt: str = "") -> EngagementActivity:
    require_role(facilitator, hood.id, FACILITATOR, "Only facilitators record engagement")
    if kind not in EngagementKind.labels():
        raise ServiceError("Choose what kind of activity it was", field="kind")
    if held_on is None:
        raise ServiceError("Enter the day it happened", field="held_on")
    if held_on > timeutil.today():
        raise ServiceError("The day cannot be in the future: record an activity once it has happened", field="held_on")
    place = required_text(place, field="place", label="Where", limit=160,
                          missing="Enter where it happened, like ‘Eastbrook market’ or ‘Facebook group’")
    if people is None or not 0 <= people <= MOST_PEOPLE:
        raise ServiceError(f"Enter how many people took part, from 0 to {MOST_PEOPLE:,}", field="people")
    counted = {}
    for band, value in (by_age or {}).items():
        if band not in AGE_BANDS:
            raise ServiceError("Use the age bands shown", field="people")
        if value is None:
            continue
        if not 0 <= value <= MOST_PEOPLE:
            raise ServiceError(f"Enter a number of people aged {band}, 0 or more", field=f"age-{AGE_BANDS.index(band)}")
        if value:
            counted[band] = value
    if sum(counted.values()) > people:
        raise ServiceError(f"The age bands add up to {sum(counted.values()):,}, more than the {people:,} people who "
                           "took part", field="people")
    note = (note or "").strip()
    if hidden_characters(note):
        raise ServiceError("The note contains hidden characters: retype it", field="note")
    if len(note) > 500:
        raise ServiceError("The note must be 500 characters or fewer", field="note")
    encoded = None
    if photo:
        encoded = images.reencode(photo)
        photo_alt = images.described(photo_alt, "photo")
    with transaction():
        activity = EngagementActivity(neighbourhood_id=hood.id, kind=kind, held_on=held_on, place=place, people=people,
                                      by_age=counted, note=note, recorded_by_id=facilitator.id,
                                      photo=encoded.data if encoded else None,
                                      photo_type=encoded.mime_type if encoded else None,
                                      photo_alt=photo_alt if encoded else None)
        db.session.add(activity)
        db.session.flush()
        record("engagement.recorded", activity, actor=facilitator, neighbourhood=hood,
               payload={"kind": kind, "held_on": held_on.isoformat(), "place": place, "people": people,
                        "by_age": counted, "photo_sha256": encoded.sha256 if encoded else None})
    return activity


def activities(hood: Neighbourhood) -> list[EngagementActivity]:
    return db.session.scalars(select(EngagementActivity).where(EngagementActivity.neighbourhood_id == hood.id)
                              .order_by(EngagementActivity.held_on.desc(), EngagementActivity.id.desc())).all()


def totals(rows: list[EngagementActivity]) -> dict:
    """People and activities per month ("2027-03") and per year, oldest first."""
    months: dict[str, list[int]] = {}
    years: dict[int, list[int]] = {}
    for row in rows:
        for table, key in ((months, row.held_on.strftime("%Y-%m")), (years, row.held_on.year)):
            figures = table.setdefault(key, [0, 0])
            figures[0] += 1
            figures[1] += row.people
    return {"months": sorted(months.items()), "years": sorted(years.items())}


# --- the area profile ---------------------------------------------------------------------------------

def parse_profile(text: str) -> list[tuple[str, str, int]]:
    """CSV with a header `group,band,population`: (group, band, population) per line, or a
    ServiceError naming every bad line (nothing is saved)."""
    rows = list(csv.reader(io.StringIO((text or "").strip())))
    if not rows:
        raise ServiceError("Paste the CSV, or choose the file", field="csv")
    header = [cell.strip().lower() for cell in rows[0]]
    if header != ["group", "band", "population"]:
        raise ServiceError("The first line must be the header: group,band,population", field="csv")
    problems, out, seen = [], [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            problems.append(f"line {number}: expected 3 values (group, band, population), found {len(row)}")
            continue
        grouping, band, raw = (cell.strip() for cell in row)
        grouping = grouping.lower()
        if not grouping or not band:
            problems.append(f"line {number}: the group and the band must both be filled in")
            continue
        if hidden_characters(grouping + band) or len(grouping) > 60 or len(band) > 120:
            problems.append(f"line {number}: the group or band is too long or has hidden characters")
            continue
        if grouping == AGE_GROUP and band not in AGE_BANDS:
            problems.append(f"line {number}: ‘{band}’ is not one of the age bands ({', '.join(AGE_BANDS)})")
            continue
        if not raw.isdecimal() or int(raw) > 10_000_000:
            problems.append(f"line {number}: the population must be a whole number, like 1250 (found ‘{raw[:20]}’)")
            continue
        if (grouping, band) in seen:
            problems.append(f"line {number}: {grouping} ‘{band}’ appears twice")
            continue
        seen.add((grouping, band))
        out.append((grouping, band, int(raw)))
    if problems:
        shown = problems[:20]
        more = f"; and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ServiceError("Nothing was saved. Fix these lines: " + "; ".join(shown) + more, field="csv")
    if not out:
        raise ServiceError("The CSV has a header but no figures", field="csv")
    return out


def import_profile(hood: Neighbourhood, facilitator: User, *, text: str, source: str, year: int | None) -> AreaProfile:
    """Replace the neighbourhood's area profile with this one."""
    require_role(facilitator, hood.id, FACILITATOR, "Only facilitators import the area profile")
    source = required_text(source, field="source", label="Source", limit=200,
                           missing="Say where the figures come from, like ‘Census 2021, ONS table TS007’")
    if year is None or not 1900 <= year <= timeutil.today().year:
        raise ServiceError(f"Enter the year the figures describe, up to {timeutil.today().year}", field="year")
    rows = parse_profile(text)
    with transaction():
        old = db.session.scalars(select(AreaProfile.id).where(AreaProfile.neighbourhood_id == hood.id)).all()
        if old:
            db.session.execute(delete(AreaGroup).where(AreaGroup.profile_id.in_(old)))
            db.session.execute(delete(AreaProfile).where(AreaProfile.id.in_(old)))
        profile = AreaProfile(neighbourhood_id=hood.id, source=source, year=year, imported_by_id=facilitator.id)
        db.session.add(profile)
        db.session.flush()
        db.session.add_all(AreaGroup(profile_id=profile.id, grouping=g, band=b, population=p) for g, b, p in rows)
        record("area_profile.imported", profile, actor=facilitator, neighbourhood=hood,
               payload={"source": source, "year": year, "groups": sorted({g for g, _, _ in rows}),
                        "population": sum(p for g, _, p in rows if g == rows[0][0])})
    return profile


def profile_of(hood: Neighbourhood) -> AreaProfile | None:
    return db.session.scalar(select(AreaProfile).where(AreaProfile.neighbourhood_id == hood.id))
