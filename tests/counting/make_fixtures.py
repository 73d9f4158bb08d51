"""Compute pabutools' outcomes for every shared Pabulib file and rule, once, into
tests/counting/pabutools_outcomes.json (pabutools needs minutes per rule on the large files).

    python -m tests.counting.make_fixtures [--only FILE ...]

Progress is printed and the JSON is rewritten after each outcome, so a stopped run keeps what it
finished; a rerun skips outcomes already stored."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pb.counting import read
from tests.counting.pabutools_reference import from_election, rules_for, timed

SHARED = Path(__file__).resolve().parents[3] / "shared" / "pabulib"
OUT = Path(__file__).with_name("pabutools_outcomes.json")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--shared", default=str(SHARED))
    args = parser.parse_args(argv)
    stored = json.loads(OUT.read_text()) if OUT.exists() else {}
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


if __name__ == "__main__":
    sys.exit(main())
