"""What following holds about a person, for pb.privacy: everything they follow."""
from __future__ import annotations

from .services import SUBJECTS, followed_by, forget

HEADING = "What you follow"
HELD = {"follower.user_id": "deleted: no more emails"}
KEPT: dict[str, str] = {}
NOT_ABOUT_PEOPLE: dict[str, str] = {}


def personal_data(user) -> list[tuple]:
    return [("following", "Rounds, projects and places you follow",
             [{"what": kind, "name": SUBJECTS[kind].name(subject), "news": SUBJECTS[kind].news}
              for kind, subject in followed_by(user)])]


def erase(user, *, hide_words: bool) -> dict:
    return {"follows_stopped": forget(user)}
