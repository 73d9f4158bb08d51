"""Utilitarian greedy and its variants recorded in real elections, and sequential Phragmén."""
from __future__ import annotations

from .mes import Rational, as_fraction, exact
from .model import APPROVAL, KNAPSACK, Election, ElectionError, tie_key
from .result import Result


def greedy_order(election: Election, scores: dict[str, int]) -> list[str]:
    """Most votes (or points) first; ties by lower cost, then more votes, then id as text. A free
    project counts as scoring 0 here, as in pabutools' cost-utility greedy."""
    projects = election.projects

    def key(pid):
        project = projects[pid]
        density = scores[pid] if project.cost > 0 else 0
        return (-density, *tie_key(project, scores[pid]))

    return sorted(projects, key=key)


def greedy(election: Election, *, threshold: int | None = None, skip: bool = True,
           already: list[str] | None = None, rule: str = "greedy") -> Result:
    """Fund projects in greedy order while money lasts. skip=False stops at the first project that
    does not fit (greedy-no-skip); a threshold leaves out projects scoring below it."""
    scores = election.scores()
    selected = list(already or [])
    remaining = election.budget - sum(election.projects[p].cost for p in selected)
    rounds = []
    for pid in greedy_order(election, scores):
        if pid in selected:
            continue
        if threshold is not None and scores[pid] < threshold:
            continue
        cost = election.projects[pid].cost
        if cost <= remaining:
            selected.append(pid)
            remaining -= cost
            rounds.append({"project": pid, "score": scores[pid], "cost": cost, "left": remaining,
                           "why": f"next highest score ({scores[pid]}) that fits; {_fmt(remaining)} left"})
        elif not skip:
            rounds.append({"project": pid, "score": scores[pid], "cost": cost, "left": remaining, "stopped": True,
                           "why": f"does not fit ({_fmt(cost)} > {_fmt(remaining)} left): counting stops here"})
            break
    notes = {"threshold": threshold} if threshold is not None else {}
    if rounds and rounds[-1].get("stopped"):
        notes["stopped_at"] = rounds.pop()["project"]
    costs = {p: election.projects[p].cost for p in election.projects}
    return Result(rule, election.budget, selected, scores, costs, rounds, notes)


def _fmt(value) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.2f}"


def phragmen(election: Election) -> Result:
    """Sequential Phragmén for approval ballots, exactly as pabutools' sequential_phragmen: each
    step funds the project whose supporters would end with the lowest maximum load; it stops as
    soon as a project tied for that lowest load does not fit."""
    if election.kind not in (APPROVAL, KNAPSACK):
        raise ElectionError("Phragmén applies to approval ballots only")
    scores = election.scores()
    projects = election.projects
    ids = list(projects)
    index = {pid: i for i, pid in enumerate(ids)}
    # Identical ballots share a load; group them.
    grouped: dict[tuple, int] = {}
    for ballot, weight in election.weighted_ballots():
        key = tuple(sorted(index[p] for p in ballot))
        grouped[key] = grouped.get(key, 0) + weight
    groups = list(grouped.items())
    supporters = [[] for _ in ids]
    for g, (ballot, _) in enumerate(groups):
        for j in ballot:
            supporters[j].append(g)
    load = [Rational(0)] * len(groups)
    # Sum of supporters' loads per project, kept up to date as loads change (not recomputed).
    load_sum = [Rational(0)] * len(ids)
    remaining = {i for i, pid in enumerate(ids) if projects[pid].cost <= election.budget}
    spent = 0
    selected, rounds = [], []
    INF = None
    while remaining:
        best, tied = INF, []
        for j in remaining:
            pid = ids[j]
            if scores[pid] == 0:
                new_load = INF
            else:
                new_load = (load_sum[j] + exact(projects[pid].cost)) / scores[pid]
            if not tied or _less(new_load, best):
                best, tied = new_load, [j]
            elif new_load == best:
                tied.append(j)
        if any(spent + projects[ids[j]].cost > election.budget for j in tied):
            break
        j = min(tied, key=lambda j: tie_key(projects[ids[j]], scores[ids[j]]))
        if best is not None:
            for g in supporters[j]:
                ballot, weight = groups[g]
                change = (best - load[g]) * weight
                load[g] = best
                for k in ballot:
                    load_sum[k] += change
        remaining.discard(j)
        spent += projects[ids[j]].cost
        selected.append(ids[j])
        rounds.append({"project": ids[j], "max_load": None if best is None else as_fraction(best), "score": scores[ids[j]],
                       "why": "no supporters" if best is None else
                       f"its {scores[ids[j]]} supporters' load would rise to {_fmt(best)}, the lowest of any project"})
    return Result("phragmen", election.budget, selected, scores, {p: projects[p].cost for p in projects}, rounds)


def _less(a, b) -> bool:
    """a < b where None means infinity."""
    if a is None:
        return False
    if b is None:
        return True
    return a < b
