"""The money pages as people use them: bad input gets a clear message next to its field and nothing is
saved; separation of duties holds (a second person approves large payments, interests bar people);
groups accept and report; followers hear; open data is there."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from markupsafe import escape
from PIL import Image
from sqlalchemy import func, select

from pb.accounts.models import User
from pb.extensions import db
from pb.funds import delivery, grants, payments, planning
from pb.funds.figures import financial_year_of, next_year
from pb.funds.models import Fund, Grant, GrantStatus, Milestone, Payment, PaymentStatus, SourcePromise
from pb.mail.models import OutboxEmail
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import Neighbourhood
from pb.rounds.models import Round
from pb.services import ServiceError
from tests.factories import make_round, sign_in

TODAY = date.today()
THIS_YEAR = financial_year_of(TODAY)


@dataclass
class Money:
    hood: object
    facilitator: object
    board: list
    treasurer: object
    contact: object
    fund_id: int
    grant_id: int
    round_id: int


@pytest.fixture
def money(factory):
    """A fund for this year and next (£50,000 this year, 10% ring-fenced), a round in set-up, and a
    £4,000 capacity grant the board awarded and the group accepted."""
    hood = factory.neighbourhood()
    facilitator = factory.with_role(hood, "facilitator")
    board = [factory.with_role(hood, "board_member") for _ in range(3)]
    treasurer = factory.with_role(hood, "treasurer")
    contact = factory.resident(hood)
    ref = make_round(factory, hood, phase="setup", budget=40_000_00, pots=(("Open pot", 40_000_00, "any"),),
                     fund_year=THIS_YEAR, facilitator=facilitator, board_member=board[0])
    with factory.app.app_context():
        f = db.session.get(User, facilitator.id)
        fund = planning.create_fund(db.session.get(Neighbourhood, hood.id), f, name="Test fund", first_year=THIS_YEAR,
                                    years=2)
        planning.set_year_plan(fund, f, financial_year=THIS_YEAR, planned=50_000_00, capacity_percent=10)
        decision = grants.create_capacity_grant(
            fund.plan[0], db.session.get(User, board[0].id), title="Organiser", summary="Two days a week",
            amount=4_000_00, starts_on=TODAY - timedelta(days=10), ends_on=TODAY + timedelta(days=100),
            body=grants.BodyInput("Test group", "constituted_group", "", contact.email), reason="Capacity")
        grants.approve_decision(decision, db.session.get(User, board[1].id))
        grants.accept_grant(decision.grant, db.session.get(User, contact.id))
        return Money(hood, facilitator, board, treasurer, contact, fund.id, decision.grant.id, ref.id)


def refused(client, factory, url, data, field, message, *, model=None):
    """POST bad input: a 400 page with an error summary linking to the field, the message next to the
    field, and nothing saved (no audit entry, no new row)."""
    entries = factory.audit_count()
    rows = _rows(factory, model)
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:3000]
    assert "There is a problem" in page and f'href="#{field}"' in page, page[:3000]
    assert f'id="{field}-error"' in page and str(escape(message)) in page, (message, page[:4000])
    assert factory.audit_count() == entries
    assert _rows(factory, model) == rows
    return page


def _rows(factory, model):
    if model is None:
        return None
    with factory.app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_round_cannot_draw_more_than_its_fund_year_has(client, factory, money):
    with factory.app.app_context():
        fund = db.session.get(Fund, money.fund_id)
        # £44,000 planned, £4,400 ring-fenced of which £4,000 is granted: £39,600 is left for rounds.
        planning.set_year_plan(fund, db.session.get(User, money.facilitator.id), financial_year=THIS_YEAR,
                               planned=44_000_00, capacity_percent=10)
        fund_year_id = fund.plan[0].id
    sign_in(client, money.facilitator)
    url = f"/n/{money.hood.slug}/rounds/{money.round_id}/fund"
    page = refused(client, factory, url, {"fund_year_id": str(fund_year_id)}, "fund_year_id",
                   "has £39,600 left for rounds (£400 more is ring-fenced for capacity building)")
    assert "so a budget of £40,000 is too much" in page
    with factory.app.app_context():
        planning.set_year_plan(db.session.get(Fund, money.fund_id), db.session.get(User, money.facilitator.id),
                               financial_year=THIS_YEAR, planned=50_000_00, capacity_percent=10)
    assert client.post(url, data={"fund_year_id": str(fund_year_id)}).status_code == 302
    with factory.app.app_context():
        assert db.session.get(Round, money.round_id).fund_year_id == fund_year_id
    # Once allocated, raising the round's budget past what the year holds (£45,000 now) is refused too.
    response = client.post(f"/n/{money.hood.slug}/rounds/{money.round_id}/edit",
                           data={"name": "Round", "fund_year": THIS_YEAR, "total_budget": "45000.01", "description": ""})
    assert response.status_code == 400 and "so a budget of £45,000.01 is too much" in response.get_data(as_text=True)


def test_a_capacity_grant_cannot_exceed_the_ring_fenced_share(client, factory, money):
    sign_in(client, money.board[2])
    with factory.app.app_context():
        year_id = db.session.get(Grant, money.grant_id).fund_year_id
    data = {"title": "Training", "summary": "Chairing skills", "fund_year_id": str(year_id), "amount": "1000.01",
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=30)).isoformat(),
            "body_name": "Group", "body_type": "constituted_group", "contact_email": money.contact.email,
            "reason": "Skills"}
    refused(client, factory, f"/n/{money.hood.slug}/funds/{money.fund_id}/capacity-grants/new", data, "amount",
            "capacity-building share has £1,000 left", model=Grant)


@pytest.mark.parametrize("amount, paid_on, message", [
    ("4000.01", None, "Only £4,000 of the £4,000 grant is unpaid"),
    ("-5", None, "must be more than £0, not a negative amount"),
    ("0", None, "The amount must be more than £0"),
    ("10.005", None, "at most two decimal places"),
    ("100", TODAY - timedelta(days=11), "The payment date must be within the grant"),
])
def test_bad_payments_are_refused_next_to_their_field(client, factory, money, amount, paid_on, message):
    sign_in(client, money.treasurer)
    field = "paid_on" if paid_on else "amount"
    refused(client, factory, f"/n/{money.hood.slug}/grants/{money.grant_id}/payments/new",
            {"amount": amount, "paid_on": (paid_on or TODAY).isoformat(), "spend": "revenue"}, field, message,
            model=Payment)


def test_no_payment_before_acceptance_or_after_cancellation(client, factory, money):
    with factory.app.app_context():
        board = [db.session.get(User, p.id) for p in money.board]
        grant = db.session.get(Grant, money.grant_id)
        second = grants.create_capacity_grant(
            grant.fund_year, board[0], title="Not yet accepted", summary="x", amount=500_00, starts_on=TODAY,
            ends_on=TODAY + timedelta(days=30), reason="x",
            body=grants.BodyInput("Other group", "constituted_group", "", money.contact.email))
        grants.approve_decision(second, board[1])
        waiting_id = second.grant_id
        invitation = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == money.contact.email)
                                        .order_by(OutboxEmail.id.desc())).first()
        assert "ready to accept" in invitation.subject and f"/grants/{waiting_id}/accept" in invitation.body
        cancel = grants.propose_decision(grant, board[0], kind="cancel", reason="The group folded")
        grants.approve_decision(cancel, board[1])
    sign_in(client, money.treasurer)
    for grant_id, message in ((waiting_id, "has not accepted the grant yet"), (money.grant_id, "cancelled")):
        entries = factory.audit_count()
        response = client.post(f"/n/{money.hood.slug}/grants/{grant_id}/payments/new",
                               data={"amount": "10", "paid_on": TODAY.isoformat(), "spend": "revenue"})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert factory.audit_count() == entries
    # The cancelled grant's unpaid £4,000 is back in the fund year.
    with factory.app.app_context():
        assert grants.cancelled_remainder(db.session.get(Grant, money.grant_id)) == 4_000_00


@pytest.mark.both_engines
def test_a_large_payment_needs_a_second_person_free_of_interest(client, factory, money):
    with factory.app.app_context():
        hood = db.session.get(Neighbourhood, money.hood.id)
        # A board member who is also the treasurer records it, so cannot approve it; one with an interest cannot either.
        recorder = db.session.get(User, money.board[2].id)
        hoods.grant_role(recorder, hood, "treasurer")
        payment = payments.record_payment(db.session.get(Grant, money.grant_id), recorder, amount=2_000_00,
                                          paid_on=TODAY, spend="revenue")
        assert payment.status == PaymentStatus.AWAITING_APPROVAL
        grants.declare_interest(db.session.get(Grant, money.grant_id), db.session.get(User, money.board[1].id),
                                "My son runs the group")
        payment_id = payment.id
    url = f"/n/{money.hood.slug}/payments/{payment_id}/approve"
    for person, message in ((money.board[2], "You recorded this payment"), (money.board[1], "declared an interest")):
        client.post("/sign-out")
        sign_in(client, person)
        entries = factory.audit_count()
        page = client.post(url, follow_redirects=True).get_data(as_text=True)
        assert message in page and factory.audit_count() == entries
    client.post("/sign-out")
    sign_in(client, money.board[0])
    client.post(url)
    with factory.app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment.status == PaymentStatus.PAID and payment.approved_by_id == money.board[0].id
    # The public page counts it as paid only now.
    story = client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/").get_data(as_text=True)
    assert "£2,000" in story and "Waiting for a second approval" not in story


def test_milestones_and_years_and_prefixes_are_checked(client, factory, money):
    sign_in(client, money.facilitator)
    refused(client, factory, f"/n/{money.hood.slug}/grants/{money.grant_id}/milestones/new",
            {"title": "Started", "due_on": (TODAY - timedelta(days=11)).isoformat()}, "due_on",
            "cannot be due before the grant starts", model=Milestone)
    with factory.app.app_context():
        planning.add_source(db.session.get(Grant, money.grant_id).fund_year.fund, db.session.get(User, money.facilitator.id),
                            name="Council", kind="council")
        source_id = db.session.get(Grant, money.grant_id).fund_year.fund.sources[0].id
    outside = next_year(next_year(THIS_YEAR))
    refused(client, factory, f"/n/{money.hood.slug}/funds/{money.fund_id}/promises",
            {"source_id": str(source_id), "financial_year": outside, "amount": "1000"}, "financial_year",
            f"{outside} is outside the fund's life", model=SourcePromise)
    client.post("/sign-out")
    sign_in(client, money.board[0])
    for prefix in ("360g-abc", "360G-", "360G-bad prefix", "GB-CHC-123"):
        refused(client, factory, f"/n/{money.hood.slug}/money/settings",
                {"giving_prefix": prefix, "payment_approval_threshold": "1000", "full_reporting_threshold": "10000"},
                "giving_prefix", "must be 360G- followed by letters, digits and hyphens")
    assert client.post(f"/n/{money.hood.slug}/money/settings", data={
        "giving_prefix": "360G-test-hood", "payment_approval_threshold": "1000",
        "full_reporting_threshold": "10000"}).status_code == 302


def test_facilitators_record_payments_only_when_the_board_allows(client, factory, money):
    sign_in(client, money.facilitator)
    url = f"/n/{money.hood.slug}/grants/{money.grant_id}/payments/new"
    data = {"amount": "10", "paid_on": TODAY.isoformat(), "spend": "revenue"}
    response = client.post(url, data=data)
    assert response.status_code == 400 and "Only treasurers record payments" in response.get_data(as_text=True)
    with factory.app.app_context():
        planning.set_money_settings(db.session.get(Neighbourhood, money.hood.id), db.session.get(User, money.board[0].id),
                                    giving_prefix="", payment_approval_threshold=1_000_00,
                                    full_reporting_threshold=10_000_00, facilitators_record_payments=True)
    assert client.post(url, data=data).status_code == 302


@pytest.mark.both_engines
def test_the_contact_accepts_reports_and_followers_hear(client, factory, money):
    follower = factory.resident(money.hood)
    sign_in(client, follower)
    assert client.post(f"/n/{money.hood.slug}/grants/{money.grant_id}/follow").status_code == 302
    # Someone else cannot post the group's update.
    assert client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/update").status_code == 403
    client.post("/sign-out")
    sign_in(client, money.contact)
    with factory.app.app_context():
        db.session.query(OutboxEmail).delete()
        db.session.commit()
    response = client.post(f"/n/{money.hood.slug}/grants/{money.grant_id}/update",
                           data={"status": "at_risk", "body": "The venue closed; we are looking for another."})
    assert response.status_code == 302
    with factory.app.app_context():
        mail = db.session.scalars(select(OutboxEmail)).all()
    assert [m.to_address for m in mail] == [follower.email]
    assert "The venue closed" in mail[0].body and "/unsubscribe/" in mail[0].body
    story = client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/").get_data(as_text=True)
    assert "At risk" in story and "The venue closed" in story
    assert "grant.update_posted" in story  # the ledger entry behind the step is named on the page


def test_a_quiet_quarterly_grant_is_flagged_overdue_in_public(app, factory, money):
    with app.app_context():
        grant = db.session.get(Grant, money.grant_id)
        state = delivery.reporting_for([grant], TODAY)[grant.id]
        assert state.schedule == "end" and not state.overdue
        grant.fund_year.fund.neighbourhood.full_reporting_threshold = 1_000_00  # now it reports quarterly
        db.session.commit()
        late = delivery.reporting_for([grant], TODAY + timedelta(days=100))[grant.id]
        assert late.schedule == "quarterly" and late.overdue
        assert late.due_on == grant.starts_on + timedelta(days=92)


def test_an_update_can_carry_a_photo_handled_like_proposal_pictures(client, factory, money):
    sign_in(client, money.contact)
    url = f"/n/{money.hood.slug}/grants/{money.grant_id}/update"
    refused(client, factory, url, {"status": "on_track", "body": "Going well",
                                   "image": (io.BytesIO(b"not an image"), "photo.jpg")},
            "image", "not an image pb can read")
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 112, 60)).save(png, format="PNG")
    refused(client, factory, url, {"status": "on_track", "body": "Going well",
                                   "image": (io.BytesIO(png.getvalue()), "photo.png")},
            "image_alt", "Describe the photo for people who cannot see it")
    response = client.post(url, data={"status": "on_track", "body": "Our first session", "image_alt": "Volunteers painting",
                                      "image": (io.BytesIO(png.getvalue()), "photo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    story = client.get(f"/n/{money.hood.slug}/grants/{money.grant_id}/").get_data(as_text=True)
    assert 'alt="Volunteers painting"' in story
    photo_url = story.split('class="update-photo" src="')[1].split('"')[0]
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"  # re-encoded: no metadata survives


def test_changing_the_contact_of_an_offer_is_recorded_with_the_new_contact(app, factory, money):
    other = factory.resident(money.hood)
    with app.app_context():
        grant = grants.create_capacity_grant(
            db.session.get(Grant, money.grant_id).fund_year, db.session.get(User, money.board[0].id), title="Second",
            summary="x", amount=100_00, starts_on=TODAY, ends_on=TODAY + timedelta(days=9), reason="x",
            body=grants.BodyInput("Group", "constituted_group", "", money.contact.email)).grant
        assert grant.contact.id == money.contact.id  # loaded, as the form page does before saving
        grants.set_accountable_body(grant, db.session.get(User, money.facilitator.id),
                                    grants.BodyInput("Group", "constituted_group", "", other.email))
        assert grant.contact_id == other.id
    action, actor, subject, payload = factory.last_entries(1)[0]
    assert action == "grant.body_set" and f'"contact":"{other.pseudonym}"' in payload.replace(" ", "")


def test_an_overdue_milestone_is_emailed_once_to_the_group_and_the_staff(app, factory, money):
    """The update is not due yet (a small grant reports at its end), but 'Room booked' has gone past its
    date unreached: the group's contact and the staff hear of it once, recorded in the ledger."""
    with app.app_context():
        grant = db.session.get(Grant, money.grant_id)
        facilitator = db.session.get(User, money.facilitator.id)
        delivery.add_milestone(grant, facilitator, title="Room booked", due_on=TODAY + timedelta(days=20))
        delivery.add_milestone(grant, facilitator, title="First session", due_on=TODAY + timedelta(days=60))
        db.session.query(OutboxEmail).delete()
        db.session.commit()
    runner = app.test_cli_runner()
    early = runner.invoke(args=["money", "remind", "--today", (TODAY + timedelta(days=20)).isoformat()])
    assert "0 grants" in early.output  # due that day is not yet overdue
    later = (TODAY + timedelta(days=30)).isoformat()
    first = runner.invoke(args=["money", "remind", "--today", later])
    assert first.exit_code == 0 and "reminded about G-1" in first.output, first.output
    with app.app_context():
        sent = {m.to_address: m for m in db.session.scalars(select(OutboxEmail))}
    to_group = sent[money.contact.email]
    assert to_group.subject == "Organiser: ‘Room booked’ is overdue"
    assert "Room booked: due" in to_group.body and "First session" not in to_group.body
    assert f"/grants/{money.grant_id}/update" in to_group.body
    to_staff = sent[money.facilitator.email]
    assert to_staff.subject.endswith(": 1 milestone overdue") and "G-1 Organiser: Room booked, due" in to_staff.body
    assert "progress update overdue" not in to_staff.body
    action, _, _, payload = factory.last_entries(1)[0]
    assert action == "grant.overdue_reminders_sent" and '"milestone":"Room booked"' in payload
    entries = factory.audit_count()
    again = runner.invoke(args=["money", "remind", "--today", later])
    assert "0 grants" in again.output and factory.audit_count() == entries  # once, not every day
    # The second milestone, once it too is late, is its own reminder.
    third = runner.invoke(args=["money", "remind", "--today", (TODAY + timedelta(days=61)).isoformat()])
    assert "reminded about G-1" in third.output
    with app.app_context():
        subjects = [m.subject for m in db.session.scalars(select(OutboxEmail).where(
            OutboxEmail.to_address == money.contact.email).order_by(OutboxEmail.id))]
    assert subjects == ["Organiser: ‘Room booked’ is overdue", "Organiser: ‘First session’ is overdue"]


def test_overdue_updates_are_emailed_once_to_the_group_and_the_staff(app, factory, money):
    with app.app_context():
        hood = db.session.get(Neighbourhood, money.hood.id)
        hood.full_reporting_threshold = 1_000_00  # the £4,000 grant reports every three months
        db.session.query(OutboxEmail).delete()
        db.session.commit()
    later = (TODAY + timedelta(days=100)).isoformat()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["money", "remind", "--today", later])
    assert first.exit_code == 0 and "reminded about G-1" in first.output, first.output
    with app.app_context():
        sent = {m.to_address: m for m in db.session.scalars(select(OutboxEmail))}
    assert sent[money.contact.email].subject == "Organiser: your progress update is overdue"
    assert f"/grants/{money.grant_id}/update" in sent[money.contact.email].body
    staff = {money.facilitator.email, *(p.email for p in money.board)}
    assert staff <= set(sent) and "G-1 Organiser" in sent[money.facilitator.email].body
    assert factory.last_entries(1)[0][0] == "grant.overdue_reminders_sent"
    entries = factory.audit_count()
    again = runner.invoke(args=["money", "remind", "--today", later])
    assert "0 grants with an overdue update or milestone reminded about" in again.output  # once per due date
    assert factory.audit_count() == entries


@pytest.mark.both_engines
def test_a_contact_without_an_account_is_invited_and_the_grant_is_theirs_once_they_confirm(app, factory, money):
    """The organiser of a new group is not on pb: they are invited by email, the board approves, and
    the grant is linked to their account when they confirm that address; then they accept it."""
    from tests.conftest import link_in, outbox

    invited = "organiser@new-group.example"
    with app.app_context():
        board = [db.session.get(User, p.id) for p in money.board]
        fund_year = db.session.get(Grant, money.grant_id).fund_year
        with pytest.raises(ServiceError) as bad:
            grants.create_capacity_grant(fund_year, board[0], title="Youth club", summary="x", amount=500_00,
                                         starts_on=TODAY, ends_on=TODAY + timedelta(days=60), reason="x",
                                         body=grants.BodyInput("New group", "constituted_group", "", "organiser@"))
        assert bad.value.field == "contact_email" and "correct format" in bad.value.message
        decision = grants.create_capacity_grant(
            fund_year, board[0], title="Youth club", summary="x", amount=500_00, starts_on=TODAY,
            ends_on=TODAY + timedelta(days=60), reason="Capacity",
            body=grants.BodyInput("New group", "constituted_group", "", "Organiser@New-Group.example"))
        grant_id = decision.grant_id
        grant = db.session.get(Grant, grant_id)
        assert (grant.contact_id, grant.contact_invited_email) == (None, invited)
        grants.approve_decision(decision, board[1])
        assert db.session.get(Grant, grant_id).status == GrantStatus.APPROVED
    first, approved = outbox(app, invited)
    assert first[1].endswith(": you are named as the contact for Youth club")
    assert "/register?email=organiser@new-group.example" in first[2] and f"/grants/{grant_id}/" in first[2]
    assert approved[1].endswith("your grant for Youth club is ready to accept")
    proposed = [p for a, _, _, p in factory.last_entries(10) if a == "grant.capacity_grant_proposed"]
    assert invited not in "".join(proposed)  # the ledger never holds the address

    staff = app.test_client()
    sign_in(staff, money.facilitator)
    page = staff.get(f"/n/{money.hood.slug}/grants/{grant_id}/manage").get_data(as_text=True)
    assert f"invited by email at {invited}" in page

    web = app.test_client()
    form = web.get("/register?email=organiser%40new-group.example").get_data(as_text=True)
    assert f'value="{invited}"' in form  # the address is filled in from the invitation
    someone_else = app.test_client()
    someone_else.post("/register", data={"name": "Not Them", "email": "other@new-group.example",
                                         "password": "kettle orchard lantern", "postcode": "eb1 1aa", "birth_year": "1990"})
    web.post("/register", data={"name": "Jo Organiser", "email": invited, "password": "kettle orchard lantern",
                                "postcode": "eb1 1aa", "birth_year": "1990"})
    with app.app_context():
        assert db.session.get(Grant, grant_id).contact_id is None  # not until the address is confirmed
    confirm = link_in(outbox(app, invited)[-1][2])
    confirmed = web.post(confirm)
    # The page they land on is the grant they came for, ready to accept, and says so.
    assert confirmed.status_code == 302 and confirmed.location.endswith(f"/n/{money.hood.slug}/grants/{grant_id}/accept")
    page = web.get(confirmed.location).get_data(as_text=True)
    assert "You are the contact for New group&#39;s grant" in page and "Accept" in page
    with app.app_context():
        grant = db.session.get(Grant, grant_id)
        jo = db.session.scalar(select(User).where(User.email == invited))
        assert (grant.contact_id, grant.contact_name, grant.contact_invited_email) == (jo.id, "Jo Organiser", None)
    action, actor, _, payload = factory.last_entries(1)[0]
    assert action == "grant.contact_joined" and f'"contact":"{jo.pseudonym}"' in payload and invited not in payload
    assert web.post(f"/n/{money.hood.slug}/grants/{grant_id}/accept").status_code == 302
    with app.app_context():
        assert db.session.get(Grant, grant_id).status == GrantStatus.ACTIVE


def test_naming_a_contact_without_an_account_on_the_form_says_they_were_invited(app, factory, money):
    from tests.conftest import outbox

    with app.app_context():
        board = [db.session.get(User, p.id) for p in money.board]
        offer = grants.create_capacity_grant(
            db.session.get(Grant, money.grant_id).fund_year, board[0], title="Lunch club", summary="x", amount=300_00,
            starts_on=TODAY, ends_on=TODAY + timedelta(days=30), reason="x",
            body=grants.BodyInput("Lunch group", "constituted_group", "", money.contact.email)).grant_id
    client = app.test_client()
    sign_in(client, money.facilitator)
    url = f"/n/{money.hood.slug}/grants/{offer}/body"
    data = {"body_name": "Lunch group", "body_type": "constituted_group", "body_number": "",
            "contact_email": "cook@lunch.example", "conditions": ""}
    page = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "cook@lunch.example has no pb account yet, so they have been emailed an invitation" in page
    assert 'value="cook@lunch.example"' in client.get(url).get_data(as_text=True)  # the form shows who was invited
    client.post(url, data=data)  # saved again unchanged: not invited twice
    assert len(outbox(app, "cook@lunch.example")) == 1


def test_an_invited_contact_signed_up_in_person_gets_the_grant_at_once(app, factory, money):
    """An account made for someone by an admin has its address vouched for: no confirmation link to wait for."""
    with app.app_context():
        board = [db.session.get(User, p.id) for p in money.board]
        offer = grants.create_capacity_grant(
            db.session.get(Grant, money.grant_id).fund_year, board[0], title="Allotment", summary="x", amount=200_00,
            starts_on=TODAY, ends_on=TODAY + timedelta(days=30), reason="x",
            body=grants.BodyInput("Growers", "constituted_group", "", "grower@allotment.example")).grant_id
    grower = factory.person(email="grower@allotment.example")
    with app.app_context():
        grant = db.session.get(Grant, offer)
        assert (grant.contact_id, grant.contact_invited_email) == (grower.id, None)


def test_an_invitation_nobody_took_up_is_cleared_by_the_retention_job_once_the_grant_ends(app, factory, money):
    with app.app_context():
        board = [db.session.get(User, p.id) for p in money.board]
        fund_year = db.session.get(Grant, money.grant_id).fund_year
        kept, ended = (grants.create_capacity_grant(
            fund_year, board[0], title=title, summary="x", amount=100_00, starts_on=TODAY,
            ends_on=TODAY + timedelta(days=30), reason="x",
            body=grants.BodyInput("Group", "constituted_group", "", f"{title.lower()}@never.example"))
            for title in ("Kept", "Ended"))
        grants.approve_decision(ended, board[1])
        kept, ended = kept.grant_id, ended.grant_id
        cancel = grants.propose_decision(db.session.get(Grant, ended), board[0], kind="cancel", reason="The group folded")
        grants.approve_decision(cancel, board[1])
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "1 invited addresses of ended grants" in result.output, result.output
    with app.app_context():
        assert db.session.get(Grant, kept).contact_invited_email == "kept@never.example"  # still waiting for them
        assert db.session.get(Grant, ended).contact_invited_email is None
    assert factory.last_entries(1)[0][0] == "privacy.invitations_cleared"
