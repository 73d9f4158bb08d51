"""Audit entries: one per state change, chained by SHA-256, append-only in the database itself."""
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.audit import GENESIS_HASH, canonical_json, entry_hash, verify_chain
from pb.extensions import db
from pb.ledger.models import AuditEntry, AuditLog
from pb.ledger.services import entries_of, log_for, verify_log
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import FACILITATOR, Membership, Neighbourhood
from pb.timeutil import utcnow
from pb.tokens import digest
from tests.conftest import POSTGRES, database_url, make_app

pytestmark = pytest.mark.both_engines  # the ledger's append-only triggers are per engine

# --- pure chain ---------------------------------------------------------------------------------

def make_chain(n, log="neighbourhood/test"):
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        entry = {"log": log, "seq": seq, "at": f"2026-11-28T10:00:{seq % 60:02d}.000000Z", "actor": "p-abc",
                 "action": "thing.done", "subject_type": "thing", "subject_id": str(seq), "payload": {"n": seq}}
        entry["prev_hash"], entry["hash"] = prev, entry_hash(prev, entry)
        prev = entry["hash"]
        entries.append(entry)
    return entries


def test_canonical_json_has_one_spelling():
    assert canonical_json({"b": 1, "a": ["é", None, True]}) == '{"a":["é",null,true],"b":1}'
    with pytest.raises(TypeError, match="floats"):
        canonical_json({"amount": 1.5})


def test_entry_hash_is_sha256_of_previous_hash_and_canonical_entry():
    import hashlib

    entry = make_chain(1)[0]
    body = {k: entry[k] for k in ("log", "seq", "at", "actor", "action", "subject_type", "subject_id", "payload")}
    expected = hashlib.sha256((GENESIS_HASH + canonical_json(body)).encode()).hexdigest()
    assert entry["hash"] == expected


@pytest.mark.parametrize("mutate,reason", [
    (lambda c: c[4]["payload"].update(n=99), "contents do not match"),
    (lambda c: c[4].update(actor="p-other"), "contents do not match"),
    (lambda c: c[4].update(at="2026-01-01T00:00:00.000000Z"), "contents do not match"),
    (lambda c: c.pop(4), "sequence number 6 where 5"),
    (lambda c: c.insert(4, dict(c[4])), "sequence number 5 where 6"),
    (lambda c: c.__setitem__(slice(3, 5), [c[4], c[3]]), "sequence number 5 where 4"),
    (lambda c: c[4].update(hash="0" * 64), "contents do not match"),
])
def test_any_change_to_the_chain_is_found_at_the_right_entry(mutate, reason):
    chain = make_chain(10)
    assert verify_chain(chain) is None
    mutate(chain)
    problem = verify_chain(chain)
    assert problem is not None and reason in str(problem)


def test_rewriting_history_with_fresh_hashes_breaks_the_link():
    chain = make_chain(5)
    chain[2]["payload"] = {"n": 1000}
    chain[2]["hash"] = entry_hash(chain[2]["prev_hash"], chain[2])  # forger recomputes this entry
    problem = verify_chain(chain)
    assert problem.seq == 4 and "does not link" in problem.reason


# --- the app's log ---------------------------------------------------------------------------------

def test_database_refuses_to_change_or_delete_audit_entries(app, factory):
    factory.neighbourhood()
    with app.app_context():
        for statement in ("UPDATE audit_entry SET action = 'forged'", "DELETE FROM audit_entry"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id).limit(1)) == "neighbourhood.created"


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL is not reachable here")
def test_postgres_refuses_truncate_too(tmp_path):
    """TRUNCATE skips row triggers, so PostgreSQL has a statement trigger for it (SQLite has no TRUNCATE)."""
    url, cleanup = database_url("postgresql", tmp_path)
    app = make_app(url, tmp_path)
    try:
        with app.app_context():
            db.create_all()
            with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
                db.session.execute(text("TRUNCATE audit_entry"))
            db.session.rollback()
            db.engine.dispose()
    finally:
        cleanup()


def test_orm_edits_of_audit_entries_fail_too(app, factory):
    factory.neighbourhood()
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).limit(1))
        entry.payload = "{}"
        with pytest.raises(DatabaseError):
            db.session.commit()


def _state_changes():
    """Each state-changing service function, called once on prepared data: (name, expected action, call)."""

    def setup(app):
        with app.app_context():
            hood = hoods.create_neighbourhood(slug="eastbrook", name="Eastbrook")
            hoods.set_area(hood, {"EB1 1AA"}, replace=True)
            staff = accounts.create_account(name="Fay", email="fay@example.org", password_hash="x", postcode="EB1 1AA", birth_year=1980)
            hoods.grant_role(staff, hood, FACILITATOR)
            person = accounts.register(name="Rui", email="rui@example.org", password="plum anchor river", postcode="EB1 1AA", birth_year=1990)
            return {"hood": hood.id, "staff": staff.id, "person": person.id}

    def load(ids):
        return (db.session.get(Neighbourhood, ids["hood"]), db.session.get(User, ids["staff"]), db.session.get(User, ids["person"]))

    def join(ids):
        hood, staff, person = load(ids)
        return hoods.join_as_resident(person, hood)

    def verify(ids):
        hood, staff, person = load(ids)
        return hoods.verify_resident(join(ids), staff)

    def redeem(ids):
        hood, staff, person = load(ids)
        join(ids)
        _, letters, _ = hoods.issue_letters(hood, 1, staff)
        return hoods.redeem_letter(person, hood, letters[0][1])

    def token_for(ids, purpose):
        from pb.accounts.models import OneTimeToken
        raw = "known-token-" + purpose
        db.session.add(OneTimeToken(purpose=purpose, token_hash=digest(raw), user_id=ids["person"],
                                    expires_at=utcnow() + timedelta(hours=1)))
        db.session.commit()
        return raw

    cases = [
        ("create neighbourhood", "neighbourhood.created", 1, lambda ids: hoods.create_neighbourhood(slug="second", name="Second")),
        ("update neighbourhood", "neighbourhood.updated", 1, lambda ids: hoods.update_neighbourhood(load(ids)[0], name="Eastbrook Vale")),
        ("set area", "area.updated", 1, lambda ids: hoods.set_area(load(ids)[0], {"EB1 1AB"}, replace=False)),
        ("grant role", "role.granted", 1, lambda ids: hoods.grant_role(load(ids)[2], load(ids)[0], "auditor")),
        ("revoke role", "role.revoked", 1, lambda ids: hoods.revoke_role(db.session.scalar(select(Membership).where(Membership.role == FACILITATOR)))),
        ("join", "resident.joined", 1, join),
        ("verify by facilitator", "resident.verified", 2, verify),
        ("issue letters", "letters.issued", 1, lambda ids: hoods.issue_letters(load(ids)[0], 3, load(ids)[1])),
        ("redeem letter", "resident.verified", 3, redeem),
        ("register", "account.registered", 1, lambda ids: accounts.register(name="New", email="new@example.org", password="plum anchor river", postcode="EB1 1AA", birth_year=1990)),
        ("create account", "account.created", 1, lambda ids: accounts.create_account(name="New", email="new2@example.org", password_hash="x", postcode="EB1 1AA", birth_year=1990)),
        ("resend verification", "account.verification_email_sent", 1, lambda ids: accounts.resend_verification(load(ids)[2])),
        ("verify email", "account.email_verified", 1, lambda ids: accounts.verify_email(token_for(ids, "verify_email"))),
        ("request reset", "account.password_reset_requested", 1, lambda ids: accounts.request_password_reset("rui@example.org")),
        ("reset password", "account.password_reset", 1, lambda ids: accounts.reset_password(token_for(ids, "reset_password"), "tiger lemon gravel")),
        ("change password", "account.password_changed", 1, None),
        ("admin", "account.admin_granted", 1, lambda ids: accounts.set_admin(load(ids)[2], True)),
    ]
    return setup, cases


SETUP, CASES = _state_changes()


@pytest.mark.parametrize("name,action,steps,call", CASES, ids=[c[0] for c in CASES])
def test_every_state_change_writes_exactly_one_entry_and_the_chain_verifies(app, name, action, steps, call):
    ids = SETUP(app)
    with app.test_request_context():
        before = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
        if call is None:  # change password needs a request (it keeps this browser's session)
            accounts.change_password(db.session.get(User, ids["person"]), "plum anchor river", "tiger lemon gravel")
        else:
            call(ids)
        after = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(before)).all()
        # `steps` service calls ran (e.g. join, then verify); each wrote exactly one entry.
        assert len(after) == steps
        assert after[-1].action == action
        for log in db.session.scalars(select(AuditLog)):
            assert verify_log(log) is None, log.name


def test_refused_changes_write_nothing(app, factory):
    hood = factory.neighbourhood()
    person = factory.person(postcode="EB9 9ZZ")
    before = factory.audit_count()
    with app.app_context():
        with pytest.raises(Exception, match="not in"):
            hoods.join_as_resident(db.session.get(User, person.id), db.session.get(Neighbourhood, hood.id))
    assert factory.audit_count() == before


def test_entries_name_no_person_only_pseudonyms_and_digests(app, client):
    from tests.accounts.test_accounts import GOOD

    client.post("/register", data=GOOD)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.registered"))
        user = db.session.scalar(select(User))
        everything = json.dumps(entry.as_dict("platform"))
        assert entry.actor == user.pseudonym
        for personal in ("amina", "Amina", "Yusuf", "EB1 1AA", "1990"):
            assert personal not in everything
        assert json.loads(entry.payload)["email"].startswith("hmac-sha256:")


def test_sequence_numbers_run_without_gaps_per_log(app, factory):
    one, two = factory.neighbourhood(), factory.neighbourhood()
    factory.with_role(one, FACILITATOR)
    factory.with_role(two, FACILITATOR)
    with app.app_context():
        for log in db.session.scalars(select(AuditLog)):
            seqs = [e["seq"] for e in entries_of(log)]
            assert seqs == list(range(1, len(seqs) + 1)) and log.head_seq == len(seqs)


def test_exported_chain_verifies_without_the_app_and_tampering_is_named(app, factory, tmp_path):
    hood = factory.neighbourhood(slug="riverside")
    for _ in range(3):
        factory.resident(hood)
    out = tmp_path / "chain.jsonl"
    with app.app_context(), open(out, "w") as handle:
        from pb.ledger.services import export_jsonl

        count = export_jsonl(log_for(db.session.get(Neighbourhood, hood.id)), handle)
    assert count >= 7
    good = subprocess.run([sys.executable, "-m", "pb.audit", "verify", str(out)], capture_output=True, text=True)
    assert good.returncode == 0 and good.stdout.startswith(f"PASS {count} entries")

    lines = out.read_text().splitlines()
    forged = json.loads(lines[2])
    forged["actor"] = "p-someone-else"
    lines[2] = json.dumps(forged)
    out.write_text("\n".join(lines) + "\n")
    bad = subprocess.run([sys.executable, "-m", "pb.audit", "verify", str(out)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stdout.startswith("FAIL entry 3: contents do not match")


def test_auditor_page_verifies_the_chain(app, client, factory):
    from tests.factories import sign_in

    hood = factory.neighbourhood()
    auditor = factory.with_role(hood, "auditor")
    sign_in(client, auditor)
    page = client.get(f"/n/{hood.slug}/audit?verify=1").get_data(as_text=True)
    assert "Passed:" in page and "role.granted" in page
    download = client.get(f"/n/{hood.slug}/audit/entries.jsonl")
    rows = [json.loads(line) for line in download.get_data(as_text=True).splitlines()]
    assert verify_chain(rows) is None and rows[0]["action"] == "neighbourhood.created"


def test_auditor_page_names_the_first_bad_entry_when_the_head_is_out_of_step(app, client, factory, engine_name):
    hood = factory.neighbourhood()
    auditor = factory.with_role(hood, "auditor")
    with app.app_context():
        # Someone with database access forges the log head (entries themselves cannot be edited).
        log = log_for(db.session.get(Neighbourhood, hood.id))
        log.head_seq += 1
        db.session.commit()
    from tests.factories import sign_in

    sign_in(client, auditor)
    page = client.get(f"/n/{hood.slug}/audit?verify=1").get_data(as_text=True)
    assert "Failed:" in page and "does not match its last entry" in page
