"""The published allocation formula: pure arithmetic, no Flask, no database, so anyone can rerun it
from the published inputs (`python -m pb.national.formula FIGURES.csv ...`).

For one programme year of `annual` pence shared between N neighbourhoods:

    pool          = annual - N x base
    by_population = pool x population_weight% x population / total population
    by_deprivation= pool x deprivation_weight% x deprivation score / total of the scores
    share         = base + by_population + by_deprivation

worked in exact fractions, then rounded down to whole pence; the pence left over (fewer than N) go
one each to the neighbourhoods with the largest remainders, ties by web address name. The shares add
up to `annual` exactly.
"""
from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction


class FormulaError(ValueError):
    """The inputs cannot be allocated; the message says why."""


@dataclass(frozen=True)
class Inputs:
    slug: str
    population: int
    score_milli: int  # the deprivation score in thousandths, exact (IMD scores have 3 decimals)


@dataclass(frozen=True)
class Share:
    slug: str
    base: int
    by_population: int
    by_deprivation: int

    @property
    def total(self) -> int:
        return self.base + self.by_population + self.by_deprivation


def allocate(annual: int, base: int, population_weight: int, deprivation_weight: int,
             rows: list[Inputs]) -> list[Share]:
    if not rows:
        raise FormulaError("there are no neighbourhoods to share the money between")
    if population_weight < 0 or deprivation_weight < 0 or population_weight + deprivation_weight != 100:
        raise FormulaError(f"the weights must add up to 100%, not {population_weight + deprivation_weight}%")
    pool = annual - base * len(rows)
    if pool < 0:
        raise FormulaError(f"the base amounts alone ({len(rows)} x £{base / 100:,.2f}) come to more than the year's "
                           f"£{annual / 100:,.2f}")
    people = sum(r.population for r in rows)
    scores = sum(r.score_milli for r in rows)
    if people <= 0 or scores <= 0:
        raise FormulaError("the populations and the deprivation scores must each add up to more than zero")
    exact = []
    for r in rows:
        by_population = Fraction(pool * population_weight * r.population, 100 * people)
        by_deprivation = Fraction(pool * deprivation_weight * r.score_milli, 100 * scores)
        exact.append((r, by_population, by_deprivation))
    floors = {r.slug: base + int(p + d) for r, p, d in exact}  # int() rounds a positive Fraction down
    left = annual - sum(floors.values())
    remainders = sorted(exact, key=lambda item: (-((item[1] + item[2]) - int(item[1] + item[2])), item[0].slug))
    for r, _, _ in remainders[:left]:
        floors[r.slug] += 1
    shares = []
    for r, p, _ in exact:
        by_population = int(p)
        shares.append(Share(r.slug, base, by_population, floors[r.slug] - base - by_population))
    return shares


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Recompute a programme year's allocation from its published figures CSV.")
    parser.add_argument("figures", help="the figures CSV: neighbourhood,region,population,deprivation_score")
    parser.add_argument("--annual", type=int, required=True, help="the year's money, in pence")
    parser.add_argument("--base", type=int, required=True, help="the base amount per neighbourhood, in pence")
    parser.add_argument("--population-weight", type=int, required=True)
    parser.add_argument("--deprivation-weight", type=int, required=True)
    args = parser.parse_args(argv)
    with open(args.figures, newline="", encoding="utf-8-sig") as handle:  # as pb publishes it, or without the BOM
        rows = [Inputs(r["neighbourhood"], int(r["population"]), int(Decimal(r["deprivation_score"]) * 1000))
                for r in csv.DictReader(handle)]
    out = csv.writer(sys.stdout)
    out.writerow(["neighbourhood", "base", "by_population", "by_deprivation", "total"])
    for s in allocate(args.annual, args.base, args.population_weight, args.deprivation_weight, rows):
        out.writerow([s.slug, s.base, s.by_population, s.by_deprivation, s.total])
    return 0


if __name__ == "__main__":
    sys.exit(main())
