"""Backup and restore: a database with ballots, a ledger, checkpoints and a result goes through
`flask backup` and `flask restore` onto an empty database of the same engine and still verifies;
a file that is not a whole pb backup, or a database that is not empty, is refused untouched."""
import io
import tarfile
import uuid

import pytest
from sqlalchemy import create_engine, select, text

from pb import backup
from pb.audit.pack import verify_pack
from pb.auditing.pack import export
from pb.extensions import db
from pb.ledger.checkpoints import verifier_key
from pb.ledger.models import AuditLog, Checkpoint
from pb.ledger.services import verify_log
from pb.rounds.models import Round
from tests.auditing.test_pack import build_pack
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.both_engines  # dumps and restores are per engine

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def empty_database(engine_name, tmp_path, app):
    """A second, empty database of the same engine: where a restore goes. On PostgreSQL the test's
    tables live in a schema of their own (see conftest), which the restore recreates by name."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = "pbr_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.partition("?")[0]
    query = app.config["SQLALCHEMY_DATABASE_URI"].partition("?")[2]
    yield f"{base.rsplit('/', 1)[0]}/{name}?{query}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args), env={"PB_BACKUP_PASSPHRASE": PASSPHRASE})


def _rows(uri):
    return backup.table_rows(uri)


def test_a_backup_restores_onto_an_empty_database_and_everything_still_verifies(app, factory, tmp_path, empty_database):
    _, key = build_pack(app, factory, tmp_path, voters=24)
    file = tmp_path / "pb.backup"
    done = _cli(app, "backup", str(file))
    assert done.exit_code == 0, done.output
    assert "Backed up" in done.output and "encrypted" in done.output
    assert (tmp_path / "pb.backup.keys").stat().st_mode & 0o077 == 0  # only the owner may read the keys
    assert file.stat().st_mode & 0o077 == 0  # nor the backup: it holds everyone's personal data
    with tarfile.open(file) as archive:  # the keys are never inside the backup itself
        assert sorted(archive.getnames()) in (["database.sqlite", "pb-backup.json", "pb-backup.json.sig"],
                                              ["database.pgdump", "pb-backup.json", "pb-backup.json.sig"])
    with app.app_context():
        before = _rows(app.config["SQLALCHEMY_DATABASE_URI"])
        checkpoints = db.session.scalar(select(db.func.count()).select_from(Checkpoint))
    assert before["ballot"] == 24 and checkpoints >= 2

    restored = make_app(empty_database, tmp_path / "elsewhere")  # a new machine: its own, empty instance/
    done = _cli(restored, "restore", str(file), "--keys", str(tmp_path / "pb.backup.keys"))
    assert done.exit_code == 0, done.output
    assert "Restored" in done.output
    assert _rows(empty_database) == before
    restored = make_app(empty_database, tmp_path / "elsewhere")  # started again: it reads the restored keys
    with restored.app_context():
        assert verifier_key() == key  # checkpoints are still signed by this installation's key
        for log in db.session.scalars(select(AuditLog)):
            assert verify_log(log) is None, log.name
        round_ = db.session.scalar(select(Round))
        export(round_, tmp_path / "after.pack")
        db.session.remove()
        db.engine.dispose()
    report = verify_pack(tmp_path / "after.pack", key)
    assert report.ok, report.problems
    assert any("recount" in fact.lower() or "result" in fact.lower() for fact in report.facts)


def test_a_restore_over_a_database_with_data_is_refused_and_changes_nothing(app, factory, tmp_path):
    build_pack(app, factory, tmp_path, voters=3)
    file = tmp_path / "pb.backup"
    assert _cli(app, "backup", str(file), "--no-keys").exit_code == 0
    before = _rows(app.config["SQLALCHEMY_DATABASE_URI"])
    done = _cli(app, "restore", str(file))
    assert done.exit_code == 1
    assert "the database is not empty" in done.output and "nothing was changed" in done.output
    assert _rows(app.config["SQLALCHEMY_DATABASE_URI"]) == before


def test_files_that_are_not_whole_pb_backups_are_refused_and_the_database_is_untouched(app, factory, tmp_path, empty_database):
    build_pack(app, factory, tmp_path, voters=3)
    good = tmp_path / "pb.backup"
    assert _cli(app, "backup", str(good)).exit_code == 0
    data = good.read_bytes()
    stranger = tmp_path / "holiday.tar.gz"
    with tarfile.open(stranger, "w:gz") as archive:
        archive.add(tmp_path / "pack.db", arcname="photos.db")
    cases = {
        "notes.txt": (b"these are not the droids", "not a complete pb backup"),
        "half.backup": (data[: len(data) // 2], "not a complete pb backup"),
        "holiday.tar.gz": (stranger.read_bytes(), "is not a pb backup: it has no pb-backup.json"),
    }
    restored = make_app(empty_database, tmp_path / "elsewhere")
    before = _rows(empty_database)
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        done = _cli(restored, "restore", str(path))
        assert done.exit_code == 1, name
        assert message in done.output, (name, done.output)
        assert _rows(empty_database) == before, name
    # A dump altered inside an intact archive fails its checksum.
    with tarfile.open(good) as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers()}
    tampered = tmp_path / "tampered.backup"
    with tarfile.open(tampered, "w:gz") as archive:
        for name, content in members.items():
            if name.startswith("database"):
                content = content[:-1] + bytes([content[-1] ^ 1])
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    done = _cli(restored, "restore", str(tampered), "--keys", str(tmp_path / "pb.backup.keys"))
    assert done.exit_code == 1 and "does not match its checksum" in done.output
    assert _rows(empty_database) == before
    # Without the keys of the installation that made it, even the good backup is refused on a new machine.
    done = _cli(restored, "restore", str(good))
    assert done.exit_code == 1 and "its signature does not verify" in done.output
    assert _rows(empty_database) == before


@pytest.mark.parametrize("engine_name", ["sqlite"])  # the dump is edited with SQLite itself
def test_a_backup_edited_and_given_new_checksums_is_refused(app, factory, tmp_path, empty_database, engine_name):
    """An attacker with the archive makes a resident a platform admin, recomputes the dump's size and
    checksum in the description, and packs it again: the signature, made with a key outside the
    archive, no longer verifies, so nothing is restored."""
    import hashlib
    import json
    import sqlite3

    build_pack(app, factory, tmp_path, voters=3)
    good = tmp_path / "pb.backup"
    assert _cli(app, "backup", str(good)).exit_code == 0
    with tarfile.open(good) as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers()}
    dump = tmp_path / "database.sqlite"
    dump.write_bytes(members["database.sqlite"])
    with sqlite3.connect(dump) as conn:
        assert conn.execute("UPDATE user_account SET is_admin = 1 WHERE is_admin = 0").rowcount > 0
    conn.close()
    manifest = json.loads(members["pb-backup.json"])
    manifest["dump"]["bytes"] = dump.stat().st_size
    manifest["dump"]["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    members["pb-backup.json"] = json.dumps(manifest, indent=2).encode()
    members["database.sqlite"] = dump.read_bytes()
    tampered = tmp_path / "tampered.backup"
    with tarfile.open(tampered, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    restored = make_app(empty_database, tmp_path / "elsewhere")
    done = _cli(restored, "restore", str(tampered), "--keys", str(tmp_path / "pb.backup.keys"))
    assert done.exit_code == 1 and "its signature does not verify" in done.output, done.output
    assert _rows(empty_database) == {}
    # The same archive untouched restores with the same keys.
    done = _cli(restored, "restore", str(good), "--keys", str(tmp_path / "pb.backup.keys"))
    assert done.exit_code == 0, done.output


def test_a_wrong_passphrase_opens_no_keys_and_restores_nothing(app, factory, tmp_path, empty_database):
    build_pack(app, factory, tmp_path, voters=2)
    file = tmp_path / "pb.backup"
    assert _cli(app, "backup", str(file)).exit_code == 0
    restored = make_app(empty_database, tmp_path / "elsewhere")
    done = restored.test_cli_runner().invoke(args=["restore", str(file), "--keys", f"{file}.keys"],
                                             env={"PB_BACKUP_PASSPHRASE": "not the passphrase at all"})
    assert done.exit_code == 1 and "the passphrase is wrong" in done.output
    assert _rows(empty_database) == {}
