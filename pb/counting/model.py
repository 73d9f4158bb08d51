"""An election: projects, a budget limit and ballots of one kind.

Money is exact: whole numbers as int, anything else as fractions.Fraction, never float.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain

Money = int | Fraction

APPROVAL = "approval"      # a set of projects (also Pabulib "choose-1")
KNAPSACK = "knapsack"      # approval whose total cost must fit the budget
CUMULATIVE = "cumulative"  # points per project (also Pabulib "scoring")
ORDINAL = "ordinal"        # a ranking, best first
KINDS = (APPROVAL, KNAPSACK, CUMULATIVE, ORDINAL)


class ElectionError(ValueError):
    """The election cannot be counted as given (e.g. a rule that does not apply)."""


def money(value) -> Money:
    """Exact money from an int, a Fraction or a decimal string ('1200', '1200.50')."""
    if isinstance(value, int):
        return value
    amount = Fraction(value)
    return int(amount) if amount.denominator == 1 else amount


@dataclass(frozen=True)
class Project:
    id: str
    cost: Money
    name: str = ""
    pot: str | None = None
    category: str | None = None


@dataclass
class Election:
    """`ballots` hold project ids: approval and knapsack a tuple (order of no meaning), cumulative
    a tuple of (id, points) pairs, ordinal a tuple best first. `weights`, if given, says how many
    voters cast each ballot (identical ballots may be stored once)."""

    projects: dict[str, Project]
    budget: Money
    kind: str = APPROVAL
    ballots: list[tuple] = field(default_factory=list)
    weights: list[int] | None = None
    meta: dict[str, str] = field(default_factory=dict)
    # Ordinal only: points for each ballot (from a file's `points` column), else positional.
    ordinal_points: list[tuple[int, ...]] | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ElectionError(f"unknown ballot kind {self.kind!r}; pb knows {', '.join(KINDS)}")

    @property
    def num_voters(self) -> int:
        return sum(self.weights) if self.weights is not None else len(self.ballots)

    def weighted_ballots(self) -> Iterable[tuple[tuple, int]]:
        if self.weights is None:
            return ((ballot, 1) for ballot in self.ballots)
        return zip(self.ballots, self.weights, strict=False)

    def points(self) -> list[tuple[dict[str, int], int]]:
        """Every ballot as {project id: points} with its weight. Approval: 1 point per project.
        Ordinal: the file's points, else the first rank gets max_length points (META, or the
        longest ballot) and each next rank one fewer."""
        if self.kind in (APPROVAL, KNAPSACK):
            return [({p: 1 for p in ballot}, w) for ballot, w in self.weighted_ballots()]
        if self.kind == CUMULATIVE:
            return [(dict(ballot), w) for ballot, w in self.weighted_ballots()]
        if self.ordinal_points is not None:
            return [(dict(zip(ballot, pts, strict=False)), w) for (ballot, w), pts in zip(self.weighted_ballots(), self.ordinal_points, strict=False)]
        top = int(self.meta.get("max_length") or 0) or max((len(b) for b in self.ballots), default=0)
        return [({p: top - rank for rank, p in enumerate(ballot)}, w) for ballot, w in self.weighted_ballots()]

    def scores(self) -> dict[str, int]:
        """Approvals per project (approval ballots) or total points (cumulative, ordinal)."""
        totals: Counter = Counter({pid: 0 for pid in self.projects})
        if self.kind in (APPROVAL, KNAPSACK) and self.weights is None:
            # one approval per project per ballot, counted in C
            totals.update(chain.from_iterable(map(set, self.ballots)))
            return dict(totals)
        for ballot, weight in self.points():
            for pid, pts in ballot.items():
                totals[pid] += pts * weight
        return dict(totals)

    def approvals(self) -> dict[str, int]:
        """How many voters support each project at all (points > 0)."""
        totals: Counter = Counter({pid: 0 for pid in self.projects})
        for ballot, weight in self.points():
            for pid, pts in ballot.items():
                if pts > 0:
                    totals[pid] += weight
        return dict(totals)

    def restrict(self, project_ids: Iterable[str], budget: Money) -> Election:
        """The same ballots counted over some projects only, with their own budget: one pot."""
        keep = [pid for pid in self.projects if pid in set(project_ids)]
        wanted = set(keep)
        if self.kind == CUMULATIVE:
            ballots = [tuple((p, s) for p, s in b if p in wanted) for b in self.ballots]
        else:
            ballots = [tuple(p for p in b if p in wanted) for b in self.ballots]
        ordinal_points = None
        if self.kind == ORDINAL and self.ordinal_points is not None:
            ordinal_points = [tuple(s for p, s in zip(b, pts, strict=False) if p in wanted) for b, pts in zip(self.ballots, self.ordinal_points, strict=False)]
        return Election({pid: self.projects[pid] for pid in keep}, money(budget), self.kind, ballots,
                        list(self.weights) if self.weights is not None else None, dict(self.meta), ordinal_points)

    def pots(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for project in self.projects.values():
            grouped.setdefault(project.pot or "", []).append(project.id)
        return grouped


def tie_key(project: Project, score: int):
    """How real Method of Equal Shares elections break ties: lower cost first, then more
    approvals (or points), then project id compared as text."""
    return (project.cost, -score, project.id)
