"""Writing the plan: starting it under a framework, its sections, its interventions (an own one with
a business case), its investment plan checked against the fund's years, and new versions.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import copy
import hashlib
import re

from sqlalchemy import select

from pb.accounts.models import User
from pb.counting.answers import digest as json_digest
from pb.extensions import db
from pb.frameworks import OUR_OWN, SPENDS, framework, frameworks
from pb.funds.figures import fund_figures
from pb.funds.models import Fund
from pb.ledger.services import record
from pb.money import pounds
from pb.national.models import Allocation, AllocationShare, Programme
from pb.neighbourhoods.models import FACILITATOR, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.proposals import images
from pb.services import ServiceError, transaction
from pb.text import hidden_characters

from .models import Plan, PlanFile, PlanStatus, PlanVersion

VISION_WORDS = 250
SECTION_LIMITS = {"context": 6000, "boundary": 2000, "vision": 2500, "legacy": 4000}
SECTION_LABELS = {"context": "Local context", "boundary": "The boundary", "vision": "The vision",
                  "legacy": "Legacy statement"}
BUSINESS_CASE = {"need": "The need", "options": "Options considered", "cost": "Cost",
                 "outputs": "Outputs", "risks": "Risks"}
MOST_PER_YEAR = 50_000_000_00  # £50 million in pence: a typing slip, not a plan


def words_in(text: str) -> int:
    return len(re.findall(r"\S+", text or ""))


def digest(content: dict) -> str:
    """The SHA-256 of a version's content as compact JSON with sorted keys: what the ledger records
    (the same canonical digest the verifier computes, pb.counting.answers.digest)."""
    return json_digest(content)


def _facilitator(plan_or_hood, user: User, doing: str) -> None:
    hood_id = getattr(plan_or_hood, "neighbourhood_id", None) or plan_or_hood.id
    require_role(user, hood_id, FACILITATOR, f"Only facilitators {doing}")


def _writable(version: PlanVersion) -> None:
    if version.status not in (PlanStatus.DRAFT, PlanStatus.OUT_FOR_COMMENT):
        raise ServiceError(f"Version {version.number} is {version.status_label.lower()}: start a new version to "
                           "change the plan")


def _save(version: PlanVersion, content: dict, actor: User, action: str, payload: dict) -> None:
    """Inside the caller's transaction. Every change rewrites the version's one JSON document, so two
    people saving at once would lose one change: lock the row, and refuse if it moved since read."""
    db.session.execute(select(PlanVersion.id).where(PlanVersion.id == version.id).with_for_update())
    stored = db.session.scalar(select(PlanVersion.content).where(PlanVersion.id == version.id))
    if stored != version.content:
        raise ServiceError("Someone else changed this version a moment ago. Look at it again and redo your change")
    version.content = content
    plan = db.session.get(Plan, version.plan_id)
    record(action, version, actor=actor, neighbourhood=plan.neighbourhood,
           payload={"version": version.number, **payload, "content_sha256": digest(content)})


def empty_content() -> dict:
    return {"context": "", "boundary": "", "vision": "", "legacy": "", "objectives": [], "interventions": [],
            "investment": {}}


def plan_of(hood: Neighbourhood) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.neighbourhood_id == hood.id))


def required_frameworks(hood: Neighbourhood) -> dict[str, str]:
    """{programme name: framework key} for each national programme sharing money with this
    neighbourhood that requires its plan to follow one framework."""
    return dict(db.session.execute(
        select(Programme.name, Programme.required_framework)
        .join(Allocation, Allocation.programme_id == Programme.id)
        .join(AllocationShare, AllocationShare.allocation_id == Allocation.id)
        .where(AllocationShare.neighbourhood_id == hood.id, Programme.required_framework.is_not(None))
        .distinct()).all())


def start_plan(hood: Neighbourhood, facilitator: User, *, framework_key: str | None, fund: Fund | None) -> Plan:
    _facilitator(hood, facilitator, "start the neighbourhood plan")
    if plan_of(hood) is not None:
        raise ServiceError(f"{hood.name} has a plan already: write a new version of it")
    if framework_key not in frameworks():
        raise ServiceError("Choose the programme framework the plan follows", field="framework")
    required = required_frameworks(hood)
    if required and framework_key not in required.values():
        names = " and ".join(f"{programme} asks for the {framework(key).name} framework"
                             for programme, key in required.items())
        raise ServiceError(f"{names}: the plan must follow it", field="framework")
    if fund is not None and fund.neighbourhood_id != hood.id:
        raise ServiceError("Choose one of this neighbourhood's funds", field="fund")
    chosen = framework(framework_key)
    content = empty_content()
    content["objectives"] = [{"key": key, "name": name} for key, name in chosen.objectives]
    with transaction():
        plan = Plan(neighbourhood_id=hood.id, framework=framework_key, fund_id=fund.id if fund else None,
                    created_by_id=facilitator.id)
        db.session.add(plan)
        db.session.flush()
        version = PlanVersion(plan_id=plan.id, number=1, content=content, created_by_id=facilitator.id,
                              note="The first version")
        db.session.add(version)
        db.session.flush()
        record("plan.started", plan, actor=facilitator, neighbourhood=hood,
               payload={"framework": framework_key, "framework_date": chosen.date,
                        "fund": fund.id if fund else None, "content_sha256": digest(content)})
    db.session.refresh(plan)
    return plan


def new_version(plan: Plan, facilitator: User, *, note: str) -> PlanVersion:
    """A new version to change the plan, starting from the latest one."""
    _facilitator(plan, facilitator, "write the neighbourhood plan")
    if plan.open_version is not None:
        raise ServiceError(f"Version {plan.open_version.number} is still being written or out for comment: "
                           "change that one")
    note = (note or "").strip()
    if not note or len(note) > 300 or hidden_characters(note):
        raise ServiceError("Say in a line what this version changes (300 characters at most)", field="note")
    latest = plan.versions[-1]
    with transaction():
        version = PlanVersion(plan_id=plan.id, number=latest.number + 1, content=copy.deepcopy(latest.content),
                              created_by_id=facilitator.id, note=note)
        db.session.add(version)
        db.session.flush()
        record("plan.version_started", version, actor=facilitator, neighbourhood=plan.neighbourhood,
               payload={"version": version.number, "from": latest.number, "note": note,
                        "content_sha256": digest(version.content)})
    db.session.refresh(plan)
    return version


def write_section(version: PlanVersion, facilitator: User, section: str, text: str) -> None:
    plan = db.session.get(Plan, version.plan_id)
    _facilitator(plan, facilitator, "write the neighbourhood plan")
    _writable(version)
    if section not in SECTION_LIMITS:
        raise ServiceError("Choose a part of the plan", field="section")
    text = (text or "").replace("\r\n", "\n").strip()
    if hidden_characters(text):
        raise ServiceError(f"{SECTION_LABELS[section]} contains hidden characters: retype it", field="text")
    if len(text) > SECTION_LIMITS[section]:
        raise ServiceError(f"{SECTION_LABELS[section]} must be {SECTION_LIMITS[section]:,} characters or fewer",
                           field="text")
    if section == "vision" and words_in(text) > VISION_WORDS:
        raise ServiceError(f"The vision must be {VISION_WORDS} words or fewer: it has {words_in(text)}", field="text")
    content = copy.deepcopy(version.content)
    content[section] = text
    with transaction():
        _save(version, content, facilitator, "plan.section_written",
              {"section": section, "words": words_in(text)})


def choose_interventions(version: PlanVersion, facilitator: User, keys: list[str]) -> None:
    """The framework's interventions the plan pursues (its own ones are kept)."""
    plan = db.session.get(Plan, version.plan_id)
    _facilitator(plan, facilitator, "write the neighbourhood plan")
    _writable(version)
    chosen = framework(plan.framework)
    unknown = [k for k in keys if chosen.intervention(k) is None]
    if unknown:
        raise ServiceError("Choose from the framework's interventions", field="interventions")
    content = copy.deepcopy(version.content)
    kept = [i for i in content["interventions"] if i.get("own")]
    current = {i["key"]: i for i in content["interventions"]}
    for key in keys:
        item = chosen.intervention(key)
        kept.append(current.get(key) or {"key": key, "name": item.name, "objective": item.objective,
                                         "spend": item.spend, "own": False, "business_case": None, "targets": {}})
    dropped = set(current) - {i["key"] for i in kept}
    in_plan = [key for key in dropped if any(key in year for year in content["investment"].values())]
    if in_plan:
        names = ", ".join(current[k]["name"] for k in in_plan)
        raise ServiceError(f"The investment plan still puts money into {names}: take it out first",
                           field="interventions")
    content["interventions"] = sorted(kept, key=lambda i: (i.get("own", False), i["name"]))
    with transaction():
        _save(version, content, facilitator, "plan.interventions_chosen",
              {"interventions": [i["key"] for i in content["interventions"]]})


def _slug(name: str) -> str:
    return "own_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40]


def add_own_intervention(version: PlanVersion, facilitator: User, *, name: str, objective: str | None,
                         spend: str, business_case: dict[str, str]) -> dict:
    """An intervention of the neighbourhood's own. Off a framework's list it needs a business case
    (need, options, cost, outputs, risks) before the board can approve the version."""
    plan = db.session.get(Plan, version.plan_id)
    _facilitator(plan, facilitator, "write the neighbourhood plan")
    _writable(version)
    name = " ".join((name or "").split())
    if not name or len(name) > 120 or hidden_characters(name):
        raise ServiceError("Enter the intervention's name (120 characters at most)", field="name")
    if spend not in SPENDS:
        raise ServiceError("Choose whether it pays for capital, revenue or both", field="spend")
    objectives = {o["key"] for o in version.content["objectives"]}
    if objective and objective not in objectives:
        raise ServiceError("Choose one of the plan's objectives", field="objective")
    needs_case = plan.framework != OUR_OWN
    case = {}
    for key, label in BUSINESS_CASE.items():
        text = (business_case.get(key) or "").strip()
        if hidden_characters(text):
            raise ServiceError(f"{label} contains hidden characters: retype it", field=key)
        if len(text) > 2000:
            raise ServiceError(f"{label} must be 2,000 characters or fewer", field=key)
        if needs_case and not text:
            raise ServiceError(f"An intervention off the {framework(plan.framework).name} list needs a business "
                               f"case: fill in {label.lower()}", field=key)
        case[key] = text
    key = _slug(name)
    if any(i["key"] == key for i in version.content["interventions"]):
        raise ServiceError(f"The plan already has an intervention called ‘{name}’", field="name")
    item = {"key": key, "name": name, "objective": objective or None, "spend": spend, "own": True,
            "business_case": case if any(case.values()) else None, "targets": {}}
    content = copy.deepcopy(version.content)
    content["interventions"].append(item)
    with transaction():
        _save(version, content, facilitator, "plan.intervention_added",
              {"intervention": key, "name": name, "spend": spend, "business_case": bool(item["business_case"])})
    return item


def set_targets(version: PlanVersion, facilitator: User, targets: dict[tuple[str, str], int | None]) -> None:
    """The number the plan aims for on each intervention's outputs, over the plan; None clears one."""
    plan = db.session.get(Plan, version.plan_id)
    _facilitator(plan, facilitator, "write the neighbourhood plan")
    _writable(version)
    chosen = framework(plan.framework)
    content = copy.deepcopy(version.content)
    for (intervention, output), target in targets.items():
        item = next((i for i in content["interventions"] if i["key"] == intervention), None)
        known = chosen.intervention(intervention)
        if item is None or known is None or output not in {o.key for o in known.outputs}:
            raise ServiceError("Choose one of the interventions' outputs", field=f"{intervention}-{output}")
        if target is not None and not 0 <= target <= 10_000_000:
            raise ServiceError("Enter a target from 0 to 10,000,000, or leave it blank", field=f"{intervention}-{output}")
        item.setdefault("targets", {})
        if target is None:
            item["targets"].pop(output, None)
        else:
            item["targets"][output] = target
    with transaction():
        _save(version, content, facilitator, "plan.targets_set",
              {"targets": {i["key"]: i.get("targets", {}) for i in content["interventions"] if i.get("targets")}})


# --- the investment plan against the fund ------------------------------------------------------------

def year_total(content: dict, financial_year: str) -> int:
    return sum(v.get("capital", 0) + v.get("revenue", 0) for v in content["investment"].get(financial_year, {}).values())


def money_problems(plan: Plan, content: dict) -> list[str]:
    """Each year where the plan's interventions and the ring-fenced capacity share come to more than
    the fund holds that year; each year the plan names outside the fund's life."""
    if plan.fund_id is None:
        return ["The plan is not tied to a fund yet, so its investment plan cannot be checked"] \
            if content["investment"] else []
    fund = db.session.get(Fund, plan.fund_id)
    figures = fund_figures(fund)
    problems = []
    for year in sorted(content["investment"]):
        total = year_total(content, year)
        held = figures.by_year.get(year)
        if held is None:
            problems.append(f"{year} is outside {fund.name}'s years ({fund.first_year} for {fund.years} years)")
            continue
        if total + held.capacity > held.planned:
            problems.append(f"{year}: the plan puts {pounds(total)} into its interventions and "
                            f"{pounds(held.capacity)} is ring-fenced for community capacity, {pounds(total + held.capacity)} "
                            f"in all, but {fund.name} holds {pounds(held.planned)} that year: "
                            f"{pounds(total + held.capacity - held.planned)} too much")
    return problems


def set_investment(version: PlanVersion, facilitator: User, *, financial_year: str, intervention: str,
                   capital: int | None, revenue: int | None) -> None:
    """What the plan puts into one intervention in one year. Refused if the year would then hold
    more than the fund has for it, naming both figures."""
    plan = db.session.get(Plan, version.plan_id)
    _facilitator(plan, facilitator, "write the investment plan")
    _writable(version)
    if plan.fund_id is None:
        raise ServiceError("Tie the plan to a fund first: the investment plan spends a fund's years")
    item = next((i for i in version.content["interventions"] if i["key"] == intervention), None)
    if item is None:
        raise ServiceError("Choose one of the plan's interventions", field="intervention")
    capital, revenue = capital or 0, revenue or 0
    for field, value in (("capital", capital), ("revenue", revenue)):
        if not 0 <= value <= MOST_PER_YEAR:
            raise ServiceError(f"Enter the {field} amount in pounds, from £0 to {pounds(MOST_PER_YEAR)}", field=field)
    if item["spend"] == "capital" and revenue:
        raise ServiceError(f"{item['name']} pays for capital only: put the revenue elsewhere", field="revenue")
    if item["spend"] == "revenue" and capital:
        raise ServiceError(f"{item['name']} pays for revenue only: put the capital elsewhere", field="capital")
    content = copy.deepcopy(version.content)
    year = content["investment"].setdefault(financial_year, {})
    if capital or revenue:
        year[intervention] = {"capital": capital, "revenue": revenue}
    else:
        year.pop(intervention, None)
        if not year:
            content["investment"].pop(financial_year)
    problems = [p for p in money_problems(plan, content) if p.startswith(financial_year)]
    if problems:
        raise ServiceError("Not saved. " + problems[0], field="capital")
    with transaction():
        _save(version, content, facilitator, "plan.investment_set",
              {"financial_year": financial_year, "intervention": intervention, "capital": capital,
               "revenue": revenue, "year_total": year_total(content, financial_year)})


def approval_problems(plan: Plan, version: PlanVersion) -> list[str]:
    """What stops the board approving this version."""
    content = version.content
    problems = []
    if not content["vision"]:
        problems.append("Write the vision")
    if words_in(content["vision"]) > VISION_WORDS:
        problems.append(f"The vision has more than {VISION_WORDS} words")
    if not content["interventions"]:
        problems.append("Choose at least one intervention")
    if plan.framework != OUR_OWN:
        missing = [i["name"] for i in content["interventions"] if i.get("own") and not i.get("business_case")]
        if missing:
            problems.append(f"{', '.join(missing)} needs a business case")
    problems += money_problems(plan, content)
    return problems


PDF_LIMIT = 5 * 1024 * 1024


def attach_boundary_map(version: PlanVersion, facilitator: User, *, raw: bytes | None, description: str) -> PlanFile:
    """A map of the boundary for this version: a picture (re-encoded: nothing but pixels is kept) or a
    PDF (kept as uploaded, served as a download). The version's content names it by its SHA-256."""
    plan = db.session.get(Plan, version.plan_id)
    _facilitator(plan, facilitator, "write the neighbourhood plan")
    _writable(version)
    if not raw:
        raise ServiceError("Choose the map's file: a picture (JPG, PNG, WEBP, GIF) or a PDF", field="image")
    description = " ".join((description or "").split())
    if not description or len(description) > 300 or hidden_characters(description):
        raise ServiceError("Describe what the map shows, for people who cannot see it (300 characters at most)",
                           field="description")
    if raw[:5] == b"%PDF-":
        if len(raw) > PDF_LIMIT:
            raise ServiceError("The PDF must be smaller than 5 MB", field="image")
        data, mime = raw, "application/pdf"
    else:
        encoded = images.reencode(raw)
        data, mime = encoded.data, encoded.mime_type
    sha = hashlib.sha256(data).hexdigest()
    content = copy.deepcopy(version.content)
    with transaction():
        row = PlanFile(plan_id=plan.id, mime_type=mime, sha256=sha, data=data, description=description,
                       uploaded_by_id=facilitator.id)
        db.session.add(row)
        db.session.flush()
        content["boundary_map"] = {"file": row.id, "sha256": sha, "mime_type": mime, "description": description}
        _save(version, content, facilitator, "plan.boundary_map_attached",
              {"file": row.id, "sha256": sha, "mime_type": mime, "bytes": len(data)})
    return row
