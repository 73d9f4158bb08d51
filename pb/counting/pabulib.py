"""Reading and writing Pabulib `.pb` files (https://pabulib.org/format).

A file has three sections, META, PROJECTS and VOTES, each a header line then semicolon-separated
rows (quoted like CSV where a value holds a semicolon or quote). Reading streams the file line by
line; a malformed file is refused with the line number and what is wrong. Every META key and every
extra column is kept, so read-then-write loses nothing.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO

from .model import APPROVAL, CUMULATIVE, ORDINAL, Election, Project, money

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = {"approval": APPROVAL, "choose-1": APPROVAL, "cumulative": CUMULATIVE, "scoring": CUMULATIVE,
              "ordinal": ORDINAL}


class PabulibError(ValueError):
    """A malformed file: `line` is the 1-based line number where the problem is."""

    def __init__(self, line: int | None, message: str):
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


@dataclass
class PabulibFile:
    """The file as written, column by column, alongside the Election built from it."""

    meta: dict[str, str] = field(default_factory=dict)
    project_columns: list[str] = field(default_factory=list)
    project_rows: list[list[str]] = field(default_factory=list)
    vote_columns: list[str] = field(default_factory=list)
    vote_rows: list[list[str]] = field(default_factory=list)
    election: Election | None = None


def _number(raw: str, what: str, line: int) -> int | Fraction:
    try:
        return money(raw.strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise PabulibError(line, f"{what} {raw!r} is not a number") from None


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",")] if raw.strip() else []


def read(source: str | Path | IO[str]) -> PabulibFile:
    """Read a .pb file from a path or an open text stream."""
    if isinstance(source, (str, Path)):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return _read(handle)
    return _read(source)


def reads(text: str) -> PabulibFile:
    return _read(io.StringIO(text))


def _read(handle: IO[str]) -> PabulibFile:
    rows = csv.reader(handle, delimiter=";", quotechar='"')
    result = PabulibFile()
    section = None
    header: list[str] | None = None
    seen_sections: list[str] = []
    kind = None
    projects: dict[str, Project] = {}
    ballots: list[tuple] = []
    ordinal_points: list[tuple[int, ...]] = []
    voter_ids: set[str] = set()
    vote_col = points_col = voter_col = None

    for row in rows:
        line = rows.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip()
        if len(row) == 1 and first.upper() in SECTIONS:
            name = first.upper()
            expected = SECTIONS[len(seen_sections)] if len(seen_sections) < 3 else None
            if name != expected:
                raise PabulibError(line, f"section {name} where {expected or 'the end of the file'} was expected")
            seen_sections.append(name)
            section, header = name, None
            if name == "PROJECTS":
                kind = _start_votes_kind(result.meta, line)
            continue
        if section is None:
            raise PabulibError(line, "the file must start with the META section")
        if header is None:
            header = [cell.strip() for cell in row]
            if section == "META" and header[:2] != ["key", "value"]:
                raise PabulibError(line, "the META section's header must be key;value")
            if section == "PROJECTS":
                for needed in ("project_id", "cost"):
                    if needed not in header:
                        raise PabulibError(line, f"the PROJECTS header has no {needed} column")
                result.project_columns = header
            if section == "VOTES":
                for needed in ("voter_id", "vote"):
                    if needed not in header:
                        raise PabulibError(line, f"the VOTES header has no {needed} column")
                result.vote_columns = header
                voter_col, vote_col = header.index("voter_id"), header.index("vote")
                points_col = header.index("points") if "points" in header else None
                if kind == CUMULATIVE and points_col is None:
                    raise PabulibError(line, f"vote_type {result.meta['vote_type']} needs a points column in VOTES")
            continue
        if len(row) != len(header):
            hint = " (is the PROJECTS line missing before it?)" if section == "META" else ""
            raise PabulibError(line, f"{len(row)} values where the {section} header has {len(header)} columns{hint}")

        if section == "META":
            key = row[0].strip()
            if key in result.meta:
                raise PabulibError(line, f"META key {key!r} appears twice")
            result.meta[key] = row[1].strip()
        elif section == "PROJECTS":
            values = dict(zip(header, (cell.strip() for cell in row), strict=False))
            pid = values["project_id"]
            if not pid:
                raise PabulibError(line, "a project has no project_id")
            if pid in projects:
                raise PabulibError(line, f"project {pid} appears twice")
            cost = _number(values["cost"], f"cost of project {pid}", line)
            if cost < 0:
                raise PabulibError(line, f"cost of project {pid} is negative")
            projects[pid] = Project(pid, cost, values.get("name", ""), values.get("pot") or None,
                                    values.get("category") or None)
            result.project_rows.append(row)
        else:
            voter = row[voter_col].strip()
            if voter in voter_ids:
                raise PabulibError(line, f"voter {voter} appears twice")
            voter_ids.add(voter)
            chosen = _split(row[vote_col])
            for pid in chosen:
                if pid not in projects:
                    raise PabulibError(line, f"voter {voter} votes for project {pid}, which is not in PROJECTS")
            if len(set(chosen)) != len(chosen):
                raise PabulibError(line, f"voter {voter} lists a project twice")
            points = None
            if points_col is not None and (kind in (CUMULATIVE, ORDINAL)):
                raw_points = _split(row[points_col])
                if len(raw_points) != len(chosen):
                    raise PabulibError(line, f"voter {voter} has {len(chosen)} projects but {len(raw_points)} points")
                try:
                    points = tuple(int(p) for p in raw_points)
                except ValueError:
                    raise PabulibError(line, f"voter {voter}'s points are not whole numbers") from None
            if kind == CUMULATIVE:
                ballots.append(tuple(zip(chosen, points, strict=False)))
            else:
                ballots.append(tuple(chosen))
                if kind == ORDINAL and points is not None:
                    ordinal_points.append(points)
            result.vote_rows.append(row)

    end = getattr(rows, "line_num", 0) + 1
    for name in SECTIONS:
        if name not in seen_sections:
            raise PabulibError(end, f"the {name} section is missing")
    if "budget" not in result.meta:
        raise PabulibError(None, "META has no budget")
    budget = _number(result.meta["budget"], "budget", None)
    for key, count, what in (("num_votes", len(ballots), "votes"), ("num_projects", len(projects), "projects")):
        if key in result.meta:
            try:
                declared = int(result.meta[key])
            except ValueError:
                raise PabulibError(None, f"META {key} {result.meta[key]!r} is not a whole number") from None
            if declared != count:
                raise PabulibError(end, f"META {key} says {declared} but the file has {count} {what}")
    result.election = Election(projects, budget, kind, ballots, None, dict(result.meta),
                               ordinal_points if kind == ORDINAL and ordinal_points else None)
    return result


def _start_votes_kind(meta: dict, line: int) -> str:
    vote_type = meta.get("vote_type", "approval").strip().lower()
    if vote_type not in VOTE_TYPES:
        raise PabulibError(line, f"vote_type {vote_type!r} is not one of {', '.join(VOTE_TYPES)}")
    return VOTE_TYPES[vote_type]


def write(data: PabulibFile, target: str | Path | IO[str]) -> None:
    if isinstance(target, (str, Path)):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            _write(data, handle)
    else:
        _write(data, target)


def writes(data: PabulibFile) -> str:
    out = io.StringIO()
    _write(data, out)
    return out.getvalue()


def _write(data: PabulibFile, handle: IO[str]) -> None:
    out = csv.writer(handle, delimiter=";", quotechar='"', lineterminator="\n")
    handle.write("META\n")
    out.writerow(["key", "value"])
    for key, value in data.meta.items():
        out.writerow([key, value])
    handle.write("PROJECTS\n")
    out.writerow(data.project_columns)
    out.writerows(data.project_rows)
    handle.write("VOTES\n")
    out.writerow(data.vote_columns)
    out.writerows(data.vote_rows)


def from_election(election: Election, voter_ids: Iterable[str] | None = None, meta: dict | None = None) -> PabulibFile:
    """A file for an election built in the app (anonymised ballots, voter ids 1, 2, 3...)."""
    vote_type = {APPROVAL: "approval", "knapsack": "approval", CUMULATIVE: "cumulative", ORDINAL: "ordinal"}[election.kind]
    info = {"description": "", "num_projects": str(len(election.projects)), "num_votes": str(election.num_voters),
            "budget": str(election.budget), "vote_type": vote_type}
    info.update(meta or {})
    data = PabulibFile(meta=info)
    data.project_columns = ["project_id", "cost", "name"]
    data.project_rows = [[p.id, str(p.cost), p.name] for p in election.projects.values()]
    ids = iter(voter_ids) if voter_ids is not None else (str(i) for i in range(1, 10**12))
    if election.kind == CUMULATIVE:
        data.vote_columns = ["voter_id", "vote", "points"]
    else:
        data.vote_columns = ["voter_id", "vote"]
    for ballot, weight in election.weighted_ballots():
        for _ in range(weight):
            if election.kind == CUMULATIVE:
                data.vote_rows.append([next(ids), ",".join(p for p, _ in ballot), ",".join(str(s) for _, s in ballot)])
            else:
                data.vote_rows.append([next(ids), ",".join(ballot)])
    data.election = election
    return data
