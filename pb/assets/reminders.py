"""The daily job's reminders of each asset's deadlines, each sent once to the place's followers."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pb import timeutil
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import Neighbourhood
from pb.services import transaction

from .following import due_reminders, tell_followers
from .models import AssetReminder
from .queries import assets_of
from .services import status


def remind(hood: Neighbourhood, today: date | None = None) -> list[str]:
    """The daily job (`flask --app pb assets remind`): each due reminder of each asset, once, to its
    followers; one transaction and one audit entry per asset reminded about. Returns what was sent."""
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
