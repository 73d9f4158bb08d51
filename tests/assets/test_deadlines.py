"""The Right to Bid's dates, worked by hand from the Act's "beginning with" periods, including
month ends and leap years."""
from datetime import date, timedelta

import pytest

from pb.assets.deadlines import add_months, days_left, listing, main, moratorium


@pytest.mark.parametrize("notice, interim, full, protected", [
    (date(2027, 3, 1), date(2027, 4, 11), date(2027, 8, 31), date(2028, 8, 31)),
    # 31 August + 6 months has no 31 February: the full moratorium runs to the end of February.
    (date(2027, 8, 31), date(2027, 10, 11), date(2028, 2, 29), date(2029, 2, 28)),
    (date(2026, 8, 31), date(2026, 10, 11), date(2027, 2, 28), date(2028, 2, 29)),
    # A notice on a leap day: 18 months later is 29 August, so the protected period ends the 28th.
    (date(2028, 2, 29), date(2028, 4, 10), date(2028, 8, 28), date(2029, 8, 28)),
    # Across a year end, and a notice on the last day of a 30-day month.
    (date(2027, 12, 20), date(2028, 1, 30), date(2028, 6, 19), date(2029, 6, 19)),
    (date(2027, 9, 30), date(2027, 11, 10), date(2028, 3, 29), date(2029, 3, 29)),
])
def test_the_moratorium_dates_begin_with_the_day_the_council_is_told(notice, interim, full, protected):
    got = moratorium(notice)
    assert (got.interim_ends_on, got.full_ends_on, got.protected_ends_on) == (interim, full, protected)
    week = timedelta(days=7)
    assert got.warnings() == [("interim", interim - week), ("full", full - week), ("protected", protected - week)]


def test_a_listing_lasts_five_years_and_is_reminded_six_months_before():
    got = listing(date(2027, 6, 15))
    assert got.ends_on == date(2032, 6, 14) and got.remind_on == date(2031, 12, 15)
    leap = listing(date(2028, 2, 29))  # no 29 February in 2033: on the list to the end of February
    assert leap.ends_on == date(2033, 2, 28) and leap.remind_on == date(2032, 9, 1)


def test_months_and_days_left():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 3, 1)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 3, 1)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 3, 1)
    assert add_months(date(2027, 5, 10), -6) == date(2026, 11, 10)
    assert days_left(date(2027, 4, 11), date(2027, 4, 11)) == 1  # the last day still counts
    assert days_left(date(2027, 4, 11), date(2027, 4, 12)) == 0


def test_the_command_line_prints_the_dates(capsys):
    assert main(["notice", "2027-03-01"]) == 0
    assert "interim moratorium until 2027-04-11, full moratorium until 2027-08-31, protected period until 2028-08-31" \
        in capsys.readouterr().out
    assert main(["notice", "1 March"]) == 2
    assert "not a date: 1 March" in capsys.readouterr().err
