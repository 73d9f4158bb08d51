"""Auditor packs too large to build inside a request (PB_PACK_IN_REQUEST_BALLOTS: the README's
30-second limit) are built by the job worker into instance/packs/<neighbourhood>/ and listed on the
audit page when ready. A newer build of a round's pack replaces the older one."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from pb.extensions import db
from pb.rounds.models import Round
from pb.voting.models import Ballot

from .pack import export


@dataclass
class ReadyPack:
    round_id: int
    path: Path
    built_at: datetime
    size: int


def folder(hood) -> Path:
    path = Path(current_app.instance_path) / "packs" / hood.slug
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def file_name(hood, round_id: int) -> str:
    return f"{hood.slug}-round-{round_id}-auditor-pack.sqlite"


def ballots_in(round_ids: list[int]) -> dict[int, int]:
    """Each round's ballot count, in one grouped query (the audit page lists every round)."""
    return dict(db.session.execute(select(Ballot.round_id, func.count()).where(Ballot.round_id.in_(round_ids))
                                   .group_by(Ballot.round_id)).all()) if round_ids else {}


def too_large_for_a_request(round_: Round, ballots: int | None = None) -> bool:
    if ballots is None:
        ballots = ballots_in([round_.id]).get(round_.id, 0)
    return ballots > current_app.config["PB_PACK_IN_REQUEST_BALLOTS"]


def ready(hood, round_id: int) -> ReadyPack | None:
    path = folder(hood) / file_name(hood, round_id)
    if not path.exists():
        return None
    stat = path.stat()
    return ReadyPack(round_id, path, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size)


def being_built(hood, round_id: int) -> bool:
    return (folder(hood) / (file_name(hood, round_id) + ".building")).exists()


def mark_building(hood, round_id: int) -> None:
    (folder(hood) / (file_name(hood, round_id) + ".building")).touch()


def build(round_: Round) -> Path:
    """Write the round's pack beside its final name, then move it into place in one step, so a
    half-written pack is never offered."""
    hood = round_.neighbourhood
    target = folder(hood) / file_name(hood, round_.id)
    handle, partial = tempfile.mkstemp(prefix=".building-", suffix=".sqlite", dir=folder(hood))
    os.close(handle)
    try:
        export(round_, partial)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
        (folder(hood) / (file_name(hood, round_.id) + ".building")).unlink(missing_ok=True)
    return target
