"""The money as a state machine (Hypothesis): random sequences of plan changes, money received, rounds
drawing on years, direct and capacity grants, approvals, acceptances, payments and their second
approvals, returns, variations, cancellations, completions and year ends, on each engine. After every
step, whatever the services accepted must keep the fund whole:

- no year's "left" below zero, and no year's capacity grants beyond its ring-fence;
- no grant paid more than its amount, nor more returned than was paid;
- what a year carries forward is what the year before had left;
- every figure equals the same sum taken straight from the rows, and grants and payments equal what
  the ledger recorded.

PB_SLOW_TESTS=1 runs many more and longer sequences."""
from __future__ import annotations

import os
from datetime import date, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select

from pb import timeutil
from pb.audit.money import ledger_money
from pb.extensions import db
from pb.funds import grants, payments, planning
from pb.funds.figures import fund_figures, grant_money
from pb.funds.models import DecisionStatus, Fund, FundYear, Grant, GrantDecision
from pb.ledger.models import AuditEntry
from pb.ledger.services import existing_log
from pb.neighbourhoods.models import Neighbourhood
from pb.rounds import services as rounds
from pb.services import ServiceError
from tests.funds.test_fund_years import independent_sums, u

pytestmark = pytest.mark.both_engines  # the database's triggers and locks are part of what is checked

SLOW = bool(os.environ.get("PB_SLOW_TESTS"))
YEARS = ("2026/27", "2027/28", "2028/29")
POUNDS = st.integers(min_value=1, max_value=30_000).map(lambda p: p * 100)
names = count(1)


def money_machine(factory):
    class Money(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.day = date(2026, 5, 1)
            self.hood = factory.neighbourhood()
            self.facilitator = factory.with_role(self.hood, "facilitator")
            self.board = [factory.with_role(self.hood, "board_member") for _ in range(3)]
            self.treasurer = factory.with_role(self.hood, "treasurer")
            self.contact = factory.resident(self.hood)
            with timeutil.as_of(self.day):
                fund = planning.create_fund(db.session.get(Neighbourhood, self.hood.id), u(self.facilitator),
                                            name="Fund", first_year=YEARS[0], years=len(YEARS))
                self.source = planning.add_source(fund, u(self.facilitator), name="Community Wealth Fund",
                                                  kind="community_wealth_fund").id
                for year in YEARS:
                    planning.set_year_plan(fund, u(self.facilitator), financial_year=year, planned=40_000_00,
                                           capacity_percent=10)
                self.fund_id = fund.id
            self.grant_ids: list[int] = []
            self.steps = 0

        def run(self, action):
            """A service call on the machine's day: a refusal is an answer, never a broken fund."""
            with timeutil.as_of(self.day):
                try:
                    action()
                except ServiceError:
                    db.session.rollback()
            self.steps += 1

        def fund(self) -> Fund:
            return db.session.get(Fund, self.fund_id)

        def year(self, index: int) -> FundYear:
            return self.fund().plan[index % len(YEARS)]

        def grant(self, index: int) -> Grant:
            return db.session.get(Grant, self.grant_ids[index % len(self.grant_ids)])

        # --- the plan and money in ----------------------------------------------------------------
        @rule(index=st.integers(0, 2), planned=st.integers(0, 60_000).map(lambda p: p * 100),
              percent=st.integers(0, 100))
        def plan(self, index, planned, percent):
            self.run(lambda: planning.set_year_plan(self.fund(), u(self.facilitator), financial_year=YEARS[index],
                                                    planned=planned, capacity_percent=percent))

        @rule(amount=POUNDS)
        def receive(self, amount):
            from pb.funds.models import FundSource
            self.run(lambda: planning.record_receipt(db.session.get(FundSource, self.source), u(self.treasurer),
                                                     amount=amount, received_on=self.day))

        @rule(index=st.integers(0, 2), budget=POUNDS)
        def round_draws(self, index, budget):
            def act():
                year = self.year(index)
                round_ = rounds.create_round(db.session.get(Neighbourhood, self.hood.id), u(self.facilitator),
                                             name=f"Round {next(names)}", fund_year=year.financial_year, total_budget=budget)
                planning.allocate_round(round_, u(self.facilitator), self.year(index))
            self.run(act)

        # --- grants -------------------------------------------------------------------------------
        @rule(index=st.integers(0, 2), amount=POUNDS, capacity=st.booleans())
        def award(self, index, amount, capacity):
            def act():
                make = grants.create_capacity_grant if capacity else grants.create_direct_grant
                extra = {} if capacity else {"spend": "revenue"}
                decision = make(self.year(index), u(self.board[0]), title=f"Project {next(names)}", summary="Work",
                                amount=amount, starts_on=self.day, ends_on=self.day + timedelta(days=700),
                                reason="Needed", body=grants.BodyInput("Group", "constituted_group", "",
                                                                       self.contact.email), **extra)
                self.grant_ids.append(decision.grant_id)
            self.run(act)

        @precondition(lambda self: self.grant_ids)
        @rule(index=st.integers(0, 50), member=st.integers(0, 2))
        def approve(self, index, member):
            def act():
                decision = grants.open_decision(self.grant(index))
                if decision is not None:
                    grants.approve_decision(decision, u(self.board[member]))
            self.run(act)

        @precondition(lambda self: self.grant_ids)
        @rule(index=st.integers(0, 50))
        def accept(self, index):
            self.run(lambda: grants.accept_grant(self.grant(index), u(self.contact)))

        @precondition(lambda self: self.grant_ids)
        @rule(index=st.integers(0, 50), kind=st.sampled_from(["vary", "suspend", "resume", "cancel"]), amount=POUNDS,
              member=st.integers(0, 2))
        def decide(self, index, kind, amount, member):
            def act():
                grant = self.grant(index)
                changes = {"amount": amount, "starts_on": grant.starts_on, "ends_on": grant.ends_on} if kind == "vary" else None
                grants.propose_decision(grant, u(self.board[member]), kind=kind, reason="The board decided",
                                        changes=changes)
            self.run(act)

        @precondition(lambda self: self.grant_ids)
        @rule(index=st.integers(0, 50), member=st.integers(0, 2))
        def interest(self, index, member):
            self.run(lambda: grants.declare_interest(self.grant(index), u(self.board[member]), "A relative runs it"))

        @precondition(lambda self: self.grant_ids)
        @rule(index=st.integers(0, 50))
        def complete(self, index):
            self.run(lambda: grants.complete_grant(self.grant(index), u(self.facilitator)))

        # --- payments -----------------------------------------------------------------------------
        @precondition(lambda self: self.grant_ids)
        @rule(index=st.integers(0, 50), amount=POUNDS)
        def pay(self, index, amount):
            self.run(lambda: payments.record_payment(self.grant(index), u(self.treasurer), amount=amount,
                                                     paid_on=self.day, spend="revenue"))

        @precondition(lambda self: self.grant_ids)
        @rule(member=st.integers(0, 2))
        def second_person(self, member):
            def act():
                waiting = payments.awaiting_approval(self.hood.id)
                if waiting:
                    payments.approve_payment(waiting[0], u(self.board[member]))
            self.run(act)

        @precondition(lambda self: self.grant_ids)
        @rule(index=st.integers(0, 50), amount=POUNDS)
        def pay_back(self, index, amount):
            self.run(lambda: payments.record_return(self.grant(index), u(self.treasurer), amount=amount,
                                                    returned_on=self.day))

        # --- time ---------------------------------------------------------------------------------
        @precondition(lambda self: self.day < date(2028, 4, 1))
        @rule()
        def year_ends(self):
            self.day = date(self.day.year + (1 if self.day.month >= 4 else 0), 4, 1) + timedelta(days=14)
            self.steps += 1

        # --- what must always hold ----------------------------------------------------------------
        @invariant()
        def fund_is_whole(self):
            db.session.rollback()  # read what is committed, as a page would
            with timeutil.as_of(self.day):
                figures = fund_figures(self.fund())
            before = None
            for year in figures.years:
                assert year.left >= 0, (year.financial_year, year)
                assert year.capacity_granted <= year.capacity, (year.financial_year, year)
                assert year.carried_in == (before.left if before is not None and before.ended else 0), year
                before = year
            independent = independent_sums(self.fund_id)
            assert [y.planned for y in figures.years] == independent["planned"]
            assert [y.granted for y in figures.years] == independent["granted"]
            assert [y.paid for y in figures.years] == independent["paid"]
            assert [y.returned for y in figures.years] == independent["returned"]
            money = grant_money(self.grant_ids)
            for grant_id in self.grant_ids:
                grant = db.session.get(Grant, grant_id)
                assert money[grant_id]["paid"] + money[grant_id]["awaiting"] <= grant.amount, grant.reference
                assert money[grant_id]["returned"] <= money[grant_id]["paid"], grant.reference
                decisions = db.session.scalars(select(GrantDecision).where(GrantDecision.grant_id == grant_id)).all()
                assert sum(d.status == DecisionStatus.OPEN for d in decisions) <= 1
            log = existing_log(db.session.get(Neighbourhood, self.hood.id))
            entries = [e.as_dict(log.name) for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.log_id == log.id).order_by(AuditEntry.seq))]
            recorded, amounts = ledger_money(entries)
            for grant_id in self.grant_ids:
                grant = db.session.get(Grant, grant_id)
                assert amounts[grant.reference] == grant.amount, grant.reference
            ledger_paid = sum(p["amount"] for p in recorded.values() if p["kind"] == "payment" and p["status"] == "paid")
            ledger_returned = sum(p["amount"] for p in recorded.values() if p["kind"] == "return")
            assert ledger_paid == figures.total("paid") and ledger_returned == figures.total("returned")

    return Money


def test_no_sequence_of_money_actions_breaks_the_fund(app, factory):
    machine = money_machine(factory)
    with app.app_context():
        run_state_machine_as_test(machine, settings=settings(
            max_examples=60 if SLOW else 8, stateful_step_count=60 if SLOW else 25, deadline=None,
            derandomize=not SLOW, database=None, suppress_health_check=list(HealthCheck),
            # Shrinking a long failing sequence can take minutes: the suite reports it as found.
            phases=list(Phase) if SLOW else [Phase.explicit, Phase.generate]))
