"""Signed checkpoints of the audit log: made at decisive phase changes and on demand, published,
verifiable with the public key, consistent with each other, and never signed over a rewritten log."""
import pytest
from sqlalchemy import select, text

from pb import phases
from pb.audit import checkpoint as notes
from pb.audit.merkle import consistency_proof, verify_consistency
from pb.extensions import db
from pb.ledger import checkpoints
from pb.ledger.models import AuditEntry, AuditLog, Checkpoint
from pb.neighbourhoods.models import AUDITOR
from pb.rounds.models import Phase
from pb.services import ServiceError
from tests.factories import _round, _user, make_voting_round, sign_in

pytestmark = pytest.mark.both_engines  # the ledger's tamper triggers and checkpoints


def test_opening_voting_signs_a_checkpoint_anyone_can_verify(app, factory, client):
    round_ref, ids = make_voting_round(factory)
    key = client.get("/checkpoint-key.txt").get_data(as_text=True).strip()
    note = client.get(f"/n/{round_ref.hood.slug}/checkpoint.txt").get_data(as_text=True)
    point = notes.verify(note, key)
    with app.app_context():
        log = db.session.scalar(select(AuditLog).where(AuditLog.name == f"neighbourhood/{round_ref.hood.slug}"))
        row = db.session.scalar(select(Checkpoint))
        assert point.origin == f"pb.test/neighbourhood/{round_ref.hood.slug}"
        assert point.size == row.size == log.head_seq  # the phase change itself is the last entry covered
        assert "voting" in row.reason
    page = client.get(f"/n/{round_ref.hood.slug}/checkpoints").get_data(as_text=True)
    assert key in page and row.root_hash in page
    with pytest.raises(notes.CheckpointError):
        notes.verify(note.replace(f"\n{point.size}\n", f"\n{point.size + 1}\n"), key)


def test_checkpoints_on_demand_are_consistent_with_the_ones_before(app, factory, client):
    round_ref, ids = make_voting_round(factory)
    auditor = factory.with_role(round_ref.hood, AUDITOR)
    sign_in(client, auditor)
    with app.app_context():
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))  # voting closes: a second one
    assert client.post(f"/n/{round_ref.hood.slug}/audit/checkpoint").status_code == 302
    with app.app_context():
        log = db.session.scalar(select(AuditLog).where(AuditLog.name == f"neighbourhood/{round_ref.hood.slug}"))
        rows = db.session.scalars(select(Checkpoint).order_by(Checkpoint.id)).all()
        assert [r.reason.split(": ")[-1] for r in rows] == ["voting", "counting", "asked for by an auditor"]
        tree = checkpoints.leaves(log)
        for old in rows:
            for new in rows:
                if old.size <= new.size:
                    assert verify_consistency(old.size, new.size, bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash),
                                              consistency_proof(tree[:new.size], old.size) if old.size else [])


def _edit_around_the_triggers(table: str, statement: str):
    """What an operator with database access could do: switch off the append-only trigger, edit."""
    if db.engine.name == "sqlite":
        db.session.execute(text(f"DROP TRIGGER {table}_no_update"))
    else:
        db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_change"))
    db.session.execute(text(statement))
    db.session.commit()


def _hood_log(round_ref):
    return db.session.scalar(select(AuditLog).where(AuditLog.name == f"neighbourhood/{round_ref.hood.slug}"))


def test_an_entry_rewritten_after_signing_never_gets_into_a_signed_checkpoint(app, factory, client):
    """Signing hashes only the entries since the last checkpoint: an old entry edited afterwards
    cannot change what the next checkpoint signs, and its own page and the chain check say so."""
    round_ref, ids = make_voting_round(factory)
    with app.app_context():
        signed = checkpoints.leaves(_hood_log(round_ref))  # the voting checkpoint covers entry 3
        _edit_around_the_triggers("audit_entry", "UPDATE audit_entry SET payload = '{\"method\":\"forged\"}' WHERE seq = 3")
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        log = _hood_log(round_ref)
        old, new = db.session.scalars(select(Checkpoint).order_by(Checkpoint.id)).all()
        tree = checkpoints.leaves(log)
        assert tree[:len(signed)] == signed  # the original entry 3, not the forged one
        assert verify_consistency(old.size, new.size, bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash),
                                  consistency_proof(tree, old.size))
        assert "entry 3" in checkpoints_problem(log)
    auditor = factory.with_role(round_ref.hood, AUDITOR)
    sign_in(client, auditor)
    page = client.get(f"/n/{round_ref.hood.slug}/audit/entries/3").get_data(as_text=True)
    assert "Not included" in page
    assert "Included" in client.get(f"/n/{round_ref.hood.slug}/audit/entries/4").get_data(as_text=True)


def checkpoints_problem(log):
    from pb.ledger.services import verify_log

    return verify_log(log) or ""


def test_an_entry_rewritten_before_signing_is_refused_and_the_phase_change_with_it(app, factory):
    from pb.voting import services as voting

    round_ref, ids = make_voting_round(factory)
    with app.app_context():
        voting.cast_ballot(_round(round_ref), _user(factory.resident(round_ref.hood)), {round_ref.pot_ids[1]: [ids[1]]})
        log = _hood_log(round_ref)
        cast = log.head_seq  # the ballot.cast entry, after the voting checkpoint
        _edit_around_the_triggers("audit_entry", "UPDATE audit_entry SET actor = 'someone-else' "
                                                 f"WHERE seq = {cast} AND log_id = {log.id}")
        before = db.session.scalar(select(Checkpoint.id).order_by(Checkpoint.id.desc()).limit(1))
        with pytest.raises(ServiceError, match=f"not consistent with its checkpoint \\(entry {cast} does not match"):
            phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        assert _round(round_ref).phase == Phase.VOTING  # the phase change was refused with it
        assert db.session.scalar(select(Checkpoint.id).order_by(Checkpoint.id.desc()).limit(1)) == before


def test_a_changed_stored_node_is_refused(app, factory):
    round_ref, ids = make_voting_round(factory)
    with app.app_context():
        log = _hood_log(round_ref)
        top = log.tree_size.bit_length() - 1  # the left half of the signed root
        zeros = "zeroblob(32)" if db.engine.name == "sqlite" else "decode(repeat('00', 32), 'hex')"
        _edit_around_the_triggers("merkle_node", f"UPDATE merkle_node SET hash = {zeros} "
                                                 f"WHERE log_id = {log.id} AND level = {top} AND idx = 0")
        with pytest.raises(ServiceError, match="not consistent with its checkpoint at size"):
            phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        assert _round(round_ref).phase == Phase.VOTING


def test_auditors_filter_the_log_follow_an_object_and_see_an_entrys_proof(app, factory, client):
    round_ref, ids = make_voting_round(factory)
    auditor = factory.with_role(round_ref.hood, AUDITOR)
    sign_in(client, auditor)
    base = f"/n/{round_ref.hood.slug}/audit"
    page = client.get(f"{base}?action=proposal.reviewed").get_data(as_text=True)
    assert "4 entries match" in page and "<td>proposal.submitted</td>" not in page
    page = client.get(f"{base}?actor={round_ref.facilitator.pseudonym}&action=round.phase_changed").get_data(as_text=True)
    assert "4 entries match" in page  # proposals, feasibility, deliberation, voting
    page = client.get(f"{base}?subject_type=round&subject_id={round_ref.id}").get_data(as_text=True)
    assert "<td>round.created</td>" in page and "<td>round.timeline_set</td>" in page
    assert "<td>proposal.drafted</td>" not in page
    assert "0 entries match" in client.get(f"{base}?since=2099-01-01").get_data(as_text=True)
    page = client.get(f"{base}/entries/3").get_data(as_text=True)
    assert "Included" in page and "Inclusion proof (RFC 9162), leaf index 2" in page
    assert client.get(f"{base}/entries/99999").status_code == 404
    page = client.get(f"{base}?verify=1").get_data(as_text=True)
    assert "Passed:" in page


def test_a_receipt_proves_the_ballot_was_counted_against_a_signed_checkpoint(app, factory, client, tmp_path):
    import json
    import re
    import subprocess
    import sys

    from pb.audit.__main__ import verify_receipt
    from pb.voting import services as voting

    round_ref, ids = make_voting_round(factory)
    voter = factory.resident(round_ref.hood)
    sign_in(client, voter)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    page = client.post(f"{base}/vote/cast", data={f"pot-{round_ref.pot_ids[1]}": [str(ids[1])]}).get_data(as_text=True)
    tracker = re.search(r'class="letter-code">([0-9A-Z-]+)<', page).group(1)
    with app.app_context():
        for _ in range(4):
            voting.cast_ballot(_round(round_ref), _user(factory.resident(round_ref.hood)), {round_ref.pot_ids[1]: [ids[2]]})
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        voting.count_round(_round(round_ref), _user(round_ref.facilitator))
    anyone = app.test_client()
    page = anyone.post(f"{base}/receipt", data={"tracker": tracker}).get_data(as_text=True)
    # The page names no proposal (P-2 is the one chosen); the random tracker code itself may hold "P-2".
    assert "What this proves" in page and "For auditors" in page and "P-2" not in page.replace(tracker, "")
    proof = json.loads(anyone.post(f"{base}/receipt", data={"tracker": tracker, "format": "json"}).get_data(as_text=True))
    key = anyone.get("/checkpoint-key.txt").get_data(as_text=True).strip()
    assert verify_receipt(proof, key) == []
    assert proof["receipts"] == 5 and "choices" not in json.dumps(proof)
    forged = dict(proof, receipt_leaf="00" * 32)
    assert "the receipt is not in the receipts tree" in verify_receipt(forged, key)
    path = tmp_path / "receipt-proof.json"
    path.write_text(json.dumps(proof))
    run = subprocess.run([sys.executable, "-m", "pb.audit", "receipt", str(path), "--key", key], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("PASS the receipt is one of 5 counted"), run.stdout + run.stderr


def test_the_receipts_tree_is_stored_at_the_count_and_filled_in_for_rounds_counted_before(app, factory, client):
    """A receipt check reads the stored tree (O(log n) nodes); migration 0018 builds it for rounds counted
    before it existed, the same tree the count's ledger entry names by its root."""
    import importlib.util
    import json
    from pathlib import Path

    from sqlalchemy import delete, func

    from pb.audit.merkle import inclusion_proof, root
    from pb.voting import receipts
    from pb.voting import services as voting
    from pb.voting.models import ReceiptNode

    round_ref, ids = make_voting_round(factory)
    with app.app_context():
        for _ in range(7):
            voting.cast_ballot(_round(round_ref), _user(factory.resident(round_ref.hood)), {round_ref.pot_ids[1]: [ids[1]]})
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        voting.count_round(_round(round_ref), _user(round_ref.facilitator))
        leaves = voting.round_receipt_leaves(_round(round_ref))
        counted = json.loads(db.session.scalar(select(AuditEntry.payload).where(AuditEntry.action == "round.counted")))
        assert receipts.stored_size(round_ref.id) == 7
        assert receipts.root(round_ref.id, 7) == root(leaves) == bytes.fromhex(counted["receipts_root"])
        assert receipts.inclusion_path(round_ref.id, 3, 7) == inclusion_proof(leaves, 3)
        stored = db.session.scalar(select(func.count()).select_from(ReceiptNode))

        spec = importlib.util.spec_from_file_location(
            "m0018", Path(__file__).parents[2] / "migrations/versions/0018_receipt_nodes.py")
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        db.session.execute(delete(ReceiptNode))  # as a round counted before migration 0018 was
        migration.fill_counted_rounds(db.session.connection())
        assert db.session.scalar(select(func.count()).select_from(ReceiptNode)) == stored
        assert receipts.root(round_ref.id, 7) == root(leaves)
        db.session.commit()


def test_the_audit_log_pages_by_sequence_number_and_lists_each_action_once(app, factory, client):
    """Unfiltered, a page is a range of sequence numbers (no count, no OFFSET over a long log)."""
    from pb.ledger.services import record
    from pb.services import transaction

    round_ref, ids = make_voting_round(factory)
    auditor = factory.with_role(round_ref.hood, AUDITOR)
    with app.app_context():
        hood = _round(round_ref).neighbourhood
        with transaction():
            for n in range(60):
                record("round.followed", _round(round_ref), neighbourhood=hood, payload={"n": n})
        log = _hood_log(round_ref)
        head = log.head_seq
        actions = sorted(set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.log_id == log.id))))
    sign_in(client, auditor)
    base = f"/n/{round_ref.hood.slug}/audit"
    first = client.get(base).get_data(as_text=True)
    assert f"{base}/entries/{head}\"" in first and f"{base}/entries/{head - 49}\"" in first
    assert f"{base}/entries/{head - 50}\"" not in first
    second = client.get(f"{base}?page=2").get_data(as_text=True)
    assert f"{base}/entries/{head - 50}\"" in second and f"{base}/entries/{head}\"" not in second
    options = [a for a in actions if f"<option>{a}</option>" in first]
    assert options == actions and first.count("<option>round.followed</option>") == 1


def test_the_platform_log_is_signed_by_the_daily_job_and_by_an_admin(app, factory, client):
    """Accounts and programmes have no phase changes to sign at: `flask audit checkpoint` signs every
    log that has grown, and says which it left alone; the platform's checkpoints are public."""
    from pb.audit.merkle import entry_leaf, root
    from pb.ledger.services import entries_of

    round_ref, ids = make_voting_round(factory)  # its neighbourhood log was signed when voting opened
    runner = app.test_cli_runner()
    first = runner.invoke(args=["audit", "checkpoint"])
    assert first.exit_code == 0, first.output
    hood_log = f"neighbourhood/{round_ref.hood.slug}"
    assert "platform: signed at" in first.output and f"{hood_log}: nothing new since the checkpoint" in first.output
    assert "1 signed, 1 unchanged, 0 refused." in first.output
    key = client.get("/checkpoint-key.txt").get_data(as_text=True).strip()
    point = notes.verify(client.get("/checkpoint.txt").get_data(as_text=True), key)
    with app.app_context():
        log = db.session.scalar(select(AuditLog).where(AuditLog.name == "platform"))
        assert point.origin == "pb.test/platform" and point.size == log.head_seq > 0
        assert point.root == root([entry_leaf(e) for e in entries_of(log)])  # recomputed from the entries
    page = client.get("/checkpoints").get_data(as_text=True)
    assert "Signed checkpoints of the platform" in page and "scheduled: flask audit checkpoint" in page
    assert "Sign a checkpoint now" not in page  # only for a platform admin

    again = runner.invoke(args=["audit", "checkpoint", "--log", "platform"])
    assert "platform: nothing new since the checkpoint" in again.output and "0 signed" in again.output
    admin = factory.person(admin=True)  # a new account: the platform log grows
    sign_in(client, admin)
    assert "Signed checkpoints of the platform log" in client.get("/admin/audit").get_data(as_text=True)
    assert "Sign a checkpoint now" in client.get("/checkpoints").get_data(as_text=True)
    done = client.post("/admin/audit/checkpoint", follow_redirects=True).get_data(as_text=True)
    assert "Checkpoint signed at" in done and "asked for by an admin" in done
    nothing = client.post("/admin/audit/checkpoint", follow_redirects=True).get_data(as_text=True)
    assert "Nothing new to sign" in nothing
    with app.app_context():
        rows = db.session.scalars(select(Checkpoint).where(Checkpoint.log_id == log.id).order_by(Checkpoint.id)).all()
        assert len(rows) == 2 and rows[0].size < rows[1].size
        tree = checkpoints.leaves(log)
        assert verify_consistency(rows[0].size, rows[1].size, bytes.fromhex(rows[0].root_hash),
                                  bytes.fromhex(rows[1].root_hash), consistency_proof(tree, rows[0].size))

    # A rewritten platform entry: the job refuses to sign it, names the log and fails.
    with app.app_context():
        factory.person()  # something new to sign
        _edit_around_the_triggers("audit_entry", "UPDATE audit_entry SET actor = 'someone-else' WHERE id = "
                                                 f"(SELECT max(id) FROM audit_entry WHERE log_id = {log.id})")
    refused = runner.invoke(args=["audit", "checkpoint"])
    assert refused.exit_code == 1 and "FAIL platform: Refusing to sign a checkpoint" in refused.output
