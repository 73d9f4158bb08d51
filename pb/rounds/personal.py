"""What rounds hold about a person, for pb.privacy: only the official acts of those who ran them
(who follows a round is pb.following's)."""
from __future__ import annotations

HEADING = "Rounds"
HELD: dict[str, str] = {}
KEPT = {
    "round.created_by_id": "who set a round up: an official act",
    "board_decision.recorded_by_id": "who recorded a board decision: an official act",
}
NOT_ABOUT_PEOPLE = {"round.name": "the round's name", "pot.name": "a pot's name"}


def personal_data(user) -> list[tuple]:
    return []


def erase(user, *, hide_words: bool) -> dict:
    return {}
