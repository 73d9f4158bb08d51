"""A fund over three financial years, run by moving pb's clock: two rounds, a direct capacity grant,
grants with tranches, a payment needing a second person, a variation, an underspend carried forward,
a returned payment and a cancelled grant. Every figure on the public fund page must equal the sum of
the recorded transactions."""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import date

import pytest
from sqlalchemy import func, select

from pb import phases, timeutil
from pb.accounts.models import User
from pb.audit.pack import verify_pack
from pb.auditing.pack import export
from pb.extensions import db
from pb.funds import closing, delivery, grants, payments, planning
from pb.funds.figures import fund_figures
from pb.funds.models import (
    DecisionStatus,
    Fund,
    FundYear,
    Grant,
    GrantStatus,
    Payment,
    PaymentKind,
    PaymentStatus,
    SourcePromise,
    SourceReceipt,
)
from pb.ledger.models import AuditEntry
from pb.ledger.services import log_for, verify_log
from pb.neighbourhoods.models import Neighbourhood
from pb.proposals import services as proposals
from pb.proposals.models import Proposal
from pb.rounds.models import Phase, Round
from pb.services import ServiceError
from pb.voting import services as voting
from tests.factories import make_proposal, make_round
from tests.funds.giving_schema import problems

pytestmark = pytest.mark.both_engines  # year plans are checked under the fund's lock

Y0, Y1, Y2 = "2026/27", "2027/28", "2028/29"


@pytest.fixture
def clock(monkeypatch):
    """pb's one clock for money: set it to a day and the services and figures live on that day."""
    class Clock:
        day = date(2026, 5, 1)

        def set(self, day):
            self.day = day

    clock = Clock()
    monkeypatch.setattr(timeutil, "today", lambda: clock.day)
    return clock


class People:
    def __init__(self, factory):
        self.hood = factory.neighbourhood()
        self.facilitator = factory.with_role(self.hood, "facilitator")
        self.board = [factory.with_role(self.hood, "board_member") for _ in range(3)]
        self.treasurer = factory.with_role(self.hood, "treasurer")
        self.voters = [factory.resident(self.hood) for _ in range(3)]


def u(person) -> User:
    return db.session.get(User, person.id)


def publish_round(factory, people, fund_year: FundYear, budget: int, costs: list[int], year: str) -> list[int]:
    """A round on `fund_year`, every proposal voted for by every voter, counted, signed off and published.
    Returns its grants' ids."""
    ref = make_round(factory, people.hood, budget=budget, pots=(("Open pot", budget, "any"),), fund_year=year,
                     facilitator=people.facilitator, board_member=people.board[0], ballot_type="approval")
    with factory.app.app_context():
        planning.allocate_round(db.session.get(Round, ref.id), u(people.facilitator), db.session.get(FundYear, fund_year.id))
    ids = [make_proposal(factory, ref, title=f"Project {n}", amount=cost, year=year)[0] for n, cost in enumerate(costs)]
    with factory.app.app_context():
        round_ = db.session.get(Round, ref.id)
        f = u(people.facilitator)
        for pid in ids:
            proposals.review(db.session.get(Proposal, pid), f, "feasible")
        while round_.phase != Phase.VOTING:
            phases.advance_phase(round_, f)
        for voter in people.voters:
            voting.cast_ballot(round_, u(voter), {ref.pot_ids[0]: ids})
        phases.advance_phase(round_, f)
        voting.count_round(round_, f)
        phases.advance_phase(round_, f)
        for member in people.board[:2]:
            voting.approve_result(round_, u(member))
        phases.advance_phase(round_, f)
        return [g.id for g in grants.grants_of_round(round_)]


def agree(people, grant_id: int, body_name: str) -> Grant:
    """Body set by a facilitator, approved by the board at quorum, accepted by the contact."""
    grant = db.session.get(Grant, grant_id)
    contact = grant.contact
    grants.set_accountable_body(grant, u(people.facilitator), grants.BodyInput(
        body_name, "constituted_group", "", contact.email), conditions="Report how many people came.")
    decision = grants.propose_decision(grant, u(people.board[0]), kind="approve")
    assert grants.approve_decision(decision, u(people.board[1])) is True
    grants.accept_grant(grant, contact)
    return grant


def pay(people, grant, amount, day, **kw):
    payment = payments.record_payment(grant, u(people.treasurer), amount=amount, paid_on=day, spend="revenue", **kw)
    if payment.status == PaymentStatus.AWAITING_APPROVAL:
        payments.approve_payment(payment, u(people.board[2]))
    return payment


def money_cells(html: str) -> dict[str, list[str]]:
    """The fund page's table: {row heading: [cells]}."""
    table = re.search(r'<table[^>]*id="fund-years".*?</table>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        heading = re.search(r"<th[^>]*>(.*?)</th>", row, re.S)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if heading and cells:
            rows[re.sub(r"<.*?>", "", heading.group(1)).strip()] = [re.sub(r"<.*?>|\s", "", c) for c in cells]
    return rows


def pounds_text(pence: int) -> str:
    return f"£{pence // 100:,}" if pence % 100 == 0 else f"£{pence / 100:,.2f}"


def test_three_years_of_a_fund_add_up_to_its_transactions(app, client, factory, clock, tmp_path):
    people = People(factory)
    with app.app_context():
        hood = db.session.get(Neighbourhood, people.hood.id)
        f = u(people.facilitator)
        fund = planning.create_fund(hood, f, name="Test Community Wealth Fund", first_year=Y0, years=3)
        cwf = planning.add_source(fund, f, name="Community Wealth Fund", kind="community_wealth_fund")
        council = planning.add_source(fund, f, name="Council", kind="council")
        for year in (Y0, Y1, Y2):
            planning.set_promise(cwf, f, financial_year=year, amount=60_000_00)
        planning.set_promise(council, f, financial_year=Y0, amount=10_000_00)
        planning.record_receipt(cwf, u(people.treasurer), amount=60_000_00, received_on=date(2026, 4, 20),
                                reference="CWF-1")
        planning.record_receipt(council, u(people.treasurer), amount=10_000_00, received_on=date(2026, 5, 1))
        planning.set_year_plan(fund, f, financial_year=Y0, planned=70_000_00, capacity_percent=10)
        planning.set_year_plan(fund, f, financial_year=Y1, planned=60_000_00, capacity_amount=5_000_00)
        planning.set_year_plan(fund, f, financial_year=Y2, planned=60_000_00)
        fund_id = fund.id
        years = {fy.financial_year: fy for fy in fund.plan}

    # Year one: a round of £50,000 funds three projects for £45,000 (an underspend of £5,000).
    first = publish_round(factory, people, years[Y0], 50_000_00, [20_000_00, 15_000_00, 10_000_00], Y0)
    assert len(first) == 3
    with app.app_context():
        g1, g2, g3 = (agree(people, gid, f"Group {n}") for n, gid in enumerate(first, 1))
        # The board awards a capacity-building grant directly, within the 10% (£7,000) share.
        with pytest.raises(ServiceError, match="capacity-building share has £7,000 left"):
            grants.create_capacity_grant(db.session.get(FundYear, years[Y0].id), u(people.board[0]), title="Organiser",
                                         summary="A community organiser", amount=8_000_00, starts_on=date(2026, 6, 1),
                                         ends_on=date(2027, 3, 31), body=grants.BodyInput(
                                             "Eastbrook Partnership", "cic", "12345678", u(people.facilitator).email),
                                         reason="Capacity to run the partnership")
        decision = grants.create_capacity_grant(
            db.session.get(FundYear, years[Y0].id), u(people.board[0]), title="Organiser", summary="A community organiser",
            amount=5_000_00, starts_on=date(2026, 6, 1), ends_on=date(2027, 3, 31),
            body=grants.BodyInput("Eastbrook Partnership", "cic", "12345678", u(people.facilitator).email),
            reason="Capacity to run the partnership")
        assert decision.status == DecisionStatus.OPEN
        assert grants.approve_decision(decision, u(people.board[1])) is True
        capacity = decision.grant
        grants.accept_grant(capacity, u(people.facilitator))

        clock.set(date(2026, 9, 1))
        t1 = payments.add_tranche(g1, u(people.treasurer), label="First half", due_on=date(2026, 9, 1), amount=10_000_00)
        payments.add_tranche(g1, u(people.treasurer), label="Second half", due_on=date(2027, 3, 1), amount=10_000_00)
        first_payment = payments.record_payment(g1, u(people.treasurer), amount=10_000_00, paid_on=date(2026, 9, 1),
                                                spend="revenue", tranche_id=t1.id)
        assert first_payment.status == PaymentStatus.AWAITING_APPROVAL  # £10,000 is over the £1,000 threshold
        with pytest.raises(ServiceError, match="Only partnership board members approve"):
            payments.approve_payment(first_payment, u(people.treasurer))
        payments.approve_payment(first_payment, u(people.board[2]))
        pay(people, g2, 15_000_00, date(2026, 9, 1))
        pay(people, g3, 4_000_00, date(2026, 9, 1))
        pay(people, capacity, 500_00, date(2026, 9, 1))  # under the threshold: paid at once

        # G3 stops: the board cancels it; the £6,000 not paid goes back to the fund.
        clock.set(date(2026, 11, 1))
        cancel = grants.propose_decision(g3, u(people.board[0]), kind="cancel", reason="The group has folded")
        grants.approve_decision(cancel, u(people.board[1]))
        assert g3.status == GrantStatus.CANCELLED and grants.cancelled_remainder(g3) == 6_000_00
        with pytest.raises(ServiceError, match="cancelled"):
            payments.record_payment(g3, u(people.treasurer), amount=100_00, paid_on=date(2026, 11, 1), spend="revenue")
        # G1 is varied up by £2,000, a new version kept.
        vary = grants.propose_decision(g1, u(people.board[1]), kind="vary", reason="Venue costs rose",
                                       changes={"amount": 22_000_00, "starts_on": g1.starts_on, "ends_on": g1.ends_on})
        grants.approve_decision(vary, u(people.board[2]))
        assert (g1.amount, g1.version) == (22_000_00, 2)
        # G2 gives £1,000 back.
        clock.set(date(2027, 2, 1))
        payments.record_return(g2, u(people.treasurer), amount=1_000_00, returned_on=date(2027, 2, 1), reference="REF")
        pay(people, capacity, 4_500_00, date(2027, 1, 15))
        clock.set(date(2027, 3, 25))
        pay(people, g1, 12_000_00, date(2027, 3, 20))
        with pytest.raises(ServiceError, match="Only £0 of the £22,000 grant is unpaid"):
            payments.record_payment(g1, u(people.treasurer), amount=1_00, paid_on=date(2027, 3, 20), spend="revenue")
        grants.complete_grant(g1, u(people.facilitator))

    # Year two: 2026/27 has ended and its unspent money moves on.
    clock.set(date(2027, 5, 1))
    with app.app_context():
        figures = fund_figures(db.session.get(Fund, fund_id))
        y0 = figures.by_year[Y0]
        # 70,000 planned + 1,000 returned - (22,000 + 15,000 + 4,000 paid on the cancelled G3 + 5,000 capacity)
        assert y0.left == 25_000_00 and y0.carried_out == 25_000_00
        assert figures.by_year[Y1].carried_in == 25_000_00
    second = publish_round(factory, people, years[Y1], 30_000_00, [25_000_00], Y1)
    with app.app_context():
        g5 = agree(people, second[0], "Group 5")
        clock.set(date(2027, 9, 1))
        pay(people, g5, 20_000_00, date(2027, 9, 1))
        delivery.post_update(g5, g5.contact, status="completed", body="All done, under budget.")
        grants.complete_grant(g5, u(people.facilitator))  # delivered for less: £5,000 goes back

    clock.set(date(2028, 6, 1))
    with app.app_context():
        fund = db.session.get(Fund, fund_id)
        figures = fund_figures(fund)
        y1 = figures.by_year[Y1]
        assert y1.carried_in == 25_000_00 and y1.granted == 20_000_00
        assert y1.carried_out == 60_000_00 + 25_000_00 - 20_000_00
        assert figures.by_year[Y2].carried_in == y1.carried_out
        expected = independent_sums(fund_id)
    page = client.get(f"/n/{people.hood.slug}/funds/{fund_id}/")
    assert page.status_code == 200
    cells = money_cells(page.get_data(as_text=True))
    for heading, key in (("Promised", "promised"), ("Received", "received"), ("Paid", "paid"),
                         ("Returned", "returned"), ("Granted", "granted"), ("Planned", "planned")):
        assert cells[heading] == [pounds_text(v) for v in expected[key]] + [pounds_text(sum(expected[key]))], heading
    assert cells["Carried forward from the year before"][:3] == [pounds_text(0), pounds_text(25_000_00),
                                                                 pounds_text(65_000_00)]
    with app.app_context():
        assert verify_log(log_for(db.session.get(Neighbourhood, people.hood.id))) is None
        planning.set_money_settings(db.session.get(Neighbourhood, people.hood.id), u(people.board[0]),
                                    giving_prefix="360G-testhood", payment_approval_threshold=1_000_00,
                                    full_reporting_threshold=10_000_00, facilitators_record_payments=False)

    # The same fund as 360Giving open data: valid against the vendored schema, one grant per awarded project,
    # its payments (and the return, negative) as disbursements adding up to what the page says was paid.
    package = client.get(f"/n/{people.hood.slug}/funds/{fund_id}/360giving.json").get_json()
    assert problems(package) == []
    by_id = {grant["id"]: grant for grant in package["grants"]}
    assert len(by_id) == 5 and all(key.startswith("360G-testhood-G-") for key in by_id)
    disbursed = sum(t["value"] for grant in package["grants"] for t in grant["disbursementTransaction"])
    assert round(disbursed * 100) == sum(expected["paid"]) - sum(expected["returned"])
    cancelled = next(grant for grant in package["grants"] if "Cancelled" in grant["description"])
    assert cancelled["amountAwarded"] == 4000.0  # what was paid before the board cancelled it

    # The auditor pack carries the grants and payments; the verifier checks them against the ledger.
    pack = tmp_path / "pack.sqlite"
    with app.app_context():
        written = export(db.session.get(Round, db.session.get(Grant, second[0]).round_id), pack)
    assert written["grants"] == 5 and written["payments"] == 8
    report = verify_pack(pack)
    assert report.ok, report.problems
    assert any("5 grants and 8 payments agree with the ledger: £66,000.00 paid, £1,000.00 returned" in fact
               for fact in report.facts), report.facts
    conn = sqlite3.connect(pack)
    conn.execute("UPDATE payments SET amount = amount + 1 WHERE id = (SELECT min(id) FROM payments)")
    conn.execute("DELETE FROM payments WHERE id = (SELECT max(id) FROM payments)")
    conn.commit()
    conn.close()
    problems_found = verify_pack(pack).problems
    assert any("the pack says amount" in p for p in problems_found), problems_found
    assert any("missing from the pack" in p for p in problems_found), problems_found

    # After its last year the treasurer closes the books, once every grant is finished; then the
    # fund takes no more money in or out.
    with app.app_context():
        fund = db.session.get(Fund, fund_id)
        with pytest.raises(ServiceError, match="Its last year, 2028/29, ends on 31 March 2029"):
            closing.close_fund(fund, u(people.treasurer))
        clock.set(date(2029, 4, 2))
        unfinished = db.session.scalars(select(Grant).where(Grant.status == GrantStatus.ACTIVE)
                                        .order_by(Grant.number)).all()
        assert closing.closing_problems(fund) == [
            f"2 grants are not finished: {unfinished[0].reference}, {unfinished[1].reference}. Complete or cancel "
            "each first."]
        with pytest.raises(ServiceError, match="Only treasurers close"):
            closing.close_fund(fund, u(people.facilitator))
        for grant in unfinished:
            grants.complete_grant(grant, u(people.facilitator))
        capacity = unfinished[-1]
        closing.close_fund(fund, u(people.treasurer))
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "fund.closed")).one()
        closed = json.loads(entry.payload)
        assert (closed["received"], closed["paid"], closed["returned"]) == (
            sum(expected["received"]), sum(expected["paid"]), sum(expected["returned"]))
        with pytest.raises(ServiceError, match="closed on 2 April 2029, so it cannot take money back"):
            payments.record_return(capacity, u(people.treasurer), amount=100_00, returned_on=date(2029, 4, 2))
        with pytest.raises(ServiceError, match="cannot close again"):
            closing.close_fund(fund, u(people.treasurer))
        assert verify_log(log_for(db.session.get(Neighbourhood, people.hood.id))) is None
    assert "This fund closed on 2 April 2029" in client.get(f"/n/{people.hood.slug}/funds/{fund_id}/").get_data(
        as_text=True)


def independent_sums(fund_id: int) -> dict[str, list[int]]:
    """The same figures, summed straight from the transaction rows without pb.funds.figures."""
    fund = db.session.get(Fund, fund_id)
    out = {k: [] for k in ("promised", "received", "paid", "returned", "granted", "planned")}
    for year in fund.financial_years:
        fy = db.session.scalar(select(FundYear).where(FundYear.fund_id == fund_id, FundYear.financial_year == year))
        out["planned"].append(fy.planned)
        out["promised"].append(db.session.scalar(select(func.coalesce(func.sum(SourcePromise.amount), 0)).where(
            SourcePromise.financial_year == year)))
        out["received"].append(db.session.scalar(select(func.coalesce(func.sum(SourceReceipt.amount), 0)).where(
            SourceReceipt.financial_year == year)))
        rows = db.session.scalars(select(Payment).where(Payment.financial_year == year)).all()
        out["paid"].append(sum(p.amount for p in rows if p.kind == PaymentKind.PAYMENT and p.status == PaymentStatus.PAID))
        out["returned"].append(sum(p.amount for p in rows if p.kind == PaymentKind.RETURN))
        granted = 0
        for grant in db.session.scalars(select(Grant).where(Grant.fund_year_id == fy.id)):
            paid = sum(p.amount for p in db.session.scalars(select(Payment).where(
                Payment.grant_id == grant.id, Payment.kind == PaymentKind.PAYMENT, Payment.status == PaymentStatus.PAID)))
            granted += paid if grant.status in ("cancelled", "completed") else grant.amount
        out["granted"].append(granted)
    return out


def test_the_schema_check_can_fail():
    """The validator really checks: a grant without an award date fails, and so does a date that is not real."""
    grant = {"id": "360G-x-G-1", "title": "t", "description": "d", "currency": "USD", "amountAwarded": 10,
             "recipientOrganization": [{"id": "360G-x-org", "name": "Group"}],
             "fundingOrganization": [{"id": "360G-x", "name": "Board"}]}
    assert problems({"grants": [grant]}) == ["grants/0: 'awardDate' is a required property"]
    assert problems({"grants": [grant | {"awardDate": "2026-13-01"}]})
    assert problems({"grants": [grant | {"awardDate": "2026-12-01"}]}) == []
