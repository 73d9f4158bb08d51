"""Reading a bank statement exported as CSV: the layouts UK banks export, recognised by their column
names, or a column mapping the treasurer gives for any other. Every bad line is named and nothing is
kept unless every line is right; amounts become signed pence (money in positive).

Plain Python on purpose: what a file says is decided here, apart from where it is stored."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

MAX_BYTES = 5_000_000
MAX_LINES = 20_000
MAX_DESCRIPTION = 300
_PREAMBLE_LINES = 12  # some banks (Nationwide) put the account's details above the column names


class StatementError(ValueError):
    """What is wrong with the file, in words for the treasurer; `problems` names each bad line."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


@dataclass(frozen=True)
class Layout:
    name: str
    date: str
    description: tuple[str, ...]   # joined with " " (Starling: counter party and reference)
    amount: str | None = None      # one signed column ...
    paid_out: str | None = None    # ... or two, money out and money in
    paid_in: str | None = None
    balance: str | None = None


# Column names lowercased and stripped, as each bank writes them.
LAYOUTS = (
    Layout("Lloyds, Halifax or Bank of Scotland", "transaction date", ("transaction description",),
           paid_out="debit amount", paid_in="credit amount", balance="balance"),
    Layout("Nationwide", "date", ("description",), paid_out="paid out", paid_in="paid in", balance="balance"),
    Layout("NatWest or RBS", "date", ("description",), amount="value", balance="balance"),
    Layout("Barclays", "date", ("memo",), amount="amount"),
    Layout("Starling", "date", ("counter party", "reference"), amount="amount (gbp)", balance="balance (gbp)"),
    Layout("Monzo", "date", ("name", "description"), amount="amount"),
    Layout("Unity Trust or CAF Bank", "date", ("description",), paid_out="debit", paid_in="credit", balance="balance"),
    Layout("Date, description, amount", "date", ("description",), amount="amount", balance="balance"),
)

_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%y", "%d-%b-%Y",
                 "%d.%m.%Y")
_MONEY = re.compile(r"^(?P<sign>[-+]?)£?(?P<pounds>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,12})(?:\.(?P<pence>[0-9]{1,2}))?$")


@dataclass
class Line:
    line_number: int
    booked_on: date
    description: str
    amount: int  # pence, money in positive
    balance: int | None


@dataclass
class Statement:
    layout: str
    lines: list[Line]


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252, which older bank
    exports use for the £ sign. Anything else is refused, not guessed at."""
    if len(data) > MAX_BYTES:
        raise StatementError(f"The file is {len(data) / 1_000_000:.1f} MB: a statement can be at most "
                             f"{MAX_BYTES // 1_000_000} MB. Export a shorter period")
    if b"\x00" in data[:4096]:
        raise StatementError("This is not a CSV file: it holds something other than text (a spreadsheet saved as "
                             ".xlsx, or UTF-16 text). Export the statement as CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise StatementError("The file's text is in an encoding pb cannot read. Export it again as CSV "
                             "(UTF-8 if the bank offers a choice)") from None


def parse_money(raw: str) -> int | None:
    """'£1,234.56', '-12.00', '(12.00)', '12.00 CR', '12.00 DR' -> signed pence; '' -> 0; None if not money."""
    text = (raw or "").strip().replace(" ", "").replace("\u00a3", "£")
    if not text:
        return 0
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    upper = text.upper()
    if upper.endswith(("CR", "DR")):
        negative, text = upper.endswith("DR"), text[:-2]
    if text.startswith("£-") or text.startswith("£+"):
        text = text[1] + "£" + text[2:]
    match = _MONEY.match(text)
    if not match:
        return None
    pence = int(match.group("pounds").replace(",", "")) * 100 + int(((match.group("pence") or "") + "00")[:2])
    return -pence if negative or match.group("sign") == "-" else pence


def parse_day(raw: str) -> date | None:
    text = " ".join((raw or "").split())
    if not text or len(text) > 20:
        return None
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d\d-\d\d[ T]", text) else text  # a time after an ISO date
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _rows(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_LINES + _PREAMBLE_LINES:
                raise StatementError(f"The file has more than {MAX_LINES:,} lines: export a shorter period")
    except csv.Error:
        raise StatementError(f"Line {reader.line_num} is not a line of a CSV file (a value is far too long, or a "
                             "quotation mark is not closed)") from None
    return rows


def _find_layout(rows: list[list[str]], mapping: Layout | None) -> tuple[Layout, int, dict[str, int]]:
    """The layout, the index of the column names' row, and each column's position."""
    for index, row in enumerate(rows[:_PREAMBLE_LINES]):
        names = [cell.strip().lower().lstrip("\ufeff") for cell in row]
        position = {name: i for i, name in enumerate(names) if name}
        for layout in ((mapping,) if mapping else LAYOUTS):
            needed = [layout.date, *layout.description, *(c for c in (layout.amount, layout.paid_out, layout.paid_in) if c)]
            if all(name in position for name in needed):
                return layout, index, position
    if mapping:
        raise StatementError("No line near the top has the column names you gave: " + ", ".join(
            c for c in (mapping.date, *mapping.description, mapping.amount, mapping.paid_out, mapping.paid_in) if c))
    raise StatementError("pb does not recognise this bank's layout. Its first line should name the columns (for "
                         "example Date, Description, Amount). Tell pb which columns hold the date, the description "
                         "and the amount below, then import it again")


def read_statement(data: bytes, mapping: Layout | None = None) -> Statement:
    """Every line of the statement, or a StatementError naming every bad one."""
    rows = _rows(decode(data))
    if not rows:
        raise StatementError("The file is empty")
    layout, header, position = _find_layout(rows, mapping)
    if len(rows) - header - 1 > MAX_LINES:
        raise StatementError(f"The file has more than {MAX_LINES:,} lines: export a shorter period")
    lines, problems = [], []
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name, row=row):
            i = position.get(name) if name else None
            return row[i].strip() if i is not None and i < len(row) else ""

        on = parse_day(cell(layout.date))
        if on is None:
            problems.append(f"line {number}: {cell(layout.date)[:30]!r} is not a date like 31/03/2027")
        amount, bad = None, None
        if layout.amount:
            amount = parse_money(cell(layout.amount))
            bad = cell(layout.amount) if amount is None else None
        else:
            out, into = parse_money(cell(layout.paid_out)), parse_money(cell(layout.paid_in))
            if out is None or into is None:
                bad = cell(layout.paid_out) if out is None else cell(layout.paid_in)
            elif out and into:
                problems.append(f"line {number}: it has money both in and out; a statement line is one or the other")
            else:
                amount = abs(into) - abs(out)
        if bad is not None:
            problems.append(f"line {number}: {bad[:30]!r} is not an amount of money like -12.50")
        elif amount == 0:
            problems.append(f"line {number}: it has no amount")
        balance = parse_money(cell(layout.balance)) if layout.balance and cell(layout.balance) else None
        description = " ".join(" ".join(cell(name) for name in layout.description).split())
        if len(description) > MAX_DESCRIPTION:
            problems.append(f"line {number}: its description is longer than {MAX_DESCRIPTION} characters")
        if on is not None and amount:
            lines.append(Line(number, on, description, amount, balance))
    if problems:
        raise StatementError(f"Nothing was imported: {len(problems)} line{'s' if len(problems) != 1 else ''} "
                             f"{'are' if len(problems) != 1 else 'is'} not right", problems)
    if not lines:
        raise StatementError("The file has the column names but no statement lines")
    return Statement(layout.name, lines)


def mapping_from(date_column: str, description_column: str, amount_column: str = "", paid_out_column: str = "",
                 paid_in_column: str = "", balance_column: str = "") -> Layout | None:
    """The treasurer's own column mapping, or None when they gave none (the known layouts are tried)."""
    names = [(c or "").strip().lower() for c in (date_column, description_column, amount_column, paid_out_column,
                                                 paid_in_column, balance_column)]
    date_name, description, amount, paid_out, paid_in, balance = names
    if not any(names):
        return None
    if not date_name or not description:
        raise StatementError("Give both the date column's and the description column's names")
    if not amount and not (paid_out and paid_in):
        raise StatementError("Give the amount column's name, or both the money-out and money-in columns' names")
    return Layout("Your column mapping", date_name, (description,), amount=amount or None,
                  paid_out=None if amount else paid_out, paid_in=None if amount else paid_in, balance=balance or None)
