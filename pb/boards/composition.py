"""Does the board meet its rules? The programme's composition rules (pb/frameworks/*.json, "board")
checked against the seats as they stand, in plain words: what the board has and what it lacks.
Residency is the person's verified membership of the neighbourhood, not what they say."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from pb.extensions import db
from pb.frameworks import APPROVERS, BoardRules, framework
from pb.neighbourhoods.models import RESIDENT, Membership, Neighbourhood

from .members import open_seats, rules_key
from .models import BoardSeat, SeatKind


@dataclass
class Composition:
    rules_name: str
    rules: BoardRules
    seats: list[BoardSeat]
    living_here: set[int]          # user ids of members verified as living in the area
    problems: list[str] = field(default_factory=list)

    @property
    def voting(self) -> list[BoardSeat]:
        return [s for s in self.seats if s.votes]

    @property
    def residents(self) -> list[BoardSeat]:
        return [s for s in self.voting if s.user_id in self.living_here]

    @property
    def meets(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        voting = len(self.voting)
        return (f"{voting} voting member{'s' if voting != 1 else ''}, {len(self.residents)} of them living in the "
                f"area")


def _names(seats: list[BoardSeat]) -> str:
    names = [s.user.name for s in seats]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def composition(hood: Neighbourhood) -> Composition:
    key = rules_key(hood)
    chosen = framework(key)
    rules = chosen.board
    seats = open_seats(hood.id)
    living = set(db.session.scalars(select(Membership.user_id).where(
        Membership.neighbourhood_id == hood.id, Membership.role == RESIDENT, Membership.verified_at.is_not(None),
        Membership.user_id.in_([s.user_id for s in seats]))))
    found = Composition(chosen.name if key != "our_own" else "the board's own", rules, seats, living)
    whose = f"{chosen.name} asks" if key != "our_own" else "its rules ask"
    voting, residents = len(found.voting), len(found.residents)
    if voting == 0:
        found.problems.append("It has no voting members yet.")
    if rules.min_members and voting < rules.min_members:
        found.problems.append(f"It has {voting} voting member{'s' if voting != 1 else ''}; {whose} for at least "
                              f"{rules.min_members}.")
    if rules.resident_share_percent and voting and residents * 100 < rules.resident_share_percent * voting:
        found.problems.append(f"{residents} of its {voting} voting members live in the area "
                              f"({residents * 100 // voting}%); {whose} for at least {rules.resident_share_percent}%.")
    held = {s.kind for s in seats}
    for kind in rules.required_seats:
        if kind not in held:
            found.problems.append(f"Nobody holds this seat: {SeatKind(kind).label}.")
    chair = next((s for s in seats if s.kind == SeatKind.CHAIR), None)
    if rules.chair_not_elected and chair is not None and chair.elected_representative:
        found.problems.append(f"Its chair, {chair.user.name}, is an elected representative; {whose} for a chair "
                              "who is not.")
    for approver in rules.approvals:
        waiting = [s for s in found.voting if s.approved_by(approver) is None]
        if waiting:
            found.problems.append(f"{len(waiting)} member{'s are' if len(waiting) != 1 else ' is'} still to be "
                                  f"approved by {APPROVERS[approver]}: {_names(waiting)}.")
    return found
