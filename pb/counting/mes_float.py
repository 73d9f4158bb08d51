"""A fast Method of Equal Shares run in floating point whose every decision is certified exact.

The exact engine (mes.py) prices projects in rationals whose denominators grow with every
purchase; on the largest Pabulib files that is most of the time of `mes-add1`, which needs one run
per budget raise k. This run does the same steps on float64 arrays (numpy) and carries, for every
voter group, a proven bound on how far its float budget can be from the exact one. Each price is
then an interval that contains the exact price, and a decision is taken only when the intervals
prove it: the winner's upper bound is below every other candidate's lower bound, a project is
dropped only when even its supporters' largest possible total cannot pay for it. When the
intervals overlap, exact prices decide where the floats pin them down (supporters with exactly
nothing left, supporters still holding the exact starting budget, supporters certainly able to
pay: the exact ties real files have); otherwise the run gives up and returns None, and the caller
counts that k with the exact engine. So the outcome is always the exact one; floats only decide
how quickly it is found.

Why the bounds hold (u: a supporter's utility, cost utilities for approval ballots, points for
cumulative ones; F(rho) = sum of min(budget, rho*u) over supporters, the amount they pay at price
rho; the exact price is the least rho with F(rho) = cost):
- F is 1-Lipschitz in each budget, so with budgets each within e_i of the exact ones the float F
  is within S = sum(weight*e_i) of the exact F at every rho.
- The float F is evaluated with rounding error at most R (a generous multiple of the machine
  epsilon times the magnitudes summed). Solving F = cost - S - 2R and F = cost + S + 2R therefore
  brackets the exact price strictly, as F is nondecreasing.
- Only supporters who may be short of rho*u somewhere in the bracket carry their error into F;
  the others add exactly rho*u in both sums, so a second bracket from their errors alone is
  tighter and still certain.
- A supporter's budget after paying is max(0, budget - rho*u), 1-Lipschitz in the budget and in
  rho, so its new error bound is its old one plus u times the price interval's half-width plus the
  rounding of that one subtraction; a supporter certainly short pays all and has exactly 0 left.

And why a later run can certify the k before it (the `against` of FloatProfile.run): with the
decisions fixed, every budget after every step is nondecreasing in the starting budget (a larger
budget gives each winner a price no higher, and max(0, budget - rho*u) keeps the order), so
every price is nonincreasing in it. If at every step the run at b2 takes the winner the run at b1
took, and every other project's lower bound at b2 is above the winner's upper bound at b1, then
for every b between, the winner's price at b is at most its price at b1 and every other price at
b at least its price at b2: the same decisions, so the same outcome.
"""
from __future__ import annotations

import heapq
from fractions import Fraction

import numpy as np

# Unit roundoff of float64 is 2**-53 (1.1e-16); every rounding bound below uses this larger
# figure and a multiple of the number of terms, so the bounds are generous rather than tight.
EPS = 1e-15


class FloatProfile:
    """Per-project numpy arrays of an MESProfile: supporter groups, their weights and utilities."""

    def __init__(self, profile):
        self.p = profile
        m = len(profile.ids)
        self.costs = [float(c) for c in profile.costs]
        group_weights = np.array([weight for _, weight in profile.groups], dtype=np.int64)
        self.group_index = []
        self.weights = []
        self.utils = []
        self.weighted_utils = []
        self.total_utility = []
        self.int_weights = []
        self.int_utils = []  # exact points per supporter (cumulative ballots), or None
        for j in range(m):
            idx = np.array(profile.supporter_groups[j], dtype=np.int64)
            int_w = group_weights[idx]
            w = int_w.astype(np.float64)
            if profile.uniform_utility:  # cost utilities: every supporter's utility is the cost
                u = np.full(len(idx), self.costs[j])
                points = None
            else:
                points = [u for _, u in profile.supporters[j]]
                exact = all(isinstance(x, int) for x in points)
                points = np.array(points, dtype=np.int64) if exact else None
                u = np.array([float(x) for _, x in profile.supporters[j]])
            self.group_index.append(idx)
            self.weights.append(w)
            self.utils.append(u)
            self.weighted_utils.append(w * u)
            self.total_utility.append(float(profile.total_utility[j]))
            self.int_weights.append(int_w)
            self.int_utils.append(points)
        self.exact_costs = [_fraction(c) for c in profile.costs]
        self.uniform = profile.uniform_utility
        self.num_groups = len(profile.groups)

    def run(self, per_voter: Fraction, against=None):
        """(selected project indices in order, the run's steps, certified) or None when floats
        cannot certify a decision; see _FloatRun._go for `against` and `certified`."""
        run = _FloatRun(self, per_voter)
        selected = run.go(against)
        if selected is None:
            return None
        return selected, run.steps, run.certified


class _Price:
    """A project's price interval lo < exact price < hi, the float price mid, and a tighter
    interval computed only when a decision needs it (for winners, and where intervals overlap)."""

    __slots__ = ("lo", "hi", "mid", "_tighten")

    def __init__(self, lo, hi, mid, tighten):
        self.lo, self.hi, self.mid, self._tighten = lo, hi, mid, tighten

    def tighten(self) -> _Price:
        if self._tighten is not None:
            tighter = self._tighten(self.hi)
            if tighter is not None:
                self.lo, self.hi = max(self.lo, tighter[0]), min(self.hi, tighter[1])
            self._tighten = None
        return self


_UNPRICED = object()


class _Ambiguous(Exception):
    """Floats cannot decide this step; the exact engine must."""


class _FloatRun:
    def __init__(self, fp: FloatProfile, per_voter):
        self.fp = fp
        self.start = _fraction(per_voter)
        self.start_float = b = float(per_voter)
        self.untouched = np.ones(fp.num_groups, dtype=bool)  # paid nothing yet: exactly the start
        self.prices = {}
        self.budget = np.full(fp.num_groups, b)
        # float(rational) is correctly rounded: within half an ulp of the exact starting budget
        self.error = np.full(fp.num_groups, abs(b) * EPS)

    def price(self, j: int):
        """(lo, hi, mid) with lo < exact price < hi, or None if certainly unaffordable."""
        fp = self.fp
        cost = fp.costs[j]
        idx = fp.group_index[j]
        w = fp.weights[j]
        u = fp.utils[j]
        v = self.budget[idx]
        error = self.error[idx]
        total = float(w @ v)
        slack = float(w @ error)
        n = len(idx) + 4
        rounding = 8 * n * EPS * (total + cost)
        if total + slack + rounding < cost:
            return None
        if total - slack - 2 * rounding < cost and not self._exactly_affordable(j):
            return None
        u = u if not fp.uniform else cost
        if fp.uniform:
            order = np.argsort(v)
            ratio = v[order] / cost
        else:
            ratio = v / u
            order = np.argsort(ratio)
            ratio = ratio[order]
        wv_sorted = (w * v)[order]
        wu_sorted = fp.weighted_utils[j][order]
        poor = np.cumsum(wv_sorted) - wv_sorted  # paid by everyone before position k
        rich = np.cumsum(wu_sorted[::-1])[::-1]  # utility from position k on, summed from the end
        # the largest rho*U the solution can involve bounds the rounding of F near it
        bound_rounding = 8 * n * EPS * (total + cost + float(ratio[-1]) * fp.total_utility[j])

        # F at each supporter's own break-even price: where F reaches a target, the supporters
        # before that position pay all they have and the rest pay rho*u (F is nondecreasing, so
        # a binary search finds the position).
        at_ratio = poor + ratio * rich

        def root(target):
            k = int(np.searchsorted(at_ratio, target))
            if k == len(at_ratio):
                return None
            return float((target - poor[k]) / rich[k])

        def bracket(slack):
            margin = slack + 2 * bound_rounding
            lo, hi = root(cost - margin), root(cost + margin)
            if lo is None:
                raise _Ambiguous
            # the float roots themselves are rounded: widen by a relative few ulps
            lo = lo * (1 - 4 * EPS) if lo > 0 else lo - 4 * EPS
            hi = float("inf") if hi is None else hi * (1 + 4 * EPS)
            return lo, hi

        mid = root(cost)
        if mid is None:
            raise _Ambiguous
        lo, hi = bracket(slack)

        def tighten(hi):
            # A supporter who can certainly pay rho*u at every rho up to hi adds exactly rho*u to F
            # in both the exact and the float sums: only those who may be short carry error.
            if hi == float("inf"):
                return None
            short = v - error < hi * u
            return bracket(float((w * error)[short].sum()))

        return _Price(lo, hi, mid, tighten)

    def pay(self, j: int, lo: float, hi: float, mid: float) -> None:
        fp = self.fp
        idx = fp.group_index[j]
        u = fp.utils[j]
        v = self.budget[idx]
        error = self.error[idx]
        charge = mid * u
        half_width = max(hi - mid, mid - lo)
        # Supporters certainly short of the price pay all they have: exactly 0 left, no error.
        # The rest keep max(0, budget - rho*u), off by at most their error plus u times the
        # price's uncertainty plus this subtraction's rounding.
        short = v + error < lo * u
        self.budget[idx] = np.where(short, 0.0, np.maximum(v - charge, 0.0))
        self.untouched[idx] = False
        self.error[idx] = np.where(short, 0.0, error + u * half_width + 4 * EPS * (v + charge))

    def go(self, against=None):
        try:
            return self._go(against)
        except _Ambiguous:
            return None

    def _go(self, against):
        """against: the steps [(winner, upper bound of its price)] of a run at a smaller starting
        budget b1. Budgets only grow with the starting budget while the decisions stay the same,
        so prices only fall: if at every step this run takes the same winner and every other
        project's lower bound here is above the winner's upper bound there, then every starting
        budget between b1 and this one takes the same decisions (self.certified)."""
        fp = self.fp
        p = fp.p
        selected = list(p.free)
        steps = []
        certified = against is not None
        # Candidates by a lower bound on their price, least first: all supporters paying rho*u
        # gives the least price a project can ever have, and a price found later in the run is a
        # lower bound from then on (budgets only fall during a run).
        heap = [(fp.costs[j] / fp.total_utility[j] * (1 - 4 * EPS), j) for j in p.candidates]
        heapq.heapify(heap)
        fresh: dict[int, _Price | None] = self.prices
        while heap:
            s = len(steps)
            bar = against[s][1] if certified and s < len(against) else None
            best = None  # (hi, j)
            priced = []
            visited = []
            while heap:
                lower, j = heap[0]
                if best is not None and lower > best[0] and (bar is None or lower > bar):
                    break
                heapq.heappop(heap)
                price = fresh.get(j, _UNPRICED)
                if price is _UNPRICED:
                    price = fresh[j] = self.price(j)
                if price is None:  # certainly unaffordable now, so for the rest of the run
                    del fresh[j]
                    continue
                visited.append((max(lower, price.lo), j))
                priced.append(j)
                if best is None or price.hi < best[0]:
                    best = (price.hi, j)
            if best is None:
                break
            w = best[1]
            if any(fresh[j].lo <= best[0] for j in priced if j != w):
                # Overlapping intervals: tighten them all, and if that does not separate them,
                # decide on exact prices where the floats pin them down (_exact_price), as they
                # do for the exact ties real files have; otherwise the exact engine decides.
                for j in priced:
                    fresh[j].tighten()
                w = min(priced, key=lambda j: fresh[j].hi)
                close = [j for j in priced if j != w and fresh[j].lo <= fresh[w].hi]
                if close:
                    w = self._exact_winner([w] + close)
            price = fresh[w].tighten()
            lo, hi, mid = price.lo, price.hi, price.mid
            if certified and bar is not None and against[s][0] == w:
                for j in priced:
                    if j != w and fresh[j].lo <= bar:
                        fresh[j].tighten()
                certified = all(fresh[j].lo > bar for j in priced if j != w)
            else:
                certified = False
            steps.append((w, hi))
            selected.append(w)
            for entry in visited:
                if entry[1] != w:
                    heapq.heappush(heap, entry)
            fresh.pop(w, None)
            self.pay(w, lo, hi, mid)
            for j in p.neighbours(w):
                fresh.pop(j, None)
        self.certified = certified and len(steps) == len(against)
        self.steps = steps
        return selected

    def _exact_winner(self, projects: list[int]) -> int:
        """The exact winner among projects whose exact prices the floats pin down (see
        _exact_price), or _Ambiguous. Others priced this step had lower bounds above the first
        winner's upper bound, so they lose to whichever of these wins."""
        p = self.fp.p
        return min(projects, key=lambda k: (self._exact_price(k), p.tie[k]))

    def _exactly_affordable(self, j: int) -> bool:
        """Can the supporters pay the cost, decided exactly when every supporter's budget is known
        exactly (untouched: the starting budget; or exactly nothing left)? Else _Ambiguous."""
        fp = self.fp
        idx = fp.group_index[j]
        untouched = self.untouched[idx]
        known = untouched | ((self.budget[idx] == 0) & (self.error[idx] == 0))
        if not known.all():
            raise _Ambiguous  # can the supporters pay? too close to tell
        return self.start * int(fp.int_weights[j][untouched].sum()) >= fp.exact_costs[j]

    def _exact_price(self, j: int) -> Fraction:
        """A project's exact price when every supporter's part in it is known exactly: supporters
        with exactly nothing left (they paid all they had: they pay nothing), supporters who have
        paid nothing yet (they hold the exact starting budget, and pay it all or rho*u), and
        supporters certainly able to pay rho*u (their float budget less its error bound covers
        it). Real files tie exactly this way: two projects both paid by everyone able to, at the
        same price per supporter. Raises _Ambiguous where the floats do not pin the price down."""
        fp = self.fp
        idx = fp.group_index[j]
        v = self.budget[idx]
        error = self.error[idx]
        untouched = self.untouched[idx]
        paying = ~untouched & ~((v == 0) & (error == 0))
        weights = fp.int_weights[j]
        cost = fp.exact_costs[j]
        if fp.uniform:
            points = None
        elif fp.int_utils[j] is None:
            raise _Ambiguous
        else:
            points = fp.int_utils[j]

        def utility(mask):
            if points is None:
                return cost * int(weights[mask].sum())
            return Fraction(int((weights * points)[mask].sum()))

        # Untouched supporters with the largest utilities are the first to be short of rho*u:
        # try "none short", then "those with the largest utility short", and so on; the price is
        # the one whose split is consistent.
        levels = [None] if points is None else sorted({int(x) for x in points[untouched]}, reverse=True)
        start = self.start
        rho = None
        for cut in range(len(levels) + 1):
            if points is None:
                short = untouched if cut else np.zeros_like(untouched)
            else:
                short = untouched & (points >= levels[cut - 1]) if cut else np.zeros_like(untouched)
            rich = untouched & ~short
            rest = utility(paying | rich)
            if not rest:
                continue
            guess = (cost - start * int(weights[short].sum())) / rest
            if rich.any():
                top = cost if points is None else Fraction(int(points[rich].max()))
                if start < guess * top:
                    continue  # someone counted as able to pay is not
            if short.any():
                least = cost if points is None else Fraction(int(points[short].min()))
                if not start < guess * least:
                    continue  # someone counted as short could pay
            rho = guess
            break
        if rho is None:
            raise _Ambiguous
        if paying.any():
            room = v[paying] - error[paying] - float(rho) * (1 + 8 * EPS) * fp.utils[j][paying]
            if float(room.min()) < 0:
                raise _Ambiguous
        return rho


def _fraction(value) -> Fraction:
    return Fraction(int(value.numerator), int(value.denominator))
