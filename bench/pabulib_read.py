"""Times reading the largest shared Pabulib files with pb.counting, against pabutools' parser in the
same run, with pb's peak traced memory.

    python bench/pabulib_read.py

Ends with: RESULT seconds=... pabutools_seconds=... ratio=... peak_mb=... (for the largest file)
"""
from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "pabulib"
FILES = ["Poland_Krakow_2024.pb", "Poland_Lodz_2022.pb", "Poland_Warszawa_2026.pb", "Poland_Wroclaw_2015_150_-_500.pb"]


def best_of(runs, action):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    from pabutools.election import parse_pabulib

    from pb.counting import read

    print(f"{'file':34} {'MB':>5} {'voters':>7} {'pb s':>6} {'pabutools s':>11} {'ratio':>6} {'pb peak MB':>10}")
    rows = []
    for name in FILES:
        path = SHARED / name
        ours = best_of(3, lambda path=path: read(path))
        theirs = best_of(1, lambda path=path: parse_pabulib(str(path)))
        tracemalloc.start()
        election = read(path).election
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        size = path.stat().st_size / 1e6
        rows.append((size, name, ours, theirs, peak))
        print(f"{name[:34]:34} {size:5.1f} {election.num_voters:7} {ours:6.2f} {theirs:11.2f} {theirs / ours:6.1f} {peak:10.0f}")
    size, name, ours, theirs, peak = max(rows)
    print(f"RESULT seconds={ours:.2f} pabutools_seconds={theirs:.2f} ratio={theirs / ours:.1f} peak_mb={peak:.0f} file={name}")


if __name__ == "__main__":
    main()
