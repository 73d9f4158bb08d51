"""UK postcodes: one normal spelling ("E1 6AN") so that areas and addresses compare equal."""
from __future__ import annotations

import re

_SHAPE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")


def normalise(raw: str | None) -> str | None:
    """'e16an', ' E1  6AN ' -> 'E1 6AN'; None when it is not shaped like a UK postcode."""
    if not raw:
        return None
    compact = re.sub(r"\s+", "", raw).upper()
    if not _SHAPE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"
