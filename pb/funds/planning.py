"""Setting up a fund: its sources, what they promised and paid in, the plan for each financial year
with its ring-fenced capacity share, the neighbourhood's money settings, and rounds drawing their
budget from a fund year. Each change checks its rules, writes, and appends one audit entry, in one
transaction."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.money import is_financial_year, pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, TREASURER, Neighbourhood
from pb.neighbourhoods.services import require_role, role_in
from pb.numbers import MAX_INT
from pb.rounds.models import PUBLISHED, Round
from pb.services import ServiceError, transaction, under_lock
from pb.text import required_text

from .closing import refuse_if_closed
from .figures import financial_year_of, fund_figures, fund_lock, year_end, year_figures
from .models import MAX_FUND_YEARS, SOURCE_KINDS, Fund, FundSource, FundYear, SourcePromise, SourceReceipt

GIVING_PREFIX = re.compile(r"^360G-[A-Za-z0-9-]+$")


def _facilitator(actor: User, hood_id: int, doing: str) -> None:
    require_role(actor, hood_id, FACILITATOR, f"Only facilitators can {doing}")


def _in_life(fund: Fund, financial_year: str, field: str = "financial_year") -> str:
    financial_year = (financial_year or "").strip()
    if not is_financial_year(financial_year):
        raise ServiceError("Financial year must be a year like 2027/28", field=field)
    if financial_year not in fund.financial_years:
        raise ServiceError(f"{financial_year} is outside the fund's life ({fund.span})", field=field)
    return financial_year


def _amount(value, field: str, label: str, *, zero: bool = False) -> int:
    if value is None:
        raise ServiceError(f"Enter {label.lower()}", field=field)
    if value < 0 or (value == 0 and not zero):
        raise ServiceError(f"{label} must be more than £0" if not zero else f"{label} must be £0 or more", field=field)
    if value > MAX_INT:
        raise ServiceError(f"{label} must be {pounds(MAX_INT)} or less", field=field)
    return value


# --- funds and sources ---------------------------------------------------------------------------------

def create_fund(hood: Neighbourhood, actor: User, *, name: str, first_year: str, years: int | None,
                description: str = "") -> Fund:
    _facilitator(actor, hood.id, "set up a fund")
    name = required_text(name, field="name", label="The fund's name", limit=120,
                         missing="Enter the fund's name, for example ‘Eastbrook Community Wealth Fund’")
    first_year = (first_year or "").strip()
    if not is_financial_year(first_year):
        raise ServiceError("First financial year must be a year like 2026/27", field="first_year")
    if years is None or not 1 <= years <= MAX_FUND_YEARS:
        raise ServiceError(f"A fund lasts between 1 and {MAX_FUND_YEARS} financial years", field="years")
    if db.session.scalar(select(Fund.id).where(Fund.neighbourhood_id == hood.id, Fund.name == name)):
        raise ServiceError(f"{hood.name} already has a fund called {name}", field="name")
    description = (description or "").strip()
    if len(description) > 4000:
        raise ServiceError("The description must be 4,000 characters or fewer", field="description")
    with transaction():
        return write_fund(hood, actor, name=name, description=description, first_year=first_year, years=years)


def write_fund(hood: Neighbourhood, actor: User, *, name: str, description: str, first_year: str, years: int) -> Fund:
    """The fund, its yearly plans and its audit entry, in the caller's transaction (rules checked by
    the caller: create_fund, or a national programme's allocation)."""
    fund = Fund(neighbourhood_id=hood.id, name=name, description=description, first_year=first_year,
                years=years, created_by_id=actor.id)
    db.session.add(fund)
    db.session.flush()
    for financial_year in fund.financial_years:
        db.session.add(FundYear(fund_id=fund.id, financial_year=financial_year, planned=0))
    record("fund.created", fund, actor=actor, neighbourhood=hood,
           payload={"name": name, "first_year": first_year, "years": years})
    return fund


def add_source(fund: Fund, actor: User, *, name: str, kind: str) -> FundSource:
    _facilitator(actor, fund.neighbourhood_id, "add where a fund's money comes from")
    name = required_text(name, field="name", label="The source's name", limit=120,
                         missing="Enter where the money comes from, for example ‘Community Wealth Fund’")
    if kind not in SOURCE_KINDS:
        raise ServiceError("Choose what kind of source it is", field="kind")
    if db.session.scalar(select(FundSource.id).where(FundSource.fund_id == fund.id, FundSource.name == name)):
        raise ServiceError(f"This fund already has a source called {name}", field="name")
    with transaction():
        return write_source(fund, actor, name=name, kind=kind)


def write_source(fund: Fund, actor: User, *, name: str, kind: str) -> FundSource:
    """The source and its audit entry, in the caller's transaction."""
    source = FundSource(fund_id=fund.id, name=name, kind=kind)
    db.session.add(source)
    db.session.flush()
    record("fund.source_added", source, actor=actor, neighbourhood=fund.neighbourhood,
           payload={"fund": fund.id, "name": name, "kind": kind})
    return source


def set_promise(source: FundSource, actor: User, *, financial_year: str, amount: int | None) -> SourcePromise:
    """What the source promised for a year (replacing an earlier figure for that year)."""
    fund = source.fund
    _facilitator(actor, fund.neighbourhood_id, "record what a source promised")
    financial_year = _in_life(fund, financial_year)
    amount = _amount(amount, "amount", "The amount promised", zero=True)
    with transaction():
        return write_promise(source, actor, financial_year=financial_year, amount=amount)


def write_promise(source: FundSource, actor: User, *, financial_year: str, amount: int) -> SourcePromise:
    """The year's promise (replacing an earlier figure) and its audit entry, in the caller's transaction."""
    fund = source.fund
    promise = db.session.scalar(select(SourcePromise).where(SourcePromise.source_id == source.id,
                                                            SourcePromise.financial_year == financial_year))
    before = promise.amount if promise else None
    if promise is None:
        promise = SourcePromise(source_id=source.id, financial_year=financial_year, amount=amount)
        db.session.add(promise)
    promise.amount = amount
    db.session.flush()
    record("fund.promise_set", promise, actor=actor, neighbourhood=fund.neighbourhood,
           payload={"fund": fund.id, "source": source.name, "financial_year": financial_year,
                    "amount": amount, "was": before})
    return promise


@under_lock(lambda source, *args, **kwargs: (Fund, source.fund_id))  # none after the fund closes
def record_receipt(source: FundSource, actor: User, *, amount: int | None, received_on: date | None,
                   reference: str = "", financial_year: str | None = None) -> SourceReceipt:
    """Money that arrived from a source: recorded by a treasurer."""
    fund = source.fund
    require_role(actor, fund.neighbourhood_id, TREASURER, "Only treasurers record money received")
    refuse_if_closed(fund, "take in more money", field="amount")
    amount = _amount(amount, "amount", "The amount received")
    if received_on is None:
        raise ServiceError("Enter the date the money arrived", field="received_on")
    if received_on > timeutil.today():
        raise ServiceError("The date the money arrived cannot be in the future", field="received_on")
    financial_year = _in_life(fund, financial_year or financial_year_of(received_on),
                              field="financial_year" if financial_year else "received_on")
    reference = (reference or "").strip()
    if len(reference) > 120:
        raise ServiceError("The reference must be 120 characters or fewer", field="reference")
    with transaction():
        receipt = SourceReceipt(source_id=source.id, financial_year=financial_year, amount=amount,
                                received_on=received_on, reference=reference, recorded_by_id=actor.id)
        db.session.add(receipt)
        db.session.flush()
        record("fund.money_received", receipt, actor=actor, neighbourhood=fund.neighbourhood,
               payload={"fund": fund.id, "source": source.name, "financial_year": financial_year, "amount": amount,
                        "received_on": received_on.isoformat(), "reference": reference})
    return receipt


@under_lock(lambda fund, *args, **kwargs: (Fund, fund.id))
def set_year_plan(fund: Fund, actor: User, *, financial_year: str, planned: int | None,
                  capacity_percent: int | None = None, capacity_amount: int | None = None) -> FundYear:
    """The money available in a year and its ring-fenced capacity share (a percentage or an amount)."""
    _facilitator(actor, fund.neighbourhood_id, "plan a fund's years")
    refuse_if_closed(fund, "change its plan", field="planned")
    financial_year = _in_life(fund, financial_year)
    planned = _amount(planned, "planned", "The amount available", zero=True)
    if capacity_percent is not None and capacity_amount is not None:
        raise ServiceError("Give the capacity-building share as a percentage or as an amount, not both",
                           field="capacity_percent")
    if capacity_percent is not None and not 0 <= capacity_percent <= 100:
        raise ServiceError("The capacity-building percentage must be between 0 and 100", field="capacity_percent")
    if capacity_amount is not None and not 0 <= capacity_amount <= planned:
        raise ServiceError(f"The capacity-building amount must be between £0 and the year's {pounds(planned)}",
                           field="capacity_amount")
    year = db.session.scalar(select(FundYear).where(FundYear.fund_id == fund.id,
                                                    FundYear.financial_year == financial_year))
    figures = year_figures(year)
    if year_end(financial_year) < timeutil.today() and planned != year.planned:
        raise ServiceError(f"{financial_year} has ended: its plan can no longer change", field="planned")
    shortfall = figures.committed - figures.carried_in - figures.returned
    if planned < shortfall:
        raise ServiceError(f"{financial_year} already has {pounds(figures.committed)} committed to rounds and grants, "
                           f"so it needs at least {pounds(shortfall)} planned", field="planned")
    capacity = capacity_amount if capacity_amount is not None else planned * (capacity_percent or 0) // 100
    if capacity < figures.capacity_granted:
        raise ServiceError(f"Capacity-building grants of {pounds(figures.capacity_granted)} already draw on this "
                           "year's share, so it cannot be smaller than that", field="capacity_percent")
    with transaction():
        before = {"planned": year.planned, "capacity": year.capacity}
        year.planned, year.capacity_percent, year.capacity_amount = planned, capacity_percent, capacity_amount
        db.session.flush()
        for short in fund_figures(fund).years:
            if short.left < 0:
                raise ServiceError(f"With this plan {short.financial_year} would have {pounds(short.left)} left: it has "
                                   f"{pounds(short.committed)} committed against {pounds(short.planned)} planned, "
                                   f"{pounds(short.carried_in)} carried forward and {pounds(short.returned)} paid back",
                                   field="planned")
        record("fund.year_planned", year, actor=actor, neighbourhood=fund.neighbourhood,
               payload={"fund": fund.id, "financial_year": financial_year, "planned": planned,
                        "capacity_percent": capacity_percent, "capacity_amount": capacity_amount,
                        "capacity": capacity, "was": before})
    return year


# --- the neighbourhood's money settings ------------------------------------------------------------------

def set_money_settings(hood: Neighbourhood, member: User, *, giving_prefix: str, payment_approval_threshold: int | None,
                       full_reporting_threshold: int | None, facilitators_record_payments: bool) -> dict:
    """Board members set these: they decide who may pay money out and when a second person must approve."""
    require_role(member, hood.id, BOARD_MEMBER, "Only partnership board members change the money settings")
    giving_prefix = (giving_prefix or "").strip()
    if giving_prefix and not GIVING_PREFIX.match(giving_prefix):
        raise ServiceError("The 360Giving prefix must be 360G- followed by letters, digits and hyphens, "
                           "like 360G-eastbrook", field="giving_prefix")
    if len(giving_prefix) > 60:
        raise ServiceError("The 360Giving prefix must be 60 characters or fewer", field="giving_prefix")
    payment_approval_threshold = _amount(payment_approval_threshold, "payment_approval_threshold",
                                         "The payment approval threshold")
    full_reporting_threshold = _amount(full_reporting_threshold, "full_reporting_threshold",
                                       "The full reporting threshold")
    changes = {"giving_prefix": giving_prefix, "payment_approval_threshold": payment_approval_threshold,
               "full_reporting_threshold": full_reporting_threshold,
               "facilitators_record_payments": bool(facilitators_record_payments)}
    changed = {k: v for k, v in changes.items() if getattr(hood, k) != v}
    if not changed:
        return {}
    with transaction():
        before = {k: getattr(hood, k) for k in changed}
        for key, value in changed.items():
            setattr(hood, key, value)
        record("neighbourhood.money_settings_changed", hood, actor=member, neighbourhood=hood,
               payload={"changes": changed, "was": before})
    return changed


def may_record_payments(user: User, hood: Neighbourhood) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if role_in(user, hood.id, TREASURER) is not None:
        return True
    return hood.facilitators_record_payments and role_in(user, hood.id, FACILITATOR) is not None


# --- rounds draw on a fund year ----------------------------------------------------------------------------

def fund_years_for(round_: Round) -> list[FundYear]:
    """The neighbourhood's fund years a round of this financial year can draw on."""
    return db.session.scalars(select(FundYear).join(Fund, Fund.id == FundYear.fund_id).where(
        Fund.neighbourhood_id == round_.neighbourhood_id, FundYear.financial_year == round_.fund_year)
        .order_by(Fund.name)).all()


def check_round_budget(round_: Round, budget: int, fund_year: FundYear | None = None, field: str = "total_budget") -> None:
    """Refuse a round budget larger than its fund year can give (its own current budget aside)."""
    fund_year = fund_year or round_.fund_year_plan
    if fund_year is None:
        return
    figures = year_figures(fund_year)
    own = round_.total_budget if round_.fund_year_id == fund_year.id and round_.is_before(PUBLISHED) else 0
    free = figures.for_rounds + own
    if figures.ended:
        raise ServiceError(f"{fund_year.financial_year} has ended; its money was carried forward to the next year",
                           field=field)
    if budget > free:
        ring = f" ({pounds(figures.capacity_left)} more is ring-fenced for capacity building)" \
            if figures.capacity_left else ""
        raise ServiceError(f"{fund_year.label} has {pounds(free)} left for rounds{ring}, so a budget of "
                           f"{pounds(budget)} is too much", field=field)


@under_lock(lambda round_, actor, fund_year, *args, **kwargs: fund_lock(fund_year))
def allocate_round(round_: Round, actor: User, fund_year: FundYear | None) -> None:
    """Draw the round's whole budget from a fund year (or, with None, from none)."""
    _facilitator(actor, round_.neighbourhood_id, "choose where a round's money comes from")
    if not round_.is_before(PUBLISHED):
        raise ServiceError("The round's results are published: its grants now draw on the fund", field="fund_year_id")
    if fund_year is not None:
        if fund_year.fund.neighbourhood_id != round_.neighbourhood_id:
            raise ServiceError("Choose one of this neighbourhood's funds", field="fund_year_id")
        refuse_if_closed(fund_year.fund, "pay for a round", field="fund_year_id")
        if fund_year.financial_year != round_.fund_year:
            raise ServiceError(f"The round is for {round_.fund_year}; choose a {round_.fund_year} fund year",
                               field="fund_year_id")
        check_round_budget(round_, round_.total_budget, fund_year, field="fund_year_id")
    with transaction():
        before = round_.fund_year_id
        round_.fund_year_id = fund_year.id if fund_year else None
        record("round.fund_year_chosen", round_, actor=actor, neighbourhood=round_.neighbourhood,
               payload={"fund_year": fund_year.id if fund_year else None, "was": before,
                        "fund": fund_year.fund.name if fund_year else None,
                        "financial_year": round_.fund_year, "budget": round_.total_budget})
