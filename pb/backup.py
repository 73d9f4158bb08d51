"""Backup and restore of a whole pb database, and of the instance keys apart from it.

A backup is one gzipped tar, readable by its owner alone: `pb-backup.json` (what it is, the engine,
the migration it was taken at, each table's row count, the SHA-256 of the dump), its signature
(`pb-backup.json.sig`, HMAC-SHA256 with the instance's backup key) and the dump itself: a copy made
with SQLite's online backup API, or `pg_dump` in its custom format. The instance keys (session,
digest, ballot, checkpoint-signing and backup keys) never go in it: they go to a second file,
encrypted with a passphrase (scrypt, then AES-GCM), so a stolen backup alone neither signs
checkpoints nor links ballots, and an edited one cannot be given a signature that verifies.

A restore checks everything before it writes anything: the file must be a complete, undamaged pb
backup of the same engine whose signature verifies with this installation's backup key (or the one
in the keys file restored with it), and the target database must hold no rows. No Flask here: the CLI in
pb.cli parses arguments and prints progress.
"""
from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import create_engine, inspect, text

FORMAT = "pb-backup"
VERSION = 2  # 2: signed
MANIFEST = "pb-backup.json"
SIGNATURE = "pb-backup.json.sig"
DUMPS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
KEY_FILES = ("secret_key", "digest_key", "ballot_key", "checkpoint_key", "backup_key")
KEYS_MAGIC = b"PBKEYS1\n"
# Rows here do not make a database "in use": a freshly migrated database has its revision.
BOOKKEEPING_TABLES = {"alembic_version"}


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""


def engine_of(uri: str) -> str:
    scheme = urlsplit(uri).scheme
    if scheme.startswith("sqlite"):
        return "sqlite"
    if scheme.startswith("postgres"):
        return "postgresql"
    raise BackupError(f"pb backs up SQLite and PostgreSQL databases, not {scheme!r}")


def _sqlite_path(uri: str) -> Path:
    path = uri.split(":///", 1)[1] if ":///" in uri else ""
    if not path or path.startswith(":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(unquote(path.split("?", 1)[0]))


def _libpq(uri: str) -> str:
    """The SQLAlchemy URL as libpq (pg_dump, pg_restore) reads it."""
    return "postgresql://" + uri.split("://", 1)[1]


def _schema(uri: str) -> str | None:
    """The schema named by `options=-csearch_path=...`, if the URL picks one (the tests do)."""
    for option in parse_qs(urlsplit(uri).query).get("options", []):
        for part in option.split():
            if part.startswith("-csearch_path="):
                return part.split("=", 1)[1].split(",")[0]
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_rows(uri: str) -> dict[str, int]:
    """Rows in each table of the database (or of the URL's schema); {} when there are no tables."""
    engine = create_engine(uri)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in sorted(names)}
    finally:
        engine.dispose()


def _revision(rows: dict[str, int], uri: str) -> str | None:
    if "alembic_version" not in rows:
        return None
    engine = create_engine(uri)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed; {what} on PostgreSQL needs the PostgreSQL client tools") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")


def sign(manifest: bytes, key: str) -> str:
    return hmac.new(key.encode(), manifest, hashlib.sha256).hexdigest()


def create(uri: str, out_file: str | Path, key: str, progress=lambda message: None) -> dict:
    """Write a backup of the database at `uri` to `out_file`, its description signed with `key`
    (atomically: a failed backup leaves no file; mode 0600: it holds everyone's personal data)."""
    engine = engine_of(uri)
    out_file = Path(out_file)
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DUMPS[engine]
        if engine == "sqlite":
            source_path = _sqlite_path(uri)
            if not source_path.exists():
                raise BackupError(f"there is no database at {source_path}")
            # The online backup API copies a consistent snapshot while the app keeps serving.
            source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
            target = sqlite3.connect(dump)
            try:
                source.backup(target, pages=4096, progress=lambda status, left, total: progress(
                    f"copied {total - left:,} of {total:,} pages"))
            finally:
                target.close()
                source.close()
            rows = table_rows(f"sqlite:///{dump}")
        else:
            command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"]
            if _schema(uri):
                command.append(f"--schema={_schema(uri)}")
            progress("pg_dump is writing the database")
            _run([*command, _libpq(uri)], "a backup")
            rows = table_rows(uri)
        if not rows:
            raise BackupError("the database has no tables: there is nothing to back up")
        manifest = {
            "format": FORMAT, "version": VERSION, "engine": engine,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "revision": _revision(rows, f"sqlite:///{dump}" if engine == "sqlite" else uri),
            "tables": rows, "dump": {"name": dump.name, "bytes": dump.stat().st_size, "sha256": _sha256(dump)},
        }
        partial = out_file.with_name(out_file.name + ".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            for name, content in ((MANIFEST, data), (SIGNATURE, sign(data, key).encode())):
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(content), 0o600
                archive.addfile(info, io.BytesIO(content))
            archive.add(dump, arcname=dump.name)
        os.chmod(partial, 0o600)
        os.replace(partial, out_file)
    progress(f"wrote {out_file}")
    return manifest


def _unpack(backup_file: Path, work: Path, key: str) -> dict:
    """Read and check the whole archive; any fault is a BackupError and nothing has been written."""
    if not backup_file.is_file():
        raise BackupError(f"there is no file at {backup_file}")
    try:
        with tarfile.open(backup_file, "r:gz") as archive:
            names = archive.getnames()
            if MANIFEST not in names:
                raise BackupError(f"{backup_file} is not a pb backup: it has no {MANIFEST}")
            described = archive.extractfile(MANIFEST).read()
            manifest = json.loads(described)
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{backup_file} is not a pb backup")
            if manifest.get("version") == 1:
                raise BackupError(f"{backup_file} was made before pb signed its backups, so nothing shows it was not "
                                  "changed since; make a new backup with this pb")
            if SIGNATURE not in names or not hmac.compare_digest(
                    archive.extractfile(SIGNATURE).read().decode("ascii", "replace").strip(), sign(described, key)):
                raise BackupError(f"{backup_file} was refused: its signature does not verify. It was changed after it "
                                  "was made, or made by another installation (restore it with that installation's "
                                  "keys file, --keys)")
            if manifest.get("version") != VERSION:
                raise BackupError(f"{backup_file} is a pb backup of format {manifest.get('version')}; this pb reads format {VERSION}")
            dump_name = manifest["dump"]["name"]
            if dump_name not in DUMPS.values() or dump_name not in names:
                raise BackupError(f"{backup_file} is damaged: its database dump is missing")
            archive.extract(dump_name, work, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise BackupError(f"{backup_file} is not a complete pb backup (truncated or damaged: {exc})") from None
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{backup_file} is not a pb backup: its description cannot be read") from None
    dump = work / dump_name
    if dump.stat().st_size != manifest["dump"]["bytes"] or _sha256(dump) != manifest["dump"]["sha256"]:
        raise BackupError(f"{backup_file} is damaged: its database dump does not match its checksum")
    return manifest


def check(backup_file: str | Path, key: str) -> dict:
    """Check a backup without restoring it: the manifest, if the file is whole and its signature verifies."""
    with tempfile.TemporaryDirectory() as work:
        return _unpack(Path(backup_file), Path(work), key)


def restore(uri: str, backup_file: str | Path, key: str, progress=lambda message: None) -> dict:
    """Restore `backup_file` into the empty database at `uri`. Refuses, writing nothing, when the
    file is not a whole pb backup, is of the other engine, or the database already holds rows."""
    engine = engine_of(uri)
    backup_file = Path(backup_file)
    with tempfile.TemporaryDirectory() as work:
        manifest = _unpack(backup_file, Path(work), key)
        progress(f"checked {backup_file}: {sum(manifest['tables'].values()):,} rows taken {manifest['created_at']}")
        if manifest["engine"] != engine:
            raise BackupError(f"{backup_file} is a {manifest['engine']} backup and this database is {engine}; "
                              f"restore it onto a {manifest['engine']} database")
        in_use = {name: count for name, count in table_rows(uri).items() if count and name not in BOOKKEEPING_TABLES}
        if in_use:
            listed = ", ".join(f"{name} ({count:,} rows)" for name, count in list(in_use.items())[:5])
            raise BackupError(f"the database is not empty ({listed}); pb restores only onto an empty database, "
                              "so nothing was changed. Create a new database and point DATABASE_URL at it")
        dump = Path(work) / manifest["dump"]["name"]
        if engine == "sqlite":
            target_path = _sqlite_path(uri)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            source, target = sqlite3.connect(dump), sqlite3.connect(target_path)
            try:
                source.backup(target)  # replaces every page of the (empty) target in one step
            finally:
                target.close()
                source.close()
        else:
            progress("pg_restore is loading the database (one transaction)")
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", f"--dbname={_libpq(uri)}", str(dump)], "a restore")
        restored = table_rows(uri)
        wrong = [name for name, count in manifest["tables"].items() if restored.get(name) != count]
        if wrong:
            raise BackupError(f"the restored database differs from the backup in {', '.join(wrong[:5])}")
    progress(f"restored {sum(restored.values()):,} rows in {len(restored)} tables")
    return manifest


# --- the instance keys, encrypted with a passphrase ------------------------------------------------

def _cipher_key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())


def write_keys(instance_path: str | Path, out_file: str | Path, passphrase: str) -> list[str]:
    if len(passphrase) < 12:
        raise BackupError("the passphrase for the keys must be at least 12 characters")
    instance_path = Path(instance_path)
    keys = {name: (instance_path / name).read_text().strip() for name in KEY_FILES if (instance_path / name).exists()}
    if not keys:
        raise BackupError(f"there are no keys in {instance_path} (they may be set in the environment instead)")
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_cipher_key(passphrase, salt)).encrypt(nonce, json.dumps(keys).encode(), KEYS_MAGIC)
    fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(KEYS_MAGIC + salt + nonce + sealed)
    return sorted(keys)


def read_keys(keys_file: str | Path, passphrase: str) -> dict[str, str]:
    data = Path(keys_file).read_bytes()
    if not data.startswith(KEYS_MAGIC) or len(data) < len(KEYS_MAGIC) + 28:
        raise BackupError(f"{keys_file} is not a pb keys file")
    body = data[len(KEYS_MAGIC):]
    salt, nonce, sealed = body[:16], body[16:28], body[28:]
    try:
        return json.loads(AESGCM(_cipher_key(passphrase, salt)).decrypt(nonce, sealed, KEYS_MAGIC))
    except InvalidTag:
        raise BackupError(f"{keys_file} cannot be opened: the passphrase is wrong or the file is damaged") from None


def install_keys(keys: dict[str, str], instance_path: str | Path) -> list[str]:
    """Write restored keys into instance/ (mode 0600). Called only once the database restore has
    succeeded onto an empty database, so keys already there (generated when this installation first
    started) have signed nothing; they are kept beside, renamed, never silently lost."""
    instance_path = Path(instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for name, value in keys.items():
        path = instance_path / name
        if path.exists():
            if path.read_text().strip() == value:
                continue
            os.replace(path, instance_path / f"{name}.before-restore-{stamp}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
    return sorted(keys)
