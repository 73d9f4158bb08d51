"""What voting holds about a person, for pb.privacy: that they voted and how, never what they chose."""
from __future__ import annotations

from sqlalchemy import select, update

from pb.accounts.personal import iso
from pb.extensions import db
from pb.neighbourhoods.models import Neighbourhood
from pb.rounds.models import Round

from .models import VoterRollEntry, VotingCode

HEADING = "Voting"
INTRO = "This shows that you voted and how (online, with a code or on paper), never what you chose."
HELD = {
    "voter_roll_entry.user_id": "kept, without the year of birth: the ballot stays counted and nobody votes twice",
    "voting_code.user_id": "kept: a code stays used",
}
KEPT = {
    "voting_code.issued_by_id": "the facilitator who gave out a code: an official act",
    "paper_serial.resolved_by_id": "the facilitator who resolved a paper serial: an official act",
    "paper_entry.keyed_by_id": "who keyed a paper ballot in: an official act",
    "result_approval.member_id": "a board member's sign-off of a result: an official act",
    "declined_project.member_id": "a board member's record of a project they declined: an official act",
    "count_result.counted_by_id": "who ran a count: an official act",
    "paper_event.created_by_id": "who arranged a paper voting session: an official act",
}
NOT_ABOUT_PEOPLE = {"paper_event.name": "the name of a paper voting session"}


def personal_data(user) -> list[tuple]:
    hoods = {h.id: h for h in db.session.scalars(select(Neighbourhood))}
    rounds = {r.id: r for r in db.session.scalars(select(Round).where(Round.id.in_(
        select(VoterRollEntry.round_id).where(VoterRollEntry.user_id == user.id))))}
    return [
        ("voted_in", "Rounds you voted in",
         [{"neighbourhood": hoods[rounds[v.round_id].neighbourhood_id].name, "round": rounds[v.round_id].name,
           "how": v.method, "day": iso(v.voted_on), "year_of_birth_on_the_roll": v.birth_year}
          for v in db.session.scalars(select(VoterRollEntry).where(VoterRollEntry.user_id == user.id))]),
        ("voting_codes", "Voting codes given to you",
         [{"round": c.round_id, "issued": iso(c.created_at), "used": iso(c.used_at)}
          for c in db.session.scalars(select(VotingCode).where(VotingCode.user_id == user.id))]),
    ]


def erase(user, *, hide_words: bool) -> dict:
    db.session.execute(update(VoterRollEntry).where(VoterRollEntry.user_id == user.id).values(birth_year=None))
    return {}
