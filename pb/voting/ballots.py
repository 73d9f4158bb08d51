"""Checking a ballot against its round's rules: pure, no Flask, no database.

A ballot has one section per pot. `ballot_min` counts choices on the whole ballot (a resident may
care about one pot only); `ballot_max` limits each section (for ranking ballots it is k, how many
places to rank); cumulative ballots have `points` to share out in each section; knapsack sections
must fit their pot."""
from __future__ import annotations

from dataclasses import dataclass, field

APPROVAL, KNAPSACK, CUMULATIVE, ORDINAL = "approval", "knapsack", "cumulative", "ordinal"


@dataclass(frozen=True)
class Option:
    id: int
    label: str  # "P-4 Youth club"
    cost: int  # pence


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


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}" if pence % 100 == 0 else f"£{pence / 100:,.2f}"


def _whole(raw) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if text == "":
        return 0
    if not text.isdigit():
        return None
    return int(text)


def check(rules: Rules, sections: list[Section], raw: dict) -> Checked:
    """`raw` maps a section's pot id to what was sent: a collection of chosen proposal ids
    (approval, knapsack), {proposal id: points} (cumulative) or {proposal id: rank} (ranking)."""
    out = Checked()
    total_choices = 0
    for section in sections:
        name = f"pot-{section.pot_id}"
        known = {o.id: o for o in section.options}
        sent = raw.get(section.pot_id) or {}
        if rules.kind in (APPROVAL, KNAPSACK):
            ids = []
            for value in sent:
                try:
                    ids.append(int(value))
                except (TypeError, ValueError):
                    out.problems.append((name, f"{section.name}: a choice is not on the ballot"))
            if any(i not in known for i in ids):
                out.problems.append((name, f"{section.name}: a choice is not on the ballot"))
                continue
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
            out.choices[section.pot_id] = [(i, 1) for i in chosen]
            total_choices += len(chosen)
        elif rules.kind == CUMULATIVE:
            given, bad = [], False
            for key, value in sent.items():
                points = _whole(value)
                if points is None:
                    out.problems.append((f"{name}-{key}", f"{section.name}: points must be whole numbers, like 3"))
                    bad = True
                    continue
                try:
                    pid = int(key)
                except (TypeError, ValueError):
                    pid = None
                if pid not in known:
                    out.problems.append((name, f"{section.name}: a choice is not on the ballot"))
                    bad = True
                    continue
                if points:
                    given.append((pid, points))
            spent = sum(p for _, p in given)
            if not bad and spent > (rules.points or 0):
                out.problems.append((name, f"{section.name}: you gave {spent} points but have {rules.points} to share out. "
                                           f"Take away {spent - rules.points}"))
            out.choices[section.pot_id] = sorted(given)
            total_choices += len(given)
        elif rules.kind == ORDINAL:
            ranks, bad = {}, False
            for key, value in sent.items():
                rank = _whole(value)
                try:
                    pid = int(key)
                except (TypeError, ValueError):
                    pid = None
                if pid not in known:
                    out.problems.append((name, f"{section.name}: a choice is not on the ballot"))
                    bad = True
                    continue
                if rank is None:
                    out.problems.append((f"{name}-{key}", f"{section.name}: a rank must be a number, like 1 for your first choice"))
                    bad = True
                    continue
                if rank:
                    ranks[pid] = rank
            used = sorted(ranks.values())
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
            out.choices[section.pot_id] = sorted(((pid, rank) for pid, rank in ranks.items()), key=lambda c: c[1])
            total_choices += len(ranks)
        else:
            raise ValueError(f"unknown ballot type {rules.kind!r}")
    if not out.problems and total_choices < rules.minimum:
        out.problems.append((f"pot-{sections[0].pot_id}" if sections else "ballot",
                             f"Choose at least {rules.minimum} project{'s' if rules.minimum != 1 else ''}"))
    return out
