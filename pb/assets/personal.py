"""What community assets hold about a person, for pb.privacy: pledges, nominations they started or
signed and photos they uploaded (the places they follow are pb.following's)."""
from __future__ import annotations

from sqlalchemy import select, update

from pb.accounts.personal import iso
from pb.extensions import db

from .models import Asset, AssetPhoto, Bid, Nomination, NominationSupporter, Pledge

HEADING = "Community assets"
HELD = {
    "asset_pledge.user_id": "kept without the name: the bid's pledged total stays right",
    "asset_pledge.show_name": "turned off: the pledge shows no name",
    "asset_nomination.started_by_id": "kept as 'A former resident': the nomination was sent in the group's name",
    "asset_nomination_supporter.user_id": "kept as 'A former resident'; it no longer counts as a local person",
    "asset_photo.uploaded_by_id": "kept as 'A former resident': a photo of the place, not of the person",
}
KEPT = {
    "community_asset.created_by_id": "who put a place on the register: part of its public story",
    "asset_bid.created_by_id": "who started a bid for the group: part of its public story",
    "asset_date_correction.corrected_by_id": "the facilitator who corrected a date: an official act",
    "asset_sale_notice.recorded_by_id": "who recorded the owner's notice: an official act",
    "asset_decision.recorded_by_id": "who recorded the council's decision: an official act",
    "asset_other_funding.recorded_by_id": "who recorded other funding: an official act",
    "asset_fund_request.requested_by_id": "who asked the fund for money for the bid: an official act",
}
NOT_ABOUT_PEOPLE = {
    "community_asset.name": "the place's name",
    "community_asset.address": "the place's address",
    "community_asset.postcode": "the place's postcode",
    "asset_bid.group_name": "the group bidding",
    "asset_nomination.group_name": "the group nominating",
}


def personal_data(user) -> list[tuple]:
    return [
        ("asset_pledges", "Money you pledged towards buying a place",
         [{"place": a.name, "asset": a.reference, "amount_pence": p.amount, "name_shown": p.show_name,
           "pledged": iso(p.created_at)}
          for p, a in db.session.execute(select(Pledge, Asset).join(Bid, Bid.id == Pledge.bid_id)
                                         .join(Asset, Asset.id == Bid.asset_id).where(Pledge.user_id == user.id)
                                         .order_by(Pledge.id))]),
        ("asset_nominations_started", "Nominations you started",
         [{"place": a.name, "asset": a.reference, "group": n.group_name, "started": iso(n.created_at)}
          for n, a in db.session.execute(select(Nomination, Asset).join(Asset, Asset.id == Nomination.asset_id)
                                         .where(Nomination.started_by_id == user.id).order_by(Nomination.id))]),
        ("asset_nominations_signed", "Nominations you added your name to",
         [{"place": a.name, "asset": a.reference, "group": n.group_name, "signed": iso(s.created_at)}
          for s, n, a in db.session.execute(
              select(NominationSupporter, Nomination, Asset).join(Nomination, Nomination.id == NominationSupporter.nomination_id)
              .join(Asset, Asset.id == Nomination.asset_id).where(NominationSupporter.user_id == user.id)
              .order_by(NominationSupporter.id))]),
        ("asset_photos_uploaded", "Photos you added of places",
         [{"place": a.name, "asset": a.reference, "description": ph.alt_text, "uploaded": iso(ph.created_at)}
          for ph, a in db.session.execute(select(AssetPhoto, Asset).join(Asset, Asset.id == AssetPhoto.asset_id)
                                          .where(AssetPhoto.uploaded_by_id == user.id).order_by(AssetPhoto.id))]),
    ]


def erase(user, *, hide_words: bool) -> dict:
    hidden = db.session.execute(update(Pledge).where(Pledge.user_id == user.id, Pledge.show_name.is_(True))
                                .values(show_name=False)).rowcount
    return {"pledge_names_hidden": hidden}
