"""Open data about the money: CSV and JSON of funds, grants and payments, and the grants in the
360Giving Data Standard (one grant per funded project, its payments as disbursement transactions).

The 360Giving schema files are vendored in `schema/` (see its README); the test suite validates
every export against them."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from pb.downloads import csv_text, dict_rows
from pb.extensions import db
from pb.money import plain_pounds

from .figures import FundFigures, grant_money
from .models import CANCELLED, OFFERED, PAID, PAYMENT, RETURN, VOIDED, Fund, FundYear, Grant, Payment

STANDARD_VERSION = "1.4"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
# Charities and companies have identifiers from org-id.guide; anything else is named under our prefix.
ORG_LISTS = {"charity": "GB-CHC", "cio": "GB-CHC", "cic": "GB-COH"}


def awarded(grants: list[Grant]) -> list[Grant]:
    """Only grants the board has approved are published as awarded."""
    return [g for g in grants if g.status != OFFERED and g.awarded_on is not None]


def grants_of(hood_id: int, fund: Fund | None = None) -> list[Grant]:
    stmt = select(Grant).where(Grant.neighbourhood_id == hood_id)
    if fund is not None:
        stmt = stmt.where(Grant.fund_year_id.in_(select(FundYear.id).where(FundYear.fund_id == fund.id)))
    return db.session.scalars(stmt.order_by(Grant.number)).all()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "group"


def _money(pence: int) -> float:
    return round(pence / 100, 2)


def recipient_id(grant: Grant, prefix: str) -> str:
    number = re.sub(r"\s+", "", grant.body_number or "")
    if number and grant.body_type in ORG_LISTS:
        return f"{ORG_LISTS[grant.body_type]}-{number}"
    return f"{prefix}-org-{_slug(grant.body_name)}"


def giving_package(hood, grants: list[Grant], *, base_url: str, download_url: str, title: str) -> dict:
    """A 360Giving package. `base_url` is the site's address (no trailing slash)."""
    prefix = hood.giving_prefix
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    chosen = awarded(grants)
    money = grant_money([g.id for g in chosen])
    paid_rows: dict[int, list[Payment]] = {}
    if chosen:
        for payment in db.session.scalars(select(Payment).where(Payment.grant_id.in_([g.id for g in chosen]),
                                                                Payment.status == PAID).order_by(Payment.paid_on, Payment.id)):
            paid_rows.setdefault(payment.grant_id, []).append(payment)
    funder = {"id": f"{prefix}-partnership", "name": f"{hood.name} Neighbourhood Partnership"}
    out = []
    for grant in chosen:
        identifier = f"{prefix}-{grant.reference}"
        recipient = {"id": recipient_id(grant, prefix), "name": grant.body_name}
        if grant.body_number and grant.body_type in ("charity", "cio"):
            recipient["charityNumber"] = grant.body_number
        elif grant.body_number and grant.body_type == "cic":
            recipient["companyNumber"] = grant.body_number
        amount = money[grant.id]["paid"] if grant.status == CANCELLED else grant.amount
        transactions = [{"id": f"{identifier}-{'R' if p.kind == RETURN else 'P'}{p.id}",
                         "transactionDate": p.paid_on.isoformat(),
                         "value": _money(p.amount if p.kind == PAYMENT else -p.amount), "currency": "GBP",
                         "description": "Returned by the group" if p.kind == RETURN else
                         f"{'Revenue' if p.spend == 'revenue' else 'Capital'} payment, financial year {p.financial_year}"}
                        for p in paid_rows.get(grant.id, [])]
        programme = ({"code": f"{prefix}-round-{grant.round_id}", "title": grant.round.name}
                     if grant.round_id else {"code": f"{prefix}-capacity", "title": "Capacity-building grants"})
        description = grant.summary or grant.title
        if grant.status == CANCELLED:
            description += f" (Cancelled: {grant.closed_reason})"
        out.append({
            "id": identifier,
            "title": grant.title,
            "description": description,
            "currency": "GBP",
            "amountAwarded": _money(amount),
            "amountDisbursed": _money(money[grant.id]["paid"] - money[grant.id]["returned"]),
            "awardDate": grant.awarded_on.isoformat(),
            "plannedDates": [{"startDate": grant.starts_on.isoformat(), "endDate": grant.ends_on.isoformat()}],
            "recipientOrganization": [recipient],
            "fundingOrganization": [funder],
            "beneficiaryLocation": [{"name": hood.name, "countryCode": "GB"}],
            "grantProgramme": [programme],
            "fromOpenCall": "Yes" if grant.round_id else "No",
            "disbursementTransaction": transactions,
            "url": f"{base_url}/n/{hood.slug}/grants/{grant.id}/",
            "dateModified": now,
            "dataSource": download_url,
        })
    return {
        "grants": out,
        "version": STANDARD_VERSION,
        "title": title,
        "description": f"Grants made by {hood.name}'s residents and partnership board through pb.",
        "issued": now,
        "modified": now,
        "identifier": f"{prefix}-{hood.slug}",
        "publisher": {"name": f"{hood.name} Neighbourhood Partnership", "website": f"{base_url}/n/{hood.slug}/"},
        "downloadURL": download_url,
        "accessURL": f"{base_url}/n/{hood.slug}/funds/",
        "license": LICENSE,
    }


# --- CSV and plain JSON ------------------------------------------------------------------------------

GRANT_COLUMNS = ("reference", "title", "fund", "financial_year", "round", "capacity_building", "status", "amount",
                 "paid", "returned", "starts_on", "ends_on", "awarded_on", "body", "body_type", "body_number")
# The public never sees a payment's bank reference: it can carry account details. Voided payments
# (never made: their grant was cancelled first) are left out.
PAYMENT_COLUMNS = ("grant", "kind", "status", "amount", "date", "financial_year", "spend")


def grant_records(grants: list[Grant]) -> list[dict]:
    money = grant_money([g.id for g in grants])
    return [{"reference": g.reference, "title": g.title, "fund": g.fund_year.fund.name,
             "financial_year": g.fund_year.financial_year, "round": g.round.name if g.round_id else "",
             "capacity_building": g.capacity_building, "status": g.status, "amount": plain_pounds(g.amount),
             "paid": plain_pounds(money[g.id]["paid"]), "returned": plain_pounds(money[g.id]["returned"]),
             "starts_on": g.starts_on.isoformat(), "ends_on": g.ends_on.isoformat(),
             "awarded_on": g.awarded_on.isoformat() if g.awarded_on else "", "body": g.body_name,
             "body_type": g.body_type, "body_number": g.body_number} for g in grants]


def payment_records(grants: list[Grant]) -> list[dict]:
    by_id = {g.id: g for g in grants}
    if not by_id:
        return []
    rows = db.session.scalars(select(Payment).where(Payment.grant_id.in_(list(by_id)), Payment.status != VOIDED)
                              .order_by(Payment.paid_on, Payment.id)).all()
    return [{"grant": by_id[p.grant_id].reference, "kind": p.kind, "status": p.status, "amount": plain_pounds(p.amount),
             "date": p.paid_on.isoformat(), "financial_year": p.financial_year, "spend": p.spend} for p in rows]


def to_csv(records: list[dict], columns) -> str:
    return csv_text(dict_rows(records, columns))


def fund_record(figures: FundFigures) -> dict:
    fund = figures.fund
    return {
        "fund": fund.name, "first_year": fund.first_year, "years": fund.years, "description": fund.description,
        "sources": [{"name": s.name, "kind": s.kind_label,
                     "promised": {p.financial_year: plain_pounds(p.amount) for p in s.promises}} for s in fund.sources],
        "by_year": [{"financial_year": y.financial_year, "planned": plain_pounds(y.planned),
                     "capacity_share": plain_pounds(y.capacity), "promised": plain_pounds(y.promised),
                     "received": plain_pounds(y.received), "allocated_to_rounds": plain_pounds(y.allocated),
                     "granted": plain_pounds(y.granted), "paid": plain_pounds(y.paid), "returned": plain_pounds(y.returned),
                     "carried_in": plain_pounds(y.carried_in), "left": plain_pounds(y.left), "ended": y.ended}
                    for y in figures.years],
        "amounts": "pounds, as strings with pence",
    }
