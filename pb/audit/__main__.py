"""python -m pb.audit verify FILE [--key VERIFIER_KEY]

Verifies, without the app, either an auditor pack (the SQLite file `flask --app pb audit export`
writes: hashes, checkpoint signatures, consistency, ballots and a recount) or an exported audit
chain (JSON lines, from `flask --app pb audit export-chain`). Prints PASS, or FAIL with the reasons,
and exits 1 on FAIL."""
from __future__ import annotations

import argparse
import json
import sys

from . import checkpoint as notes
from .chain import entry_hash, verify_chain
from .merkle import entry_leaf, verify_inclusion
from .pack import verify_pack


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pb.audit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="verify an exported chain (JSON lines)")
    verify.add_argument("file")
    verify.add_argument("--key", help="the checkpoint verifier key you trust (from /checkpoint-key.txt)")
    receipt = sub.add_parser("receipt", help="verify a receipt's proof that a ballot was counted")
    receipt.add_argument("file")
    receipt.add_argument("--key", required=True, help="the checkpoint verifier key (from /checkpoint-key.txt)")
    args = parser.parse_args(argv)

    if args.command == "receipt":
        return _verify_receipt(args.file, args.key)
    if _is_sqlite(args.file):
        return _verify_pack(args.file, args.key)

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


def verify_receipt(proof: dict, key: str) -> list[str]:
    """Problems with a receipt proof (empty when it holds): the receipt's leaf is in the receipts
    tree, whose root the count entry records; the entry is in a checkpoint signed by `key`."""
    problems = []
    entry = proof["entry"]
    if not verify_inclusion(bytes.fromhex(proof["receipt_leaf"]), proof["receipt_index"], proof["receipts"],
                            [bytes.fromhex(p) for p in proof["receipt_path"]], bytes.fromhex(proof["receipts_root"])):
        problems.append("the receipt is not in the receipts tree")
    if entry["payload"].get("receipts_root") != proof["receipts_root"]:
        problems.append("the audit entry does not record this receipts root")
    if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
        problems.append("the audit entry does not match its hash")
    if "checkpoint" not in proof:
        problems.append("no signed checkpoint covers the count yet")
        return problems
    try:
        point = notes.verify(proof["checkpoint"], key)
    except notes.CheckpointError as exc:
        return problems + [f"checkpoint: {exc}"]
    if point.size != proof["checkpoint_size"] or point.root.hex() != proof["checkpoint_root"]:
        problems.append("the proof's checkpoint is not the signed one")
    if not verify_inclusion(entry_leaf(entry), proof["entry_index"], point.size,
                            [bytes.fromhex(p) for p in proof["entry_path"]], point.root):
        problems.append("the count entry is not in the signed checkpoint")
    return problems


def _verify_receipt(path: str, key: str) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            proof = json.load(handle)
        problems = verify_receipt(proof, key)
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        print(f"FAIL the proof cannot be read: {exc}")
        return 1
    if problems:
        for problem in problems:
            print(f"  FAIL: {problem}")
        print("FAIL")
        return 1
    print(f"PASS the receipt is one of {proof['receipts']} counted, recorded in audit entry {proof['entry']['seq']}, "
          f"inside the checkpoint of {proof['checkpoint_size']} entries")
    return 0


def _is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _verify_pack(path: str, key: str | None) -> int:
    report = verify_pack(path, key)
    for fact in report.facts:
        print(f"  ok: {fact}")
    for warning in report.warnings:
        print(f"  warning: {warning}")
    if report.ok:
        print("PASS")
        return 0
    for problem in report.problems:
        print(f"  FAIL: {problem}")
    print("FAIL")
    return 1


if __name__ == "__main__":
    sys.exit(main())
