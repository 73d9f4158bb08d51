"""Photos of a place on the register: re-encoded on upload (nothing but pixels is kept: no location
or camera data), described for people who cannot see them, at most six."""
from __future__ import annotations

from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR
from pb.neighbourhoods.services import role_in
from pb.proposals import images
from pb.services import ServiceError, transaction

from .models import MAX_PHOTOS, Asset, AssetPhoto
from .services import asset_hood, require_taking_part


def add_photo(asset: Asset, user: User, raw: bytes, alt_text: str) -> AssetPhoto:
    require_taking_part(user, asset.neighbourhood_id, "add photos")
    alt_text = images.described(alt_text, "photo")
    if len(asset.photos) >= MAX_PHOTOS:
        raise ServiceError(f"A place can have at most {MAX_PHOTOS} photos. Remove one first", field="image")
    encoded = images.reencode(raw)
    with transaction():
        photo = AssetPhoto(asset_id=asset.id, alt_text=alt_text, mime_type=encoded.mime_type, width=encoded.width,
                           height=encoded.height, sha256=encoded.sha256, data=encoded.data, uploaded_by_id=user.id)
        asset.photos.append(photo)
        db.session.flush()
        record("asset.photo_added", photo, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "sha256": encoded.sha256, "bytes": len(encoded.data)})
    return photo


def remove_photo(photo: AssetPhoto, user: User) -> None:
    asset = db.session.get(Asset, photo.asset_id)
    if photo.uploaded_by_id != user.id and role_in(user, asset.neighbourhood_id, FACILITATOR) is None:
        raise ServiceError("Only the person who added a photo, or a facilitator, can remove it")
    with transaction():
        record("asset.photo_removed", photo, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "sha256": photo.sha256})
        db.session.delete(photo)
