"""The money rules the outside testers broke, each as they broke it: a stale approval making a
decision, a round's grant varied into the ring-fence, the board committing more than a year holds, a
treasurer with an interest paying, payments split to dodge the second person, a payment left waiting
on a cancelled grant, and the database refusing an overpaid grant whatever code writes it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from pb.accounts.models import User
from pb.extensions import db
from pb.funds import grants, payments, planning
from pb.funds.figures import fund_figures
from pb.funds.models import DecisionApproval, Fund, Grant, GrantDecision, GrantStatus, Payment, PaymentStatus
from pb.ledger.models import AuditEntry
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import Membership, Neighbourhood
from pb.services import ServiceError
from tests.funds.test_funds import THIS_YEAR, TODAY, money  # noqa: F401 (the fixture)

pytestmark = pytest.mark.both_engines  # the money services take engine-specific locks


def _u(person) -> User:
    return db.session.get(User, person.id)


def _actions(*names) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(names)).order_by(AuditEntry.id)))


def test_an_approval_stops_counting_once_its_member_declares_an_interest(factory, money):  # noqa: F811
    board = money.board + [factory.with_role(money.hood, "board_member") for _ in range(2)]
    with factory.app.app_context():
        grant = db.session.get(Grant, money.grant_id)
        suspend = grants.propose_decision(grant, _u(board[0]), kind="suspend", reason="Accounts are late")
        assert grants.quorum(grant) == 3  # five members free: three needed
        grants.approve_decision(suspend, _u(board[1]))
        grants.declare_interest(db.session.get(Grant, money.grant_id), _u(board[1]), "I joined the group")
        # Their approval went with the interest, and the ledger says so.
        assert db.session.scalar(select(func.count()).select_from(DecisionApproval)
                                 .where(DecisionApproval.decision_id == suspend.id)) == 1
        declared = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "grant.interest_declared")).all()[-1]
        assert f'"approvals_withdrawn":[{suspend.id}]' in declared.payload
        # Four free members now, three needed: one more approval is two, not enough.
        assert grants.approve_decision(db.session.get(GrantDecision, suspend.id), _u(board[2])) is False
        assert db.session.get(Grant, money.grant_id).status == GrantStatus.ACTIVE
        assert grants.approve_decision(db.session.get(GrantDecision, suspend.id), _u(board[3])) is True
        assert db.session.get(Grant, money.grant_id).status == GrantStatus.SUSPENDED


def test_an_approval_stops_counting_once_its_member_leaves_the_board(factory, money):  # noqa: F811
    board = money.board + [factory.with_role(money.hood, "board_member") for _ in range(2)]
    with factory.app.app_context():
        grant = db.session.get(Grant, money.grant_id)
        suspend = grants.propose_decision(grant, _u(board[0]), kind="suspend", reason="Accounts are late")
        grants.approve_decision(suspend, _u(board[1]))
        seat = db.session.scalar(select(Membership).where(Membership.user_id == board[1].id,
                                                          Membership.role == "board_member"))
        hoods.revoke_role(seat, _u(money.facilitator))
        assert "grant.approval_withdrawn" in _actions("grant.approval_withdrawn")
        # Four on the board, three needed: the leaver's approval does not make it.
        assert grants.approve_decision(db.session.get(GrantDecision, suspend.id), _u(board[2])) is False
        assert db.session.get(Grant, money.grant_id).status == GrantStatus.ACTIVE


def _direct(fund_year, member, amount, capacity=False):
    make = grants.create_capacity_grant if capacity else grants.create_direct_grant
    extra = {} if capacity else {"spend": "revenue"}
    return make(fund_year, member, title="Hall repairs", summary="Roof", amount=amount, starts_on=TODAY,
                ends_on=TODAY + timedelta(days=60), reason="Urgent", **extra,
                body=grants.BodyInput("Hall trust", "charity", "", "hall@example.org"))


def test_a_grant_outside_the_ring_fence_cannot_be_varied_into_it(factory, money):  # noqa: F811
    with factory.app.app_context():
        year = db.session.get(Grant, money.grant_id).fund_year
        # £50,000 planned, £5,000 ring-fenced (£4,000 granted): £45,000 outside it. A £44,000 grant leaves £1,000.
        decision = _direct(year, _u(money.board[0]), 44_000_00)
        grants.approve_decision(decision, _u(money.board[1]))
        grant = db.session.get(Grant, decision.grant_id)
        with pytest.raises(ServiceError, match="has £1,000 left outside its capacity-building share"):
            grants.propose_decision(grant, _u(money.board[0]), kind="vary", reason="Costs rose",
                                    changes={"amount": 45_500_00, "starts_on": grant.starts_on, "ends_on": grant.ends_on})
        grants.propose_decision(grant, _u(money.board[0]), kind="vary", reason="Costs rose",
                                changes={"amount": 45_000_00, "starts_on": grant.starts_on, "ends_on": grant.ends_on})


def test_the_board_cannot_commit_more_than_the_year_holds(factory, money):  # noqa: F811
    with factory.app.app_context():
        year = db.session.get(Grant, money.grant_id).fund_year
        grants.approve_decision(_direct(year, _u(money.board[0]), 45_000_00), _u(money.board[1]))
        fund = db.session.get(Fund, money.fund_id)
        # The ring-fence raised to the whole year: £46,000 of it is "left", but the year has only £1,000.
        planning.set_year_plan(fund, _u(money.facilitator), financial_year=THIS_YEAR, planned=50_000_00,
                               capacity_percent=100)
        with pytest.raises(ServiceError, match="has £1,000 left in all"):
            _direct(db.session.get(Fund, money.fund_id).plan[0], _u(money.board[0]), 5_000_00, capacity=True)
        with pytest.raises(ServiceError, match="needs at least £49,000 planned"):
            planning.set_year_plan(db.session.get(Fund, money.fund_id), _u(money.facilitator),
                                   financial_year=THIS_YEAR, planned=48_000_00, capacity_percent=10)
        figures = fund_figures(db.session.get(Fund, money.fund_id))
        assert all(year.left >= 0 for year in figures.years)


def test_a_treasurer_with_an_interest_records_no_money_on_that_grant(factory, money):  # noqa: F811
    with factory.app.app_context():
        grants.declare_interest(db.session.get(Grant, money.grant_id), _u(money.treasurer), "My sister chairs it")
        entries = factory.audit_count()
        for attempt in (
            lambda g: payments.record_payment(g, _u(money.treasurer), amount=100_00, paid_on=TODAY, spend="revenue"),
            lambda g: payments.add_tranche(g, _u(money.treasurer), label="First", due_on=TODAY, amount=100_00),
            lambda g: payments.record_return(g, _u(money.treasurer), amount=1, returned_on=TODAY),
        ):
            with pytest.raises(ServiceError, match="so you take no part in its payments"):
                attempt(db.session.get(Grant, money.grant_id))
        assert factory.audit_count() == entries


def test_payments_split_under_the_threshold_still_need_a_second_person(client, factory, money):  # noqa: F811
    from tests.factories import sign_in

    sign_in(client, money.treasurer)
    url = f"/n/{money.hood.slug}/grants/{money.grant_id}/payments/new"
    for _ in range(3):
        assert client.post(url, data={"amount": "999.99", "paid_on": TODAY.isoformat(), "spend": "revenue"}).status_code == 302
    with factory.app.app_context():
        statuses = db.session.scalars(select(Payment.status).where(Payment.grant_id == money.grant_id)
                                      .order_by(Payment.id)).all()
    # The first counts at once; with the second, £1,999.98 would be paid without a second person.
    assert statuses == ["paid", "awaiting_approval", "awaiting_approval"]
    page = client.get(f"/n/{money.hood.slug}/payments/{_last_payment(factory)}/recorded").get_data(as_text=True)
    assert "without a second person's approval reaches £1,000" in page


def _last_payment(factory) -> int:
    with factory.app.app_context():
        return db.session.scalar(select(func.max(Payment.id)))


def test_a_payment_waiting_when_its_grant_is_cancelled_is_voided(client, factory, money):  # noqa: F811
    with factory.app.app_context():
        grant = db.session.get(Grant, money.grant_id)
        waiting = payments.record_payment(grant, _u(money.treasurer), amount=1_500_00, paid_on=TODAY, spend="revenue",
                                          reference="Sort 12-34-56 acct 12345678")
        waiting_id = waiting.id
        cancel = grants.propose_decision(db.session.get(Grant, money.grant_id), _u(money.board[0]), kind="cancel",
                                         reason="The group folded")
        grants.approve_decision(cancel, _u(money.board[1]))
        assert db.session.get(Payment, waiting_id).status == PaymentStatus.VOIDED
        assert _actions("payment.voided") == ["payment.voided"]
        assert grants.cancelled_remainder(db.session.get(Grant, money.grant_id)) == 4_000_00
        assert payments.awaiting_approval(money.hood.id) == []
    # The public CSV neither counts it nor shows any payment's bank reference.
    csv = client.get(f"/n/{money.hood.slug}/funds/{money.fund_id}/payments.csv").get_data(as_text=True)
    assert "reference" not in csv.splitlines()[0] and "12345678" not in csv and "1500" not in csv


def test_the_database_refuses_an_overpaid_grant_whatever_writes_it(factory, money):  # noqa: F811
    with factory.app.app_context():
        payments.record_payment(db.session.get(Grant, money.grant_id), _u(money.treasurer), amount=900_00,
                                paid_on=TODAY, spend="revenue")
        grant = db.session.get(Grant, money.grant_id)
        row = dict(grant_id=grant.id, kind="payment", amount=3_100_01, paid_on=TODAY, spend="revenue",
                   financial_year=THIS_YEAR, status="paid", recorded_by_id=money.treasurer.id)
        for attempt in (
            lambda: db.session.execute(Payment.__table__.insert().values(**row)),
            lambda: db.session.execute(update(Grant).where(Grant.id == grant.id).values(amount=899_99)),
            lambda: db.session.execute(Payment.__table__.insert().values(**{**row, "kind": "return", "amount": 900_01})),
        ):
            with pytest.raises(DBAPIError, match="more than its amount|less than what is paid|more cannot come back"):
                attempt()
                db.session.flush()
            db.session.rollback()
        # What fits is still accepted by the database.
        db.session.execute(Payment.__table__.insert().values(**{**row, "amount": 3_100_00}))
        db.session.commit()
        assert db.session.scalar(text("SELECT sum(amount) FROM payment")) == 4_000_00
        assert db.session.get(Neighbourhood, money.hood.id) is not None
