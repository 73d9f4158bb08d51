"""Writing many rows at once, in the session's own transaction: PostgreSQL's COPY, SQLite's
executemany. For seeding and imports at national scale, where one ORM object at a time would take
hours. Rows are plain dicts; ids are reserved first so rows can point at each other."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import JSON, Table, insert, select, text
from sqlalchemy.sql import func

from pb.extensions import db

COPY_CHUNK = 20_000  # rows held in memory per COPY (or executemany) round trip


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def reserve_ids(table: Table, count: int) -> list[int]:
    """`count` fresh primary keys for `table`, taken from its sequence on PostgreSQL (safe beside
    other writers); on SQLite the caller's write transaction holds the database, so max(id) + n."""
    if count <= 0:
        return []
    if is_postgres():
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name})
        return list(db.session.scalars(text("SELECT nextval(:seq) FROM generate_series(1, :n)"),
                                       {"seq": sequence, "n": count}))
    start = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def insert_rows(table: Table, rows: Iterable[dict], columns: Sequence[str] | None = None) -> int:
    """Insert every row (all with the same keys) into `table`. Returns how many."""
    count = 0
    chunk: list[dict] = []
    for row in rows:
        if columns is None:
            columns = list(row)
        chunk.append(row)
        if len(chunk) >= COPY_CHUNK:
            count += _write(table, columns, chunk)
            chunk = []
    if chunk:
        count += _write(table, columns, chunk)
    return count


def _write(table: Table, columns: Sequence[str], rows: list[dict]) -> int:
    if not is_postgres():
        db.session.execute(insert(table), rows)
        return len(rows)
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[name]) if name in as_json and row[name] is not None else row[name]
                            for name in columns])
    return len(rows)
