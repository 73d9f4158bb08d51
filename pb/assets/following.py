"""Following an asset: an email at each step of its story (the council's decision, an owner's notice,
a bid and how it ended) and, from the daily job (pb.assets.reminders), six months before its listing
ends, a week before each Right to Bid deadline and on the day each one passes."""
from __future__ import annotations

from datetime import date, timedelta

from pb.extensions import db
from pb.following import services as following
from pb.mail import email_link
from pb.neighbourhoods.models import Neighbourhood

from . import deadlines
from .models import Asset

WORDS = {"interim": "the interim moratorium (the last day for a community group to ask to be treated as a potential bidder)",
         "full": "the full moratorium (the owner may sell only to a community group until then)",
         "protected": "the protected period (after it, no moratorium protects a sale)"}


following.register(following.Subject(
    kind="asset", news="news and deadlines of a place you follow on the register of assets",
    already="You already get this place's news by email", load=lambda asset_id: db.session.get(Asset, asset_id),
    neighbourhood=lambda asset: db.session.get(Neighbourhood, asset.neighbourhood_id), name=lambda asset: asset.name,
    payload=lambda asset: {"asset": asset.number}))


def tell_followers(asset: Asset, subject: str, news: str) -> int:
    """In the caller's transaction: one email to each follower. Returns how many."""
    hood = db.session.get(Neighbourhood, asset.neighbourhood_id)
    return following.tell("asset", asset, f"{asset.name}: {subject}", "asset_news", asset=asset, hood=hood, news=news,
                          link=email_link("assets.show", slug=hood.slug, number=asset.number))


def due_reminders(asset: Asset, state: dict, today: date) -> list[tuple[str, date, str, str]]:
    """(kind, deadline, subject, news) for each reminder due today or earlier and not yet past its
    usefulness: the week before a deadline until it passes, and the day after it passes for a week."""
    out = []
    listing, moratorium = state["listing"], state["moratorium"]
    if listing is not None and listing.remind_on <= today <= listing.ends_on:
        out.append(("listing_ends_soon", listing.ends_on, f"its listing ends on {listing.ends_on:%-d %B %Y}",
                    f"{asset.name} is listed as an asset of community value until {listing.ends_on:%-d %B %Y}. To keep "
                    "it protected, a group must nominate it again before then."))
    if moratorium is not None and state["state"] not in ("bought", "not_bought"):
        for name, deadline in moratorium.deadlines():
            if deadline - timedelta(days=deadlines.WARNING_DAYS) <= today <= deadline:
                out.append((f"{name}_week", deadline, f"a week to go: {name} deadline {deadline:%-d %B %Y}",
                            f"The last day of {WORDS[name]} for {asset.name} is {deadline:%-d %B %Y}: "
                            f"{deadlines.days_left(deadline, today)} days left."))
            elif deadline < today <= deadline + timedelta(days=7):
                out.append((f"{name}_ended", deadline, f"the {name} deadline has passed",
                            f"{WORDS[name][0].upper()}{WORDS[name][1:]} for {asset.name} ended on {deadline:%-d %B %Y}."))
    return out
