"""The register as open data: one CSV row and one JSON object per asset, from the same state the
pages show (pledgers are never named here, only totals)."""
from __future__ import annotations

from . import services
from .models import DECISION, NOTICE, Asset
from .queries import timeline

COLUMNS = ["reference", "name", "kind", "address", "postcode", "owner", "state", "nominated_by", "group_kind", "supporters",
           "nomination_sent_on", "decision", "decided_on", "council_reference", "listed_until", "notice_on",
           "interim_moratorium_ends_on", "full_moratorium_ends_on", "protected_period_ends_on", "bid_group", "bid_target_pence",
           "pledged_pence", "pledges", "other_funding_agreed_pence", "bid_outcome", "bid_outcome_on", "price_paid_pence"]


def row(asset: Asset) -> dict:
    state = services.status(asset)
    nomination, decision, listing, moratorium, bid = (state["nomination"], state["decision"], state["listing"],
                                                      state["moratorium"], state["bid"])
    cover = services.coverage(bid) if bid else None

    def day(value):
        return value.isoformat() if value else None

    return {
        "reference": asset.reference, "name": asset.name, "kind": asset.kind, "address": asset.address,
        "postcode": asset.postcode, "owner": asset.owner or None, "state": state["state"],
        "nominated_by": nomination.group_name if nomination else None,
        "group_kind": nomination.group_kind if nomination else None,
        "supporters": len(nomination.supporters) if nomination else None,
        "nomination_sent_on": day(nomination.sent_on) if nomination else None,
        "decision": decision.outcome if decision else None,
        "decided_on": day(services.effective_date(asset, DECISION, decision)) if decision else None,
        "council_reference": (decision.reference or None) if decision else None,
        "listed_until": day(listing.ends_on) if listing else None,
        "notice_on": day(services.effective_date(asset, NOTICE, asset.notices[-1])) if moratorium else None,
        "interim_moratorium_ends_on": day(moratorium.interim_ends_on) if moratorium else None,
        "full_moratorium_ends_on": day(moratorium.full_ends_on) if moratorium else None,
        "protected_period_ends_on": day(moratorium.protected_ends_on) if moratorium else None,
        "bid_group": bid.group_name if bid else None, "bid_target_pence": bid.target if bid else None,
        "pledged_pence": cover["pledged"] if cover else None, "pledges": cover["pledges"] if cover else None,
        "other_funding_agreed_pence": cover["secured"] if cover else None,
        "bid_outcome": bid.outcome if bid else None, "bid_outcome_on": day(bid.outcome_on) if bid else None,
        "price_paid_pence": bid.price_paid if bid else None,
    }


def csv_rows(assets: list[Asset]) -> list[list]:
    rows = [COLUMNS]
    for asset in assets:
        values = row(asset)
        rows.append(["" if values[c] is None else values[c] for c in COLUMNS])
    return rows


def as_json(assets: list[Asset], hood) -> dict:
    return {"neighbourhood": hood.slug, "name": hood.name,
            "assets": [{**row(asset), "why": asset.why,
                        "timeline": [{"on": when.isoformat(), "what": what} for when, what in timeline(asset)]}
                       for asset in assets]}
