"""Loading a round named in a URL, for every domain's pages."""
from __future__ import annotations

from pb.access import one_of_this_neighbourhood

from .models import Round


def load_round(round_id: int) -> Round:
    """The round with this id in the neighbourhood in the URL, or 404."""
    return one_of_this_neighbourhood(Round, round_id)
