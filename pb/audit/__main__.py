"""python -m pb.audit verify ENTRIES.jsonl

Verifies an exported audit chain (one JSON object per line, as `flask --app pb audit export-chain`
writes it) without the app: prints PASS, or FAIL naming the first bad entry, and exits 1 on FAIL."""
from __future__ import annotations

import argparse
import json
import sys

from .chain import verify_chain


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pb.audit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="verify an exported chain (JSON lines)")
    verify.add_argument("file")
    args = parser.parse_args(argv)

    try:
        with open(args.file, encoding="utf-8") as handle:
            entries = []
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        entries.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        print(f"FAIL line {number}: not JSON ({exc.msg})")
                        return 1
    except OSError as exc:
        print(f"FAIL cannot read {args.file}: {exc.strerror}")
        return 2
    logs = {entry.get("log") for entry in entries}
    if len(logs) > 1:
        print(f"FAIL the file mixes {len(logs)} logs; export one log per file")
        return 1
    problem = verify_chain(entries)
    if problem:
        print(f"FAIL {problem}")
        return 1
    head = entries[-1]["hash"] if entries else "(empty)"
    print(f"PASS {len(entries)} entries, head {head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
