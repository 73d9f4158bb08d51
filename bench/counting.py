"""Times pb.counting against pabutools on the largest shared Pabulib instances.

    python bench/counting.py [--files NAME ...] [--rules greedy mes mes-add1] [--timeout SECONDS]

Each measurement runs in a fresh subprocess, so its time and peak memory (max RSS) are its own.
Outcomes of pb and pabutools are compared; the last line is
    RESULT mes_add1_ratio=... greedy_ratio=... mes_ratio=... (for the largest instance measured)
A pabutools run that exceeds --timeout is reported as ">T" and its ratio as a lower bound.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "pabulib"
DEFAULT_FILES = ["Poland_Warszawa_2026.pb", "Poland_Wroclaw_2017.pb", "Hungary_Budapest_2024.pb", "Poland_Lodz_2022.pb"]
RULES = ["greedy", "mes", "mes-add1"]


def one(library: str, path: str, rule: str) -> None:
    """Child process: count once, print {"seconds", "peak_mb", "selected"} as JSON."""
    import resource

    sys.path.insert(0, str(ROOT))
    from pb.counting import count, read

    election = read(path).election
    start = time.perf_counter()
    if library == "pb":
        selected = count(election, rule, explain=False).selected
    else:
        from tests.counting.pabutools_reference import from_election, outcome

        instance, profile = from_election(election)
        selected = outcome(instance, profile, rule)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "selected": selected}))


def measure(library, path, rule, timeout):
    try:
        done = subprocess.run([sys.executable, __file__, "--one", library, str(path), rule], capture_output=True,
                              text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", nargs=3, metavar=("LIBRARY", "FILE", "RULE"), help=argparse.SUPPRESS)
    parser.add_argument("--files", nargs="*", default=DEFAULT_FILES)
    parser.add_argument("--rules", nargs="*", default=RULES)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    if args.one:
        one(*args.one)
        return 0
    files = sorted((SHARED / name for name in args.files), key=lambda p: p.stat().st_size)
    print(f"{'instance':32} {'rule':9} {'pb s':>8} {'pabutools s':>12} {'ratio':>8} {'pb MB':>7} {'pabutools MB':>12} same")
    ratios = {}
    for path in files:
        for rule in args.rules:
            ours = measure("pb", path, rule, args.timeout)
            theirs = measure("pabutools", path, rule, args.timeout)
            if theirs is None:
                ratio = args.timeout / ours["seconds"]
                same = "?"
                shown = f">{args.timeout:.0f}"
                ratio_text = f">{ratio:.0f}"
                their_mb = "?"
            else:
                ratio = theirs["seconds"] / ours["seconds"]
                if rule == "phragmen":
                    same = sorted(ours["selected"]) == sorted(theirs["selected"])
                else:
                    same = ours["selected"] == theirs["selected"]
                shown, ratio_text, their_mb = f"{theirs['seconds']:.2f}", f"{ratio:.1f}", f"{theirs['peak_mb']:.0f}"
                if not same:
                    print(f"OUTCOMES DIFFER on {path.name} {rule}", file=sys.stderr)
            print(f"{path.name[:32]:32} {rule:9} {ours['seconds']:8.2f} {shown:>12} {ratio_text:>8} {ours['peak_mb']:7.0f} {their_mb:>12} {same}",
                  flush=True)
            ratios[(path.name, rule)] = (ratio, ours["peak_mb"])
    largest = files[-1].name
    parts = [f"{rule.replace('-', '_')}_ratio={ratios[(largest, rule)][0]:.1f}" for rule in args.rules if (largest, rule) in ratios]
    peak = max(mb for _, mb in ratios.values())
    print(f"RESULT {' '.join(parts)} largest={largest} pb_peak_mb={peak:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
