"""Seeded random elections with ties on purpose: few distinct costs, few distinct approval counts."""
from __future__ import annotations

import random

from pb.counting import APPROVAL, CUMULATIVE, Election, Project


def random_election(seed: int, kind: str | None = None) -> Election:
    rng = random.Random(seed)
    kind = kind or (CUMULATIVE if seed % 5 == 0 else APPROVAL)
    m = rng.randint(1, 40)
    n = rng.randint(1, 300)
    # Each voter's share of the budget is a few units, as when a real budget is counted in
    # thousands of pounds: then raising every share by 1 (mes-add1) matters within a few steps.
    share = rng.choice([1, 2, 3, 5, 8])
    budget = n * share + rng.randint(0, n)
    # Costs from a short list so equal costs (ties) are common; sometimes a free project.
    palette = [max(1, budget * rng.choice([2, 5, 8, 10, 15, 25, 40]) // 100) for _ in range(rng.randint(1, 4))]
    projects = {}
    for i in range(m):
        cost = 0 if rng.random() < 0.03 else rng.choice(palette)
        projects[f"p{i}"] = Project(f"p{i}", cost)
    popularity = [rng.choice([0.05, 0.2, 0.2, 0.5, 0.8]) for _ in range(m)]
    ballots = []
    ids = list(projects)
    for _ in range(n):
        if kind == APPROVAL:
            ballots.append(tuple(pid for pid, share in zip(ids, popularity, strict=False) if rng.random() < share))
        else:
            chosen = [pid for pid, share in zip(ids, popularity, strict=False) if rng.random() < share]
            ballots.append(tuple((pid, rng.randint(1, 5)) for pid in chosen))
    return Election(projects, budget, kind, ballots)
