"""Migrations build the real databases: they must equal the models on both engines."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from pb.extensions import db
from tests.conftest import database_url, make_app

pytestmark = pytest.mark.both_engines  # migrations run on each engine's own SQL


@pytest.fixture
def empty_app(engine_name, tmp_path):
    url, cleanup = database_url(engine_name, tmp_path)
    app = make_app(url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()
    cleanup()


def schema_differences(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrated_schema_equals_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"user_account", "neighbourhood", "membership", "audit_entry", "audit_log", "alembic_version"} <= tables
    assert schema_differences(empty_app) == []


def test_migrated_database_refuses_audit_edits(empty_app):
    with empty_app.app_context():
        upgrade()
        db.session.execute(text("INSERT INTO audit_log (id, name, head_seq, head_hash) VALUES (1, 'platform', 1, :h)"), {"h": "0" * 64})
        db.session.execute(text(
            "INSERT INTO audit_entry (log_id, seq, at, actor, action, subject_type, subject_id, payload, prev_hash, hash) "
            "VALUES (1, 1, '2026-11-28T00:00:00.000000Z', 'system', 'x', 'y', '1', '{}', :p, :h)"), {"p": "0" * 64, "h": "1" * 64})
        db.session.commit()
        for statement in ("UPDATE audit_entry SET action = 'forged'", "DELETE FROM audit_entry"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_migrations_go_down_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
    assert schema_differences(empty_app) == []


def _insert(conn, table, **given):
    """A row with every NOT NULL column filled (given values first), for data made before a migration."""
    from sqlalchemy import Boolean, Date, DateTime, Integer

    filler = {Integer: 1, Boolean: False, DateTime: "2026-01-01 00:00:00", Date: "2026-01-01"}
    values = dict(given)
    for column in inspect(conn).get_columns(table):
        if column["name"] in values or column["nullable"] or column.get("autoincrement") is True:
            continue
        if column["name"] == "id":
            continue
        values[column["name"]] = next((v for t, v in filler.items() if isinstance(column["type"], t)), "x")
    if "choices" in values and values["choices"] == "x":
        values["choices"] = "{}"
    names = ", ".join(values)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})"), values)


def _round_with(conn, roll: int, ballots: int):
    _insert(conn, "neighbourhood", id=1, slug="old", name="Old", min_voting_age=16)
    for n in range(1, roll + 1):
        _insert(conn, "user_account", id=n, email=f"p{n}@old.example", pseudonym=f"p-{n}")
    _insert(conn, "round", id=1, neighbourhood_id=1, created_by_id=1, phase="voting")
    for n in range(1, roll + 1):
        _insert(conn, "voter_roll_entry", round_id=1, user_id=n, method="online", birth_year=1980)
    for n in range(ballots):
        _insert(conn, "ballot", id=f"{n:032x}", round_id=1, tracker_hash=f"{n:064x}")


def test_the_ballot_box_migration_counts_existing_rounds_and_then_guards_them(empty_app):
    with empty_app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            _round_with(conn, roll=2, ballots=1)
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM round")).scalar() == 1  # later migrations keep the data
            assert conn.execute(text("SELECT roll_entries, ballots FROM ballot_box WHERE round_id = 1")).one() == (2, 1)
            _insert(conn, "ballot", id="f" * 32, round_id=1, tracker_hash="f" * 64)  # the second voter's ballot
        with pytest.raises(DatabaseError, match="ballots_within_roll"):
            with db.engine.begin() as conn:
                _insert(conn, "ballot", id="e" * 32, round_id=1, tracker_hash="e" * 64)  # one too many


def test_the_ballot_box_migration_stops_on_a_round_with_more_ballots_than_voters(empty_app, capfd):
    with empty_app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            _round_with(conn, roll=1, ballots=2)
        with pytest.raises(SystemExit):  # flask-migrate reports the migration's error and exits
            upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
    captured = capfd.readouterr()
    assert "Rounds 1 hold more ballots than voters on their roll" in captured.out + captured.err


def test_upgrading_a_database_with_rounds_keeps_them_whatever_migrations_rebuild(empty_app):
    """0003 adds a column to `round` with a batch operation, which on SQLite rebuilds the table: with
    foreign keys on, that would have deleted every pot and proposal. Data made at 0002 survives."""
    with empty_app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as conn:
            _insert(conn, "neighbourhood", id=1, slug="old", name="Old", min_voting_age=16)
            _insert(conn, "user_account", id=1, email="p1@old.example", pseudonym="p-1")
            _insert(conn, "round", id=1, neighbourhood_id=1, created_by_id=1, phase="proposals")
            _insert(conn, "pot", id=1, round_id=1, name="Open pot", amount=100)
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pot")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM round")).scalar() == 1
            # 0010: an existing round draws on no fund; existing neighbourhoods get the default money settings.
            assert conn.execute(text("SELECT fund_year_id FROM round")).scalar() is None
            assert conn.execute(text("SELECT payment_approval_threshold, full_reporting_threshold, giving_prefix "
                                     "FROM neighbourhood")).one() == (1_000_00, 10_000_00, "")


def test_the_ballot_box_triggers_survive_every_migration(empty_app):
    """0011 rebuilds voter_roll_entry on SQLite; the box must still count its rows afterwards."""
    with empty_app.app_context():
        upgrade()
        if db.engine.name == "sqlite":
            names = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        else:
            names = set(db.session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
    for table in ("voter_roll_entry", "ballot"):
        assert {f"{table}_tally", f"{table}_untally", f"{table}_stays_in_its_round"} <= names, table


def _chain(conn, entries: int, forge: int | None = None):
    """A platform log of `entries` real entries, entry `forge` edited after hashing."""
    from pb.audit import GENESIS_HASH, canonical_json, entry_hash

    prev = GENESIS_HASH
    _insert(conn, "audit_log", id=1, name="platform", head_seq=0, head_hash=GENESIS_HASH)
    for seq in range(1, entries + 1):
        body = {"log": "platform", "seq": seq, "at": f"2026-01-01T00:00:{seq:02d}.000000Z", "actor": "system",
                "action": "account.created", "subject_type": "account", "subject_id": str(seq), "payload": {"n": seq}}
        digest = entry_hash(prev, body)
        payload = {"n": -1} if seq == forge else body["payload"]
        _insert(conn, "audit_entry", log_id=1, seq=seq, at=body["at"], actor="system", action=body["action"],
                subject_type="account", subject_id=str(seq), payload=canonical_json(payload), prev_hash=prev, hash=digest)
        prev = digest
    conn.execute(text("UPDATE audit_log SET head_seq = :n, head_hash = :h"), {"n": entries, "h": prev})


def test_the_merkle_migration_stores_each_existing_log_s_tree(empty_app):
    from pb.audit.merkle import entry_leaf, root
    from pb.ledger import tree
    from pb.ledger.models import AuditLog
    from pb.ledger.services import entries_of

    with empty_app.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            _chain(conn, 11)
        upgrade()
        log = db.session.get(AuditLog, 1)
        assert log.tree_size == 11
        assert tree.root_at(log, 11) == root([entry_leaf(e) for e in entries_of(log)])
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text("DELETE FROM merkle_node"))
        db.session.rollback()


def test_the_merkle_migration_stops_on_a_log_that_does_not_verify(empty_app, capfd):
    with empty_app.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            _chain(conn, 6, forge=4)
        with pytest.raises(SystemExit):
            upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0012"
    captured = capfd.readouterr()
    assert "the audit log platform does not verify at entry 4" in captured.out + captured.err


def test_every_state_column_refuses_an_unknown_state_after_migrating(empty_app):
    """Each status and phase column has its CHECK (0022), and the rebuilt SQLite tables kept the money
    triggers: a grant cannot be paid more than its amount."""
    from pb.states import State

    states = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns
              if c.name in ("status", "phase", "outcome")}
    with empty_app.app_context():
        upgrade()
        catalogue = inspect(db.engine)
        checked = {f"{table}.{check['name'].removeprefix(f'ck_{table}_').removesuffix('_known')}"
                   for table in catalogue.get_table_names() for check in catalogue.get_check_constraints(table)
                   if check["name"] and check["name"].endswith("_known")}
        assert states <= checked, f"no CHECK on {sorted(states - checked)}"
        enums = {cls.__name__ for cls in State.__subclasses__()}
        assert {"ProposalStatus", "Phase", "CountStatus", "GrantStatus", "PaymentStatus", "UpdateStatus",
                "DecisionStatus", "ListingOutcome", "BidOutcome"} <= enums
    from tests.factories import Factory, make_round

    ref = make_round(Factory(empty_app))  # a real round, through the services, on the migrated database
    with empty_app.app_context():
        for statement in (f"UPDATE round SET phase = 'limbo' WHERE id = {ref.id}",
                          f"UPDATE round_phase SET phase = 'limbo' WHERE round_id = {ref.id}"):
            with pytest.raises(DatabaseError, match="ck_round(_phase)?_phase_known|CHECK constraint failed"):
                db.session.execute(text(statement))
            db.session.rollback()
        names = (set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
                 if db.engine.name == "sqlite" else
                 set(db.session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))))
    assert "grant_amount_covers_payments" in names and any(n.startswith("payment_within_grant") for n in names)
