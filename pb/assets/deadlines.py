"""The Right to Bid's dates (Localism Act 2011, Part 5 Chapter 3; the Assets of Community Value
(England) Regulations 2012). Pure: no Flask, no database; `python -m pb.assets.deadlines` prints them.

Every period here *begins with* its starting day (the day counts as the first day), as the Act's
periods do: six weeks beginning with 1 March end on 11 April; six months beginning with 1 March
end on 31 August. A period of months ends the day before the same day of the month N months later;
where that month has no such day (31 August + 6 months), the period runs to the end of the month
before it would have (the end of February, 28th or 29th).

- listing: an asset stays on the list for five years beginning with the date it was listed (s.87(3)
  and reg. 2), and followers are reminded six months before it ends;
- interim moratorium: six weeks beginning with the date the council receives the owner's notice
  of intention to sell (s.95(6)), in which a community interest group may ask to be treated as a
  potential bidder;
- full moratorium: six months beginning with the same date, in which, if a group asked in time,
  the owner may sell only to a community interest group;
- protected period: eighteen months beginning with the same date, in which no second moratorium
  can start.
"""
from __future__ import annotations

import calendar
import sys
from dataclasses import dataclass
from datetime import date, timedelta

LISTING_YEARS = 5
LISTING_REMINDER_MONTHS = 6
INTERIM_WEEKS = 6
FULL_MONTHS = 6
PROTECTED_MONTHS = 18
WARNING_DAYS = 7  # followers are emailed a week before each deadline


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later; where that month is too short, the first day of the
    month after it (so a period ending the day before runs to the short month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if day.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, day.day)
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, 1)


def months_beginning_with(start: date, months: int) -> date:
    """The last day of a period of `months` months beginning with `start`."""
    return add_months(start, months) - timedelta(days=1)


def weeks_beginning_with(start: date, weeks: int) -> date:
    return start + timedelta(weeks=weeks) - timedelta(days=1)


@dataclass(frozen=True)
class Listing:
    listed_on: date
    ends_on: date  # the last day on the list
    remind_on: date  # six months before it ends


def listing(listed_on: date) -> Listing:
    ends = months_beginning_with(listed_on, LISTING_YEARS * 12)
    return Listing(listed_on, ends, add_months(ends + timedelta(days=1), -LISTING_REMINDER_MONTHS))


@dataclass(frozen=True)
class Moratorium:
    notified_on: date
    interim_ends_on: date  # last day for a group to ask to be treated as a bidder
    full_ends_on: date  # last day of the full moratorium
    protected_ends_on: date  # last day of the protected period

    def deadlines(self) -> list[tuple[str, date]]:
        return [("interim", self.interim_ends_on), ("full", self.full_ends_on), ("protected", self.protected_ends_on)]

    def warnings(self) -> list[tuple[str, date]]:
        """When followers are warned: a week before each deadline."""
        return [(name, day - timedelta(days=WARNING_DAYS)) for name, day in self.deadlines()]


def moratorium(notified_on: date) -> Moratorium:
    return Moratorium(notified_on, weeks_beginning_with(notified_on, INTERIM_WEEKS),
                      months_beginning_with(notified_on, FULL_MONTHS),
                      months_beginning_with(notified_on, PROTECTED_MONTHS))


def days_left(deadline: date, today: date) -> int:
    """Whole days left, counting today and the deadline itself (0 once it has passed)."""
    return max(0, (deadline - today).days + 1)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("listed", "notice"):
        print("usage: python -m pb.assets.deadlines listed|notice YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        day = date.fromisoformat(argv[1])
    except ValueError:
        print(f"not a date: {argv[1]} (write it as YYYY-MM-DD)", file=sys.stderr)
        return 2
    if argv[0] == "listed":
        got = listing(day)
        print(f"listed {got.listed_on}, on the list until {got.ends_on}, reminder {got.remind_on}")
    else:
        got = moratorium(day)
        print(f"notice {got.notified_on}: interim moratorium until {got.interim_ends_on}, "
              f"full moratorium until {got.full_ends_on}, protected period until {got.protected_ends_on}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
