"""Outcomes of pabutools (the reference library) for pb's rules, computed the way the issue
specifies. Used live by the tests on small instances, and by `make_fixtures.py` to store the
outcomes for the large shared files, where pabutools needs minutes per rule.

pabutools is a test dependency only: nothing in pb imports it."""
from __future__ import annotations

import time

from pabutools.election import (
    AbstractApprovalProfile,
    Additive_Cardinal_Sat,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    Instance,
    Project,
    total_cost,
)
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares, sequential_phragmen
from pabutools.tiebreaking import TieBreakingRule


def _points_times_cost(instance, profile, ballot, project, precomputed):
    return ballot.get(project, 0) * project.cost


class PointsCostSat(AdditiveSatisfaction):
    """Satisfaction points × cost: greedy by it orders projects by total points."""

    def __init__(self, instance, profile, ballot):
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _points_times_cost)


def tie_breaking(profile):
    if isinstance(profile, AbstractApprovalProfile):
        return TieBreakingRule(lambda inst, prof, p: (p.cost, -prof.approval_score(p), p.name))
    return TieBreakingRule(lambda inst, prof, p: (p.cost, -prof.total_score(p), p.name))


def from_election(election):
    """pabutools instance and profile built from pb's parsed election (ordinal ballots become
    cardinal ones with pb's points), so both libraries see exactly the same data."""
    from pabutools.election import ApprovalBallot, ApprovalProfile

    projects = {pid: Project(pid, p.cost) for pid, p in election.projects.items()}
    instance = Instance(projects.values(), budget_limit=election.budget)
    if election.kind in ("approval", "knapsack"):
        ballots = []
        for ballot, weight in election.weighted_ballots():
            ballots.extend([ApprovalBallot(projects[p] for p in ballot)] * weight)
        return instance, ApprovalProfile(ballots, instance=instance)
    ballots = []
    for ballot, weight in election.points():
        ballots.extend([CardinalBallot({projects[p]: s for p, s in ballot.items()})] * weight)
    return instance, CardinalProfile(ballots, instance=instance)


def mes_sat_class(profile):
    """Cost utilities for approval ballots, points for cumulative ones."""
    return Cost_Sat if isinstance(profile, AbstractApprovalProfile) else Additive_Cardinal_Sat


def _names(allocation):
    return [p.name for p in allocation]


def outcome(instance, profile, rule: str) -> list[str]:
    approval = isinstance(profile, AbstractApprovalProfile)
    tie = tie_breaking(profile)
    greedy_sat = Cost_Sat if approval else PointsCostSat
    mes_sat = mes_sat_class(profile)
    if rule == "greedy":
        return _names(greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat, tie_breaking=tie))
    if rule == "phragmen":
        return _names(sequential_phragmen(instance, profile, tie_breaking=tie))
    if rule == "mes":
        return _names(method_of_equal_shares(instance, profile, sat_class=mes_sat, tie_breaking=tie))
    if rule in ("mes-add1", "mes-add1-greedy"):
        # mes-add1-greedy reuses mes-add1's outcome on the same data (kept on the profile itself,
        # so a new election can never see an old one's outcome)
        if getattr(profile, "_pb_add1", None) is None or profile._pb_add1[0] is not instance:
            profile._pb_add1 = (instance, add1(instance, profile, mes_sat, tie))
        chosen = profile._pb_add1[1]
        if rule == "mes-add1":
            return _names(chosen)
        return _names(greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat, tie_breaking=tie,
                                                 initial_budget_allocation=chosen))
    raise ValueError(rule)


def add1(instance, profile, sat_class, tie):
    """MES on a copy of the instance with budget_limit = B + n*k, k = 0, 1, 2, ...: the last
    outcome whose cost fits B; stop at the first k that overspends or when every supported project
    is selected."""
    budget = instance.budget_limit
    n = profile.num_ballots()
    sat_profile = profile.as_sat_profile(sat_class)
    supported = {p for p in instance if p.cost > 0 and sum(s.sat_project(p) * sat_profile.multiplicity(s) for s in sat_profile) > 0}
    best = []
    k = 0
    while True:
        copy = Instance(instance, budget_limit=budget + n * k)
        chosen = method_of_equal_shares(copy, profile, sat_profile=sat_profile, tie_breaking=tie)
        if total_cost(chosen) > budget:
            return best
        best = chosen
        if supported <= set(chosen):
            return best
        k += 1


def rules_for(kind: str) -> list[str]:
    if kind in ("approval", "knapsack"):
        return ["greedy", "mes", "mes-add1", "mes-add1-greedy", "phragmen"]
    return ["greedy", "mes", "mes-add1", "mes-add1-greedy"]


def timed(instance, profile, rule):
    start = time.perf_counter()
    result = outcome(instance, profile, rule)
    return result, time.perf_counter() - start
