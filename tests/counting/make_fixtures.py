"""Compute pabutools' outcomes for every shared Pabulib file and rule, once, into
tests/counting/pabutools_outcomes.json (pabutools needs minutes per rule on the large files).

    python -m tests.counting.make_fixtures [--only FILE ...]
    python -m tests.counting.make_fixtures --spot FILE [--spots 20]

Progress is printed and the JSON is rewritten after each outcome, so a stopped run keeps what it
finished; a rerun skips outcomes already stored.

--spot is for files where pabutools' own mes-add1 loop is out of reach (Budapest 2024 raises each
voter's budget 23,175 times at about 8 s a run: two days). It stores pabutools' Method of Equal
Shares at budget B + n*k for about 20 k spread over 0..K, K itself and K + 1, where K is the final
raise pb's mes-add1 finds: pb must agree at every one of them, pabutools' outcome at K must fit the
budget and its outcome at K + 1 must not. What it leaves unchecked by pabutools is the k in between
(that none of them overspends)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pb.counting import read
from tests.counting.pabutools_reference import from_election, rules_for, timed

SHARED = Path(__file__).resolve().parents[3] / "shared" / "pabulib"
OUT = Path(__file__).with_name("pabutools_outcomes.json")


def main(argv=None):
    global OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--shared", default=str(SHARED))
    parser.add_argument("--spot", metavar="FILE")
    parser.add_argument("--spots", type=int, default=20)
    parser.add_argument("--out", default=str(OUT), help="the JSON file to add to (two runs at once need two files)")
    args = parser.parse_args(argv)
    OUT = Path(args.out)
    stored = json.loads(OUT.read_text()) if OUT.exists() else {}
    if args.spot:
        spot(Path(args.shared) / args.spot, args.spots, stored)
        return 0
    files = sorted(Path(args.shared).glob("*.pb"), key=lambda f: f.stat().st_size)
    # First every file's quick rules, then the slow completion (mes-add1), smallest file first.
    passes = [("greedy", "mes", "phragmen"), ("mes-add1", "mes-add1-greedy")]
    for wanted in passes:
        for path in files:
            if not args.only or path.name in args.only:
                compute(path, wanted, stored)
    return 0


def compute(path, wanted, stored):
    election = read(path).election
    instance, profile = from_election(election)
    entry = stored.setdefault(path.name, {"outcomes": {}, "seconds": {}})
    for rule in rules_for(election.kind):
        if rule not in wanted or rule in entry["outcomes"]:
            continue
        print(f"{path.name}: {rule} ...", end=" ", flush=True)
        result, seconds = timed(instance, profile, rule)
        entry["outcomes"][rule] = result
        entry["seconds"][rule] = round(seconds, 2)
        print(f"{seconds:.1f}s", flush=True)
        OUT.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")


def spot(path, spots, stored):
    from pabutools.election import AbstractApprovalProfile, Cost_Sat, Instance
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    from pb.counting import count
    from tests.counting.pabutools_reference import PointsCostSat, mes_sat_class, tie_breaking

    election = read(path).election
    final = count(election, "mes-add1", explain=False).notes["k"]
    instance, profile = from_election(election)
    n = profile.num_ballots()
    sat_profile = profile.as_sat_profile(mes_sat_class(profile))
    tie = tie_breaking(profile)
    entry = stored.setdefault(path.name, {"outcomes": {}, "seconds": {}})
    checks = entry.setdefault("add1_spot", {"k_final": final, "outcomes": {}, "seconds": {}})
    if checks["k_final"] != final:
        checks.update(k_final=final, outcomes={}, seconds={})
    ks = sorted({round(final * i / spots) for i in range(spots)} | {final, final + 1})
    for k in ks:
        if str(k) in checks["outcomes"]:
            continue
        print(f"{path.name}: pabutools MES at k = {k} (final {final}) ...", end=" ", flush=True)
        start = time.perf_counter()
        copy = Instance(instance, budget_limit=election.budget + n * k)
        chosen = method_of_equal_shares(copy, profile, sat_profile=sat_profile, tie_breaking=tie)
        checks["outcomes"][str(k)] = [p.name for p in chosen]
        checks["seconds"][str(k)] = round(time.perf_counter() - start, 2)
        print(f"{checks['seconds'][str(k)]:.1f}s", flush=True)
        OUT.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
    if "greedy_after" not in checks:
        # mes-add1-greedy: pabutools' greedy on the money left after the outcome at K
        kept = [instance.get_project(name) for name in checks["outcomes"][str(final)]]
        greedy_sat = Cost_Sat if isinstance(profile, AbstractApprovalProfile) else PointsCostSat
        chosen = greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat, tie_breaking=tie,
                                            initial_budget_allocation=kept)
        checks["greedy_after"] = [p.name for p in chosen]
        OUT.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.exit(main())
