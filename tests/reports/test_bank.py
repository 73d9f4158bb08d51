"""The treasurer reconciles the holding account: imports the bank's CSV (each bank's layout, or a
column mapping), pb suggests a match for each line, the treasurer confirms or corrects them, and the
year's receipts and payments accounts say whether they reconcile. A bad file is refused whole, with
every bad line named."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pb.accounts.models import User
from pb.extensions import db
from pb.funds import payments
from pb.funds.models import Fund, Grant, Payment
from pb.ledger.models import AuditEntry
from pb.reports import agreements, reconciling
from pb.reports.accounts import accounts_for
from pb.reports.models import Drawdown, FundingAgreement, StatementLine
from pb.services import ServiceError
from tests.factories import sign_in
from tests.funds.test_funds import THIS_YEAR, TODAY, money  # noqa: F401 (the fixture)
from tests.reports.test_agreements import agreement  # noqa: F401 (the fixture)

pytestmark = pytest.mark.both_engines  # bulk insert of lines, partial unique index, the fund's lock


def _u(person) -> User:
    return db.session.get(User, person.id)


@pytest.fixture
def activity(factory, money, agreement):  # noqa: F811
    """£30,000 drawn down (a £1,500 fee), and two payments on the capacity grant: what the bank shows."""
    agreement_id, officer, funder = agreement
    with factory.app.app_context():
        deal = db.session.get(FundingAgreement, agreement_id)
        asked = agreements.request_drawdown(deal, _u(officer), line=deal.schedule[0], amount=30_000_00, covers="Grants")
        agreements.decide_drawdown(asked, _u(funder), approve=True)
        agreements.receive_drawdown(db.session.get(Drawdown, asked.id), _u(money.treasurer),
                                    received_on=TODAY)
        grant = db.session.get(Grant, money.grant_id)
        first = payments.record_payment(grant, _u(money.treasurer), amount=1_500_00, paid_on=TODAY - timedelta(days=2),
                                        spend="revenue", reference="G-1 first")
        payments.approve_payment(db.session.get(Payment, first.id), _u(money.board[0]))  # over the £1,000 threshold
        second = payments.record_payment(db.session.get(Grant, money.grant_id), _u(money.treasurer), amount=500_00,
                                         paid_on=TODAY - timedelta(days=1), spend="revenue")
        return first.id, second.id


def _day(offset: int) -> str:
    return (TODAY - timedelta(days=offset)).strftime("%d/%m/%Y")


def lloyds(extra: str = "") -> bytes:
    """A statement as Lloyds exports it: debit and credit columns, newest last here."""
    return ("Transaction Date,Transaction Type,Sort Code,Account Number,Transaction Description,Debit Amount,Credit Amount,Balance\n"
            f"{_day(0)},BGC,'30-00-00,12345678,COMMUNITY WEALTH FUND A-1 D-1,,30000.00,30000.00\n"
            f"{_day(0)},DD,'30-00-00,12345678,NORTHSHIRE COUNCIL FEE,1500.00,,28500.00\n"
            f"{_day(1)},FPO,'30-00-00,12345678,TEST GROUP G-1 FIRST,1500.00,,27000.00\n"
            f"{_day(0)},FPO,'30-00-00,12345678,TEST GROUP,500.00,,26500.00\n"
            f"{_day(0)},PAY,'30-00-00,12345678,SERVICE CHARGE,4.50,,26495.50\n" + extra).encode()


def test_a_statement_is_matched_confirmed_and_the_year_reconciles(factory, money, activity):  # noqa: F811
    with factory.app.app_context():
        fund = db.session.get(Fund, money.fund_id)
        statement = reconciling.import_statement(fund, _u(money.treasurer), data=lloyds(), filename="lloyds.csv")
        assert (statement.layout, statement.line_count) == ("Lloyds, Halifax or Bank of Scotland", 5)
        lines = db.session.scalars(select(StatementLine).order_by(StatementLine.line_number)).all()
        assert [(line.amount, line.match_kind) for line in lines] == [
            (30_000_00, "receipt"), (-1_500_00, "fee"), (-1_500_00, "payment"), (-500_00, "payment"), (-4_50, None)]
        # The £1,500 payment is the line quoting its reference, not the fee of the same amount that day.
        assert lines[2].match_id == activity[0] and lines[3].match_id == activity[1]
        accounts = accounts_for(db.session.get(Fund, money.fund_id), THIS_YEAR)
        assert not accounts.reconciliation.reconciles
        assert accounts.reconciliation.state == ("Does not reconcile yet: 5 statement lines not yet confirmed and 4 recorded "
                                                 "payments or receipts not on the statement")
        reconciling.confirm_suggested(db.session.get(Fund, money.fund_id), _u(money.treasurer),
                                      line_ids=[line.id for line in lines])
        charge = db.session.get(StatementLine, lines[4].id)
        with pytest.raises(ServiceError, match="Say what this line is"):
            reconciling.match_line(charge, _u(money.treasurer), choice="explained")
        reconciling.match_line(db.session.get(StatementLine, lines[4].id), _u(money.treasurer), choice="explained",
                               note="Bank charge")
        accounts = accounts_for(db.session.get(Fund, money.fund_id), THIS_YEAR)
        assert accounts.reconciliation.reconciles, accounts.reconciliation.state
        figures = accounts.figures()
        assert figures["receipts_by_source"] == {"Community Wealth Fund": 30_000_00}
        assert (figures["accountable_body_fee"], figures["bank_items_out"], figures["of_which_capacity_building"]) == \
            (1_500_00, 4_50, 2_000_00)
        assert figures["closing_balance"] == 26_495_50 == lines[-1].balance
        # The ring-fence (10% of £50,000) less the capacity grant's £2,000 paid stays restricted.
        assert figures["restricted_capacity_building"] == 3_000_00
        confirmed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bank.matches_confirmed")).one()
        assert '"fee"' in confirmed.payload
    page = factory.app.test_client().get(f"/n/{money.hood.slug}/funds/{money.fund_id}/accounts/{THIS_YEAR[:4]}")
    text = page.get_data(as_text=True)
    assert "Reconciled with the bank statement" in text and "£26,495.50" in text and "£4.50" in text


def test_the_treasurer_corrects_a_suggestion_on_the_page(factory, money, activity):  # noqa: F811
    client = factory.app.test_client()
    sign_in(client, money.treasurer)
    slug, fund_id = money.hood.slug, money.fund_id
    response = client.post(f"/n/{slug}/funds/{fund_id}/bank",
                           data={"file": (io.BytesIO(lloyds()), "statement.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(response.location).get_data(as_text=True)
    assert "4 suggested, 1 not matched" in page and "SERVICE CHARGE" in page
    with factory.app.app_context():
        fee_line = db.session.scalar(select(StatementLine).where(StatementLine.match_kind == "fee"))
        payment_line = db.session.scalar(select(StatementLine).where(StatementLine.match_id == activity[0],
                                                                    StatementLine.match_kind == "payment"))
        fee_line_id, drawdown_id, payment_line_id = fee_line.id, fee_line.match_id, payment_line.id
    # The payment's line can be switched to the fee only once the fee is free: it is not, so it is not offered.
    form = client.get(f"/n/{slug}/bank-lines/{payment_line_id}/match").get_data(as_text=True)
    assert f"fee:{drawdown_id}" not in form
    response = client.post(f"/n/{slug}/bank-lines/{fee_line_id}/match", data={"choice": "clear"})
    assert response.status_code == 302
    form = client.get(f"/n/{slug}/bank-lines/{payment_line_id}/match").get_data(as_text=True)
    assert f"fee:{drawdown_id}" in form
    response = client.post(f"/n/{slug}/bank-lines/{payment_line_id}/match", data={"choice": "payment:999999"})
    assert response.status_code == 400 and "Choose one of the recorded payments" in response.get_data(as_text=True)
    with factory.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "bank.match_cleared")) == 1


@pytest.mark.parametrize("engine_name", ["sqlite"])
@pytest.mark.parametrize("bad, message", [
    (lloyds(f"{_day(0)},FPO,x,y,=HYPERLINK(\"http://evil\"),abc,,1\n"), "line 7: 'abc' is not an amount of money"),
    (lloyds("31/02/2026,FPO,x,y,Bad day,1.00,,1\n"), "line 7: '31/02/2026' is not a date"),
    (lloyds(f"{_day(0)},FPO,x,y,Both,1.00,2.00,1\n"), "line 7: it has money both in and out"),
    (b"\x00\x01PK\x03\x04 binary", "This is not a CSV file"),
    (b"x" * 5_000_001, "a statement can be at most 5 MB"),
    (b"When,What,How much\n01/04/2026,Thing,1.00\n", "pb does not recognise this bank"),
    ("Date,Description,Amount\n" + "".join(f"{_day(0)},Line {n},1.00\n" for n in range(20_001)),
     "more than 20,000 lines"),
])
def test_a_bad_statement_is_refused_whole_naming_each_problem(factory, money, activity, bad, message, engine_name):  # noqa: F811
    """Reading a file is the same on both engines: these run on SQLite only (pytestmark's PostgreSQL
    runs of the import itself are in the tests around them)."""
    data = bad.encode() if isinstance(bad, str) else bad
    with factory.app.app_context():
        entries = factory.audit_count()
        with pytest.raises(ServiceError, match=message.replace("(", r"\(").replace(")", r"\)")):
            reconciling.import_statement(db.session.get(Fund, money.fund_id), _u(money.treasurer), data=data)
        assert db.session.scalar(select(func.count()).select_from(StatementLine)) == 0
        assert factory.audit_count() == entries


def test_a_statement_already_imported_or_overlapping_is_refused(factory, money, activity):  # noqa: F811
    with factory.app.app_context():
        reconciling.import_statement(db.session.get(Fund, money.fund_id), _u(money.treasurer), data=lloyds())
        with pytest.raises(ServiceError, match="This statement was already imported on"):
            reconciling.import_statement(db.session.get(Fund, money.fund_id), _u(money.treasurer), data=lloyds())
        # The same lines again under a new file (one more line added): each repeated line is named.
        with pytest.raises(ServiceError, match=r"5 lines are already in a statement imported before: line 2 \(line 2 of"):
            reconciling.import_statement(db.session.get(Fund, money.fund_id), _u(money.treasurer),
                                         data=lloyds(f"{_day(0)},FPO,a,b,NEW LINE,1.00,,1\n"))
        assert db.session.scalar(select(func.count()).select_from(StatementLine)) == 5


def test_windows_text_a_column_mapping_and_formula_cells_are_read_as_text(factory, money, activity):  # noqa: F811
    csv = (f"Posted,Narrative,Out,In\n{_day(1)},=SUM(A1:A9) £ paid,1500.00,\n{_day(0)},TEST GROUP,500.00,\n")
    with factory.app.app_context():
        fund = db.session.get(Fund, money.fund_id)
        with pytest.raises(ServiceError, match="pb does not recognise this bank's layout"):
            reconciling.import_statement(fund, _u(money.treasurer), data=csv.encode("cp1252"))
        from pb.reports.bankfile import mapping_from
        statement = reconciling.import_statement(
            db.session.get(Fund, money.fund_id), _u(money.treasurer), data=csv.encode("cp1252"),
            mapping=mapping_from("Posted", "Narrative", paid_out_column="Out", paid_in_column="In"))
        assert statement.layout == "Your column mapping"
        lines = db.session.scalars(select(StatementLine).order_by(StatementLine.line_number)).all()
        assert [(line.description, line.amount) for line in lines] == [("=SUM(A1:A9) £ paid", -1_500_00),
                                                                        ("TEST GROUP", -500_00)]
    client = factory.app.test_client()
    sign_in(client, money.treasurer)
    page = client.get(f"/n/{money.hood.slug}/funds/{money.fund_id}/bank/{THIS_YEAR[:4]}").get_data(as_text=True)
    assert "=SUM(A1:A9) £ paid" in page


def test_only_treasurers_import_and_nothing_is_written_when_refused(factory, money, activity):  # noqa: F811
    with factory.app.app_context():
        entries = factory.audit_count()
        with pytest.raises(ServiceError, match="Only treasurers reconcile the bank statement"):
            reconciling.import_statement(db.session.get(Fund, money.fund_id), _u(money.facilitator), data=lloyds())
        assert factory.audit_count() == entries
        assert db.session.scalar(select(func.count()).select_from(Payment)) == 2
