"""What rounds hold about a person, for pb.privacy: the rounds they follow."""
from __future__ import annotations

from sqlalchemy import delete, select

from pb.extensions import db

from .models import Round, RoundFollower

HEADING = "Rounds you follow"
HELD = {"round_follower.user_id": "deleted: no more emails"}
KEPT = {
    "round.created_by_id": "who set a round up: an official act",
    "board_decision.recorded_by_id": "who recorded a board decision: an official act",
}
NOT_ABOUT_PEOPLE = {"round.name": "the round's name", "pot.name": "a pot's name"}


def personal_data(user) -> list[tuple]:
    followed = db.session.scalars(select(Round).join(RoundFollower, RoundFollower.round_id == Round.id)
                                  .where(RoundFollower.user_id == user.id).order_by(Round.id))
    return [("rounds_followed", "Rounds you follow", [{"round": r.name} for r in followed])]


def erase(user, *, hide_words: bool) -> dict:
    db.session.execute(delete(RoundFollower).where(RoundFollower.user_id == user.id))
    return {}
