"""Pictures for proposals: sniffed by decoding (never by name or declared type), size-capped, and
re-encoded so that what is served back is plain pixels with no metadata (no GPS location of the
proposer's home) and no smuggled payload."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from pb.services import ServiceError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass
class Encoded:
    data: bytes
    mime_type: str
    width: int
    height: int
    sha256: str


def reencode(raw: bytes) -> Encoded:
    if not raw:
        raise ServiceError("The selected file is empty", field="image")
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ServiceError(f"The image must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", field="image")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind = probe.format
            if kind not in ACCEPTED:
                raise ServiceError("The image must be a JPG, PNG, WEBP or GIF", field="image")
            if probe.width * probe.height > MAX_PIXELS:
                raise ServiceError("The image is too large: it must be under 40 megapixels", field="image")
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
            out = io.BytesIO()
            if has_alpha:
                image = image.convert("RGBA")
                image.save(out, format="PNG", optimize=True)
                mime = "image/png"
            else:
                image = image.convert("RGB")
                image.save(out, format="JPEG", quality=85, optimize=True)
                mime = "image/jpeg"
    except ServiceError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError("The selected file is not an image pb can read. Choose a JPG, PNG, WEBP or GIF",
                           field="image") from None
    data = out.getvalue()
    return Encoded(data, mime, image.width, image.height, hashlib.sha256(data).hexdigest())


def described(alt_text: str | None, noun: str = "picture") -> str:
    """The picture's description for people who cannot see it: required, at most 200 characters."""
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise ServiceError(f"Describe the {noun} for people who cannot see it", field="alt_text")
    if len(alt_text) > 200:
        raise ServiceError("The description must be 200 characters or fewer", field="alt_text")
    return alt_text
