"""Every change to the register: check the rule, write, append the audit entry, one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.money import pounds
from pb.neighbourhoods.models import FACILITATOR, RESIDENT, Neighbourhood
from pb.neighbourhoods.services import postcode_in_area, postcode_near_area, role_in
from pb.postcodes import normalise
from pb.services import ServiceError, transaction
from pb.text import required_text

from . import deadlines
from .following import tell_followers
from .models import (
    BOUGHT,
    DECISION,
    FUNDING_KINDS,
    GROUP_KINDS,
    KINDS,
    LARGE_PLEDGE,
    LISTED,
    NOT_BOUGHT,
    NOTICE,
    OUTCOMES,
    SPEND_KINDS,
    UNINCORPORATED,
    UNINCORPORATED_MINIMUM,
    Asset,
    Bid,
    CouncilDecision,
    DateCorrection,
    Nomination,
    NominationSupporter,
    OtherFunding,
    Pledge,
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


def require_taking_part(user: User, hood_id: int, doing: str) -> None:
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
    require_taking_part(user, hood.id, "add places to the register")
    name = required_text(data.name, field="name", label="The place's name", limit=120,
                         missing="Enter the place's name, like ‘The Red Lion’")
    address = required_text(data.address, field="address", label="The address", limit=300,
                            missing="Enter the place's address")
    postcode = normalise(data.postcode)
    if postcode is None:
        raise ServiceError("Enter the place's postcode, like EB1 2AB", field="postcode")
    if not postcode_near_area(hood, postcode):
        raise ServiceError(f"{postcode} is not in or near {hood.name}: the register is for places in the neighbourhood "
                           "or just outside it, in one of its postcode districts", field="postcode")
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
    require_taking_part(user, asset.neighbourhood_id, "nominate a place")
    nomination = current_nomination(asset)
    if nomination is not None:
        state = status(asset)
        if nomination.sent_on is None:
            raise ServiceError(f"{asset.name} already has a nomination: add your name to it instead")
        decided = any(d.nomination_id == nomination.id for d in asset.decisions)
        if not decided:
            raise ServiceError(f"{asset.name}'s nomination is with the council: wait for its decision")
        listing = state["listing"]
        # A listing can be renewed from six months before it ends (when followers are reminded).
        if listing is not None and state["today"] < listing.remind_on:
            raise ServiceError(f"{asset.name} is listed until {listing.ends_on:%-d %B %Y}: it can be nominated again from "
                               f"{listing.remind_on:%-d %B %Y}")
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
    require_taking_part(user, asset.neighbourhood_id, "add their names to a nomination")
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
                           f"{nomination.local_count} verified residents have added their names, {nomination.needs} "
                           "more needed",
                           field="sent_on")
    sent_on = _past_or_today(sent_on, "sent_on", "the day it was sent")
    if sent_on < nomination.created_at.date():
        raise ServiceError("It cannot have been sent before it was started on pb "
                           f"({nomination.created_at.date():%-d %B %Y})", field="sent_on")
    with transaction():
        nomination.sent_on = sent_on
        record("asset.nomination_sent", nomination, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "sent_on": sent_on.isoformat(), "supporters": len(nomination.supporters),
                        "verified_residents": nomination.local_count})


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
        tell_followers(asset, "the council has decided", (
            f"The council listed {asset.name} as an asset of community value on {decided_on:%-d %B %Y}, until "
            f"{deadlines.listing(decided_on).ends_on:%-d %B %Y}." if outcome == LISTED else
            f"The council decided on {decided_on:%-d %B %Y} not to list {asset.name}."
            + (f" Its reasons: {decision.reasons}" if decision.reasons else "")))
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
        tell_followers(asset, "the owner intends to sell", (
            f"The owner of {asset.name} told the council on {notified_on:%-d %B %Y} that they intend to sell. A community "
            f"group has until {dates.interim_ends_on:%-d %B %Y} to ask to be treated as a potential bidder; if one does, "
            f"the owner may sell only to a community group until {dates.full_ends_on:%-d %B %Y}."))
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


# --- community bids ----------------------------------------------------------------------------------------

@dataclass
class BidInput:
    group_name: str
    intended_on: date | None
    purchase_price: int | None
    valuation: int | None
    valued_on: date | None
    valuer: str
    refurbishment: int | None
    refurbishment_kind: str
    running_costs: int | None
    running_kind: str
    target: int | None


def current_bid(asset: Asset) -> Bid | None:
    return asset.bids[-1] if asset.bids else None


def record_bid(asset: Asset, user: User, data: BidInput) -> Bid:
    """A group says it intends to bid: inside the interim moratorium, with a target whose parts add up."""
    require_taking_part(user, asset.neighbourhood_id, "record a community bid")
    state = status(asset)
    moratorium = state["moratorium"]
    if moratorium is None or state["state"] not in ("interim_moratorium", "full_moratorium"):
        raise ServiceError(f"{asset.name} is not for sale under a moratorium, so there is nothing to bid for yet")
    if current_bid(asset) is not None and current_bid(asset).outcome is None:
        raise ServiceError("A community bid is already under way: pledge to it instead")
    group_name = required_text(data.group_name, field="group_name", label="The group's name", limit=120,
                               missing="Enter the name of the group bidding")
    intended_on = _past_or_today(data.intended_on, "intended_on", "the day the group asked to be treated as a bidder")
    if intended_on < moratorium.notified_on or intended_on > moratorium.interim_ends_on:
        raise ServiceError(f"A group must ask between the notice ({moratorium.notified_on:%-d %B %Y}) and the end of the "
                           f"interim moratorium ({moratorium.interim_ends_on:%-d %B %Y})", field="intended_on")
    if not data.purchase_price:
        raise ServiceError("Enter the purchase price in pounds, like 350000", field="purchase_price")
    if data.valuation is not None and data.valued_on is None:
        raise ServiceError("Enter the date of the valuation", field="valued_on")
    if data.valued_on is not None and data.valued_on > timeutil.today():
        raise ServiceError("The valuation cannot be dated in the future", field="valued_on")
    for kind, field in ((data.refurbishment_kind, "refurbishment_kind"), (data.running_kind, "running_kind")):
        if kind not in SPEND_KINDS:
            raise ServiceError("Choose revenue or capital", field=field)
    parts = data.purchase_price + (data.refurbishment or 0) + (data.running_costs or 0)
    if data.target is None:
        raise ServiceError("Enter the total the group needs to raise", field="target")
    if data.target != parts:
        raise ServiceError(f"The parts add up to {pounds(parts)}, not {pounds(data.target)}: check the purchase price, "
                           "refurbishment and running costs", field="target")
    with transaction():
        bid = Bid(asset_id=asset.id, group_name=group_name, intended_on=intended_on, purchase_price=data.purchase_price,
                  valuation=data.valuation, valued_on=data.valued_on, valuer=(data.valuer or "").strip()[:120],
                  refurbishment=data.refurbishment or 0, refurbishment_kind=data.refurbishment_kind,
                  running_costs=data.running_costs or 0, running_kind=data.running_kind, target=parts,
                  created_by_id=user.id)
        db.session.add(bid)
        db.session.flush()
        record("asset.bid_recorded", bid, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "group": group_name, "target": parts, "purchase_price": data.purchase_price,
                        "valuation": data.valuation, "intended_on": intended_on.isoformat()})
        tell_followers(asset, "a community bid", f"{group_name} is bidding for {asset.name}: it needs to raise "
                                                   f"{pounds(parts)}. Pledge on its page.")
    db.session.refresh(asset)
    return bid


def pledge(bid: Bid, user: User, *, amount: int | None, show_name: bool, confirm_large: bool = False) -> Pledge:
    asset = db.session.get(Asset, bid.asset_id)
    require_taking_part(user, asset.neighbourhood_id, "pledge to a community bid")
    if bid.outcome is not None:
        raise ServiceError("This bid has ended")
    if amount is None or amount <= 0:
        raise ServiceError("Enter an amount of more than £0, like 50", field="amount")
    if amount > LARGE_PLEDGE and not confirm_large:
        raise ServiceError(f"{pounds(amount)} is more than {pounds(LARGE_PLEDGE)}: tick the box to confirm you mean it",
                           field="confirm_large")
    if my_pledge(bid, user) is not None:
        raise ServiceError("You have already pledged to this bid: change your pledge instead", field="amount")
    with transaction():
        promise = Pledge(bid_id=bid.id, user_id=user.id, amount=amount, show_name=bool(show_name))
        db.session.add(promise)
        db.session.flush()
        # The amount is public; who pledged is in the entry only as the pseudonym, as every action is.
        record("asset.pledged", promise, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "bid": bid.id, "amount": amount, "named": bool(show_name)})
    db.session.refresh(bid)
    return promise


def my_pledge(bid: Bid | None, user) -> Pledge | None:
    if bid is None or not getattr(user, "is_authenticated", False):
        return None
    return next((p for p in bid.pledges if p.user_id == user.id), None)


def _own_open_pledge(bid: Bid, user: User, doing: str, field: str | None = None) -> tuple[Asset, Pledge]:
    """The asset and the user's pledge to a bid still open, or the reason they cannot change it."""
    asset = db.session.get(Asset, bid.asset_id)
    require_taking_part(user, asset.neighbourhood_id, doing)
    if bid.outcome is not None:
        raise ServiceError("This bid has ended, so its pledges can no longer change")
    promise = my_pledge(bid, user)
    if promise is None:
        raise ServiceError("You have not pledged to this bid", field=field)
    return asset, promise


def change_pledge(bid: Bid, user: User, *, amount: int | None, show_name: bool, confirm_large: bool = False) -> Pledge:
    """A resident changes what they promised (the amount, or whether their name shows) while the bid
    is open. The row holds the promise as it stands; the ledger keeps what it was."""
    asset, promise = _own_open_pledge(bid, user, "change a pledge", field="amount")
    if amount is None or amount <= 0:
        raise ServiceError("Enter an amount of more than £0, like 50. To take your pledge back, withdraw it",
                           field="amount")
    if amount > LARGE_PLEDGE and not confirm_large:
        raise ServiceError(f"{pounds(amount)} is more than {pounds(LARGE_PLEDGE)}: tick the box to confirm you mean it",
                           field="confirm_large")
    if amount == promise.amount and bool(show_name) == promise.show_name:
        raise ServiceError(f"Your pledge is already {pounds(amount)}: change the amount or the box, or go back",
                           field="amount")
    with transaction():
        was = promise.amount
        promise.amount, promise.show_name = amount, bool(show_name)
        record("asset.pledge_changed", promise, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "bid": bid.id, "from": was, "amount": amount, "named": bool(show_name)})
    db.session.refresh(bid)
    return promise


def withdraw_pledge(bid: Bid, user: User) -> int:
    """The resident takes their promise back while the bid is open; returns the amount withdrawn.
    The promise goes from the bid's totals; the ledger keeps that it was made and withdrawn."""
    asset, promise = _own_open_pledge(bid, user, "withdraw a pledge")
    with transaction():
        amount = promise.amount
        record("asset.pledge_withdrawn", promise, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "bid": bid.id, "amount": amount})
        db.session.delete(promise)
    db.session.refresh(bid)
    return amount


def add_funding(bid: Bid, user: User, *, source: str, kind: str, amount: int | None, secured: bool) -> OtherFunding:
    asset = db.session.get(Asset, bid.asset_id)
    require_taking_part(user, asset.neighbourhood_id, "add funding to a community bid")
    source = required_text(source, field="source", label="Where it comes from", limit=120,
                           missing="Enter who the grant or loan is from")
    if kind not in FUNDING_KINDS:
        raise ServiceError("Choose what kind of funding it is", field="kind")
    if amount is None or amount <= 0:
        raise ServiceError("Enter an amount of more than £0", field="amount")
    with transaction():
        row = OtherFunding(bid_id=bid.id, source=source, kind=kind, amount=amount, secured=bool(secured), recorded_by_id=user.id)
        db.session.add(row)
        db.session.flush()
        record("asset.funding_added", row, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "bid": bid.id, "source": source, "kind": kind, "amount": amount,
                        "secured": bool(secured)})
    db.session.refresh(bid)
    return row


def record_outcome(bid: Bid, user: User, *, bought: bool, outcome_on: date | None, price_paid: int | None,
                   reason: str) -> None:
    """How it ended: bought (at what price, when) or not bought (and why). Closes the timeline."""
    asset = db.session.get(Asset, bid.asset_id)
    _facilitator(user, asset.neighbourhood_id, "record how a bid ended")
    if bid.outcome is not None:
        raise ServiceError("How this bid ended is already recorded")
    outcome_on = _past_or_today(outcome_on, "outcome_on", "the date")
    if outcome_on < bid.intended_on:
        raise ServiceError(f"It cannot end before the group said it would bid ({bid.intended_on:%-d %B %Y})", field="outcome_on")
    if bought and not price_paid:
        raise ServiceError("Enter the price paid", field="price_paid")
    reason = (reason or "").strip()
    if not bought and not reason:
        raise ServiceError("Say why it was not bought", field="reason")
    with transaction():
        bid.outcome, bid.outcome_on = (BOUGHT if bought else NOT_BOUGHT), outcome_on
        bid.price_paid, bid.outcome_reason = (price_paid if bought else None), reason
        record("asset.bid_ended", bid, actor=user, neighbourhood=asset_hood(asset),
               payload={"asset": asset.number, "outcome": bid.outcome, "on": outcome_on.isoformat(),
                        "price_paid": bid.price_paid, "reason": reason})
        tell_followers(asset, "how the bid ended", f"The community bought {asset.name} on {outcome_on:%-d %B %Y} for "
                                                    f"{pounds(price_paid)}." if bought else
                       f"{asset.name} was not bought by the community: {reason}")


def coverage(bid: Bid) -> dict:
    """How far the plan covers the target: pledged, other funding (secured and applied for), left."""
    pledged = sum(p.amount for p in bid.pledges)
    secured = sum(f.amount for f in bid.funding if f.secured)
    applied = sum(f.amount for f in bid.funding if not f.secured)
    covered = pledged + secured
    return {"pledged": pledged, "pledges": len(bid.pledges), "secured": secured, "applied": applied,
            "covered": covered, "left": max(0, bid.target - covered),
            "percent": min(100, covered * 100 // bid.target) if bid.target else 0,
            "named": sorted(p.user_id for p in bid.pledges if p.show_name)}


# --- reading the state ---------------------------------------------------------------------------------------

def asset_hood(asset: Asset) -> Neighbourhood:
    return db.session.get(Neighbourhood, asset.neighbourhood_id)


def effective_date(asset: Asset, what: str, target) -> date:
    """The date as last corrected (or as first recorded)."""
    first = target.decided_on if what == DECISION else target.notified_on
    fixes = [c for c in asset.corrections if c.what == what and c.target_id == target.id]
    return fixes[-1].new_date if fixes else first


def status(asset: Asset, today: date | None = None) -> dict:
    """Where the asset stands: its state, listing and moratorium dates, from the rows and corrections.
    A listing runs its five years whatever happens to a later nomination (one made to renew it)."""
    today = today or timeutil.today()
    nomination = current_nomination(asset)
    decision = asset.decisions[-1] if asset.decisions else None
    listed = [d for d in asset.decisions if d.outcome == LISTED]
    listing = deadlines.listing(effective_date(asset, DECISION, listed[-1])) if listed else None
    moratorium = None
    state = "registered"
    if nomination is not None:
        state = "nominated" if nomination.sent_on is None else "with_council"
    if decision is not None and nomination is not None and decision.nomination_id == nomination.id:
        state = ("listed" if today <= listing.ends_on else "listing_ended") if decision.outcome == LISTED else "refused"
    if listing is not None and today <= listing.ends_on and state != "listed":
        state = "listed"  # still listed while a renewal is nominated (or after a later refusal)
    notices = [n for n in asset.notices if listing is not None and effective_date(asset, NOTICE, n) >= listing.listed_on]
    if notices:
        moratorium = deadlines.moratorium(effective_date(asset, NOTICE, notices[-1]))
        if today <= moratorium.interim_ends_on:
            state = "interim_moratorium"
        elif today <= moratorium.full_ends_on:
            state = "full_moratorium"
        elif today <= moratorium.protected_ends_on:
            state = "protected_period"
    bid = current_bid(asset)
    if bid is not None and bid.outcome is not None:
        state = bid.outcome
    return {"state": state, "nomination": nomination, "decision": decision, "listing": listing,
            "moratorium": moratorium, "today": today, "bid": bid}


STATES = {"registered": "On the register", "nominated": "Nomination being signed",
          "with_council": "Nomination with the council", "listed": "Listed", "refused": "Not listed",
          "listing_ended": "Listing ended", "interim_moratorium": "For sale: interim moratorium",
          "full_moratorium": "For sale: full moratorium", "protected_period": "Protected period",
          BOUGHT: "Bought by the community", NOT_BOUGHT: "Not bought"}
