"""Monitoring returns as their people use them: a facilitator starts and writes one, a board member
and then the accountable body's officer approve, a facilitator submits it and it is kept as it
stood; drafts are not public; late returns show as late and facilitators are reminded once; the risk
register refuses half-written risks."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.funds import planning
from pb.funds.figures import financial_year_of
from pb.funds.models import Fund
from pb.mail.models import OutboxEmail
from pb.neighbourhoods.models import Neighbourhood
from pb.reports import agreements, returns
from pb.reports.models import MonitoringReturn, ReturnReminder
from pb.services import ServiceError
from tests.factories import sign_in

LAST_YEAR = financial_year_of(date.today() - timedelta(days=366))
START = date(int(LAST_YEAR[:4]), 4, 1)


def _u(person) -> User:
    return db.session.get(User, person.id)


@pytest.fixture
def owed(factory):
    """A fund that began last financial year (so both of that year's returns are owed), with a funding
    agreement naming the council's officer."""
    hood = factory.neighbourhood()
    facilitator, board, officer = factory.with_role(hood, "facilitator"), factory.with_role(hood, "board_member"), factory.person()
    funder = factory.person()
    with factory.app.app_context():
        fund = planning.create_fund(db.session.get(Neighbourhood, hood.id), _u(facilitator), name="Fund",
                                    first_year=LAST_YEAR, years=3)
        source = planning.add_source(fund, _u(facilitator), name="Community Wealth Fund", kind="community_wealth_fund")
        agreements.set_up(fund.neighbourhood, _u(facilitator), source=source, funder_name="CWF", body_name="Council",
                          body_kind="council", amount=30_000_00, fee="0", conditions="", signed_on=START,
                          body_contact_email=officer.email, funder_contact_email=funder.email,
                          schedule="\n".join(f"{y}, whole plan, £10000" for y in fund.financial_years))
        return hood, fund.id, facilitator, board, officer


def test_a_return_is_approved_in_order_then_kept_as_submitted(factory, owed):
    hood, fund_id, facilitator, board, officer = owed
    with factory.app.app_context():
        fund = db.session.get(Fund, fund_id)
        with pytest.raises(ServiceError, match="Choose one of the periods the fund owes"):
            returns.start_return(fund, _u(facilitator), kind="annual", period_start=START + timedelta(days=1))
        with pytest.raises(ServiceError, match="Only facilitators"):
            returns.start_return(fund, _u(board), kind="annual", period_start=START)
        return_ = returns.start_return(fund, _u(facilitator), kind="annual", period_start=START)
        assert returns.start_return(fund, _u(facilitator), kind="annual", period_start=START).id == return_.id  # once
        with pytest.raises(ServiceError, match="it needs ‘Summary of the period’ first"):
            returns.approve_as_board(return_, _u(board))
        returns.write(db.session.get(MonitoringReturn, return_.id), _u(facilitator),
                      narrative={"summary": "A good year"}, forecast={"": 1_000_00})
        with pytest.raises(ServiceError, match="it needs ‘What was done’ first"):  # the full return answers every part
            returns.approve_as_board(db.session.get(MonitoringReturn, return_.id), _u(board))
        returns.write(db.session.get(MonitoringReturn, return_.id), _u(facilitator),
                      narrative={key: "Written" for key in returns.NARRATIVE}, forecast={"": 1_000_00})
        with pytest.raises(ServiceError, match="The board approves the return first"):
            returns.approve_as_body(db.session.get(MonitoringReturn, return_.id), _u(officer))
        with pytest.raises(ServiceError, match="The board and then the accountable body approve"):
            returns.submit(db.session.get(MonitoringReturn, return_.id), _u(facilitator))
        returns.approve_as_board(db.session.get(MonitoringReturn, return_.id), _u(board))
        with pytest.raises(ServiceError, match="Only the accountable body's officer"):
            returns.approve_as_body(db.session.get(MonitoringReturn, return_.id), _u(board))
        with pytest.raises(ServiceError, match="can no longer be changed"):
            returns.write(db.session.get(MonitoringReturn, return_.id), _u(facilitator), narrative={}, forecast={})
        returns.approve_as_body(db.session.get(MonitoringReturn, return_.id), _u(officer))
        returns.submit(db.session.get(MonitoringReturn, return_.id), _u(facilitator))
        kept = db.session.get(MonitoringReturn, return_.id).submitted
        assert kept["forecast_next_period"] == {"": 1_000_00} and kept["narrative"]["summary"] == "Written"
        # Money recorded afterwards in the period leaves the submitted return as it was.
        planning.record_receipt(fund.sources[0], _u(factory.with_role(hood, "treasurer")), amount=5_00,
                                received_on=START + timedelta(days=10))
        assert db.session.get(MonitoringReturn, return_.id).submitted == kept
        assert returns.content_of(db.session.get(MonitoringReturn, return_.id)) == kept


def test_drafts_are_not_public_and_late_returns_say_so(factory, owed):
    hood, fund_id, facilitator, board, officer = owed
    with factory.app.app_context():
        return_id = returns.start_return(db.session.get(Fund, fund_id), _u(facilitator), kind="six_monthly",
                                         period_start=START).id
    client = factory.app.test_client()
    assert client.get(f"/n/{hood.slug}/returns/{return_id}").status_code == 404
    assert client.get(f"/n/{hood.slug}/returns/{return_id}.xlsx").status_code == 404
    page = client.get(f"/n/{hood.slug}/funds/{fund_id}/returns").get_data(as_text=True)
    assert "Being written" in page and "Late" in page  # last year's returns were due months ago
    sign_in(client, officer)
    assert client.get(f"/n/{hood.slug}/returns/{return_id}").status_code == 200  # the accountable body sees drafts


def test_facilitators_are_reminded_once_before_a_return_is_due_and_once_when_late(factory, owed):
    hood, fund_id, facilitator, board, officer = owed
    due = date(START.year, 10, 31)
    with factory.app.app_context():
        hood_row = db.session.get(Neighbourhood, hood.id)
        with timeutil.as_of(due - timedelta(days=10)):
            sent = returns.remind(hood_row, timeutil.today())
            assert sent == ["Fund six-monthly update (due)"]
            assert returns.remind(hood_row, timeutil.today()) == []  # the daily job ran twice: no second email
        with timeutil.as_of(due + timedelta(days=1)):
            assert returns.remind(hood_row, timeutil.today()) == ["Fund six-monthly update (late)"]
        emails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == facilitator.email)).all()
        assert [e.subject for e in emails] == [f"{hood.name}: the six-monthly update for Fund is due on 31 October",
                                               f"{hood.name}: the six-monthly update for Fund is late"]
        assert db.session.scalar(select(func.count()).select_from(ReturnReminder)) == 2


def test_the_risk_register_refuses_a_half_written_risk(factory, owed):
    hood, fund_id, facilitator, board, officer = owed
    client = factory.app.test_client()
    sign_in(client, facilitator)
    before = factory.audit_count()
    response = client.post(f"/n/{hood.slug}/risks/new", data={"risk": "Volunteers leave", "likelihood": "low"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose how much it would matter" in page and "Say who acts on it" in page
    assert factory.audit_count() == before
    response = client.post(f"/n/{hood.slug}/risks/new", data={"risk": "Volunteers leave", "likelihood": "low",
                                                              "impact": "high", "mitigation": "Two leads a project",
                                                              "owner": "The facilitators"})
    assert response.status_code == 302
    assert "Volunteers leave" in client.get(f"/n/{hood.slug}/risks").get_data(as_text=True)


def test_a_resident_who_follows_the_reports_hears_when_a_return_is_published(factory, owed):
    hood, fund_id, facilitator, board, officer = owed
    resident = factory.resident(hood)
    client = factory.app.test_client()
    sign_in(client, resident)
    response = client.post(f"/n/{hood.slug}/reports/follow", data={"back": f"/n/{hood.slug}/funds/{fund_id}/returns"})
    assert response.status_code == 302 and response.location.endswith(f"/funds/{fund_id}/returns")
    assert "Stop emails about the reports" in client.get(response.location).get_data(as_text=True)
    with factory.app.app_context():
        return_ = returns.start_return(db.session.get(Fund, fund_id), _u(facilitator), kind="six_monthly",
                                       period_start=START)
        returns.write(return_, _u(facilitator), narrative={"summary": "Going well"}, forecast={})
        returns.approve_as_board(db.session.get(MonitoringReturn, return_.id), _u(board))
        returns.approve_as_body(db.session.get(MonitoringReturn, return_.id), _u(officer))
        returns.submit(db.session.get(MonitoringReturn, return_.id), _u(facilitator))
        email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == resident.email)).one()
        assert "six-monthly update" in email.subject and f"/returns/{return_.id}" in email.body
        assert "unsubscribe" in email.body


def test_the_programme_says_which_returns_are_owed_and_when(factory, owed):
    """Pride in Place (and pb's default): April to September, then the whole year. Big Local: each half year."""
    from pb.plans import services as plans
    from pb.reports.returnfigures import periods

    hood, fund_id, facilitator, board, officer = owed
    with factory.app.app_context():
        fund = db.session.get(Fund, fund_id)
        today = date(START.year + 1, 6, 1)
        assert [(kind, first.isoformat(), due.isoformat()) for kind, first, last, due in periods(fund, today)][-2:] == [
            ("annual", START.isoformat(), f"{START.year + 1}-04-30"), ("six_monthly", START.isoformat(), f"{START.year}-10-31")]
        plans.start_plan(db.session.get(Neighbourhood, hood.id), _u(facilitator), framework_key="big_local", fund=fund)
        owed_now = periods(db.session.get(Fund, fund_id), today)
        assert {kind for kind, *_ in owed_now} == {"six_monthly"}
        assert [(first.month, last.month) for kind, first, last, due in owed_now][-2:] == [(10, 3), (4, 9)]


def test_the_national_view_says_which_neighbourhoods_owe_which_return(factory, owed):
    """Every neighbourhood of the programme's year, with its return's state; a Big Local neighbourhood
    owes no twelve-monthly return, and the page says so rather than calling it late."""
    from sqlalchemy import select as sql_select

    from pb.national import services as national
    from pb.plans import services as plans
    from pb.reports.national import national_returns

    hood, fund_id, facilitator, board, officer = owed
    other = factory.neighbourhood()
    admin = factory.person(admin=True)
    with factory.app.app_context():
        programme = national.create_programme(_u(admin), name="Community Wealth Fund", description="",
                                              first_year=LAST_YEAR, years=3, annual_amount=1_000_000_00, base_amount=0,
                                              population_weight=60, deprivation_weight=40)
        hoods = db.session.scalars(sql_select(Neighbourhood).order_by(Neighbourhood.id)).all()
        national.import_figures(programme, _u(admin), financial_year=LAST_YEAR,
                                text="neighbourhood,region,population,deprivation_score\n" +
                                "".join(f"{h.slug},North,{1000 + h.id},{10 + h.id}.5\n" for h in hoods))
        allocation = national.confirm_allocation(programme, _u(admin), financial_year=LAST_YEAR)
        other_fund = db.session.scalars(sql_select(Fund).where(Fund.neighbourhood_id == other.id)).first()
        other_facilitator = factory.with_role(other, "facilitator")
        plans.start_plan(db.session.get(Neighbourhood, other.id), _u(other_facilitator), framework_key="big_local",
                         fund=other_fund)
        rows = {row["slug"]: row for row in national_returns(allocation, "annual", date.today())}
        assert rows[hood.slug]["late"] and rows[hood.slug]["status"] == "Not started"
        assert rows[other.slug]["status"] == "Not asked for by its programme" and not rows[other.slug]["late"]
        programme_id = programme.id
    page = factory.app.test_client().get(f"/national/{programme_id}/{LAST_YEAR[:4]}/returns/annual")
    assert page.status_code == 200 and "Not asked for by its programme" in page.get_data(as_text=True)
