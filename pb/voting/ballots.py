"""Checking a ballot against its round's rules: pure, no Flask, no database.

A ballot has one section per pot. `ballot_min` counts choices on the whole ballot (a resident may
care about one pot only); `ballot_max` limits each section (for ranking ballots it is k, how many
places to rank); cumulative ballots have `points` to share out in each section; knapsack sections
must fit their pot."""
from __future__ import annotations

from dataclasses import dataclass, field

from pb.money import pounds
from pb.numbers import whole_number

APPROVAL, KNAPSACK, CUMULATIVE, ORDINAL = "approval", "knapsack", "cumulative", "ordinal"


@dataclass(frozen=True)
class Option:
    id: int
    label: str  # "P-4 Youth club"
    cost: int  # pence
    summary: str = ""  # the proposal's one or two sentences, shown on the ballot


@dataclass(frozen=True)
class Section:
    pot_id: int
    name: str
    amount: int  # pence
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Rules:
    kind: str
    minimum: int = 1
    maximum: int | None = None
    points: int | None = None


@dataclass
class Checked:
    """The normal form of a ballot, {pot id: [(proposal id, value)]}, and every problem found."""

    choices: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)  # (field name, message)

    @property
    def ok(self) -> bool:
        return not self.problems


def _whole(raw) -> int | None:
    text = str(raw if raw is not None else "").strip()
    return 0 if text == "" else whole_number(text)


def _numbered(section: Section, name: str, sent: dict, out: Checked, not_a_number: str) -> tuple[list, bool]:
    """{proposal id: typed number} to [(proposal id, number > 0)], and whether anything was wrong
    (each problem is added to `out`). Empty boxes mean 0."""
    known = {o.id for o in section.options}
    given, bad = [], False
    for key, value in sent.items():
        pid = whole_number(key)
        number = _whole(value)
        if pid not in known:
            out.problems.append((name, f"{section.name}: a choice is not on the ballot"))
        elif number is None:
            out.problems.append((f"{name}-{key}", f"{section.name}: {not_a_number}"))
        else:
            if number:
                given.append((pid, number))
            continue
        bad = True
    return given, bad


def _chosen(rules: Rules, section: Section, name: str, sent, out: Checked) -> list:
    """Approval and knapsack: a set of proposals, within the most allowed and (knapsack) the pot."""
    known = {o.id: o for o in section.options}
    ids = []
    for value in sent:
        ids.append(whole_number(value))
    if any(i not in known for i in ids):
        out.problems.append((name, f"{section.name}: a choice is not on the ballot"))
        return []
    chosen = sorted(set(ids))
    if rules.maximum is not None and len(chosen) > rules.maximum:
        out.problems.append((name, f"{section.name}: choose no more than {rules.maximum} "
                                   f"project{'s' if rules.maximum != 1 else ''} (you chose {len(chosen)})"))
    if rules.kind == KNAPSACK:
        spent = sum(known[i].cost for i in chosen)
        if spent > section.amount:
            out.problems.append((name, f"{section.name}: your choices cost {pounds(spent)}, more than the "
                                       f"{pounds(section.amount)} in this pot. Remove "
                                       f"{pounds(spent - section.amount)} or more"))
    return [(i, 1) for i in chosen]


def _points(rules: Rules, section: Section, name: str, sent: dict, out: Checked) -> list:
    given, bad = _numbered(section, name, sent, out, "points must be whole numbers, like 3")
    spent = sum(p for _, p in given)
    if not bad and spent > (rules.points or 0):
        out.problems.append((name, f"{section.name}: you gave {spent} points but have {rules.points} to share out. "
                                   f"Take away {spent - rules.points}"))
    return sorted(given)


def _ranks(rules: Rules, section: Section, name: str, sent: dict, out: Checked) -> list:
    given, bad = _numbered(section, name, sent, out, "a rank must be a number, like 1 for your first choice")
    used = sorted(rank for _, rank in given)
    k = rules.maximum or len(section.options)
    if not bad:
        if len(used) != len(set(used)):
            repeated = sorted({r for r in used if used.count(r) > 1})
            out.problems.append((name, f"{section.name}: each rank can be given once; you gave "
                                       + ", ".join(f"rank {r}" for r in repeated) + " more than once"))
        elif used and used != list(range(1, len(used) + 1)):
            out.problems.append((name, f"{section.name}: number your choices 1, 2, 3 ... without gaps"))
        if len(used) > k:
            out.problems.append((name, f"{section.name}: rank no more than {k} projects"))
    return sorted(given, key=lambda c: c[1])


SECTION_CHECKS = {APPROVAL: _chosen, KNAPSACK: _chosen, CUMULATIVE: _points, ORDINAL: _ranks}


def check(rules: Rules, sections: list[Section], raw: dict) -> Checked:
    """`raw` maps a section's pot id to what was sent: a collection of chosen proposal ids
    (approval, knapsack), {proposal id: points} (cumulative) or {proposal id: rank} (ranking)."""
    if rules.kind not in SECTION_CHECKS:
        raise ValueError(f"unknown ballot type {rules.kind!r}")
    out = Checked()
    for section in sections:
        sent = raw.get(section.pot_id) or {}
        out.choices[section.pot_id] = SECTION_CHECKS[rules.kind](rules, section, f"pot-{section.pot_id}", sent, out)
    total_choices = sum(len(chosen) for chosen in out.choices.values())
    if not out.problems and total_choices < rules.minimum:
        out.problems.append((f"pot-{sections[0].pot_id}" if sections else "ballot",
                             f"Choose at least {rules.minimum} project{'s' if rules.minimum != 1 else ''}"))
    return out
