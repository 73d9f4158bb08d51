"""Whole numbers typed by people or put in URLs: the one parser for them all.

`str.isdigit()` accepts '²' and '٣', and `int()` accepts '٣' but refuses 5,000 digits (Python's
limit on long conversions) and happily makes numbers no database column can hold. Every id, page,
serial, points value and count from a request goes through `whole_number` instead: ASCII digits
only, a bounded length, and a range that fits the column (PostgreSQL's INTEGER by default)."""
from __future__ import annotations

import re

MAX_INT = 2**31 - 1  # PostgreSQL INTEGER, the type of every id and count column here
_DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(raw, *, low: int = 0, high: int = MAX_INT, commas: bool = False) -> int | None:
    """The whole number in `raw` (surrounding spaces allowed, thousands commas when `commas`),
    or None when it is not one or falls outside low..high."""
    if raw is None:
        return None
    text = str(raw).strip()
    if commas:
        text = text.replace(",", "")
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None
