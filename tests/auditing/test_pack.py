"""The auditor pack: exported by the app, verified without it. A mutation suite over a populated
ledger of about 1,000 entries: every change, deletion, truncation, insertion, swap, altered ballot
or history re-signed with a new key is detected."""
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from pb import phases
from pb.accounts import services as accounts
from pb.audit import checkpoint as notes
from pb.audit.chain import canonical_json, entry_hash
from pb.audit.pack import load, verify_pack, verify_tables
from pb.auditing.pack import export
from pb.extensions import db
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import BOARD_MEMBER
from pb.voting import services as voting
from tests.factories import _password_hash, _round, _user, make_voting_round

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ("at", "actor", "action", "subject_type", "subject_id", "payload", "prev_hash", "hash", "seq")


def build_pack(app, factory, tmp_path, voters=320):
    round_ref, ids = make_voting_round(factory, ballot_type="knapsack", counting_rule="mes-add1")
    board = [round_ref.board_member, factory.with_role(round_ref.hood, BOARD_MEMBER)]
    rng = random.Random(6)
    with app.app_context():
        hood, f = factory._hood(round_ref.hood), _user(round_ref.facilitator)
        round_ = _round(round_ref)
        for n in range(voters):
            user = accounts.create_account(name=f"V{n}", email=f"v{n}@pack.example", password_hash=_password_hash(),
                                           postcode="EB1 1AA", birth_year=1970 + n % 40)
            hoods.verify_resident(hoods.join_as_resident(user, hood), f)
            voting.cast_ballot(round_, user, {round_ref.pot_ids[0]: [ids[0]] if rng.random() < 0.5 else [],
                                              round_ref.pot_ids[1]: rng.sample(ids[1:], k=rng.randint(1, 2))})
        phases.advance_phase(round_, f)
        voting.count_round(round_, f)
        phases.advance_phase(round_, f)
        for member in board:
            voting.approve_result(round_, _user(member))
        phases.advance_phase(round_, f)
        from pb.ledger.checkpoints import verifier_key

        key = verifier_key()
        path = tmp_path / "pack.db"
        export(round_, path)
    return path, key


@pytest.mark.parametrize("engine_name", ["sqlite"])  # the pack is the same whatever the server's engine
def test_a_pack_verifies_and_every_mutation_is_detected(app, factory, tmp_path, engine_name):
    """Each mutation is checked with the verifier stopping at its first failing check: a pack it
    passes is one every check passed."""
    path, key = build_pack(app, factory, tmp_path)
    tables = load(path)
    report = verify_tables(tables, key)
    assert report.ok, report.problems
    entries = tables["entries"]
    assert len(entries) >= 1000 and len(tables["ballots"]) == 320 and len(tables["checkpoints"]) >= 4
    assert any("recounted 320 ballots" in fact for fact in report.facts)

    mutations = []
    for index in sorted({0, len(entries) - 1, *range(0, len(entries), 31)}):
        for field in FIELDS:
            mutations.append((f"change {field} of entry {index + 1}", ("change", index, field)))
    for index in range(0, len(entries), 97):
        mutations.append((f"delete entry {index + 1}", ("delete", index)))
        mutations.append((f"insert before entry {index + 1}", ("insert", index)))
        mutations.append((f"swap entries {index + 1} and {index + 2}", ("swap", index)))
    for size in (1, len(entries) // 2, len(entries) - 1):
        mutations.append((f"truncate to {size}", ("truncate", size)))
    for index in range(0, 320, 31):
        mutations.append((f"change ballot {index + 1}", ("ballot", index)))
    mutations.append(("delete a ballot", ("drop_ballot", 5)))
    mutations.append(("add a ballot", ("add_ballot", 0)))
    mutations.append(("re-sign a rewritten history with a new key", ("resign", 10)))
    mutations.append(("drop a receipt", ("drop_receipt", 3)))
    mutations.append(("edit a checkpoint's size", ("checkpoint_size", 0)))
    mutations.append(("edit a checkpoint's root", ("checkpoint_root", 0)))
    mutations.append(("change the published result", ("result", 0)))

    assert len(mutations) > 300
    mine, missed = mutations, []
    for label, mutation in mine:
        mutated = mutate(tables, mutation)
        if verify_tables(mutated, key, first_failure=True).ok:
            missed.append(label)
    assert missed == [], f"{len(missed)} of {len(mine)} mutations went undetected: {missed[:10]}"


def _rechain(entries, start):
    """What a forger does after changing history: recompute every hash from `start` on."""
    prev = entries[start - 1]["hash"] if start else "0" * 64
    for i in range(start, len(entries)):
        entries[i]["seq"] = i + 1
        entries[i]["prev_hash"] = prev
        body = {"log": None, **entries[i], "payload": json.loads(entries[i]["payload"])}
        entries[i]["hash"] = prev = entry_hash(prev, body)
    return entries


def mutate(tables, mutation):
    # A copy of each row (their values are strings and numbers), not a deep copy of the whole pack.
    t = {name: [dict(row) for row in rows] for name, rows in tables.items()}
    kind, index, *rest = mutation
    entries = t["entries"]
    if kind == "change":
        field = rest[0]
        value = entries[index][field]
        if field == "seq":
            entries[index][field] = value + 1000
        elif field == "payload":
            payload = json.loads(value)
            payload["forged"] = True
            entries[index][field] = canonical_json(payload)
        else:
            entries[index][field] = (value[:-1] + ("0" if value[-1] != "0" else "1")) if value else "x"
    elif kind == "delete":
        del entries[index]
    elif kind == "insert":
        entries.insert(index, dict(entries[index]))
    elif kind == "swap":
        entries[index], entries[index + 1] = entries[index + 1], entries[index]
    elif kind == "truncate":
        del entries[index:]
    elif kind == "ballot":
        choices = json.loads(t["ballots"][index]["choices"])
        pot = sorted(choices)[-1]
        choices[pot] = [] if choices[pot] else [[t["proposals"][-1]["id"], 1]]
        t["ballots"][index]["choices"] = json.dumps(choices, sort_keys=True, separators=(",", ":"))
    elif kind == "drop_ballot":
        del t["ballots"][index]
    elif kind == "add_ballot":
        t["ballots"].append(dict(t["ballots"][index], n=len(t["ballots"]) + 1))
    elif kind == "resign":
        # Rewrite entry 10's payload, recompute the whole chain after it, and sign fresh
        # checkpoints with a new key, replacing the pack's key too.
        from pb.audit.merkle import entry_leaf, root

        payload = json.loads(entries[index]["payload"])
        payload["forged"] = True
        entries[index]["payload"] = canonical_json(payload)
        log = next(json.loads(r["value"]) for r in t["meta"] if r["key"] == "log")
        for e in entries:
            e.setdefault("log", log)
        _rechain(entries, index)
        for e in entries:
            e.pop("log", None)
        forged_key = notes.new_private_key()
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        public = notes.public_bytes(Ed25519PrivateKey.from_private_bytes(forged_key).public_key())
        leaves = [entry_leaf({"log": log, **e, "payload": json.loads(e["payload"])}) for e in entries]
        for row in t["checkpoints"]:
            point = notes.parse(row["note"])
            head = root(leaves[:point.size])
            row["root_hash"] = head.hex()
            row["note"] = notes.sign(notes.Checkpoint(point.origin, point.size, head, point.timestamp), "pb.test", forged_key)
        for row in t["meta"]:
            if row["key"] == "verifier_key":
                row["value"] = json.dumps(notes.verifier_key("pb.test", public))
    elif kind == "drop_receipt":
        del t["receipts"][index]
    elif kind == "checkpoint_size":
        note = t["checkpoints"][index]["note"]
        point = notes.parse(note)
        t["checkpoints"][index]["note"] = note.replace(f"\n{point.size}\n", f"\n{point.size + 1}\n", 1)
    elif kind == "checkpoint_root":
        t["checkpoints"][index]["root_hash"] = "0" * 64
    elif kind == "result":
        result = json.loads(t["result"][0]["result"])
        pot = sorted(result)[-1]
        result[pot]["selected_numbers"] = result[pot]["selected_numbers"][:-1]
        t["result"][0]["result"] = json.dumps(result)
    return t


@pytest.mark.parametrize("engine_name", ["sqlite"])
def test_the_verifier_runs_in_a_process_where_flask_cannot_be_imported(app, factory, tmp_path, engine_name):
    path, key = build_pack(app, factory, tmp_path, voters=20)
    stubs = tmp_path / "stubs"
    for name in ("flask", "sqlalchemy", "flask_sqlalchemy", "sqlite_utils"):
        (stubs / name).mkdir(parents=True)
        (stubs / name / "__init__.py").write_text(f"raise ImportError('{name} must not be needed to verify a pack')\n")
    env = dict(os.environ, PYTHONPATH=f"{stubs}{os.pathsep}{ROOT}")
    run = subprocess.run([sys.executable, "-m", "pb.audit", "verify", str(path), "--key", key],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and run.stdout.strip().endswith("PASS"), run.stdout + run.stderr
    assert "recounted 20 ballots" in run.stdout
    tampered = tmp_path / "tampered.db"
    shutil.copy(path, tampered)
    import sqlite3

    with sqlite3.connect(tampered) as conn:
        conn.execute("UPDATE ballots SET choices = '{}' WHERE n = 1")
    run = subprocess.run([sys.executable, "-m", "pb.audit", "verify", str(tampered), "--key", key],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 1 and "the ballots are not the ones counted" in run.stdout
    wrong_key = notes.verifier_key("pb.test", b"\x01" * 32)
    assert verify_pack(path, wrong_key).problems[0] == ("the pack's checkpoints are signed with a different key from "
                                                       "the one you trust")


def test_the_cli_writes_a_pack_that_datasette_style_tools_can_read(app, factory, tmp_path):
    import sqlite3

    round_ref, ids = make_voting_round(factory)
    runner = app.test_cli_runner()
    out = tmp_path / "round.db"
    result = runner.invoke(args=["audit", "export", f"{round_ref.hood.slug}/{round_ref.id}", str(out)])
    assert result.exit_code == 0, result.output
    assert "Check it with: python -m pb.audit verify" in result.output
    with sqlite3.connect(out) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "entries", "checkpoints", "pots", "proposals", "ballots"} <= tables
    assert runner.invoke(args=["audit", "export", "nowhere/99", str(out)]).exit_code == 1


@pytest.mark.parametrize("engine_name", ["sqlite"])
def test_an_auditor_follows_the_audit_page_to_a_pass_with_the_downloaded_verifier(app, factory, tmp_path, engine_name):
    """The audit page's instructions, followed to the letter on a computer without pb: download the
    verifier and the pack from the pages, run the command the page shows (key included). A PASS means
    the checkpoints were checked against that key; a pack signed by another key fails."""
    import re
    from html import unescape

    from tests.factories import Hood, sign_in

    path, key = build_pack(app, factory, tmp_path, voters=12)
    with app.app_context():
        from pb.neighbourhoods.models import Neighbourhood
        from pb.rounds.models import Round
        round_ = db.session.scalar(select(Round))
        hood = db.session.get(Neighbourhood, round_.neighbourhood_id)
        slug, round_id = hood.slug, round_.id
    auditor = factory.with_role(Hood(hood.id, slug, hood.name), "auditor")
    client = app.test_client()
    sign_in(client, auditor)
    page = client.get(f"/n/{slug}/audit").get_data(as_text=True)
    command = unescape(re.search(r'aria-label="Command to verify a pack">([^<]+)</pre>', page).group(1)).split()
    assert command[:3] == ["python", "pb-audit.pyz", "verify"] and command[-2:] == ["--key", key]
    away = tmp_path / "auditors-computer"
    away.mkdir()
    (away / "pb-audit.pyz").write_bytes(client.get("/audit/pb-audit.pyz").get_data())
    pack_name = f"{slug}-round-{round_id}-auditor-pack.sqlite"
    (away / pack_name).write_bytes(client.get(f"/n/{slug}/audit/rounds/{round_id}/pack.sqlite").get_data())
    command[3] = pack_name
    # No pb on the path: only what the file carries, and the standard library and cryptography.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-I", *command[1:]], capture_output=True, text=True, cwd=away, env=env,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.strip().endswith("PASS"), run.stdout + run.stderr
    assert "recounted 12 ballots" in run.stdout
    with sqlite3.connect(away / pack_name) as conn:
        how = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'how_to_verify'").fetchone()[0])
    conn.close()
    assert "/audit/pb-audit.pyz" in how and f"--key {key}" in how
    other = notes.verifier_key("pb.test", b"\x01" * 32)
    run = subprocess.run([sys.executable, "-I", "pb-audit.pyz", "verify", pack_name, "--key", other],
                         capture_output=True, text=True, cwd=away, env=env, timeout=120)
    assert run.returncode == 1 and "signed with a different key" in run.stdout
