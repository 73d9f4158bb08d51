"""Every change to the register: check the rule, write, append the audit entry, one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR, RESIDENT, Neighbourhood
from pb.neighbourhoods.services import postcode_in_area, role_in
from pb.postcodes import normalise
from pb.services import ServiceError, transaction
from pb.text import required_text

from . import deadlines
from .models import (
    DECISION,
    GROUP_KINDS,
    KINDS,
    LISTED,
    NOTICE,
    OUTCOMES,
    UNINCORPORATED,
    UNINCORPORATED_MINIMUM,
    Asset,
    CouncilDecision,
    DateCorrection,
    Nomination,
    NominationSupporter,
    SaleNotice,
)


@dataclass
class AssetInput:
    name: str
    address: str
    postcode: str
    kind: str
    owner: str
    why: str


def _verified_resident(user: User, hood_id: int, doing: str) -> None:
    member = role_in(user, hood_id, RESIDENT)
    if role_in(user, hood_id, FACILITATOR) is None and (member is None or member.verified_at is None):
        raise ServiceError(f"Only verified residents {doing}. Ask a facilitator to check your address")


def _facilitator(user: User, hood_id: int, doing: str) -> None:
    if role_in(user, hood_id, FACILITATOR) is None:
        raise ServiceError(f"Only facilitators {doing}")


def _past_or_today(day: date | None, field: str, what: str) -> date:
    if day is None:
        raise ServiceError(f"Enter {what} as a date, like 14 March 2027", field=field)
    if day > timeutil.today():
        raise ServiceError(f"{what[0].upper()}{what[1:]} cannot be in the future", field=field)
    return day


# --- the register --------------------------------------------------------------------------------------

def register_asset(hood: Neighbourhood, user: User, data: AssetInput) -> Asset:
    _verified_resident(user, hood.id, "add places to the register")
    name = required_text(data.name, field="name", label="The place's name", limit=120,
                         missing="Enter the place's name, like ‘The Red Lion’")
    address = required_text(data.address, field="address", label="The address", limit=300,
                            missing="Enter the place's address")
    postcode = normalise(data.postcode)
    if postcode is None:
        raise ServiceError("Enter the place's postcode, like EB1 2AB", field="postcode")
    if data.kind not in KINDS:
        raise ServiceError("Choose what kind of place it is", field="kind")
    owner = (data.owner or "").strip()
    if len(owner) > 200:
        raise ServiceError("The owner must be 200 characters or fewer", field="owner")
    why = required_text(data.why, field="why", label="Why it matters", limit=5000,
                        missing="Say why the place matters to the community")
    with transaction():
        number = (db.session.scalar(select(func.max(Asset.number)).where(Asset.neighbourhood_id == hood.id)) or 0) + 1
        asset = Asset(neighbourhood_id=hood.id, number=number, name=name, address=address, postcode=postcode,
                      kind=data.kind, owner=owner, why=why, created_by_id=user.id)
        db.session.add(asset)
        db.session.flush()
        record("asset.registered", asset, actor=user, neighbourhood=hood,
               payload={"number": number, "name": name, "kind": data.kind, "postcode": postcode,
                        "in_area": postcode_in_area(hood, postcode)})
    return asset


# --- nomination -----------------------------------------------------------------------------------------

def current_nomination(asset: Asset) -> Nomination | None:
    return asset.nominations[-1] if asset.nominations else None


def start_nomination(asset: Asset, user: User, *, group_name: str, group_kind: str) -> Nomination:
    _verified_resident(user, asset.neighbourhood_id, "nominate a place")
    nomination = current_nomination(asset)
    if nomination is not None and (nomination.sent_on is None or status(asset)["state"] != "refused"):
        raise ServiceError(f"{asset.name} already has a nomination: add your name to it instead")
    group_name = required_text(group_name, field="group_name", label="The group's name", limit=120,
                               missing="Enter the name of the group nominating it")
    if group_kind not in GROUP_KINDS:
        raise ServiceError("Choose what kind of group it is", field="group_kind")
    with transaction():
        nomination = Nomination(asset_id=asset.id, group_name=group_name, group_kind=group_kind, started_by_id=user.id)
        db.session.add(nomination)
        db.session.flush()
        # The one who starts it is its first supporter.
        db.session.add(NominationSupporter(nomination_id=nomination.id, user_id=user.id))
        record("asset.nominated", nomination, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "group": group_name, "group_kind": group_kind})
    db.session.refresh(asset)
    return nomination


def support_nomination(nomination: Nomination, user: User) -> NominationSupporter:
    asset = nomination.asset
    _verified_resident(user, asset.neighbourhood_id, "add their names to a nomination")
    if nomination.sent_on is not None:
        raise ServiceError("This nomination has already gone to the council")
    if any(s.user_id == user.id for s in nomination.supporters):
        raise ServiceError("You have already added your name")
    with transaction():
        supporter = NominationSupporter(nomination_id=nomination.id, user_id=user.id)
        db.session.add(supporter)
        db.session.flush()
        record("asset.nomination_supported", nomination, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "supporters": len(nomination.supporters) + 1})
    db.session.refresh(nomination)
    return supporter


def mark_sent(nomination: Nomination, user: User, *, sent_on: date | None) -> None:
    """The group has sent the nomination to the council: it is complete from here."""
    asset = nomination.asset
    if user.id != nomination.started_by_id:
        _facilitator(user, asset.neighbourhood_id, "or the person who started it say it has been sent")
    if nomination.sent_on is not None:
        raise ServiceError("This nomination is already marked as sent")
    if nomination.group_kind == UNINCORPORATED and nomination.needs:
        raise ServiceError(f"An unincorporated group needs at least {UNINCORPORATED_MINIMUM} local people: "
                           f"{len(nomination.supporters)} have added their names, {nomination.needs} more needed",
                           field="sent_on")
    sent_on = _past_or_today(sent_on, "sent_on", "the day it was sent")
    if sent_on < nomination.created_at.date():
        raise ServiceError("It cannot have been sent before it was started on pb "
                           f"({nomination.created_at.date():%-d %B %Y})", field="sent_on")
    with transaction():
        nomination.sent_on = sent_on
        record("asset.nomination_sent", nomination, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "sent_on": sent_on.isoformat(), "supporters": len(nomination.supporters)})


# --- the council's decision and the owner's notice --------------------------------------------------------

def record_decision(asset: Asset, user: User, *, outcome: str, decided_on: date | None, reference: str,
                    reasons: str) -> CouncilDecision:
    _facilitator(user, asset.neighbourhood_id, "record the council's decision")
    nomination = current_nomination(asset)
    if nomination is None or nomination.sent_on is None:
        raise ServiceError("Record the decision once the nomination has been sent to the council")
    if any(d.nomination_id == nomination.id for d in asset.decisions):
        raise ServiceError("The council's decision on this nomination is already recorded: correct its date if it "
                           "was entered wrongly")
    if outcome not in OUTCOMES:
        raise ServiceError("Choose what the council decided", field="outcome")
    decided_on = _past_or_today(decided_on, "decided_on", "the date of the decision")
    if decided_on < nomination.sent_on:
        raise ServiceError(f"The decision cannot come before the nomination was sent ({nomination.sent_on:%-d %B %Y})",
                           field="decided_on")
    reference = (reference or "").strip()
    if len(reference) > 60:
        raise ServiceError("The council's reference must be 60 characters or fewer", field="reference")
    with transaction():
        decision = CouncilDecision(asset_id=asset.id, nomination_id=nomination.id, outcome=outcome,
                                   decided_on=decided_on, reference=reference, reasons=(reasons or "").strip(),
                                   recorded_by_id=user.id)
        db.session.add(decision)
        db.session.flush()
        payload = {"asset": asset.number, "outcome": outcome, "decided_on": decided_on.isoformat(), "reference": reference}
        if outcome == LISTED:
            payload["listed_until"] = deadlines.listing(decided_on).ends_on.isoformat()
        record("asset.decision_recorded", decision, actor=user, neighbourhood=asset_hood(asset), payload=payload)
    db.session.refresh(asset)
    return decision


def record_notice(asset: Asset, user: User, *, notified_on: date | None) -> SaleNotice:
    _facilitator(user, asset.neighbourhood_id, "record an owner's notice to sell")
    state = status(asset)
    if state["listing"] is None:
        raise ServiceError(f"{asset.name} is not listed, so the Right to Bid does not apply to a sale")
    notified_on = _check_notice_date(state, _past_or_today(notified_on, "notified_on", "the date of the notice"))
    moratorium = state["moratorium"]
    if moratorium is not None and notified_on <= moratorium.protected_ends_on:
        raise ServiceError(f"A notice from {moratorium.notified_on:%-d %B %Y} is still in its protected period (until "
                           f"{moratorium.protected_ends_on:%-d %B %Y}): a new moratorium cannot start before it ends",
                           field="notified_on")
    with transaction():
        notice = SaleNotice(asset_id=asset.id, notified_on=notified_on, recorded_by_id=user.id)
        db.session.add(notice)
        db.session.flush()
        dates = deadlines.moratorium(notified_on)
        record("asset.sale_notified", notice, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "notified_on": notified_on.isoformat(),
                        **{f"{name}_ends_on": day.isoformat() for name, day in dates.deadlines()}})
    db.session.refresh(asset)
    return notice


def _check_notice_date(state: dict, notified_on: date) -> date:
    listing = state["listing"]
    if notified_on < listing.listed_on:
        raise ServiceError(f"The notice cannot come before the listing ({listing.listed_on:%-d %B %Y})", field="notified_on")
    if notified_on > listing.ends_on:
        raise ServiceError(f"The listing ended on {listing.ends_on:%-d %B %Y}, before this notice", field="notified_on")
    return notified_on


def correct_date(asset: Asset, user: User, *, what: str, new_date: date | None, reason: str) -> DateCorrection:
    """A date entered wrongly: the correction is recorded with its reason beside the first date."""
    _facilitator(user, asset.neighbourhood_id, "correct a recorded date")
    rows = {DECISION: asset.decisions, NOTICE: asset.notices}.get(what)
    if not rows:
        raise ServiceError("Choose a recorded date to correct", field="what")
    target = rows[-1]
    old = effective_date(asset, what, target)
    reason = required_text(reason, field="reason", label="The reason", limit=1000,
                           missing="Say why the date was wrong, for example ‘typed 2027 for 2026’")
    new_date = _past_or_today(new_date, "new_date", "the correct date")
    if new_date == old:
        raise ServiceError(f"That is the date already recorded ({old:%-d %B %Y})", field="new_date")
    if what == DECISION:
        nomination = next(n for n in asset.nominations if n.id == target.nomination_id)
        if new_date < nomination.sent_on:
            raise ServiceError(f"The decision cannot come before the nomination was sent ({nomination.sent_on:%-d %B %Y})",
                               field="new_date")
    else:
        _check_notice_date(status(asset), new_date)
    with transaction():
        correction = DateCorrection(asset_id=asset.id, what=what, target_id=target.id, old_date=old, new_date=new_date,
                                    reason=reason, corrected_by_id=user.id)
        db.session.add(correction)
        db.session.flush()
        record("asset.date_corrected", correction, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "what": what, "from": old.isoformat(), "to": new_date.isoformat(),
                        "reason": reason})
    db.session.refresh(asset)
    return correction


# --- reading the state ---------------------------------------------------------------------------------------

def asset_hood(asset: Asset) -> Neighbourhood:
    return db.session.get(Neighbourhood, asset.neighbourhood_id)


def effective_date(asset: Asset, what: str, target) -> date:
    """The date as last corrected (or as first recorded)."""
    first = target.decided_on if what == DECISION else target.notified_on
    fixes = [c for c in asset.corrections if c.what == what and c.target_id == target.id]
    return fixes[-1].new_date if fixes else first


def status(asset: Asset, today: date | None = None) -> dict:
    """Where the asset stands: its state, listing and moratorium dates, from the rows and corrections."""
    today = today or timeutil.today()
    nomination = current_nomination(asset)
    decision = asset.decisions[-1] if asset.decisions else None
    listing = moratorium = None
    state = "registered"
    if nomination is not None:
        state = "nominated" if nomination.sent_on is None else "with_council"
    if decision is not None and (nomination is None or decision.nomination_id == nomination.id):
        decided_on = effective_date(asset, DECISION, decision)
        if decision.outcome == LISTED:
            listing = deadlines.listing(decided_on)
            state = "listed" if today <= listing.ends_on else "listing_ended"
        else:
            state = "refused"
    if listing is not None and asset.notices:
        notice = asset.notices[-1]
        moratorium = deadlines.moratorium(effective_date(asset, NOTICE, notice))
        if today <= moratorium.interim_ends_on:
            state = "interim_moratorium"
        elif today <= moratorium.full_ends_on:
            state = "full_moratorium"
        elif today <= moratorium.protected_ends_on:
            state = "protected_period"
    return {"state": state, "nomination": nomination, "decision": decision, "listing": listing,
            "moratorium": moratorium, "today": today}


STATES = {"registered": "On the register", "nominated": "Nomination being signed",
          "with_council": "Nomination with the council", "listed": "Listed", "refused": "Not listed",
          "listing_ended": "Listing ended", "interim_moratorium": "For sale: interim moratorium",
          "full_moratorium": "For sale: full moratorium", "protected_period": "Protected period"}
