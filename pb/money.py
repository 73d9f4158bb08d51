"""Money is stored as whole pence; people type pounds."""
from __future__ import annotations

import re

_AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")  # ASCII digits, at most £999,999,999,999.99
FINANCIAL_YEAR = re.compile(r"^(20\d\d)/(\d\d)$")


def parse_pounds(raw: str) -> int | None:
    """'£1,250.50' -> 125050 pence; None when it is not an amount of money."""
    text = (raw or "").strip().replace(",", "").replace(" ", "")
    if text.startswith("£"):
        text = text[1:]
    if not _AMOUNT.match(text):
        return None
    pounds, _, pence = text.partition(".")
    return int(pounds) * 100 + int((pence + "00")[:2])


def pounds(pence: int | None) -> str:
    if pence is None:
        return ""
    if pence % 100 == 0:
        return f"£{pence // 100:,}"
    return f"£{pence / 100:,.2f}"


def plain_pounds(pence: int | None) -> str:
    """For form fields: 1250.50, no symbol or commas."""
    if pence is None:
        return ""
    return str(pence // 100) if pence % 100 == 0 else f"{pence // 100}.{pence % 100:02d}"


def is_financial_year(text: str) -> bool:
    match = FINANCIAL_YEAR.match((text or "").strip())
    return bool(match) and (int(match.group(1)) + 1) % 100 == int(match.group(2))


def financial_years(first_year: str, count: int) -> list[str]:
    """'2027/28', 3 -> ['2027/28', '2028/29', '2029/30']: the years of a fund or a programme."""
    start = int(first_year[:4])
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(start, start + count)]
