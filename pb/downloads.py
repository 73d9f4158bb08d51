"""Files a page hands over to save (CSV, JSON, Pabulib): one way to say "attachment", and to mark
open data that any site may fetch."""
from __future__ import annotations

import csv
import io

from flask import Response


def attachment(body: str, filename: str, mimetype: str, *, open_data: bool = True) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if open_data:
        response.headers["Access-Control-Allow-Origin"] = "*"  # open data: anyone may fetch it
    return response


def csv_attachment(rows: list[list], filename: str) -> Response:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return attachment(out.getvalue(), filename, "text/csv")
