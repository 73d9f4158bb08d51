"""What a count produces, and its JSON form."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .model import Money


def json_money(value) -> int | str:
    """Whole amounts stay numbers; exact fractions become 'p/q' strings (JSON has no fractions)."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return value


@dataclass
class Result:
    rule: str
    budget: Money
    selected: list[str]
    scores: dict[str, int]  # approvals, or points, per project
    costs: dict[str, Money]
    rounds: list[dict] = field(default_factory=list)  # why each project was chosen, in order
    notes: dict = field(default_factory=dict)  # rule-specific facts (e.g. mes-add1's final k)

    @property
    def total_cost(self) -> Money:
        return sum((self.costs[p] for p in self.selected), 0)

    def to_json(self) -> dict:
        def clean(value):
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [clean(v) for v in value]
            return json_money(value)

        return {
            "rule": self.rule,
            "budget": json_money(self.budget),
            "selected": list(self.selected),
            "total_cost": json_money(self.total_cost),
            "projects": [{"id": pid, "cost": json_money(self.costs[pid]), "score": self.scores.get(pid, 0),
                          "selected": pid in set(self.selected)} for pid in self.costs],
            "rounds": clean(self.rounds),
            "notes": clean(self.notes),
        }

    def explain(self) -> str:
        lines = [f"{self.rule}: {len(self.selected)} projects selected, total cost {json_money(self.total_cost)} "
                 f"of {json_money(self.budget)}"]
        for number, step in enumerate(self.rounds, 1):
            lines.append(f"{number:3}. {step['project']}: " + step["why"])
        for key, value in self.notes.items():
            lines.append(f"     {key}: {json_money(value) if not isinstance(value, (list, dict)) else value}")
        return "\n".join(lines)
