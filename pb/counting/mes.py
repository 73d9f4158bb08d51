"""Method of Equal Shares (MES), exact, and its completion by raising voters' budgets (add1).

Each voter starts with an equal share of the budget. A project can be bought when its supporters
can pay its cost between them; of those, MES buys the one with the lowest price per unit of
utility (rho), each supporter paying rho times their utility or everything they have left. With
cost utilities (approval ballots) a supporter's utility for a project is its cost; with points
(cumulative ballots) it is their points.

Speed comes from grouping, not approximation: voters with identical ballots are one group, and
voters whose budgets are equal (same payments so far) are one class. A project is priced from its
supporters counted by class (in C, with Counter), and only when its last price, a lower bound,
could still beat or tie the best price of the step. All arithmetic is exact: gmpy2's mpq when
installed, else fractions.Fraction, with identical outcomes.

The completion `mes-add1` (equalshares.net) reruns MES with each voter's budget B/n + k for
k = 0, 1, 2, ... and keeps the last outcome within the budget B. Those runs are done in floating
point by mes_float.py, whose every decision is certified by proven error bounds (or the k is
counted here exactly instead), and a run at k2 can certify that every k between an earlier run's k1
and k2 gives the same outcome (prices only fall as budgets grow), so the loop gallops over such
stretches. Every k is either counted or proven to repeat the outcome before it.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from fractions import Fraction

from .model import APPROVAL, CUMULATIVE, KNAPSACK, ORDINAL, Election, ElectionError, tie_key

try:
    # Exact rationals in C: the same values as fractions.Fraction, many times faster. Optional:
    # without gmpy2 the engine runs on Fraction and gives identical outcomes.
    from gmpy2 import mpq as Rational
except ImportError:  # pragma: no cover - exercised by tests/counting/test_rules.py in a subprocess
    Rational = Fraction

ZERO = Rational(0)


def as_fraction(value) -> Fraction:
    """Results leave the engine as fractions.Fraction whatever rational type it ran on."""
    return Fraction(int(value.numerator), int(value.denominator))


def _beats(rho, j, best, best_j, tie) -> bool:
    """Is price rho for project j better than the best so far? Lower price wins; an equal price
    goes to the project first in the tie-break order (cheaper, more votes, id)."""
    return best is None or rho < best or (rho == best and tie[j] < tie[best_j])


def exact(value):
    return Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else value


class MESProfile:
    """An election prepared for MES: project arrays and ballots grouped by identical content."""

    def __init__(self, election: Election, scores: dict | None = None):
        if election.kind not in (APPROVAL, KNAPSACK, CUMULATIVE, ORDINAL):
            raise ElectionError(f"MES cannot count {election.kind} ballots")
        self.election = election
        self.ids = list(election.projects)
        index = {pid: i for i, pid in enumerate(self.ids)}
        self.costs = [exact(election.projects[pid].cost) for pid in self.ids]
        self.scores = scores if scores is not None else election.scores()
        self.tie = [tie_key(election.projects[pid], self.scores[pid]) for pid in self.ids]
        cost_utility = election.kind in (APPROVAL, KNAPSACK)
        self.uniform_utility = cost_utility
        if cost_utility:
            # identical approval ballots counted in C first; a ballot's order means nothing
            same: Counter = Counter()
            for ballot, weight in election.weighted_ballots():
                same[frozenset(ballot)] += weight
            paid = {p: index[p] for p in self.ids if self.costs[index[p]] > 0}
            by_index: dict[tuple, int] = defaultdict(int)
            for ballot, weight in same.items():
                # empty ballots still count in n, the number of voters
                by_index[tuple(sorted(paid[p] for p in ballot if p in paid))] += weight
            costs = self.costs
            groups = [(tuple((j, costs[j]) for j in key), weight) for key, weight in by_index.items()]
        else:
            grouped: dict[tuple, int] = defaultdict(int)
            for ballot, weight in election.points():
                items = tuple(sorted((index[p], pts) for p, pts in ballot.items() if pts > 0))
                grouped[items] += weight
            groups = list(grouped.items())
        self.groups = groups
        self.n = election.num_voters
        m = len(self.ids)
        self.supporters: list[list[tuple[int, int]]] = [[] for _ in range(m)]  # (group, utility)
        self.total_utility = [0] * m
        if cost_utility:
            supporter_count = [0] * m  # times the cost at the end: one exact product per project
            for g, (items, weight) in enumerate(self.groups):
                for j, u in items:
                    self.supporters[j].append((g, u))
                    supporter_count[j] += weight
            self.total_utility = [count * cost for count, cost in zip(supporter_count, self.costs, strict=False)]
        else:
            for g, (items, weight) in enumerate(self.groups):
                for j, u in items:
                    self.supporters[j].append((g, u))
                    self.total_utility[j] += weight * u
        self._voter_lists = None
        self.supporter_groups = [[g for g, _ in sup] for sup in self.supporters]
        self._neighbours: dict[int, frozenset] = {}
        self._group_projects = None
        # Projects nobody gets utility from are never bought (with cost utilities that includes
        # free projects); free projects with points are bought outright, as pabutools does.
        supported = [j for j in range(m) if self.total_utility[j] > 0]
        self.free = sorted((j for j in supported if self.costs[j] == 0), key=lambda j: self.tie[j])
        self.candidates = [j for j in supported if self.costs[j] > 0]

    def voter_lists(self):
        """One entry per voter (a group repeated by its weight) for each project's supporters, and
        their utilities (None for cost utilities), so the exact engine counts a project's
        supporters by budget class in C with Counter(map(...)). Built on first exact run."""
        if self._voter_lists is None:
            groups = self.groups
            voter_groups = [[g for g, u in sup for _ in range(groups[g][1])] for sup in self.supporters]
            voter_utils = None if self.uniform_utility else [
                [u for g, u in sup for _ in range(groups[g][1])] for sup in self.supporters]
            self._voter_lists = (voter_groups, voter_utils)
        return self._voter_lists

    def neighbours(self, j: int) -> frozenset:
        """Projects sharing a supporter with j: the only prices that buying j can change."""
        if j not in self._neighbours:
            if self._group_projects is None:
                self._group_projects = [tuple(k for k, _ in items) for items, _ in self.groups]
            group_projects = self._group_projects
            self._neighbours[j] = frozenset().union(*(group_projects[g] for g in self.supporter_groups[j]))
        return self._neighbours[j]

    def run(self, per_voter: Fraction, explain: bool = False):
        """MES with this starting budget per voter, exactly. Returns (selected indices, rounds)."""
        return _Run(self, Rational(per_voter), explain).go()

    def float_profile(self):
        """The same profile as numpy arrays for certified float runs (mes_float.py), or None
        without numpy, when every run is exact."""
        if not hasattr(self, "_float"):
            try:
                from .mes_float import FloatProfile
            except ImportError:  # pragma: no cover - numpy is a dependency; exact runs still work
                self._float = None
            else:
                self._float = FloatProfile(self)
        return self._float


class _Run:
    def __init__(self, profile: MESProfile, b: Fraction, explain: bool):
        self.p = profile
        self.explain = explain
        # class 0: everyone, with the starting budget; class 1: voters who have spent everything.
        self.value = [b, ZERO]
        self.group_class = [0] * len(profile.groups)
        self.voter_groups, self.voter_utils = profile.voter_lists()

    def members(self, j: int) -> list:
        """[((class, utility), number of supporters)] of project j, counted now."""
        by_class = map(self.group_class.__getitem__, self.voter_groups[j])
        if self.voter_utils is None:  # approval: every supporter's utility is the cost
            cost = self.p.costs[j]
            return [((c, cost), w) for c, w in Counter(by_class).items()]
        return list(Counter(zip(by_class, self.voter_utils[j], strict=False)).items())

    # rho: the lowest price per unit of utility at which supporters can pay the cost
    def afford(self, j: int):
        cost = self.p.costs[j]
        value = self.value
        members = self.members(j)
        total = sum(w * value[c] for (c, u), w in members)
        if total < cost:
            return None, None
        if self.p.uniform_utility:  # approval: every supporter's utility is the cost
            items = sorted(members, key=lambda item: value[item[0][0]])
        else:
            items = sorted(members, key=lambda item: value[item[0][0]] / item[0][1])
        paid = ZERO
        utility = self.p.total_utility[j]
        for cut, ((c, u), w) in enumerate(items):
            rho = (cost - paid) / utility
            if rho * u <= value[c]:
                return rho, (items, cut, paid, utility)
            paid += w * value[c]
            utility -= w * u
        raise AssertionError("affordable project without a price")  # total >= cost guarantees a cut

    def go(self):
        """A project's last exact price is a lower bound on its price now (budgets
        only fall during a run), so only projects whose bound could beat or tie the best so far
        are priced again: the same choices as pricing them all, with far less work."""
        p = self.p
        selected = list(p.free)
        rounds = [{"project": p.ids[j], "why": "costs nothing and has supporters"} for j in p.free] if self.explain else []
        lower = {j: Rational(p.costs[j], p.total_utility[j]) for j in p.candidates}
        fresh: dict[int, tuple] = {}  # exact (rho, detail) of projects untouched since priced
        tie = p.tie
        while lower:
            best = best_j = best_detail = None
            gone = []
            for j in sorted(lower, key=lower.__getitem__):
                if best is not None and lower[j] > best:
                    break
                if j not in fresh:
                    fresh[j] = self.afford(j)
                rho, detail = fresh[j]
                if rho is None:
                    gone.append(j)
                    continue
                lower[j] = rho
                if _beats(rho, j, best, best_j, tie):
                    best, best_j, best_detail = rho, j, detail
            for j in gone:
                del lower[j]
                fresh.pop(j, None)
            if best_j is None:
                break
            if self.explain:
                rounds.append(self._why(best_j, best, best_detail))
            selected.append(best_j)
            del lower[best_j]
            fresh.pop(best_j, None)
            for j in self.pay(best_j, best, best_detail):
                fresh.pop(j, None)
        return selected, rounds

    def pay(self, j: int, rho: Fraction, detail) -> set[int]:
        """Charge the supporters of j; split their classes; return the projects whose counts changed."""
        items, cut, _, _ = detail
        new_class: dict[tuple[int, int], int] = {}
        for index, ((c, u), _w) in enumerate(items):
            if index < cut:
                new_class[(c, u)] = 1  # pays everything: joins the class with nothing left
                continue
            left = self.value[c] - rho * u
            if left == 0:
                new_class[(c, u)] = 1
                continue
            new_class[(c, u)] = len(self.value)
            self.value.append(left)
        group_class = self.group_class
        if self.voter_utils is None:  # approval: one utility per project, so key by class alone
            by_class = {c: new for (c, _), new in new_class.items()}
            for g in self.p.supporter_groups[j]:
                group_class[g] = by_class[group_class[g]]
        else:
            for g, u in self.p.supporters[j]:
                group_class[g] = new_class[(group_class[g], u)]
        return self.p.neighbours(j)

    def _why(self, j, rho, detail) -> dict:
        items, cut, paid, _ = detail
        p = self.p
        cost = p.costs[j]
        supporters = sum(w for _, w in items)
        paying_all = sum(w for _, w in items[:cut])
        step = {"project": p.ids[j], "cost": as_fraction(Rational(cost)), "rho": as_fraction(rho),
                "supporters": supporters, "supporters_paying_all_they_have": paying_all}
        if p.election.kind in (APPROVAL, KNAPSACK):
            price = rho * cost  # the most any one supporter pays
            step["price_per_voter"] = as_fraction(price)
            step["effective_votes"] = as_fraction(cost / price)
            step["why"] = (f"cheapest per voter: {supporters} supporters, each paying at most {float(price):,.2f} "
                           f"({float(cost / price):,.1f} effective votes)")
        else:
            step["price_per_point"] = as_fraction(rho)
            step["why"] = f"cheapest per point: {supporters} supporters pay {float(rho):,.4f} per point"
        return step


def mes(election: Election, explain: bool = True, scores: dict | None = None):
    profile = MESProfile(election, scores)
    if profile.n == 0:
        return [], [], {}
    per_voter = Rational(exact(election.budget)) / profile.n
    chosen = None
    if not explain:
        chosen = _certified_run(profile, per_voter)
    if chosen is None:
        chosen, rounds = profile.run(per_voter, explain=explain)
    else:
        chosen, rounds = chosen[0], []
    return [profile.ids[j] for j in chosen], rounds, {"budget_per_voter": as_fraction(per_voter)}


def _certified_run(profile: MESProfile, per_voter, against=None):
    """(selected, steps, certified) from a certified float run, or None where there is none."""
    fast = profile.float_profile()
    return None if fast is None else fast.run(per_voter, against)


def mes_add1(election: Election, explain: bool = True, scores: dict | None = None):
    """MES with each voter's budget B/n + k, k = 0, 1, 2, ...: the last outcome within B. Stops at
    the first k that overspends, or when every supported project is selected."""
    profile = MESProfile(election, scores)
    if profile.n == 0:
        return [], [], {}
    budget = election.budget
    base = Rational(exact(budget)) / profile.n
    supported = len(profile.free) + len(profile.candidates)
    runs = exact_runs = skipped = 0
    done: dict[int, tuple] = {}  # runs made ahead of k while galloping, kept until k reaches them

    def outcome(k, against=None):
        nonlocal runs, exact_runs
        if against is None and k in done:
            return done.pop(k)
        runs += 1
        found = _certified_run(profile, base + k, against)
        if found is None:  # floats could not decide (or no numpy): count this k exactly
            exact_runs += 1
            return profile.run(base + k)[0], None, False
        return found

    # Gallop: from a counted k, try k + d and keep its outcome for every k between when the run
    # certifies them; double d after a success, quarter it after a failure. Each k is counted in
    # order otherwise, so the first k that overspends is always found.
    k = 0
    chosen, steps, _ = outcome(0)
    best = None
    gap = 1
    while True:
        if sum(profile.costs[j] for j in chosen) > budget:
            break
        best = (k, chosen)
        if len(chosen) == supported:
            break
        if gap > 1 and steps is not None:
            ahead, ahead_steps, certified = outcome(k + gap, against=steps)
            if certified:
                skipped += gap - 1
                k, chosen, steps = k + gap, ahead, ahead_steps
                gap *= 2
                continue
            done[k + gap] = (ahead, ahead_steps, False)
            gap = max(1, gap // 4)
        else:
            gap = 2
        k += 1
        chosen, steps, _ = outcome(k)
        for stale in [ahead_k for ahead_k in done if ahead_k <= k]:
            del done[stale]
    k_final, chosen = best
    # The explanation needs one more, exact run at the final k; skip it when nobody asked.
    rounds = profile.run(base + k_final, explain=True)[1] if explain else []
    notes = {"k": int(k_final), "budget_per_voter": as_fraction(base + k_final), "mes_runs": runs,
             "exact_runs": exact_runs, "k_proven_without_a_run": int(skipped)}
    return [profile.ids[j] for j in chosen], rounds, notes
