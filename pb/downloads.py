"""Files a page hands over to save (CSV, JSON, Pabulib): one way to say "attachment", to mark open
data that any site may fetch, and one CSV writer for every CSV pb publishes."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

# A spreadsheet runs a cell that begins with one of these as a formula (OWASP: CSV injection), so a
# resident who names a place "=HYPERLINK(...)" could plant a link in everyone's download.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so spreadsheet programs read the file as UTF-8 (names with accents, £)


def inert(value):
    """A cell as written: None as empty; text that a spreadsheet would run as a formula gets a leading
    apostrophe, which spreadsheets show as plain text. Numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Sequence]) -> str:
    """Every CSV pb publishes: UTF-8 with a byte-order mark, CRLF line endings (RFC 4180), cells inert."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([inert(value) for value in row])
    return out.getvalue()


def dict_rows(records: Iterable[dict], columns: Sequence[str]) -> Iterable[list]:
    """A header, then each record's values in the columns' order."""
    yield list(columns)
    for record in records:
        yield [record.get(column) for column in columns]


def attachment(body: str | bytes, filename: str, mimetype: str, *, open_data: bool = True) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if open_data:
        response.headers["Access-Control-Allow-Origin"] = "*"  # open data: anyone may fetch it
    return response


def csv_attachment(rows: Iterable[Sequence], filename: str, *, open_data: bool = True) -> Response:
    return attachment(csv_text(rows), filename, "text/csv", open_data=open_data)
