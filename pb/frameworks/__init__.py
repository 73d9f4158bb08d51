"""Programme frameworks as data: each file in pb/frameworks/ names a programme's objectives,
its interventions (themes) with the outputs groups report and whether each is capital, revenue or
both, its investment periods, and where it comes from and when. Update a file when the guidance
changes; the app reads them at start-up and checks them."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent
OUR_OWN = "our_own"
SPENDS = ("capital", "revenue", "both")
APPROVERS = {"council": "the council", "mp": "the MP"}


@dataclass(frozen=True)
class Output:
    key: str
    name: str
    unit: str


@dataclass(frozen=True)
class Intervention:
    key: str
    name: str
    objective: str | None
    spend: str
    outputs: tuple[Output, ...] = ()


@dataclass(frozen=True)
class Period:
    name: str
    first_year: str
    last_year: str

    def holds(self, financial_year: str) -> bool:
        return self.first_year <= financial_year <= self.last_year


@dataclass(frozen=True)
class BoardRules:
    """What the programme asks of a neighbourhood's board (pb.boards checks the board against it)."""
    min_members: int | None = None          # voting members at least
    resident_share_percent: int | None = None  # of voting members living in the area, at least
    chair_not_elected: bool = False         # the chair may not be an elected representative
    approvals: tuple[str, ...] = ()         # whose approval each member needs: "council", "mp"
    required_seats: tuple[str, ...] = ()    # seat kinds that must be filled
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class ReturnRules:
    """Which returns the programme asks for and when (pb.reports): an update for April to September,
    one for October to March, a return for the whole year; each due at the end of the `due_months`th
    month after its period (1: an April to September update is due on 31 October)."""
    six_monthly: bool = True
    second_half: bool = False
    annual: bool = True
    due_months: int = 1
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Framework:
    key: str
    name: str
    source: str
    date: str
    note: str
    objectives: tuple[tuple[str, str], ...]
    interventions: tuple[Intervention, ...]
    periods: tuple[Period, ...] = field(default=())
    board: BoardRules = field(default_factory=BoardRules)
    returns: ReturnRules = field(default_factory=ReturnRules)

    def intervention(self, key: str) -> Intervention | None:
        return next((i for i in self.interventions if i.key == key), None)

    def objective_name(self, key: str | None) -> str:
        return dict(self.objectives).get(key or "", "")

    def period_of(self, financial_year: str) -> Period | None:
        return next((p for p in self.periods if p.holds(financial_year)), None)


class FrameworkError(ValueError):
    pass


def _load(path: Path) -> Framework:
    data = json.loads(path.read_text(encoding="utf-8"))
    objectives = tuple((o["key"], o["name"]) for o in data["objectives"])
    keys = {k for k, _ in objectives}
    interventions = []
    for item in data["interventions"]:
        if item["spend"] not in SPENDS:
            raise FrameworkError(f"{path.name}: {item['key']} spends {item['spend']!r}, not one of {SPENDS}")
        if item.get("objective") and item["objective"] not in keys:
            raise FrameworkError(f"{path.name}: {item['key']} serves the unknown objective {item['objective']!r}")
        interventions.append(Intervention(item["key"], item["name"], item.get("objective"), item["spend"],
                                          tuple(Output(o["key"], o["name"], o["unit"]) for o in item["outputs"])))
    if len({i.key for i in interventions}) != len(interventions):
        raise FrameworkError(f"{path.name}: an intervention key appears twice")
    board = data.get("board") or {}
    unknown = set(board) - set(BoardRules.__dataclass_fields__)
    if unknown:
        raise FrameworkError(f"{path.name}: the board rules name unknown fields {sorted(unknown)}")
    for approver in board.get("approvals", []):
        if approver not in APPROVERS:
            raise FrameworkError(f"{path.name}: a board member cannot need {approver!r}'s approval")
    rules = BoardRules(**{**board, "approvals": tuple(board.get("approvals", ())),
                          "required_seats": tuple(board.get("required_seats", ()))})
    returns = data.get("returns") or {}
    unknown = set(returns) - set(ReturnRules.__dataclass_fields__)
    if unknown:
        raise FrameworkError(f"{path.name}: the return rules name unknown fields {sorted(unknown)}")
    if not 0 < returns.get("due_months", 1) <= 6:
        raise FrameworkError(f"{path.name}: a return is due 1 to 6 months after its period")
    return Framework(data["key"], data["name"], data["source"], data["date"], data.get("note", ""), objectives,
                     tuple(interventions), tuple(Period(**p) for p in data.get("periods", [])), rules,
                     ReturnRules(**returns))


@cache
def frameworks() -> dict[str, Framework]:
    """Every framework shipped, by key, "our own" last."""
    loaded = [_load(path) for path in sorted(FOLDER.glob("*.json"))]
    return {f.key: f for f in sorted(loaded, key=lambda f: (f.key == OUR_OWN, f.name))}


def framework(key: str) -> Framework:
    return frameworks()[key]
