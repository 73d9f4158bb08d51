"""The register's public pages: every asset the neighbourhood wants to keep, and each one's page
with its nomination, listing, deadlines and timeline."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from pb.access import found, public, roles, signed_in
from pb.downloads import attachment, csv_attachment
from pb.following import services as following
from pb.forms import EmptyForm
from pb.money import pounds as money
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, RESIDENT
from pb.posting import attempt, one_button
from pb.proposals.images import MAX_UPLOAD_BYTES
from pb.ratelimits import DOWNLOADS, UPLOADS, on_get, on_post, person_or_address
from pb.services import ServiceError

from . import deadlines, exports, fund_requests, photos, services
from .forms import (
    AssetForm,
    BidForm,
    CorrectionForm,
    DecisionForm,
    FundingForm,
    FundRequestForm,
    NominationForm,
    NoticeForm,
    OutcomeForm,
    PhotoForm,
    PledgeForm,
    SentForm,
)
from .models import AssetPhoto
from .queries import assets_of, load_asset, load_asset_by_id, timeline

bp = Blueprint("assets", __name__)


def _page(form, *, heading, fields, submit, asset=None, intro=None, after=None, warning=False):
    back = url_for("assets.show", slug=g.neighbourhood.slug, number=asset.number) if asset else \
        url_for("assets.index", slug=g.neighbourhood.slug)
    return render_template("form_page.html", hood=g.neighbourhood, form=form, heading=heading, fields=fields,
                           submit=submit, back=back, intro=intro, caption=asset.name if asset else None, after=after,
                           warning=warning), \
        400 if form.has_errors else 200


def _asset_url(asset) -> str:
    return url_for("assets.show", slug=g.neighbourhood.slug, number=asset.number)


def _done(asset, message: str):
    flash(message, "success")
    return redirect(_asset_url(asset))


def _viewer() -> dict:
    """What the person looking may do here: take part (a verified resident, or a facilitator), run things."""
    if not current_user.is_authenticated:
        return {"takes_part": False, "facilitator": False, "id": None}
    mine = current_user.roles_in(g.neighbourhood)
    facilitator = any(m.role == FACILITATOR for m in mine)
    verified = any(m.role == RESIDENT and m.verified_at is not None for m in mine)
    return {"takes_part": facilitator or verified, "facilitator": facilitator, "id": current_user.id}


@bp.route("/n/<slug>/assets/")
@public
def index(slug):
    rows = [(asset, services.status(asset)) for asset in assets_of(g.neighbourhood.id)]
    return render_template("assets/index.html", hood=g.neighbourhood, rows=rows, STATES=services.STATES, viewer=_viewer())


@bp.route("/n/<slug>/assets.csv")
@public
@on_get(DOWNLOADS)
def index_csv(slug):
    return csv_attachment(exports.csv_rows(assets_of(g.neighbourhood.id)), f"{slug}-assets.csv")


@bp.route("/n/<slug>/assets.json")
@public
@on_get(DOWNLOADS)
def index_json(slug):
    body = json.dumps(exports.as_json(assets_of(g.neighbourhood.id), g.neighbourhood), indent=2, ensure_ascii=False)
    return attachment(body, f"{slug}-assets.json", "application/json")


def _asset_page(asset, photo_form, code: int = 200):
    """The asset's page: with a fresh photo form, or with the one just refused (its errors shown)."""
    return render_template("assets/show.html", hood=g.neighbourhood, asset=asset, state=services.status(asset),
                           STATES=services.STATES, timeline=timeline(asset), days_left=deadlines.days_left,
                           viewer=_viewer(), coverage=services.coverage,
                           following=following.is_following("asset", asset, current_user), photo_form=photo_form), code


@bp.route("/n/<slug>/assets/<int:number>")
@public
def show(slug, number):
    return _asset_page(load_asset(number), PhotoForm())


@bp.route("/n/<slug>/assets/<int:number>/photos", methods=["POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
@on_post(UPLOADS, person_or_address)
def add_photo(slug, number):
    asset = load_asset(number)
    form = PhotoForm()
    if form.validate_on_submit():
        upload = request.files.get("image")
        try:
            if upload is None or not upload.filename:
                raise ServiceError("Choose a photo to upload", field="image")
            photos.add_photo(asset, current_user, upload.read(MAX_UPLOAD_BYTES + 1), form.alt_text.data)
        except ServiceError as error:
            form.fail(error)
        else:
            return _done(asset, "Photo added.")
    return _asset_page(asset, form, 400)


@bp.route("/n/<slug>/asset-photos/<int:photo_id>")
@public
def photo(slug, photo_id):
    picture = found(AssetPhoto, photo_id)
    load_asset_by_id(picture.asset_id)
    response = Response(picture.data, mimetype=picture.mime_type)
    response.headers["Cache-Control"] = "public, max-age=86400"  # a new upload is a new id
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/n/<slug>/asset-photos/<int:photo_id>/remove", methods=["POST"])
@roles(RESIDENT, FACILITATOR)
def remove_photo(slug, photo_id):
    picture = found(AssetPhoto, photo_id)
    asset = load_asset_by_id(picture.asset_id)
    one_button(lambda: photos.remove_photo(picture, current_user), "Photo removed.")
    return redirect(url_for("assets.show", slug=slug, number=asset.number))


@bp.route("/n/<slug>/assets/<int:number>/follow", methods=["POST"])
@signed_in
def follow(slug, number):
    asset = load_asset(number)
    one_button(lambda: following.follow("asset", asset, current_user),
               f"You will get an email at each step of {asset.name}'s story and before each deadline.")
    return redirect(url_for("assets.show", slug=slug, number=number))


@bp.route("/n/<slug>/assets/<int:number>/unfollow", methods=["POST"])
@signed_in
def unfollow(slug, number):
    asset = load_asset(number)
    if EmptyForm().validate_on_submit() and following.unfollow("asset", asset, current_user):
        flash(f"You will no longer get {asset.name}'s news.", "success")
    return redirect(url_for("assets.show", slug=slug, number=number))


# --- residents: the register and nominations ---------------------------------------------------------------

@bp.route("/n/<slug>/assets/new", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
def new(slug):
    form = AssetForm()
    done = attempt(form, lambda: services.register_asset(g.neighbourhood, current_user, services.AssetInput(
        form.name.data, form.address.data, form.postcode.data, form.kind.data, form.owner.data, form.why.data)),
        lambda asset: f"{asset.name} is on the register as {asset.reference}. Nominate it for listing next.", _asset_url)
    return done or _page(form, heading="Add a place to the register", fields=["name", "kind", "address", "postcode", "owner", "why"],
                 submit="Add it to the register", intro=[
                     "A pub, hall, shop, green space or sports ground the community uses and wants to keep. Once it is "
                     "on the register, a local group can nominate it to the council as an asset of community value."])


@bp.route("/n/<slug>/assets/<int:number>/nominate", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
def nominate(slug, number):
    asset = load_asset(number)
    form = NominationForm()
    done = attempt(form, lambda: services.start_nomination(asset, current_user, group_name=form.group_name.data,
                                                           group_kind=form.group_kind.data),
                   "The nomination is started, with your name first. Ask other residents to add theirs.", _asset_url(asset))
    return done or _page(form, heading="Nominate it as an asset of community value", fields=["group_name", "group_kind"],
                 submit="Start the nomination", asset=asset, intro=[
                     "The council lists a place if its main use furthers the community's social wellbeing or "
                     "interests, now or in the recent past, and could again."])


@bp.route("/n/<slug>/assets/<int:number>/support", methods=["POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
def support(slug, number):
    asset = load_asset(number)
    nomination = services.current_nomination(asset)
    form = EmptyForm()
    if not form.validate_on_submit() or nomination is None:
        flash("There is no nomination to add your name to.", "error")
        return redirect(url_for("assets.show", slug=slug, number=number))
    try:
        services.support_nomination(nomination, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("assets.show", slug=slug, number=number))
    return _done(asset, "Your name is added to the nomination.")


@bp.route("/n/<slug>/assets/<int:number>/sent", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
def sent(slug, number):
    asset = load_asset(number)
    nomination = services.current_nomination(asset)
    form = SentForm()
    if form.validate_on_submit():
        try:
            if nomination is None:
                raise ServiceError("Start a nomination first")
            services.mark_sent(nomination, current_user, sent_on=form.sent_on.data)
        except ServiceError as error:
            form.fail(error)
        else:
            return _done(asset, "Marked as sent to the council. A facilitator records the council's decision when it comes.")
    return _page(form, heading="The nomination has gone to the council", fields=["sent_on"], submit="Save", asset=asset,
                 intro=["Send the council the printed nomination, then say here when it went."])


@bp.route("/n/<slug>/assets/<int:number>/nomination")
@public
def nomination_pack(slug, number):
    """The nomination as the council needs it: a printable page (and a print stylesheet for PDF)."""
    asset = load_asset(number)
    state = services.status(asset)
    return render_template("assets/nomination_pack.html", hood=g.neighbourhood, asset=asset, state=state)


# --- facilitators: the council's decision, the owner's notice, corrections ------------------------------------

@bp.route("/n/<slug>/assets/<int:number>/decision", methods=["GET", "POST"])
@roles(FACILITATOR)
def decision(slug, number):
    asset = load_asset(number)
    form = DecisionForm()
    done = attempt(form, lambda: services.record_decision(asset, current_user, outcome=form.outcome.data,
                                                          decided_on=form.decided_on.data, reference=form.reference.data,
                                                          reasons=form.reasons.data),
                   "The council's decision is recorded.", _asset_url(asset))
    return done or _page(form, heading="Record the council's decision", fields=["outcome", "decided_on", "reference", "reasons"],
                 submit="Record the decision", asset=asset)


@bp.route("/n/<slug>/assets/<int:number>/notice", methods=["GET", "POST"])
@roles(FACILITATOR)
def notice(slug, number):
    asset = load_asset(number)
    form = NoticeForm()
    done = attempt(form, lambda: services.record_notice(asset, current_user, notified_on=form.notified_on.data),
                   "The notice is recorded: the deadlines are on the asset's page.", _asset_url(asset))
    return done or _page(form, heading="The owner intends to sell", fields=["notified_on"], submit="Record the notice", asset=asset,
                 intro=["A community group has six weeks from this date to ask to be treated as a potential bidder."])


@bp.route("/n/<slug>/assets/<int:number>/correct", methods=["GET", "POST"])
@roles(FACILITATOR)
def correct(slug, number):
    asset = load_asset(number)
    form = CorrectionForm()
    done = attempt(form, lambda: services.correct_date(asset, current_user, what=form.what.data,
                                                       new_date=form.new_date.data, reason=form.reason.data),
                   "The date is corrected; the first date and your reason stay on the asset's page.", _asset_url(asset))
    return done or _page(form, heading="Correct a recorded date", fields=["what", "new_date", "reason"], submit="Correct the date",
                 asset=asset, intro=["The date first recorded is kept beside the correction, with your reason."])


# --- community bids -------------------------------------------------------------------------------------------

def _open_bid(asset):
    """The bid under way, or a ServiceError saying there is none (shown on the form's page)."""
    bid = services.current_bid(asset)
    if bid is None:
        raise ServiceError(f"There is no community bid for {asset.name} yet")
    return bid


@bp.route("/n/<slug>/assets/<int:number>/bid", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
def bid(slug, number):
    asset = load_asset(number)
    form = BidForm()
    done = attempt(form, lambda: services.record_bid(asset, current_user, services.BidInput(
        form.group_name.data, form.intended_on.data, form.purchase_price.data, form.valuation.data,
        form.valued_on.data, form.valuer.data, form.refurbishment.data, form.refurbishment_kind.data,
        form.running_costs.data, form.running_kind.data, form.target.data)),
                   "The bid is recorded. Residents can pledge to it from this page.", _asset_url(asset))
    return done or _page(form, heading="A community bid", asset=asset, submit="Record the bid",
                 fields=["group_name", "intended_on", "purchase_price", "valuation", "valued_on", "valuer", "refurbishment",
                         "refurbishment_kind", "running_costs", "running_kind", "target"],
                 intro=["What the group needs to raise: the parts must add up to the total."])


def _bid_and_my_pledge(number):
    """(the asset, its bid if any, the signed-in person's pledge to it if any)."""
    asset = load_asset(number)
    current = services.current_bid(asset)
    return asset, current, services.my_pledge(current, current_user)


@bp.route("/n/<slug>/assets/<int:number>/pledge", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
def pledge(slug, number):
    """Pledge to the bid, or change the pledge already made (the same question, answered again)."""
    asset, current, mine = _bid_and_my_pledge(number)
    form = PledgeForm(data={"amount": mine.amount, "show_name": mine.show_name} if mine else None)
    if form.validate_on_submit():
        try:
            if mine is None:
                services.pledge(_open_bid(asset), current_user, amount=form.amount.data, show_name=form.show_name.data,
                                confirm_large=form.confirm_large.data)
            else:
                services.change_pledge(current, current_user, amount=form.amount.data, show_name=form.show_name.data,
                                       confirm_large=form.confirm_large.data)
        except ServiceError as error:
            form.fail(error)
        else:
            return _done(asset, "Your pledge is changed." if mine else "Thank you: your pledge is counted towards the bid.")
    group = f"{current.group_name}'s bid" if current else "the bid"
    if mine:
        withdraw = url_for("assets.withdraw_pledge", slug=slug, number=number)
        return _page(form, heading=f"Change your pledge to {group}", asset=asset, submit="Save my pledge",
                     fields=["amount", "show_name", "confirm_large"], after=(withdraw, "Withdraw my pledge instead"),
                     intro=[f"You have promised {money(mine.amount)}. Change the amount, or whether your name shows."])
    return _page(form, heading=f"Pledge to {group}", asset=asset, submit="Pledge",
                 fields=["amount", "show_name", "confirm_large"])


@bp.route("/n/<slug>/assets/<int:number>/pledge/withdraw", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
def withdraw_pledge(slug, number):
    """Take a pledge back: a page that says what will happen, then one button."""
    asset, current, mine = _bid_and_my_pledge(number)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            amount = services.withdraw_pledge(_open_bid(asset), current_user)
        except ServiceError as error:
            form.fail(error)
        else:
            return _done(asset, f"Your pledge of {money(amount)} is withdrawn: it no longer counts towards the bid.")
    if mine is None:
        return _page(form, heading="Withdraw your pledge", asset=asset, submit=None, fields=[],
                     intro=["You have not pledged to this bid, so there is nothing to withdraw."])
    return _page(form, heading="Withdraw your pledge?", asset=asset, submit="Withdraw my pledge", fields=[], warning=True,
                 intro=[f"Your promise of {money(mine.amount)} will stop counting towards {current.group_name}'s bid. "
                        "You can pledge again while the bid is open."])


@bp.route("/n/<slug>/assets/<int:number>/funding", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, verified_resident=True)
def funding(slug, number):
    asset = load_asset(number)
    form = FundingForm()
    done = attempt(form, lambda: services.add_funding(_open_bid(asset), current_user, source=form.source.data,
                                                      kind=form.kind.data, amount=form.amount.data,
                                                      secured=form.secured.data),
                   "The funding is added to the bid's plan.", _asset_url(asset))
    return done or _page(form, heading="Add a grant or loan to the bid", asset=asset, submit="Add it",
                 fields=["source", "kind", "amount", "secured"])


@bp.route("/n/<slug>/assets/<int:number>/outcome", methods=["GET", "POST"])
@roles(FACILITATOR)
def outcome(slug, number):
    asset = load_asset(number)
    form = OutcomeForm()
    done = attempt(form, lambda: services.record_outcome(_open_bid(asset), current_user,
                                                         bought=form.outcome.data == "bought",
                                                         outcome_on=form.outcome_on.data, price_paid=form.price_paid.data,
                                                         reason=form.reason.data),
                   "How the bid ended is recorded.", _asset_url(asset))
    return done or _page(form, heading="How the bid ended", asset=asset, submit="Record it",
                 fields=["outcome", "outcome_on", "price_paid", "reason"])


@bp.route("/n/<slug>/assets/<int:number>/fund-request", methods=["GET", "POST"])
@roles(RESIDENT, FACILITATOR, BOARD_MEMBER, verified_resident=True)
def fund_request(slug, number):
    asset = load_asset(number)
    form = FundRequestForm()
    rounds = fund_requests.open_rounds(g.neighbourhood.id)
    form.round_id.choices = [("", "Choose a round")] + [(str(r.id), r.name) for r in rounds]
    if form.validate_on_submit():
        try:
            round_id = int(form.round_id.data) if (form.round_id.data or "").isdigit() else None
            fund_requests.request_from_fund(_open_bid(asset), current_user, amount=form.amount.data, route=form.route.data,
                                            round_id=round_id, reason=form.reason.data)
        except ServiceError as error:
            form.fail(error)
        else:
            return _done(asset, "The request to the fund is made: it is on the bid's page.")
    plan = fund_requests.this_years_plan(g.neighbourhood.id)
    return _page(form, heading="Ask the neighbourhood's fund", asset=asset, submit="Make the request",
                 fields=["route", "amount", "round_id", "reason"], intro=[
                     "A proposal goes to residents' vote in the round; a direct grant is decided by the partnership board "
                     "(more than half of its members free of an interest), when the moratorium is too short for a round.",
                     f"This year's plan: {plan.financial_year}." if plan else "There is no fund planned for this year."])
