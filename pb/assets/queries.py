"""Loaders and reads for the register's pages (views parse, call and render; they load through here)."""
from __future__ import annotations

from flask import abort, g
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pb.access import one_of_this_neighbourhood
from pb.extensions import db

from .models import Asset, Bid, Nomination


def _with_everything():
    return (selectinload(Asset.nominations).selectinload(Nomination.supporters), selectinload(Asset.decisions),
            selectinload(Asset.notices), selectinload(Asset.corrections),
            selectinload(Asset.bids).selectinload(Bid.pledges), selectinload(Asset.bids).selectinload(Bid.funding),
            selectinload(Asset.bids).selectinload(Bid.requests), selectinload(Asset.photos))


def load_asset(number: int) -> Asset:
    """The asset with this number in the URL's neighbourhood, or 404."""
    asset = db.session.scalar(select(Asset).where(Asset.neighbourhood_id == g.neighbourhood.id, Asset.number == number)
                              .options(*_with_everything()))
    if asset is None:
        abort(404)
    return asset


def load_asset_by_id(asset_id: int) -> Asset:
    """The asset with this id if it is in the URL's neighbourhood, or 404 (a photo's asset)."""
    return one_of_this_neighbourhood(Asset, asset_id)


def assets_of(neighbourhood_id: int) -> list[Asset]:
    """Every asset of the neighbourhood with what its page shows, in a fixed number of queries."""
    return list(db.session.scalars(select(Asset).where(Asset.neighbourhood_id == neighbourhood_id)
                                   .options(*_with_everything()).order_by(Asset.number)))


def timeline(asset: Asset) -> list[tuple[object, str]]:
    """What happened to the asset, oldest first: (when, what), from its own rows."""
    events = [(asset.created_at.date(), f"Added to the register ({asset.kind_label.lower()})")]
    for nomination in asset.nominations:
        events.append((nomination.created_at.date(), f"Nominated by {nomination.group_name} ({nomination.group_label})"))
        if nomination.sent_on:
            events.append((nomination.sent_on, f"Nomination sent to the council with {len(nomination.supporters)} "
                                               f"name{'s' if len(nomination.supporters) != 1 else ''}"))
    for decision in asset.decisions:
        outcome = "Listed as an asset of community value" if decision.outcome == "listed" else "Not listed"
        events.append((decision.decided_on, f"Council decision{' ' + decision.reference if decision.reference else ''}: "
                                            f"{outcome}"))
    for notice in asset.notices:
        events.append((notice.notified_on, "The owner told the council they intend to sell"))
    for bid in asset.bids:
        events.append((bid.intended_on, f"{bid.group_name} asked to be treated as a potential bidder"))
        if bid.outcome:
            events.append((bid.outcome_on, "Bought by the community" if bid.outcome == "bought" else
                           f"Not bought: {bid.outcome_reason}"))
    for correction in asset.corrections:
        events.append((correction.created_at.date(), f"The {'decision' if correction.what == 'decision' else 'notice'} date "
                                                     f"was corrected from {correction.old_date:%-d %B %Y} to "
                                                     f"{correction.new_date:%-d %B %Y}: {correction.reason}"))
    return sorted(events, key=lambda event: event[0])
