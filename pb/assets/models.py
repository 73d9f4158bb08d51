"""The register of community assets: each place, its nomination as an asset of community value with
its supporters, the council's decision, the owner's notice of intention to sell, and corrections
to those dates (recorded with a reason, never overwritten)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from pb.extensions import db
from pb.neighbourhoods.models import RESIDENT, Membership
from pb.states import State
from pb.timeutil import stamp

KINDS = {"pub": "Pub", "community_hall": "Community hall", "shop": "Shop", "green_space": "Green space",
         "sports_ground": "Sports ground", "other": "Other"}
# Who may nominate (Assets of Community Value (England) Regulations 2012, reg. 5).
GROUP_KINDS = {"parish_council": "Parish or town council", "charity": "Charity",
               "cic": "Community interest company",
               "unincorporated": "Unincorporated group of at least 21 local people"}
UNINCORPORATED = "unincorporated"
UNINCORPORATED_MINIMUM = 21
class ListingOutcome(State):
    LISTED = "listed", "Listed as an asset of community value"
    REFUSED = "refused", "Not listed"


LISTED, REFUSED = ListingOutcome
OUTCOMES = ListingOutcome.labels()
DECISION, NOTICE = "decision", "notice"


class Asset(db.Model):
    __tablename__ = "community_asset"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # A-3 within its neighbourhood
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(200), default="")  # as far as anyone knows
    why: Mapped[str] = mapped_column(Text)  # why it matters to the community
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)

    nominations = relationship("Nomination", back_populates="asset", order_by="Nomination.id")
    decisions = relationship("CouncilDecision", order_by="CouncilDecision.id")
    notices = relationship("SaleNotice", order_by="SaleNotice.id")
    corrections = relationship("DateCorrection", order_by="DateCorrection.id")
    bids = relationship("Bid", order_by="Bid.id")
    photos = relationship("AssetPhoto", order_by="AssetPhoto.id", cascade="all, delete-orphan")

    @property
    def reference(self) -> str:
        return f"A-{self.number}"

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


class Nomination(db.Model):
    """A resident nominates the asset for listing on behalf of a local group; verified residents add
    their names. Sent once the group has sent it to the council."""

    __tablename__ = "asset_nomination"
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_asset.id", ondelete="CASCADE"), index=True)
    group_name: Mapped[str] = mapped_column(String(120))
    group_kind: Mapped[str] = mapped_column(String(20))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    sent_on: Mapped[date | None] = mapped_column(Date)

    asset = relationship("Asset", back_populates="nominations")
    supporters = relationship("NominationSupporter", order_by="NominationSupporter.id")

    @property
    def group_label(self) -> str:
        return GROUP_KINDS.get(self.group_kind, self.group_kind)

    @property
    def local_count(self) -> int:
        """Names that count towards the local people a nomination needs: supporters who are verified
        residents of the neighbourhood now (a facilitator's name, or an erased account's, does not)."""
        return object_session(self).scalar(
            select(func.count()).select_from(NominationSupporter)
            .join(Membership, Membership.user_id == NominationSupporter.user_id)
            .join(Asset, Asset.id == self.asset_id)
            .where(NominationSupporter.nomination_id == self.id, Membership.neighbourhood_id == Asset.neighbourhood_id,
                   Membership.role == RESIDENT, Membership.verified_at.is_not(None)))

    @property
    def needs(self) -> int:
        """Local people still needed before it can be sent (only unincorporated groups need them)."""
        if self.group_kind != UNINCORPORATED:
            return 0
        return max(0, UNINCORPORATED_MINIMUM - self.local_count)


class NominationSupporter(db.Model):
    __tablename__ = "asset_nomination_supporter"
    __table_args__ = (UniqueConstraint("nomination_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("asset_nomination.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class CouncilDecision(db.Model):
    """What the council decided on a nomination, as a facilitator recorded it."""

    __tablename__ = "asset_decision"
    __table_args__ = (ListingOutcome.check("outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_asset.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("asset_nomination.id"))
    outcome: Mapped[str] = mapped_column(String(10))
    decided_on: Mapped[date] = mapped_column(Date)  # as first recorded; see DateCorrection
    reference: Mapped[str] = mapped_column(String(60), default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class SaleNotice(db.Model):
    """The owner told the council they intend to sell: the moratorium dates run from this day."""

    __tablename__ = "asset_sale_notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_asset.id", ondelete="CASCADE"), index=True)
    notified_on: Mapped[date] = mapped_column(Date)  # as first recorded; see DateCorrection
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class DateCorrection(db.Model):
    """A date entered wrongly, corrected with a reason: the first date and every correction stay."""

    __tablename__ = "asset_date_correction"
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_asset.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(10))  # decision or notice
    target_id: Mapped[int]  # the decision's or the notice's id
    old_date: Mapped[date] = mapped_column(Date)
    new_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class BidOutcome(State):
    BOUGHT = "bought", "Bought by the community"
    NOT_BOUGHT = "not_bought", "Not bought"


BOUGHT, NOT_BOUGHT = BidOutcome
SPEND_KINDS = {"capital": "Capital", "revenue": "Revenue"}
FUNDING_KINDS = {"grant": "Grant", "loan": "Loan", "share_offer": "Community shares", "other": "Other"}
LARGE_PLEDGE = 100_000_00  # pence: one person promising more than this is asked to confirm it


class Bid(db.Model):
    """A community group's intention to bid during the moratorium, what it needs to raise (the parts
    add up to the target) and, at the end, what happened."""

    __tablename__ = "asset_bid"
    __table_args__ = (BidOutcome.check("outcome", nullable=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_asset.id", ondelete="CASCADE"), index=True)
    group_name: Mapped[str] = mapped_column(String(120))
    intended_on: Mapped[date] = mapped_column(Date)  # when the group asked to be treated as a bidder
    purchase_price: Mapped[int]  # pence, capital
    valuation: Mapped[int | None]  # pence, the independent valuation
    valued_on: Mapped[date | None] = mapped_column(Date)
    valuer: Mapped[str] = mapped_column(String(120), default="")
    refurbishment: Mapped[int] = mapped_column(default=0)  # pence
    refurbishment_kind: Mapped[str] = mapped_column(String(10), default="capital")
    running_costs: Mapped[int] = mapped_column(default=0)  # pence, the first years
    running_kind: Mapped[str] = mapped_column(String(10), default="revenue")
    target: Mapped[int]  # pence: purchase + refurbishment + running costs
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    outcome: Mapped[str | None] = mapped_column(String(12))  # bought or not_bought
    outcome_on: Mapped[date | None] = mapped_column(Date)
    price_paid: Mapped[int | None]
    outcome_reason: Mapped[str] = mapped_column(Text, default="")

    pledges = relationship("Pledge", order_by="Pledge.id")
    funding = relationship("OtherFunding", order_by="OtherFunding.id")
    requests = relationship("FundRequest", order_by="FundRequest.id")


class Pledge(db.Model):
    """An amount a resident promises towards the bid: a promise, not a payment. Totals are public;
    the name only if the person agrees."""

    __tablename__ = "asset_pledge"
    __table_args__ = (UniqueConstraint("bid_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("asset_bid.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    amount: Mapped[int]  # pence
    show_name: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class OtherFunding(db.Model):
    """Grants, loans and share offers the group has secured or applied for."""

    __tablename__ = "asset_other_funding"
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("asset_bid.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int]  # pence
    secured: Mapped[bool] = mapped_column(default=False)  # agreed, not only applied for
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class AssetReminder(db.Model):
    """A reminder sent for one deadline of one asset, so the daily job sends each only once."""

    __tablename__ = "asset_reminder"
    __table_args__ = (UniqueConstraint("asset_id", "kind", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_asset.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # listing_ends_soon, interim_week, interim_ended, full_week, ...
    due_on: Mapped[date] = mapped_column(Date)  # the deadline it is about
    sent_at: Mapped[datetime] = mapped_column(default=stamp)


ROUTES = {"round": "As a proposal in a round open for proposals (capital)",
          "board": "As a direct board decision, when time is too short for a round"}


class FundRequest(db.Model):
    """A bid's request to the neighbourhood's own fund: a proposal in a round, or a grant the board
    decides directly (with its quorum and interests)."""

    __tablename__ = "asset_fund_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("asset_bid.id", ondelete="CASCADE"), index=True)
    route: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int]  # pence, capital
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("fund_grant.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


MAX_PHOTOS = 6


class AssetPhoto(db.Model):
    """A photo of the place, re-encoded on upload like a proposal's pictures (pb.proposals.images)."""

    __tablename__ = "asset_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_asset.id", ondelete="CASCADE"), index=True)
    alt_text: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
