"""What the national programme holds about a person, for pb.privacy: only the staff who acted."""
from __future__ import annotations

HEADING = "National programmes"
HELD: dict[str, str] = {}
KEPT = {
    "programme.created_by_id": "who set a programme up: an official act",
    "programme_figures.imported_by_id": "who imported a year's figures: an official act",
    "allocation.confirmed_by_id": "who confirmed an allocation: an official act",
}
NOT_ABOUT_PEOPLE = {"programme.name": "the programme's name"}


def personal_data(user) -> list[tuple]:
    return []


def erase(user, *, hide_words: bool) -> dict:
    return {}
