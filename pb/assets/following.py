"""Following an asset: an email at each step of its story (the council's decision, an owner's notice,
a bid and how it ended) and, from the daily job, six months before its listing ends, a week before
each Right to Bid deadline and on the day each one passes."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import Neighbourhood
from pb.notifications import ASSET_UPDATES, link, notify
from pb.services import ServiceError, transaction

from . import deadlines
from .models import Asset, AssetFollower, AssetReminder

WORDS = {"interim": "the interim moratorium (the last day for a community group to ask to be treated as a potential bidder)",
         "full": "the full moratorium (the owner may sell only to a community group until then)",
         "protected": "the protected period (after it, no moratorium protects a sale)"}


def follow_asset(asset: Asset, user: User) -> None:
    if is_following(asset, user):
        raise ServiceError(f"You already get {asset.name}'s news by email")
    with transaction():
        follower = AssetFollower(asset_id=asset.id, user_id=user.id)
        db.session.add(follower)
        db.session.flush()
        record("asset.followed", follower, actor=user, neighbourhood=_hood(asset), payload={"asset": asset.number})


def unfollow_asset(asset: Asset, user: User) -> bool:
    follower = db.session.scalar(select(AssetFollower).where(AssetFollower.asset_id == asset.id,
                                                             AssetFollower.user_id == user.id))
    if follower is None:
        return False
    with transaction():
        record("asset.unfollowed", follower, actor=user, neighbourhood=_hood(asset), payload={"asset": asset.number})
        db.session.delete(follower)
    return True


def is_following(asset: Asset, user) -> bool:
    if not getattr(user, "is_authenticated", True) or user is None:
        return False
    return db.session.scalar(select(AssetFollower.id).where(AssetFollower.asset_id == asset.id,
                                                            AssetFollower.user_id == user.id)) is not None


def _hood(asset: Asset) -> Neighbourhood:
    return db.session.get(Neighbourhood, asset.neighbourhood_id)


def followers(asset: Asset) -> list[User]:
    return list(db.session.scalars(select(User).join(AssetFollower, AssetFollower.user_id == User.id)
                                   .where(AssetFollower.asset_id == asset.id, User.erased_at.is_(None)).order_by(User.id)))


def tell_followers(asset: Asset, subject: str, news: str) -> int:
    """In the caller's transaction: one email to each follower. Returns how many."""
    hood = _hood(asset)
    people = followers(asset)
    for person in people:
        notify(person, ASSET_UPDATES, f"{asset.name}: {subject}", "asset_news", round_id=asset.id, asset=asset,
               hood=hood, news=news, link=link("assets.show", slug=hood.slug, number=asset.number))
    return len(people)


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


def remind(hood: Neighbourhood, today: date | None = None) -> list[str]:
    """The daily job (`flask --app pb assets remind`): each due reminder of each asset, once, to its
    followers; one transaction and one audit entry per asset reminded about. Returns what was sent."""
    from .queries import assets_of
    from .services import status

    today = today or timeutil.today()
    sent = []
    places = assets_of(hood.id)
    # Every reminder already sent in the neighbourhood, in one query rather than one per asset.
    done = set(db.session.execute(select(AssetReminder.asset_id, AssetReminder.kind, AssetReminder.due_on)
                                  .where(AssetReminder.asset_id.in_([a.id for a in places]))).all())
    for asset in places:
        due = [r for r in due_reminders(asset, status(asset, today), today) if (asset.id, r[0], r[1]) not in done]
        if not due:
            continue
        with transaction():
            for kind, deadline, subject, news in due:
                db.session.add(AssetReminder(asset_id=asset.id, kind=kind, due_on=deadline))
                emailed = tell_followers(asset, subject, news)
                sent.append(f"{asset.reference} {kind} ({emailed} emailed)")
            record("asset.reminders_sent", asset, actor=None, neighbourhood=hood,
                   payload={"asset": asset.number, "reminders": [{"kind": k, "deadline": d.isoformat()} for k, d, _, _ in due],
                            "followers": emailed})
    return sent
