"""State changes of a national programme. Each checks its rules, writes and appends its audit
entries in one transaction: the platform log for the programme, each neighbourhood's own log for
the money its fund is promised."""
from __future__ import annotations

import csv
import hashlib
import io
import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from pb.accounts.models import User
from pb.downloads import csv_text
from pb.extensions import db
from pb.frameworks import frameworks
from pb.funds import planning
from pb.funds.models import Fund, FundSource
from pb.ledger.services import record
from pb.money import is_financial_year
from pb.neighbourhoods.models import Neighbourhood
from pb.services import ServiceError, transaction
from pb.text import required_text

from .formula import FormulaError, Inputs, Share, allocate
from .models import Allocation, AllocationShare, NeighbourhoodFigure, Programme, ProgrammeFigures

FIGURE_COLUMNS = ("neighbourhood", "region", "population", "deprivation_score")
MAX_POUNDS = 10_000_000_000  # £100m a year in pence: far above any programme, below the column's limit


def _admin(user: User) -> None:
    if not user.is_admin:
        raise ServiceError("Only platform admins (the fund's operator) run national programmes")


def _pence(value: int | None, field: str, label: str, *, zero: bool) -> int:
    if value is None:
        raise ServiceError(f"Enter {label.lower()} in pounds, like 1,000,000", field=field)
    if value < 0 or (value == 0 and not zero) or value > MAX_POUNDS:
        raise ServiceError(f"{label} must be more than £0 and at most £100,000,000" if not zero else
                           f"{label} must be £0 or more, and at most £100,000,000", field=field)
    return value


def create_programme(admin: User, *, name: str, description: str, first_year: str, years: int | None,
                     annual_amount: int | None, base_amount: int | None, population_weight: int | None,
                     deprivation_weight: int | None, required_framework: str | None = None) -> Programme:
    _admin(admin)
    name = required_text(name, field="name", label="The programme's name", limit=120,
                         missing="Enter the programme's name, for example ‘Community Wealth Fund’")
    if db.session.scalar(select(Programme.id).where(Programme.name == name)):
        raise ServiceError(f"There is already a programme called {name}", field="name")
    first_year = (first_year or "").strip()
    if not is_financial_year(first_year):
        raise ServiceError("First financial year must be a year like 2027/28", field="first_year")
    if years is None or not 1 <= years <= 15:
        raise ServiceError("A programme lasts between 1 and 15 financial years", field="years")
    annual_amount = _pence(annual_amount, "annual_amount", "The money each year", zero=False)
    base_amount = _pence(base_amount, "base_amount", "The base amount", zero=True)
    if population_weight is None or not 0 <= population_weight <= 100:
        raise ServiceError("The population weight must be a whole percentage from 0 to 100", field="population_weight")
    if deprivation_weight is None or not 0 <= deprivation_weight <= 100:
        raise ServiceError("The deprivation weight must be a whole percentage from 0 to 100", field="deprivation_weight")
    if population_weight + deprivation_weight != 100:
        raise ServiceError(f"The two weights must add up to 100%; they add up to {population_weight + deprivation_weight}%",
                           field="deprivation_weight")
    required_framework = required_framework or None
    if required_framework is not None and required_framework not in frameworks():
        raise ServiceError("Choose one of the frameworks, or let each neighbourhood choose", field="required_framework")
    description = (description or "").strip()
    if len(description) > 4000:
        raise ServiceError("The description must be 4,000 characters or fewer", field="description")
    with transaction():
        programme = Programme(name=name, description=description, first_year=first_year, years=years,
                              annual_amount=annual_amount, base_amount=base_amount, population_weight=population_weight,
                              deprivation_weight=deprivation_weight, created_by_id=admin.id,
                              required_framework=required_framework)
        db.session.add(programme)
        db.session.flush()
        record("programme.created", programme, actor=admin, payload={
            "name": name, "first_year": first_year, "years": years, "annual_amount": annual_amount,
            "base_amount": base_amount, "population_weight": population_weight, "deprivation_weight": deprivation_weight,
            "required_framework": required_framework})
    return programme


# --- the figures ----------------------------------------------------------------------------------

def _score_milli(raw: str) -> int | None:
    if not raw.strip().isascii():  # Decimal would read other scripts' digits, and ² or ① are no score
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > 1000 or value != value.quantize(Decimal("0.001")):
        return None
    return int(value * 1000)


WHOLE_NUMBER = re.compile(r"^[0-9]{1,9}$")  # ASCII digits only: "²".isdigit() is True, but int("²") fails


def parse_figures(text: str) -> list[tuple[Neighbourhood, str, int, int]]:
    """(neighbourhood, region, population, score in thousandths) for every line, or a ServiceError
    naming every bad line: nothing is saved unless every line is right."""
    reader = csv.reader(io.StringIO((text or "").lstrip("\ufeff")))
    try:
        rows = list(reader)
    except csv.Error:  # a value longer than 128 KB, a stray NUL ...
        raise ServiceError(f"Nothing was saved: line {reader.line_num} is not a line of figures (a value is far too "
                           "long, or the file holds something other than text)", field="figures") from None
    if not rows or [c.strip().lower() for c in rows[0]] != list(FIGURE_COLUMNS):
        raise ServiceError("The first line must be the column names: " + ",".join(FIGURE_COLUMNS), field="figures")
    hoods = {h.slug: h for h in db.session.scalars(select(Neighbourhood))}
    problems, seen, parsed = [], {}, []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 4:
            problems.append(f"line {number}: has {len(row)} values, not 4")
            continue
        slug, region, population_text, score_text = (cell.strip() for cell in row)
        hood = hoods.get(slug)
        if hood is None:
            problems.append(f"line {number}: no neighbourhood has the web address name {slug!r}")
        elif slug in seen:
            problems.append(f"line {number}: {slug} is already on line {seen[slug]}")
        seen.setdefault(slug, number)
        if not region or len(region) > 60:
            problems.append(f"line {number}: give the region, in 60 characters or fewer")
        population = int(population_text) if WHOLE_NUMBER.match(population_text) else None
        if population_text.lstrip().startswith("-"):
            problems.append(f"line {number}: the population cannot be negative ({population_text})")
        elif population is None or population == 0:
            problems.append(f"line {number}: the population must be a whole number of people, more than 0, not {population_text!r}")
        score = _score_milli(score_text)
        if score is None:
            problems.append(f"line {number}: the deprivation score must be a number from 0 to 1000 with at most "
                            f"3 decimal places, not {score_text!r}")
        if hood is not None and population and score is not None:
            parsed.append((hood, region, population, score))
    missing = sorted(set(hoods) - set(seen))
    if missing:
        problems.append("missing: " + ", ".join(missing) + " (every neighbourhood needs a line)")
    if problems:
        raise ServiceError("Nothing was saved. " + "; ".join(problems[:20]) +
                           (f"; and {len(problems) - 20} more" if len(problems) > 20 else ""), field="figures")
    return parsed


def figures_csv(rows) -> str:
    """The published figures file; the SHA-256 of its UTF-8 bytes, as downloaded, is recorded with them."""
    return csv_text([FIGURE_COLUMNS, *([row.neighbourhood.slug, row.region, row.population, row.score]
                                       for row in sorted(rows, key=lambda r: r.neighbourhood.slug))])


def import_figures(programme: Programme, admin: User, *, financial_year: str, text: str) -> ProgrammeFigures:
    _admin(admin)
    if financial_year not in programme.financial_years:
        raise ServiceError(f"{programme.name} runs from {programme.financial_years[0]} to {programme.financial_years[-1]}",
                           field="financial_year")
    if allocation_for(programme, financial_year) is not None:
        raise ServiceError(f"The {financial_year} allocation is already confirmed, so its figures are final",
                           field="financial_year")
    parsed = parse_figures(text)
    with transaction():
        figures = db.session.scalar(select(ProgrammeFigures).where(ProgrammeFigures.programme_id == programme.id,
                                                                   ProgrammeFigures.financial_year == financial_year))
        replaced = figures is not None
        if figures is None:
            figures = ProgrammeFigures(programme_id=programme.id, financial_year=financial_year, sha256="",
                                       imported_by_id=admin.id)
            db.session.add(figures)
        figures.rows.clear()
        db.session.flush()
        figures.rows.extend(NeighbourhoodFigure(neighbourhood_id=hood.id, neighbourhood=hood, region=region,
                                                population=population, score_milli=score)
                            for hood, region, population, score in parsed)
        figures.imported_by_id = admin.id
        figures.sha256 = hashlib.sha256(figures_csv(figures.rows).encode()).hexdigest()
        db.session.flush()
        record("programme.figures_imported", figures, actor=admin, payload={
            "programme": programme.id, "financial_year": financial_year, "neighbourhoods": len(parsed),
            "population": sum(p for _, _, p, _ in parsed), "figures_sha256": figures.sha256, "replaced": replaced})
    return figures


def figures_for(programme: Programme, financial_year: str) -> ProgrammeFigures | None:
    return db.session.scalar(select(ProgrammeFigures).where(ProgrammeFigures.programme_id == programme.id,
                                                            ProgrammeFigures.financial_year == financial_year))


def allocation_for(programme: Programme, financial_year: str) -> Allocation | None:
    return db.session.scalar(select(Allocation).where(Allocation.programme_id == programme.id,
                                                      Allocation.financial_year == financial_year))


# --- the allocation -------------------------------------------------------------------------------

def preview(programme: Programme, financial_year: str) -> list[tuple[NeighbourhoodFigure, Share]]:
    """Each neighbourhood's figures and share by the formula, before anything is confirmed."""
    figures = figures_for(programme, financial_year)
    if figures is None:
        raise ServiceError(f"Import the {financial_year} figures first")
    rows = {row.neighbourhood.slug: row for row in figures.rows}
    try:
        shares = allocate(programme.annual_amount, programme.base_amount, programme.population_weight,
                          programme.deprivation_weight,
                          [Inputs(slug, row.population, row.score_milli) for slug, row in sorted(rows.items())])
    except FormulaError as error:
        raise ServiceError(f"The {financial_year} allocation cannot be made: {error}") from None
    return [(rows[share.slug], share) for share in shares]


def confirm_allocation(programme: Programme, admin: User, *, financial_year: str) -> Allocation:
    """Confirm the year's allocation as one action: every neighbourhood's fund is promised its share
    by the programme (a fund and a source are set up where there are none yet)."""
    _admin(admin)
    if financial_year not in programme.financial_years:
        raise ServiceError(f"{programme.name} does not run in {financial_year}")
    if allocation_for(programme, financial_year) is not None:
        raise ServiceError(f"The {financial_year} allocation of {programme.name} is already confirmed; it cannot be "
                           "made twice")
    shares = preview(programme, financial_year)
    figures = figures_for(programme, financial_year)
    with transaction():
        allocation = Allocation(programme_id=programme.id, financial_year=financial_year, figures_id=figures.id,
                                confirmed_by_id=admin.id)
        db.session.add(allocation)
        for row, share in shares:
            allocation.shares.append(AllocationShare(neighbourhood_id=row.neighbourhood_id, base=share.base,
                                                     by_population=share.by_population, by_deprivation=share.by_deprivation))
            _promise(programme, admin, row.neighbourhood, financial_year, share.total)
        db.session.flush()
        record("allocation.confirmed", allocation, actor=admin, payload={
            "programme": programme.id, "financial_year": financial_year, "figures_sha256": figures.sha256,
            "total": sum(s.total for _, s in shares), "neighbourhoods": len(shares)})
    return allocation


def _promise(programme: Programme, admin: User, hood: Neighbourhood, financial_year: str, amount: int) -> None:
    """In the caller's transaction: the neighbourhood's fund for this year (set up if it has none),
    the programme as its source, and the year's promise, each in the neighbourhood's own log."""
    funds = db.session.scalars(select(Fund).where(Fund.neighbourhood_id == hood.id).order_by(Fund.id)).all()
    fund = next((f for f in funds if financial_year in f.financial_years), None)
    if fund is None:
        name = programme.name if all(f.name != programme.name for f in funds) else f"{programme.name} {programme.first_year}"
        fund = planning.write_fund(hood, admin, name=name[:120], description=f"Allocated by {programme.name}, by formula.",
                                   first_year=programme.first_year, years=programme.years)
    source = db.session.scalar(select(FundSource).where(FundSource.fund_id == fund.id, FundSource.name == programme.name))
    if source is None:
        source = planning.write_source(fund, admin, name=programme.name, kind="community_wealth_fund")
    planning.write_promise(source, admin, financial_year=financial_year, amount=amount)
