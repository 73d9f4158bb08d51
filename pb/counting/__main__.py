"""python -m pb.counting FILE.pb --rule RULE [--json] [--explain]

Prints the selected project ids in selection order, one per line. Exits 2 with a one-line message
for a malformed file or a rule that does not apply to its ballots."""
from __future__ import annotations

import argparse
import json
import sys

from . import RULES, ElectionError, PabulibError, count, read


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pb.counting", description="Count a Pabulib election.")
    parser.add_argument("file", help="a Pabulib .pb file")
    parser.add_argument("--rule", required=True, choices=RULES)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--explain", action="store_true", help="print why each project was selected")
    parser.add_argument("--threshold", type=int, help="greedy-threshold: minimum score (default: META min_project_score_threshold)")
    args = parser.parse_args(argv)
    try:
        election = read(args.file).election
        result = count(election, args.rule, threshold=args.threshold, explain=args.explain or args.json)
    except (PabulibError, ElectionError) as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    elif args.explain:
        print(result.explain())
    else:
        for pid in result.selected:
            print(pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
