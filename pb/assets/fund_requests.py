"""A community bid asks the neighbourhood's own fund: as a proposal into a round open for proposals
(a capital cost line in a pot that takes capital), or, when the moratorium is too short for a round,
as a grant the partnership board decides directly (quorum and declared interests as for any board
decision, within what the fund year holds outside its ring-fenced share). One transaction each."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.funds import grants
from pb.funds.figures import financial_year_of
from pb.funds.models import Fund, FundYear
from pb.ledger.services import record
from pb.money import pounds
from pb.neighbourhoods.models import BOARD_MEMBER, Neighbourhood
from pb.neighbourhoods.services import role_in
from pb.proposals import services as proposals
from pb.rounds.models import PROPOSALS, RESIDENTS_AND_GROUPS, Round
from pb.services import ServiceError, one_transaction

from .following import tell_followers
from .models import ROUTES, Asset, Bid, FundRequest
from .services import require_taking_part, status


def open_rounds(hood_id: int) -> list[Round]:
    """Rounds open for proposals with a pot that takes capital: where a bid's request can go."""
    rounds = db.session.scalars(select(Round).where(Round.neighbourhood_id == hood_id, Round.phase == PROPOSALS)
                                .order_by(Round.id)).all()
    return [r for r in rounds if any(p.spend_rule in ("any", "capital") for p in r.pots)]


def this_years_plan(hood_id: int) -> FundYear | None:
    year = financial_year_of(timeutil.today())
    return db.session.scalar(select(FundYear).join(Fund, Fund.id == FundYear.fund_id).where(
        Fund.neighbourhood_id == hood_id, FundYear.financial_year == year).order_by(FundYear.id).limit(1))


def request_from_fund(bid: Bid, user: User, *, amount: int | None, route: str, round_id: int | None = None,
                      reason: str = "") -> FundRequest:
    asset = db.session.get(Asset, bid.asset_id)
    hood = db.session.get(Neighbourhood, asset.neighbourhood_id)
    if route not in ROUTES:
        raise ServiceError("Choose how to ask the fund", field="route")
    if bid.outcome is not None:
        raise ServiceError("This bid has ended")
    if amount is None or amount <= 0:
        raise ServiceError("Enter an amount of more than £0", field="amount")
    if amount > bid.target:
        raise ServiceError(f"The bid needs {pounds(bid.target)} in all: ask for that or less", field="amount")
    with one_transaction():
        if route == "round":
            require_taking_part(user, hood.id, "ask the fund for a bid")
            round_ = next((r for r in open_rounds(hood.id) if r.id == round_id), None)
            if round_ is None:
                raise ServiceError("Choose a round open for proposals", field="round_id")
            pot = next(p for p in round_.pots if p.spend_rule in ("any", "capital"))
            try:
                draft = proposals.create_draft(round_, user, proposals.ProposalInput(
                    title=f"Buy {asset.name} for the community"[:120],
                    summary=f"{bid.group_name} is bidding to buy {asset.name} under the Right to Bid and asks the fund "
                            f"for {pounds(amount)} towards it."[:300],
                    description=asset.why, need="", beneficiaries=f"Everyone who uses {asset.name}",
                    place=asset.address[:120], category="community", pot_id=pot.id,
                    group_name=bid.group_name if round_.who_may_propose == RESIDENTS_AND_GROUPS else None,
                    cost_lines=[proposals.CostLineInput(f"Towards buying {asset.name}"[:120], "capital", amount,
                                                        round_.fund_year)]))
                proposals.submit(draft, user)
            except ServiceError as error:
                raise ServiceError(error.message, field="amount" if error.field in (None, "cost_lines") else error.field) \
                    from None
            row = FundRequest(bid_id=bid.id, route=route, amount=amount, proposal_id=draft.id, requested_by_id=user.id)
            where = {"round": round_.id, "proposal": draft.number}
        else:
            if role_in(user, hood.id, BOARD_MEMBER) is None:
                raise ServiceError("Only partnership board members put a direct grant to the board", field="route")
            fund_year = this_years_plan(hood.id)
            if fund_year is None:
                raise ServiceError(f"{hood.name} has no fund planned for {financial_year_of(timeutil.today())}", field="amount")
            contact = db.session.get(User, bid.created_by_id)
            moratorium = status(asset)["moratorium"]
            decision = grants.create_direct_grant(
                fund_year, user, title=f"Buying {asset.name} for the community"[:120],
                summary=f"Towards {bid.group_name}'s community bid for {asset.name} under the Right to Bid.",
                amount=amount, starts_on=timeutil.today(),
                ends_on=(moratorium.full_ends_on if moratorium else timeutil.today()) + timedelta(days=90),
                body=grants.BodyInput(bid.group_name, "other", "", contact.email),
                reason=reason or "The full moratorium ends before a round could decide.", spend="capital",
                about={"asset": asset.number, "bid": bid.id})
            row = FundRequest(bid_id=bid.id, route=route, amount=amount, grant_id=decision.grant_id, requested_by_id=user.id)
            where = {"grant": decision.grant.reference}
        db.session.add(row)
        db.session.flush()
        record("asset.fund_requested", row, actor=user, neighbourhood=hood,
               payload={"asset": asset.number, "bid": bid.id, "route": route, "amount": amount, **where})
        tell_followers(asset, "a request to the neighbourhood's fund",
                       f"{bid.group_name} has asked {hood.name}'s fund for {pounds(amount)} towards buying {asset.name}: "
                       + ("as a proposal in the round open for proposals." if route == "round"
                          else "as a grant the partnership board decides directly."))
    db.session.refresh(bid)
    return row
