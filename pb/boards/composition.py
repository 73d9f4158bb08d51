"""Does the board meet its rules? The programme's composition rules (pb/frameworks/*.json, "board")
checked against the seats as they stand, in plain words: what the board has and what it lacks.
Residency is the person's verified membership of the neighbourhood, not what they say."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from pb.extensions import db
from pb.frameworks import APPROVERS, OUR_OWN, BoardRules, framework
from pb.neighbourhoods.models import RESIDENT, Membership, Neighbourhood

from .members import open_seats, required_rules, rules_key, settings_of
from .models import BoardSeat, BoardSettings, SeatKind


@dataclass
class Composition:
    rules_name: str
    rules: BoardRules
    seats: list[BoardSeat]
    living_here: set[int]          # user ids of members verified as living in the area
    problems: list[str] = field(default_factory=list)
    vacancies: int = 0             # voting seats in the terms of reference nobody holds

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
    seats = open_seats(hood.id)
    living = set(db.session.scalars(select(Membership.user_id).where(
        Membership.neighbourhood_id == hood.id, Membership.role == RESIDENT, Membership.verified_at.is_not(None),
        Membership.user_id.in_([s.user_id for s in seats]))))
    found = _assess(rules_key(hood), seats, living)
    settings = settings_of(hood)
    if settings is not None and settings.seats:
        found.vacancies = max(0, settings.seats - len(found.voting))
    return found


def board_columns(hood_ids: list[int]) -> dict[int, dict]:
    """For the national view, in four queries whatever the number of neighbourhoods: how many of
    its rules each board falls short of (None where no seat is recorded), and the first."""
    rules = dict(db.session.execute(select(BoardSettings.neighbourhood_id, BoardSettings.rules)
                                    .where(BoardSettings.neighbourhood_id.in_(hood_ids))).all())
    seats: dict[int, list[BoardSeat]] = {}
    for seat in db.session.scalars(select(BoardSeat).where(BoardSeat.neighbourhood_id.in_(hood_ids),
                                                           BoardSeat.ended_on.is_(None))):
        seats.setdefault(seat.neighbourhood_id, []).append(seat)
    living = set(db.session.execute(
        select(Membership.neighbourhood_id, Membership.user_id).join(
            BoardSeat, (BoardSeat.user_id == Membership.user_id)
            & (BoardSeat.neighbourhood_id == Membership.neighbourhood_id))
        .where(Membership.neighbourhood_id.in_(hood_ids), Membership.role == RESIDENT,
               Membership.verified_at.is_not(None), BoardSeat.ended_on.is_(None))).all())
    required = required_rules(hood_ids)
    out = {}
    for hood_id, held in seats.items():
        key = rules.get(hood_id) or (required[hood_id][1] if hood_id in required else OUR_OWN)
        found = _assess(key, held, {user for hood, user in living if hood == hood_id})
        out[hood_id] = {"board_problems": len(found.problems), "board_first_problem": next(iter(found.problems), "")}
    return out


def _assess(key: str, seats: list[BoardSeat], living: set[int], on: date | None = None) -> Composition:
    """The seats against the rules; `on`: approvals count only if given by that day."""
    chosen = framework(key)
    rules = chosen.board
    found = Composition(chosen.name if key != OUR_OWN else "the board's own", rules, seats, living)
    whose = f"{chosen.name} asks" if key != OUR_OWN else "its rules ask"
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
        waiting = [s for s in found.voting if s.approved_by(approver) is None
                   or (on is not None and s.approved_by(approver) > on)]
        if waiting:
            found.problems.append(f"{len(waiting)} member{'s are' if len(waiting) != 1 else ' is'} still to be "
                                  f"approved by {APPROVERS[approver]}: {_names(waiting)}.")
    return found
