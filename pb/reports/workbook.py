"""A monitoring return as a funder's spreadsheet: one sheet per part (summary, money, activities,
outputs, projects, risks), the same rows as the CSV download, written with openpyxl. Amounts are in
pounds; text a spreadsheet would run as a formula is stored as text."""
from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

from .returns import NARRATIVE


def _pounds(pence) -> float | None:
    return None if pence is None else pence / 100


def return_sheets(hood_name: str, fund_name: str, content: dict, status: str) -> dict[str, list[list]]:
    """{sheet name: rows, the first row its column names} for one return."""
    figures, period = content["figures"], content["figures"]["period"]
    money = figures["money"]
    summary = [["part", "value"], ["Neighbourhood", hood_name], ["Fund", fund_name],
               ["Return", "Twelve-monthly return" if period["kind"] == "annual" else "Six-monthly update"],
               ["Period", f"{period['start']} to {period['end']}"], ["Financial year", period["financial_year"]],
               ["Due", period["due_on"]], ["Status", status]]
    summary += [[label, content["narrative"].get(key, "")] for key, label in NARRATIVE.items()]
    rows = [["line", "intervention", "planned_for_the_year_pounds", "last_forecast_pounds", "revenue_pounds",
             "capital_pounds", "spent_pounds", "forecast_next_period_pounds"]]
    for line in money["by_intervention"]:
        rows.append(["spent", line["name"], _pounds(line["planned_for_the_year"]), _pounds(line["last_forecast"]),
                     _pounds(line["revenue"]), _pounds(line["capital"]), _pounds(line["revenue"] + line["capital"]),
                     _pounds(line["forecast_next_period"])])
    for source, amount in money["received_by_source"].items():
        rows.append(["received", f"From {source}", None, None, None, None, _pounds(amount), None])
    rows += [["total", "Total received", None, None, None, None, _pounds(money["total_received"]), None],
             ["total", "Total spent on grants", None, None, None, None, _pounds(money["total_spent"]), None],
             ["other", "Money paid back by groups", None, None, None, None, _pounds(money["paid_back_by_groups"]), None],
             ["other", "Accountable body's fee", None, None, None, None, _pounds(money["fee"]), None],
             ["other", "Returned to the funder", None, None, None, None, _pounds(money["returned_to_funder"]), None]]
    activities = figures["activities"]
    done = [["activity", "date", "what", "amount_pounds_or_people"]]
    done += [["grant awarded", "", f"{g['grant']} {g['title']}" + (" (capacity building)" if g["capacity_building"] else ""),
              _pounds(g["amount"])] for g in activities["grants_awarded"]]
    done += [["engagement", a["held_on"], f"{a['kind']} at {a['place']}", a["people"]] for a in activities["engagement"]]
    done += [["consultation closed", c["closed_on"], c["title"], None] for c in activities["consultations"]]
    outputs = [["intervention", "output", "unit", "target", "achieved"]]
    outputs += [[o["intervention"], o["output"], o["unit"], o["target"], o["achieved"]] for o in figures["outputs"]]
    projects = [["grant", "title", "amount_pounds", "paid_pounds", "state"]]
    projects += [[p["grant"], p["title"], _pounds(p["amount"]), _pounds(p["paid"]), p["state"]] for p in figures["projects"]]
    risks = [["number", "risk", "likelihood", "impact", "mitigation", "owner", "closed_on"]]
    risks += [[r["number"], r["risk"], r["likelihood"], r["impact"], r["mitigation"], r["owner"], r["closed_on"]]
              for r in content["risks"]]
    return {"Summary": summary, "Money": rows, "Activities": done, "Outputs": outputs, "Projects": projects,
            "Risks": risks}


def csv_rows(sheets: dict[str, list[list]]) -> Iterable[list]:
    """The same rows, one file: each row headed by its part."""
    yield ["part", "a", "b", "c", "d", "e", "f", "g", "h"]
    for name, rows in sheets.items():
        for row in rows:
            yield [name.lower(), *row]


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name[:31])
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, never a formula (openpyxl takes "=..." for one)
        for column in sheet.columns:
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def national_sheets(rows: list[dict]) -> dict[str, list[list]]:
    """Every neighbourhood's return for one period: a row each, then their money rows together."""
    summary = [["neighbourhood", "fund", "return", "period", "due", "status", "late", "submitted_on",
                "received_pounds", "spent_pounds", "fee_pounds"]]
    money = [["neighbourhood", "intervention", "planned_for_the_year_pounds", "revenue_pounds", "capital_pounds",
              "forecast_next_period_pounds"]]
    for row in rows:
        content = row["content"]
        figures = content["figures"]["money"] if content else None
        summary.append([row["neighbourhood"], row["fund"], row["label"], row["period"], row["due_on"], row["status"],
                        "yes" if row["late"] else "no", row["submitted_on"],
                        _pounds(figures["total_received"]) if figures else None,
                        _pounds(figures["total_spent"]) if figures else None, _pounds(figures["fee"]) if figures else None])
        if figures:
            money += [[row["neighbourhood"], line["name"], _pounds(line["planned_for_the_year"]), _pounds(line["revenue"]),
                       _pounds(line["capital"]), _pounds(line["forecast_next_period"])]
                      for line in figures["by_intervention"]]
    return {"Returns": summary, "Money": money}
