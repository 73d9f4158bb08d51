"""The funding agreement as its people use it: a facilitator records it with its schedule, the
accountable body's officer asks for money against a line, the funder's representative decides, the
treasurer records it arriving (the fund's receipt), the fee is worked out per drawdown, and money
returned to the funder takes its share of the fee back. Bad input is named and saves nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pb.accounts.models import User
from pb.extensions import db
from pb.funds import planning
from pb.funds.figures import fund_figures, next_year
from pb.funds.models import Fund, SourceReceipt
from pb.ledger.models import AuditEntry
from pb.reports import agreements
from pb.reports.figures import agreement_figures
from pb.reports.models import AgreementVersion, Drawdown, FundingAgreement
from pb.services import ServiceError
from tests.factories import sign_in
from tests.funds.test_funds import THIS_YEAR, TODAY, money, refused  # noqa: F401 (the fixture)


def _u(person) -> User:
    return db.session.get(User, person.id)


@pytest.fixture
def agreement(factory, money):  # noqa: F811
    """money's fund with the Community Wealth Fund as its source, under a £100,000 agreement held by
    the council at a 5% fee, £60,000 this year and £40,000 next."""
    officer, funder = factory.person(name="Council officer"), factory.person(name="Funder's representative")
    with factory.app.app_context():
        fund = db.session.get(Fund, money.fund_id)
        source = planning.add_source(fund, _u(money.facilitator), name="Community Wealth Fund", kind="community_wealth_fund")
        made = agreements.set_up(
            fund.neighbourhood, _u(money.facilitator), source=source, funder_name="Community Wealth Fund",
            body_name="Northshire Council", body_kind="council", amount=100_000_00, fee="5", conditions="Spend on the plan",
            signed_on=TODAY - timedelta(days=30), body_contact_email=officer.email, funder_contact_email=funder.email,
            schedule=f"{THIS_YEAR}, whole plan, £60,000\n{next_year(THIS_YEAR)}, whole plan, £40,000")
        return made.id, officer, funder


def test_a_drawdown_goes_from_request_to_the_funds_receipt_with_its_fee(factory, money, agreement):  # noqa: F811
    agreement_id, officer, funder = agreement
    with factory.app.app_context():
        deal = db.session.get(FundingAgreement, agreement_id)
        line = deal.schedule[0]
        with pytest.raises(ServiceError, match="That line has £60,000 left to ask for"):
            agreements.request_drawdown(deal, _u(officer), line=line, amount=60_000_01, covers="Everything")
        with pytest.raises(ServiceError, match="Only Northshire Council's named officer"):
            agreements.request_drawdown(deal, _u(funder), line=line, amount=10_000_00, covers="Youth work")
        first = agreements.request_drawdown(deal, _u(officer), line=line, amount=25_000_33, covers="Grants G-1 to G-4")
        # A waiting request holds its money: a second cannot ask for more than is left beside it.
        with pytest.raises(ServiceError, match="That line has £34,999.67 left"):
            agreements.request_drawdown(db.session.get(FundingAgreement, agreement_id), _u(officer),
                                        line=db.session.get(FundingAgreement, agreement_id).schedule[0],
                                        amount=35_000_00, covers="More")
        with pytest.raises(ServiceError, match="Only Community Wealth Fund's named representative"):
            agreements.decide_drawdown(first, _u(officer), approve=True)
        with pytest.raises(ServiceError, match="Only treasurers record money received"):
            agreements.receive_drawdown(first, _u(funder), received_on=TODAY)
        agreements.decide_drawdown(db.session.get(Drawdown, first.id), _u(funder), approve=True)
        agreements.receive_drawdown(db.session.get(Drawdown, first.id), _u(money.treasurer), received_on=TODAY)
        drawdown = db.session.get(Drawdown, first.id)
        assert drawdown.status == "received"
        receipt = db.session.get(SourceReceipt, drawdown.receipt_id)
        assert receipt.amount == 25_000_33 and receipt.reference == "A-1 D-1"
        assert fund_figures(db.session.get(Fund, money.fund_id)).by_year[THIS_YEAR].received == 25_000_33
        figures = agreement_figures(db.session.get(FundingAgreement, agreement_id))
        assert (figures.received, figures.fee) == (25_000_33, 1_250_01)  # 5% of £25,000.33, rounded down
        with pytest.raises(ServiceError, match="is not waiting for its money: received"):
            agreements.receive_drawdown(db.session.get(Drawdown, first.id), _u(money.treasurer), received_on=TODAY)
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("drawdown.%") |
                                                                         (AuditEntry.action == "fund.money_received"))
                                          .order_by(AuditEntry.id)))
        assert actions == ["drawdown.requested", "drawdown.approved", "fund.money_received", "drawdown.received"]


def test_a_refused_drawdown_says_why_and_frees_its_line(factory, money, agreement):  # noqa: F811
    agreement_id, officer, funder = agreement
    with factory.app.app_context():
        deal = db.session.get(FundingAgreement, agreement_id)
        asked = agreements.request_drawdown(deal, _u(officer), line=deal.schedule[0], amount=60_000_00, covers="All of it")
        with pytest.raises(ServiceError, match="Say why the request is refused"):
            agreements.decide_drawdown(asked, _u(funder), approve=False)
        agreements.decide_drawdown(db.session.get(Drawdown, asked.id), _u(funder), approve=False,
                                   reason="The first return is overdue")
        assert agreement_figures(db.session.get(FundingAgreement, agreement_id)).by_line[deal.schedule[0].id].left == 60_000_00
    client = factory.app.test_client()
    page = client.get(f"/n/{money.hood.slug}/agreements/{agreement_id}/").get_data(as_text=True)
    assert "Refused" in page and "The first return is overdue" in page


def test_a_variation_is_a_new_version_and_keeps_what_was_drawn(factory, money, agreement):  # noqa: F811
    agreement_id, officer, funder = agreement
    with factory.app.app_context():
        deal = db.session.get(FundingAgreement, agreement_id)
        asked = agreements.request_drawdown(deal, _u(officer), line=deal.schedule[0], amount=30_000_00, covers="Grants")
        agreements.decide_drawdown(asked, _u(funder), approve=True)
        agreements.receive_drawdown(db.session.get(Drawdown, asked.id), _u(money.treasurer), received_on=TODAY)
        later = next_year(THIS_YEAR)
        with pytest.raises(ServiceError, match="has £30,000 asked for or drawn: keep that line at no less"):
            agreements.vary(db.session.get(FundingAgreement, agreement_id), _u(money.facilitator), amount=60_000_00,
                            fee="5", conditions="", schedule=f"{THIS_YEAR}, whole plan, £20000\n{later}, whole plan, £40000",
                            reason="Cut")
        with pytest.raises(ServiceError, match="The fee cannot change once money has been drawn"):
            agreements.vary(db.session.get(FundingAgreement, agreement_id), _u(money.facilitator), amount=100_000_00,
                            fee="4", conditions="", schedule=f"{THIS_YEAR}, whole plan, £60000\n{later}, whole plan, £40000",
                            reason="Fee cut")
        agreements.vary(db.session.get(FundingAgreement, agreement_id), _u(money.facilitator), amount=90_000_00, fee="5",
                        conditions="", schedule=f"{THIS_YEAR}, whole plan, £50000\n{later}, whole plan, £40000",
                        reason="The programme's budget was cut by a tenth")
        deal = db.session.get(FundingAgreement, agreement_id)
        assert (deal.version, deal.amount, [line.amount for line in deal.schedule]) == (2, 90_000_00, [50_000_00, 40_000_00])
        versions = db.session.scalars(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id)
                                      .order_by(AgreementVersion.number)).all()
        assert [v.terms["amount"] for v in versions] == [100_000_00, 90_000_00]
        assert versions[1].reason == "The programme's budget was cut by a tenth"


def test_money_returned_to_the_funder_takes_its_share_of_the_fee_back(factory, money, agreement):  # noqa: F811
    agreement_id, officer, funder = agreement
    with factory.app.app_context():
        deal = db.session.get(FundingAgreement, agreement_id)
        asked = agreements.request_drawdown(deal, _u(officer), line=deal.schedule[0], amount=20_000_00, covers="Grants")
        agreements.decide_drawdown(asked, _u(funder), approve=True)
        agreements.receive_drawdown(db.session.get(Drawdown, asked.id), _u(money.treasurer), received_on=TODAY)
        with pytest.raises(ServiceError, match="Only £20,000 has been drawn and not paid back"):
            agreements.record_repayment(db.session.get(FundingAgreement, agreement_id), _u(money.treasurer),
                                        amount=20_000_01, returned_on=TODAY)
        agreements.record_repayment(db.session.get(FundingAgreement, agreement_id), _u(money.treasurer),
                                    amount=3_000_00, returned_on=TODAY, reference="Underspend")
        figures = agreement_figures(db.session.get(FundingAgreement, agreement_id))
        assert (figures.fee, figures.fee_returned, figures.net_fee, figures.repaid) == (1_000_00, 150_00, 850_00, 3_000_00)


def test_the_agreement_form_names_each_bad_schedule_line_and_saves_nothing(factory, money):  # noqa: F811
    officer, funder = factory.person(), factory.person()
    with factory.app.app_context():
        fund = db.session.get(Fund, money.fund_id)
        source = planning.add_source(fund, _u(money.facilitator), name="Community Wealth Fund", kind="community_wealth_fund")
        source_id = source.id
    client = factory.app.test_client()
    sign_in(client, money.facilitator)
    url = f"/n/{money.hood.slug}/agreements/new"
    good = {"source_id": str(source_id), "funder_name": "Community Wealth Fund", "body_name": "Northshire Council",
            "body_kind": "council", "amount": "100000", "fee": "5", "signed_on": TODAY.isoformat(),
            "body_contact_email": officer.email, "funder_contact_email": funder.email,
            "schedule": f"{THIS_YEAR}, whole plan, £60,000\n{next_year(THIS_YEAR)}, whole plan, £40,000"}
    refused(client, factory, url, {**good, "schedule": f"2019/20, whole plan, £60000\n{THIS_YEAR}, Bingo, lots"},
            "schedule", "line 1: 2019/20 is outside the fund", model=FundingAgreement)
    page = refused(client, factory, url, {**good, "schedule": f"{THIS_YEAR}, whole plan, £60000"}, "schedule",
                   "The schedule adds up to £60,000, but the agreement is for £100,000", model=FundingAgreement)
    assert "they must be the same" in page
    refused(client, factory, url, {**good, "fee": "25"}, "fee", "The fee must be 20% or less", model=FundingAgreement)
    refused(client, factory, url, {**good, "funder_contact_email": officer.email}, "funder_contact_email",
            "must be someone other than the accountable body", model=FundingAgreement)
    refused(client, factory, url, {**good, "body_contact_email": "nobody@example.org"}, "body_contact_email",
            "Nobody has a pb account with that address", model=FundingAgreement)
    response = client.post(url, data=good)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(response.location).get_data(as_text=True)
    assert "Northshire Council" in page and "£60,000" in page and "5% of each drawdown" in page


def test_only_the_named_officer_and_representative_see_their_actions(factory, money, agreement):  # noqa: F811
    agreement_id, officer, funder = agreement
    url = f"/n/{money.hood.slug}/agreements/{agreement_id}/"
    client = factory.app.test_client()
    sign_in(client, money.facilitator)
    assert "Ask for a drawdown" not in client.get(url).get_data(as_text=True)
    before = factory.audit_count()
    response = client.post(f"{url}drawdowns/new", data={"amount": "100", "covers": "x"})
    assert response.status_code == 403 and factory.audit_count() == before
    sign_in(client, officer)
    assert "Ask for a drawdown" in client.get(url).get_data(as_text=True)
    with factory.app.app_context():
        line_id = db.session.get(FundingAgreement, agreement_id).schedule[0].id
    before = factory.audit_count()
    response = client.post(f"{url}drawdowns/new", data={"schedule_line_id": str(line_id), "amount": "-5", "covers": "x"})
    assert response.status_code == 400 and "must be more than £0" in response.get_data(as_text=True)
    assert factory.audit_count() == before
    response = client.post(f"{url}drawdowns/new", data={"schedule_line_id": str(line_id), "amount": "12000",
                                                       "covers": "Youth worker, April to September"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Waiting for the funder" in page and "Decide on D-1" not in page
    sign_in(client, funder)
    assert "Decide on D-1" in client.get(url).get_data(as_text=True)
