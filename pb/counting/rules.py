"""Every counting rule by name, and per-pot counting."""
from __future__ import annotations

from .greedy import greedy, phragmen
from .mes import mes, mes_add1
from .model import APPROVAL, KNAPSACK, Election, ElectionError, money
from .result import Result

RULES = ("greedy", "greedy-threshold", "greedy-no-skip", "mes", "mes-add1", "mes-add1-greedy", "phragmen")
RULE_NAMES = {
    "greedy": "Greedy by votes",
    "greedy-threshold": "Greedy by votes, above a minimum score",
    "greedy-no-skip": "Greedy by votes, stopping at the first project that does not fit",
    "mes": "Method of Equal Shares",
    "mes-add1": "Method of Equal Shares, completed by raising voters' budgets",
    "mes-add1-greedy": "Method of Equal Shares (completed), then greedy on what is left",
    "phragmen": "Sequential Phragmén",
}


def count(election: Election, rule: str, *, threshold: int | None = None, explain: bool = True) -> Result:
    """Count one election (one pot) with the named rule."""
    if rule not in RULES:
        raise ElectionError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")
    if rule == "phragmen" and election.kind not in (APPROVAL, KNAPSACK):
        raise ElectionError(f"phragmen applies to approval ballots only, not {election.kind} ballots")
    if rule == "greedy":
        return greedy(election)
    if rule == "greedy-no-skip":
        return greedy(election, skip=False, rule=rule)
    if rule == "greedy-threshold":
        if threshold is None:
            threshold = int(money(election.meta.get("min_project_score_threshold", "0") or "0"))
        return greedy(election, threshold=threshold, rule=rule)
    if rule == "phragmen":
        return phragmen(election)
    scores = election.scores()
    costs = {p: election.projects[p].cost for p in election.projects}
    if rule == "mes":
        selected, rounds, notes = mes(election, explain, scores)
        return Result(rule, election.budget, selected, scores, costs, rounds, notes)
    selected, rounds, notes = mes_add1(election, explain, scores)
    if rule == "mes-add1":
        return Result(rule, election.budget, selected, scores, costs, rounds, notes)
    topped_up = greedy(election, already=selected)
    rounds += [dict(step, why="greedy on the money left: " + step["why"]) for step in topped_up.rounds]
    notes = dict(notes, added_by_greedy=topped_up.selected[len(selected):])
    return Result(rule, election.budget, topped_up.selected, scores, costs, rounds, notes)


def count_pots(election: Election, rule: str, pot_budgets: dict[str, object], **options) -> dict[str, Result]:
    """A round with several pots: each pot counted on its own projects and its own budget."""
    by_pot = election.pots()
    unknown = set(by_pot) - set(pot_budgets)
    if unknown:
        raise ElectionError(f"projects in pot {sorted(unknown)[0]!r}, which has no budget")
    return {pot: count(election.restrict(by_pot.get(pot, []), budget), rule, **options)
            for pot, budget in pot_budgets.items()}
