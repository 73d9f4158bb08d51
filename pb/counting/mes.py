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
k = 0, 1, 2, ... and keeps the last outcome within the budget B. A tracked run also records the
interval of per-voter budgets over which every decision it made stays the same (budgets and prices
are affine in the per-voter budget while the decisions hold), and the loop jumps past it: the
outcome is provably identical for every k skipped. Where those intervals are short, plain runs
count k by k.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction

from .model import APPROVAL, CUMULATIVE, KNAPSACK, ORDINAL, Election, ElectionError, tie_key

try:
    # Exact rationals in C: the same values as fractions.Fraction, many times faster. Optional:
    # without gmpy2 the engine runs on Fraction and gives identical outcomes.
    from gmpy2 import mpq as Rational
except ImportError:  # pragma: no cover - exercised by tests/counting/test_rules.py in a subprocess
    Rational = Fraction

ZERO = Rational(0)
ONE = Rational(1)


def as_fraction(value) -> Fraction:
    """Results leave the engine as fractions.Fraction whatever rational type it ran on."""
    return Fraction(int(value.numerator), int(value.denominator))


@dataclass
class Affine:
    """a + c*b, where b is the per-voter starting budget."""

    a: Fraction
    c: Fraction


class Bound:
    """Collects the smallest per-voter budget above the current one at which a decision that held
    could change. Each decision is an affine inequality f(b) >= 0 (or > 0) that holds now."""

    def __init__(self, b: Fraction):
        self.b = b
        self.limit: Fraction | None = None

    def holds(self, a: Fraction, c: Fraction) -> None:
        """Record that a + c*b' keeps its sign for b' >= b only until its root, if it falls."""
        if c < 0:
            root = -a / c
            if root < self.b:
                root = self.b  # already at the edge: recheck at the very next k
            if self.limit is None or root < self.limit:
                self.limit = root


def _beats(rho, j, best, best_j, tie) -> bool:
    """Is price rho for project j better than the best so far? Lower price wins; an equal price
    goes to the project first in the tie-break order (cheaper, more votes, id)."""
    return best is None or rho < best or (rho == best and tie[j] < tie[best_j])


def _exact(value):
    return Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else value


class MESProfile:
    """An election prepared for MES: project arrays and ballots grouped by identical content."""

    def __init__(self, election: Election):
        if election.kind not in (APPROVAL, KNAPSACK, CUMULATIVE, ORDINAL):
            raise ElectionError(f"MES cannot count {election.kind} ballots")
        self.election = election
        self.ids = list(election.projects)
        index = {pid: i for i, pid in enumerate(self.ids)}
        self.costs = [_exact(election.projects[pid].cost) for pid in self.ids]
        self.scores = election.scores()
        self.tie = [tie_key(election.projects[pid], self.scores[pid]) for pid in self.ids]
        cost_utility = election.kind in (APPROVAL, KNAPSACK)
        self.uniform_utility = cost_utility
        grouped: dict[tuple, int] = defaultdict(int)
        for ballot, weight in election.points():
            items = tuple(sorted((index[p], self.costs[index[p]] if cost_utility else pts)
                                 for p, pts in ballot.items() if pts > 0 and (not cost_utility or self.costs[index[p]] > 0)))
            grouped[items] += weight  # empty ballots still count in n, the number of voters
        self.groups = [(items, weight) for items, weight in grouped.items()]
        self.n = election.num_voters
        m = len(self.ids)
        self.supporters: list[list[tuple[int, int]]] = [[] for _ in range(m)]  # (group, utility)
        self.total_utility = [0] * m
        for g, (items, weight) in enumerate(self.groups):
            for j, u in items:
                self.supporters[j].append((g, u))
                self.total_utility[j] += weight * u
        # One entry per voter (a group repeated by its weight), so a project's supporters can be
        # counted by budget class in C with Counter(map(...)) when it is priced.
        self.voter_groups = [[g for g, u in sup for _ in range(self.groups[g][1])] for sup in self.supporters]
        self.voter_utils = None if cost_utility else [
            [u for g, u in sup for _ in range(self.groups[g][1])] for sup in self.supporters]
        self.supporter_groups = [[g for g, _ in sup] for sup in self.supporters]
        self._neighbours: dict[int, frozenset] = {}
        # Projects nobody gets utility from are never bought (with cost utilities that includes
        # free projects); free projects with points are bought outright, as pabutools does.
        supported = [j for j in range(m) if self.total_utility[j] > 0]
        self.free = sorted((j for j in supported if self.costs[j] == 0), key=lambda j: self.tie[j])
        self.candidates = [j for j in supported if self.costs[j] > 0]

    def neighbours(self, j: int) -> frozenset:
        """Projects sharing a supporter with j: the only prices that buying j can change."""
        if j not in self._neighbours:
            found = set()
            for g, _ in self.supporters[j]:
                found.update(k for k, _ in self.groups[g][0])
            self._neighbours[j] = frozenset(found)
        return self._neighbours[j]

    def run(self, per_voter: Fraction, track: bool = False, explain: bool = False):
        """MES with this starting budget per voter. Returns (selected indices, rounds, bound):
        bound is None unless track, else the per-voter budget at which a decision could change."""
        return _Run(self, Rational(per_voter), track, explain).go()


class _Run:
    def __init__(self, profile: MESProfile, b: Fraction, track: bool, explain: bool):
        self.p = profile
        self.b = b
        self.track = track
        self.explain = explain
        self.bound = Bound(b) if track else None
        # class 0: everyone, with the starting budget; class 1: voters who have spent everything.
        self.value = [b, ZERO]
        self.form = [Affine(ZERO, ONE), Affine(ZERO, ZERO)]
        self.group_class = [0] * len(profile.groups)

    def members(self, j: int) -> list:
        """[((class, utility), number of supporters)] of project j, counted now."""
        p = self.p
        by_class = map(self.group_class.__getitem__, p.voter_groups[j])
        if p.voter_utils is None:  # approval: every supporter's utility is the cost
            cost = p.costs[j]
            return [((c, cost), w) for c, w in Counter(by_class).items()]
        return list(Counter(zip(by_class, p.voter_utils[j])).items())

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

    def affine_rho(self, j: int, detail) -> Affine:
        """rho as an affine function of b while the partition into poor and rich stays; records the
        partition's own conditions in the bound."""
        items, cut, _, utility = detail
        cost = self.p.costs[j]
        poor_a = poor_c = ZERO
        for (c, u), w in items[:cut]:
            poor_a += w * self.form[c].a
            poor_c += w * self.form[c].c
        rho = Affine((cost - poor_a) / utility, -poor_c / utility)
        for index, ((c, u), w) in enumerate(items):
            f = self.form[c]
            # rich: budget - rho*u >= 0 ; poor: rho*u - budget > 0
            a, cc = f.a - rho.a * u, f.c - rho.c * u
            if index < cut:
                a, cc = -a, -cc
            self.bound.holds(a, cc)
        return rho

    def go(self):
        if not self.track:
            return self.go_lazy()
        p = self.p
        selected = list(p.free)
        rounds = [{"project": p.ids[j], "why": "costs nothing and has supporters"} for j in p.free] if self.explain else []
        remaining = set(p.candidates)
        cache: dict[int, tuple] = {}
        comparisons = []  # (project, its price detail, the winner's affine price) at each step
        while remaining:
            best = None
            best_j = None
            unaffordable = []
            exact = {}
            for j in remaining:
                if j not in cache:
                    cache[j] = self.afford(j)
                rho, detail = cache[j]
                if rho is None:
                    unaffordable.append(j)
                    continue
                exact[j] = (rho, detail)
                if _beats(rho, j, best, best_j, p.tie):
                    best, best_j = rho, j
            for j in unaffordable:
                remaining.discard(j)
                if self.track:
                    # stays unaffordable while its supporters' total budget < cost
                    a = c = ZERO
                    for (cls, u), w in self.members(j):
                        a += w * self.form[cls].a
                        c += w * self.form[cls].c
                    self.bound.holds(p.costs[j] - a, -c)
            if best_j is None:
                break
            detail = exact[best_j][1]
            mine = None
            if self.track:
                # The selected project's poor/rich split fixes every later budget: it must hold.
                mine = self.affine_rho(best_j, detail)
                for j, (_, other) in exact.items():
                    if j != best_j:
                        comparisons.append((j, other, mine))
            if self.explain:
                rounds.append(self._why(best_j, best, detail))
            selected.append(best_j)
            remaining.discard(best_j)
            touched = self.pay(best_j, best, detail, mine)
            for j in touched:
                cache.pop(j, None)
        if self.track:
            for j, detail, winner in comparisons:
                self.stays_dearer(j, detail, winner)
        return selected, rounds, (self.bound.limit if self.track else None)

    def go_lazy(self):
        """Untracked run: a project's last exact price is a lower bound on its price now (budgets
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
            for j in self.pay(best_j, best, best_detail, None):
                fresh.pop(j, None)
        return selected, rounds, None

    def stays_dearer(self, j: int, detail, winner: Affine) -> None:
        """Record the first per-voter budget at which project j's price could fall to the winner's.
        Budgets never fall as b grows and prices never rise, so supporters only move from paying
        all they have (poor) to paying the price (rich): j's price is piecewise affine, and we
        walk its pieces until it meets the winner's line or passes the limit already known."""
        items, cut, _, _ = detail
        cost = self.p.costs[j]
        form = self.form
        poor = [(form[c], u, w) for (c, u), w in items[:cut]]
        rich_utility = sum(w * u for (c, u), w in items[cut:])
        while True:
            poor_a = sum((w * f.a for f, u, w in poor), ZERO)
            poor_c = sum((w * f.c for f, u, w in poor), ZERO)
            rho = Affine((cost - poor_a) / rich_utility, -poor_c / rich_utility)
            # where the next poor class can pay the price in full, a new piece starts
            end, leaving = None, []
            for index, (f, u, w) in enumerate(poor):
                slope = f.c - rho.c * u
                if slope > 0:
                    root = (rho.a * u - f.a) / slope
                    if end is None or root < end:
                        end, leaving = root, [index]
                    elif root == end:
                        leaving.append(index)
            gap_a, gap_c = rho.a - winner.a, rho.c - winner.c
            if gap_c < 0:
                root = -gap_a / gap_c
                if end is None or root <= end:
                    self.bound.holds(gap_a, gap_c)
                    return
            limit = self.bound.limit
            if end is None or (limit is not None and end >= limit):
                return
            for index in reversed(leaving):
                f, u, w = poor.pop(index)
                rich_utility += w * u

    def pay(self, j: int, rho: Fraction, detail, rho_form: Affine | None) -> set[int]:
        """Charge the supporters of j; split their classes; return the projects whose counts changed."""
        items, cut, _, _ = detail
        new_class: dict[tuple[int, int], int] = {}
        for index, ((c, u), w) in enumerate(items):
            if index < cut:
                new_class[(c, u)] = 1  # pays everything: joins the class with nothing left
                continue
            left = self.value[c] - rho * u
            if left == 0 and not self.track:
                new_class[(c, u)] = 1
                continue
            new_class[(c, u)] = len(self.value)
            self.value.append(left)
            if self.track:
                f = self.form[c]
                self.form.append(Affine(f.a - rho_form.a * u, f.c - rho_form.c * u))
            else:
                self.form.append(None)
        group_class = self.group_class
        if self.p.voter_utils is None:  # approval: one utility per project, so key by class alone
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


def mes(election: Election, explain: bool = True):
    profile = MESProfile(election)
    if profile.n == 0:
        return [], [], {}
    per_voter = Rational(_exact(election.budget)) / profile.n
    chosen, rounds, _ = profile.run(per_voter, explain=explain)
    return [profile.ids[j] for j in chosen], rounds, {"budget_per_voter": as_fraction(per_voter)}


def mes_add1(election: Election, explain: bool = True):
    """MES with each voter's budget B/n + k, k = 0, 1, 2, ...: the last outcome within B. Stops at
    the first k that overspends, or when every supported project is selected."""
    profile = MESProfile(election)
    if profile.n == 0:
        return [], [], {}
    budget = election.budget
    base = Rational(_exact(budget)) / profile.n
    supported = len(profile.free) + len(profile.candidates)
    k = 0
    best = None
    runs = skipped = 0
    # A tracked run costs about twice a plain one and pays off only when it proves that several
    # following k give the same outcome. Where such proofs come out short, run plain for a while
    # (every k is still counted, in order), then try tracking again.
    plain_left = 0
    while True:
        track = plain_left == 0
        chosen, _, limit = profile.run(base + k, track=track)
        runs += 1
        spent = sum(profile.costs[j] for j in chosen)
        if spent > budget:
            break
        best = (k, chosen)
        if len(chosen) == supported:
            break
        if not track:
            plain_left -= 1
            k += 1
            continue
        if limit is None:
            break  # no decision can change however much budgets grow: the outcome is final
        # Every k whose per-voter budget lies below `limit` repeats this outcome exactly; the
        # first k at or past it is counted again, as decisions may change there.
        jump = limit - base
        next_k = max(k + 1, int(-(-jump.numerator // jump.denominator)))
        skipped += next_k - k - 1
        if next_k - k < 3:
            plain_left = 8
        k = next_k
    k_final, chosen = best
    # The explanation needs one more run at the final k; skip it when nobody asked.
    rounds = profile.run(base + k_final, explain=True)[1] if explain else []
    notes = {"k": int(k_final), "budget_per_voter": as_fraction(base + k_final), "mes_runs": runs,
             "k_proven_without_a_run": int(skipped)}
    return [profile.ids[j] for j in chosen], rounds, notes
