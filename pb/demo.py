"""A realistic fictional neighbourhood to explore: Eastbrook, with its board, facilitators, an
auditor and 200 residents, its rounds, money, assets and consultations (pb.demo_consultations).
Postcodes use the area letters EB, which no real UK postcode has."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import click
from sqlalchemy import select

from pb import demo_reports, phases, timeutil
from pb.accounts import passwords
from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.assets import services as assets
from pb.demo_board import seed_board
from pb.demo_consultations import seed_consultations
from pb.demo_plan import seed_plan
from pb.extensions import db
from pb.funds import delivery, grants, payments, planning
from pb.funds.models import Grant
from pb.national import services as national
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR, TREASURER, Neighbourhood
from pb.proposals import services as proposals
from pb.proposals.models import Proposal
from pb.rounds import models as round_models
from pb.rounds import services as rounds
from pb.rounds.models import PHASES, PUBLISHED, SETUP
from pb.services import ServiceError
from pb.voting import services as voting

SLUG = "eastbrook"
PASSWORD = "eastbrook-demo-2026"
FIRST = ("Aisha Amir Ben Chloe Daniel Ewa Fatima George Grace Hannah Imran Jack Jade Kamal Kofi Leah "
         "Liam Maria Mohammed Nadia Noah Olivia Oskar Priya Ravi Ruby Sam Sana Tariq Tom Yusuf Zara").split()
LAST = ("Ahmed Begum Brown Campbell Clarke Davies Evans Green Hall Hussain Jones Khan Kowalski Lewis Mensah "
        "Nowak Okafor Patel Roberts Shah Singh Smith Taylor Thomas Walker Williams Wilson Wright").split()
DESCRIPTION = (
    "Eastbrook is a neighbourhood of about 6,500 people on the east side of town: two estates, the "
    "old brickworks and the streets around Eastbrook Road. Through the Community Wealth Fund, "
    "residents decide each year how to spend a devolved budget, with at least a tenth kept for "
    "building community capacity. The Eastbrook Partnership Board approves the rules and signs off the results."
)
STAFF = [
    ("admin@eastbrook.example", "Pat Admin", None),
    ("chair@eastbrook.example", "Margaret Okafor", BOARD_MEMBER),
    ("board2@eastbrook.example", "Desmond Clarke", BOARD_MEMBER),
    ("board3@eastbrook.example", "Sunita Patel", BOARD_MEMBER),
    ("board4@eastbrook.example", "Gareth Evans", BOARD_MEMBER),
    ("board5@eastbrook.example", "Agnieszka Nowak", BOARD_MEMBER),
    ("facilitator@eastbrook.example", "Femi Adeyemi", FACILITATOR),
    ("facilitator2@eastbrook.example", "Rosie Hall", FACILITATOR),
    ("auditor@eastbrook.example", "Ian Auditor", AUDITOR),
    ("treasurer@eastbrook.example", "Joyce Mensah", TREASURER),
]


def postcodes() -> list[str]:
    return [f"EB{district} {sector}{unit}" for district in (1, 2) for sector in (1, 2, 3, 4)
            for unit in ("AA", "AB", "AD", "AE", "AF")]


def seed(echo=click.echo) -> bool:
    """Create the demo if it is not there. Returns False when it already was (idempotent)."""
    if db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == SLUG)):
        return False
    rng = random.Random(2026)
    shared_hash = passwords.hash_password(PASSWORD)
    area = postcodes()
    hood = hoods.create_neighbourhood(slug=SLUG, name="Eastbrook", description=DESCRIPTION, min_voting_age=16)
    hoods.set_area(hood, set(area), replace=True, source="demo")
    echo(f"Created Eastbrook with {len(area)} eligible postcodes.")

    people = {}
    for email, name, role in STAFF:
        user = db.session.scalar(select(User).where(User.email == email)) or accounts.create_account(
            name=name, email=email, password_hash=shared_hash, postcode=rng.choice(area),
            birth_year=rng.randint(1950, 1995), is_admin=role is None)
        people[email] = user
        if role:
            hoods.grant_role(user, hood, role)
    facilitator = people["facilitator@eastbrook.example"]
    echo("Created the partnership board (5), 2 facilitators, a treasurer, an auditor and an admin.")
    # How residents reach a facilitator: printed on every letter and voting card.
    hoods.set_help_routes(hood, facilitator, phone="0161 496 0000", email="help@eastbrook.example",
                          in_person="Tuesdays and Thursdays 10am to 12 noon, Eastbrook Community Centre, Mill Lane")

    with click.progressbar(range(1, 201), label="Creating 200 residents", file=None) as numbers:
        for number in numbers:
            email = f"resident{number}@eastbrook.example"
            user = db.session.scalar(select(User).where(User.email == email)) or accounts.create_account(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", email=email, password_hash=shared_hash,
                postcode=rng.choice(area), birth_year=rng.randint(1940, 2009))
            member = hoods.join_as_resident(user, hood)
            # About three in four have had their address checked; the rest show the unverified path.
            if number <= 150:
                hoods.verify_resident(member, facilitator)
    fund = seed_fund(hood, people, shared_hash, echo)
    seed_published_round(hood, people, rng, echo, fund_year=fund.plan[1])
    seed_grants(hood, people, echo)
    seed_round(hood, people, rng, echo, fund_year=fund.plan[2])
    seed_assets(hood, people, rng, echo)
    seed_consultations(hood, people, echo)
    seed_plan(hood, people, echo)
    seed_board(hood, people, echo)
    returns = demo_reports.seed_returns(hood, people, fund)
    echo(f"Eastbrook's returns to the funder: {returns} submitted for 2025/26, 2026/27's six-monthly update due; "
         "three risks on the register.")
    echo(f"Eastbrook's 2025/26 annual report: {demo_reports.seed_annual_report(hood, people, fund)}.")
    seed_programme(people, echo)
    return True


LAST_YEAR = [("Holiday hunger lunches", 9_000, "food"), ("Youth football coaching", 14_000, "young-people"),
             ("Estate tree planting", 6_000, "environment"), ("Digital skills drop-in", 8_000, "skills"),
             ("Pensioners' bus trips", 11_000, "older-people"), ("Mural on the underpass", 7_000, "arts")]


def seed_published_round(hood, people, rng, echo=click.echo, fund_year=None) -> None:
    """Last year's round, voted, counted, signed off and published: what results look like. Each step
    happens on its own day of the timeline (pb's clock moved there), so its story reads in order."""
    f = people["facilitator@eastbrook.example"]
    start = LAST_YEAR_PUBLISHED - timedelta(days=30 * PHASES.index(PUBLISHED))
    on = {p: start + timedelta(days=30 * i) for i, p in enumerate(PHASES)}
    with timeutil.as_of(start - timedelta(days=14)):
        round_ = rounds.create_round(hood, f, name="Eastbrook Community Fund 2026/27", fund_year="2026/27",
                                     total_budget=40_000_00, description="Last year's round: £40,000 for projects residents chose.")
        rounds.add_pot(round_, f, name="Open pot", amount=40_000_00)
        rounds.update_rules(round_, f, ballot_type="knapsack", counting_rule="mes-add1")
        if fund_year is not None:
            planning.allocate_round(round_, f, fund_year)
        rounds.set_timeline(round_, f, {p: day for p, day in on.items() if p != SETUP})
    with timeutil.as_of(start - timedelta(days=7)):
        rounds.approve_setup(round_, people["chair@eastbrook.example"], decided_on=start - timedelta(days=7))
    residents = db.session.scalars(select(User).where(User.email.like("resident%@eastbrook.example")).order_by(User.id)).all()
    with timeutil.as_of(on[round_models.PROPOSALS]):
        phases.advance_phase(round_, f)
        for n, (title, cost, category) in enumerate(LAST_YEAR):
            draft = proposals.create_draft(round_, residents[n * 11], proposals.ProposalInput(
                title=title, summary=f"{title} in Eastbrook.", description="", need="", beneficiaries="", place="Eastbrook",
                category=category, pot_id=round_.pots[0].id, group_name=None,
                cost_lines=[proposals.CostLineInput("Costs", "revenue", cost * 100, "2026/27")]))
            proposals.submit(draft, residents[n * 11])
    ids = []
    with timeutil.as_of(on[round_models.FEASIBILITY]):
        phases.advance_phase(round_, f)
        for proposal in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id).order_by(Proposal.number)):
            proposals.review(proposal, f, "feasible")
            ids.append(proposal.id)
    with timeutil.as_of(on[round_models.DELIBERATION]):
        phases.advance_phase(round_, f)
    with timeutil.as_of(on[round_models.VOTING]):
        phases.advance_phase(round_, f)  # voting
        costs = dict(zip(ids, [c for _, c, _ in LAST_YEAR], strict=False))
        for resident in residents[:110]:
            chosen, spent = [], 0
            for pid in rng.sample(ids, k=len(ids)):
                if rng.random() < 0.5 and spent + costs[pid] <= 40_000:
                    chosen.append(pid)
                    spent += costs[pid]
            voting.cast_ballot(round_, resident, {round_.pots[0].id: chosen or [ids[0]]})
    with timeutil.as_of(on[round_models.COUNTING]):
        phases.advance_phase(round_, f)
        voting.count_round(round_, f)
    with timeutil.as_of(on[round_models.SIGN_OFF]):
        phases.advance_phase(round_, f)
        for email in ("chair@eastbrook.example", "board2@eastbrook.example", "board3@eastbrook.example"):
            voting.approve_result(round_, people[email])
    with timeutil.as_of(LAST_YEAR_PUBLISHED):  # its grants start when its results were published
        phases.advance_phase(round_, f)
    echo(f"Created last year's round, voted by 110 residents and published: ‘{round_.name}’.")


# (title, summary, category, pot, [(item, kind, pounds, year)], group)
PROPOSALS = [
    ("After-school cooking club", "Weekly cooking sessions for 11 to 16 year olds at the community centre, with food to take home.",
     "young-people", 1, [("Sessional chef, 40 sessions", "revenue", 6000, "2027/28"), ("Ingredients", "revenue", 2400, "2027/28"),
                         ("Induction hob and utensils", "capital", 1800, "2027/28")], "Eastbrook Youth Kitchen"),
    ("Community gardening volunteers", "Train and support a group of volunteer gardeners to look after the green spaces on both estates.",
     "capacity", 0, [("Volunteer coordinator, 1 day a week", "revenue", 5200, "2027/28"), ("Training", "revenue", 800, "2027/28")], None),
    ("Brickworks path lighting", "Solar lights along the path from the brickworks to Eastbrook Road so people feel safe walking home.",
     "safety", 1, [("Solar lighting columns (12)", "capital", 18000, "2027/28"), ("Maintenance", "revenue", 600, "2028/29")], None),
    ("Warm Welcome lunch club", "A free hot lunch and company every Tuesday and Thursday through the winter for older residents.",
     "older-people", 1, [("Lunch costs", "revenue", 7000, "2027/28"), ("Transport for people who cannot walk there", "revenue", 2500, "2027/28")],
     "Eastbrook Methodist Church"),
    ("Mill Lane play area refurbishment", "Replace the broken play equipment at Mill Lane with an accessible play area.",
     "young-people", 1, [("Accessible play equipment", "capital", 22000, "2027/28"), ("Safety surfacing", "capital", 3000, "2027/28")], None),
    ("Residents' advice sessions", "A monthly drop-in with a trained adviser for benefits, debt and housing questions.",
     "health", 1, [("Adviser time, 12 sessions", "revenue", 4800, "2027/28"), ("Adviser time, 12 sessions", "revenue", 4800, "2028/29")], None),
    ("Community organising training", "Train 15 residents in community organising so more people can run groups and campaigns.",
     "capacity", 0, [("Trainer and course", "revenue", 4500, "2027/28"), ("Childcare during sessions", "revenue", 900, "2027/28")], None),
    ("Eastbrook summer festival", "A one-day festival on the green with local musicians, food stalls and games.",
     "arts", 1, [("Stage and sound hire", "revenue", 3500, "2027/28"), ("Performers", "revenue", 2500, "2027/28"),
                 ("Insurance and licences", "revenue", 900, "2027/28")], None),
    ("Bike repair workshop", "A weekly bike repair workshop teaching young people to fix bikes, with recycled bikes given away.",
     "skills", 1, [("Mechanic trainer", "revenue", 5400, "2027/28"), ("Tools and parts", "capital", 2100, "2027/28")], None),
    ("Community fridge", "A fridge in the community centre where shops and neighbours leave surplus food for anyone to take.",
     "food", 1, [("Commercial fridge", "capital", 1500, "2027/28"), ("Volunteer coordinator", "revenue", 3000, "2027/28")], None),
    ("Festival on the green", "A summer festival with music and food on Eastbrook green.",
     "arts", 1, [("Stage and performers", "revenue", 5000, "2027/28")], None),
    ("New community centre", "Build a new community centre on the brickworks site.",
     "community", 1, [("Building", "capital", 25000, "2027/28")], None),
    ("Dog waste bins", "More dog waste bins around the estates.",
     "environment", 1, [("Bins (10)", "capital", 2000, "2027/28")], None),
]


def seed_round(hood, people, rng, echo=click.echo, fund_year=None) -> None:
    """A round in its deliberation phase: proposals reviewed, discussed and being supported."""
    facilitator, second = people["facilitator@eastbrook.example"], people["facilitator2@eastbrook.example"]
    chair = people["chair@eastbrook.example"]
    round_ = rounds.create_round(hood, facilitator, name="Eastbrook Community Fund 2027/28", fund_year="2027/28",
                                 total_budget=120_000_00, description=(
                                     "£120,000 of revenue and capital funding for projects residents choose. "
                                     "At least 10% is ring-fenced for building community capacity."))
    rounds.add_pot(round_, facilitator, name="Community capacity", amount=12_000_00, spend_rule="revenue",
                   description="Ring-fenced: training, volunteering and helping residents run things themselves.")
    rounds.add_pot(round_, facilitator, name="Open pot", amount=108_000_00, max_per_proposal=25_000_00)
    rounds.update_rules(round_, facilitator, who_may_propose="residents_and_groups", ballot_type="knapsack", ballot_min=1, ballot_max=None,
                        counting_rule="mes-add1", support_threshold=3, support_cap=5)
    if fund_year is not None:
        planning.allocate_round(round_, facilitator, fund_year)  # this year's allocation pays for it
    today = date.today()
    offsets = {"proposals": -50, "feasibility": -25, "deliberation": -5, "voting": 14, "counting": 28,
               "sign_off": 30, "published": 40, "delivery": 60}
    rounds.set_timeline(round_, facilitator, {p: today + timedelta(days=offsets[p]) for p in PHASES if p != SETUP})
    rounds.approve_setup(round_, chair, decided_on=today - timedelta(days=55), note="Agreed at the board meeting.")
    phases.advance_phase(round_, facilitator)

    residents = db.session.scalars(select(User).where(User.email.like("resident%@eastbrook.example"))
                                   .order_by(User.id)).all()
    verified = residents[:150]
    made = []
    for number, (title, summary, category, pot, lines, group) in enumerate(PROPOSALS):
        author = verified[number * 7]
        data = proposals.ProposalInput(
            title=title, summary=summary, category=category, pot_id=round_.pots[pot].id, group_name=group,
            description=summary + " Everyone in Eastbrook is welcome.", need="Residents asked for this at the spring meeting.",
            beneficiaries="Residents of Eastbrook.", place="Eastbrook",
            cost_lines=[proposals.CostLineInput(item, kind, amount * 100, year) for item, kind, amount, year in lines])
        proposal = proposals.create_draft(round_, author, data)
        proposals.submit(proposal, author)
        made.append((proposal, author))
    echo(f"Created the round ‘{round_.name}’ with {len(made)} proposals.")

    phases.advance_phase(round_, facilitator)  # feasibility review
    festival, duplicate = made[7][0], made[10][0]
    proposals.merge(festival, [duplicate], second, "Both propose a summer festival on the green.")
    proposals.review(made[11][0], facilitator, "not_feasible",
                     reason="The brickworks site is not available and a building is far over the pot's £25,000 limit.")
    proposals.withdraw(made[12][0], made[12][1], "The council is installing bins next spring.")
    proposals.adjust_cost(made[2][0], facilitator, 19_800_00, "The lighting quote includes VAT, which the plan missed.")
    proposals.suggest_amendment(made[0][0], verified[3], "summary",
                                "Weekly cooking sessions for 11 to 18 year olds at the community centre, with food to take home.",
                                "Sixth formers would come too.")
    for proposal, _ in made:
        if proposal.status == "submitted":
            proposals.review(proposal, second if proposal.id % 2 else facilitator, "feasible")
    phases.advance_phase(round_, facilitator)  # deliberation

    stances = ["for", "for", "for", "against", "question", "comment"]
    remarks = {"for": "This would make a real difference round here.", "against": "I am not sure this is the best use of the money.",
               "question": "Who would run this once the funding ends?", "comment": "I went to something like this in town and it was good."}
    feasible = [p for p, _ in made if p.status == "feasible"]
    for proposal in feasible:
        for _ in range(rng.randint(1, 4)):
            stance = rng.choice(stances)
            proposals.add_comment(proposal, rng.choice(verified), remarks[stance], stance)
        for supporter in rng.sample(verified[:120], rng.randint(2, 5)):
            try:
                proposals.support(proposal, supporter)
            except ServiceError:
                pass  # a resident already at their cap of 5 supports
    question = proposals.add_comment(feasible[2], verified[40], "Will the lights be on all night?", "question")
    proposals.add_comment(feasible[2], facilitator, "Yes: they are solar, with sensors that dim them after midnight.",
                          "comment", parent_id=question.id, official=True)
    proposals.create_event(round_, facilitator, proposals.EventInput(
        "Eastbrook proposals evening", datetime.combine(today + timedelta(days=4), datetime.min.time()).replace(hour=18, minute=30),
        "Eastbrook Community Centre, 12 Mill Lane", "Step-free entrance, hearing loop, free crèche. Tea and cake.",
        "", None, [p.number for p in feasible[:6]]))
    echo("Reviewed, discussed and supported the proposals; the round is in deliberation.")


# --- the money: a ten-year fund, last year's grants, payments and delivery ------------------------------

FUND_START = date(2025, 6, 1)           # the fund's first (short) year, 2025/26, has ended
LAST_YEAR_PUBLISHED = date(2026, 6, 1)  # when last year's results were published and its grants offered


def seed_fund(hood, people, shared_hash, echo=click.echo):
    """Eastbrook's Community Wealth Fund over ten years, two sources, its first year's capacity grant
    delivered for less than granted: the difference carried forward."""
    f, treasurer, chair = (people["facilitator@eastbrook.example"], people["treasurer@eastbrook.example"],
                           people["chair@eastbrook.example"])
    with timeutil.as_of(FUND_START):
        planning.set_money_settings(hood, chair, giving_prefix="360G-eastbrook", payment_approval_threshold=1_000_00,
                                    full_reporting_threshold=5_000_00, facilitators_record_payments=False)
        fund = planning.create_fund(hood, f, name="Eastbrook Community Wealth Fund 2025-2035", first_year="2025/26",
                                    years=10, description=(
                                        "£1.2 million over ten years from the Community Wealth Fund and Eastbrook Borough "
                                        "Council, held and spent by Eastbrook's residents through the partnership board. "
                                        "A tenth of each year is ring-fenced for building community capacity."))
        cwf = planning.add_source(fund, f, name="Community Wealth Fund", kind="community_wealth_fund")
        council = planning.add_source(fund, f, name="Eastbrook Borough Council", kind="council")
    agreement = demo_reports.sign_agreement(hood, people, fund, cwf, shared_hash).id
    with timeutil.as_of(FUND_START):
        for year in fund.financial_years:
            planning.set_promise(cwf, f, financial_year=year, amount=100_000_00)
            planning.set_promise(council, f, financial_year=year, amount=20_000_00)
            first = year == fund.first_year
            planning.set_year_plan(fund, f, financial_year=year, planned=20_000_00 if first else 140_000_00,
                                   capacity_percent=50 if first else 10)
    demo_reports.draw(agreement, people, amount=50_000_00, year_index=0, asked=date(2025, 5, 6), decided=date(2025, 5, 12),
                      received=date(2025, 5, 20), covers="The first half of 2025/26: the community organiser and setting up the board")
    with timeutil.as_of(FUND_START):
        decision = grants.create_capacity_grant(
            fund.plan[0], chair, title="Community organiser, two days a week",
            summary="A community organiser to set up the partnership board and train residents to run projects.",
            amount=10_000_00, starts_on=date(2025, 6, 1), ends_on=date(2026, 3, 31),
            body=grants.BodyInput("Eastbrook Community Trust", "cic", "10234567", f.email),
            reason="The board needs capacity before residents' first round.")
        for email in ("board2@eastbrook.example", "board3@eastbrook.example"):
            grants.approve_decision(decision, people[email])
        organiser = decision.grant
        grants.accept_grant(organiser, f)
        payments.record_payment(organiser, treasurer, amount=4_000_00, paid_on=date(2025, 6, 1), spend="revenue",
                                reference="BACS 0601")
        for payment in payments.awaiting_approval(hood.id):
            payments.approve_payment(payment, chair)
    demo_reports.draw(agreement, people, amount=50_000_00, year_index=0, asked=date(2025, 9, 30), decided=date(2025, 10, 7),
                      received=date(2025, 10, 14), covers="The second half of 2025/26: residents' first round")
    with timeutil.as_of(date(2025, 12, 1)):
        payments.record_payment(organiser, treasurer, amount=4_000_00, paid_on=date(2025, 12, 1), spend="revenue",
                                reference="BACS 1201")
        for payment in payments.awaiting_approval(hood.id):
            payments.approve_payment(payment, people["board2@eastbrook.example"])
    with timeutil.as_of(date(2026, 3, 25)):
        delivery.post_update(organiser, f, status="completed", spend_to_date=8_000_00, body=(
            "The board is running, with 14 residents trained to chair meetings and check budgets. The organiser "
            "started late, so £2,000 was not needed: it goes back to the fund."))
        grants.complete_grant(organiser, f)
    demo_reports.draw(agreement, people, amount=40_000_00, year_index=1, asked=date(2026, 4, 1), decided=date(2026, 4, 8),
                      received=date(2026, 4, 14), covers="2026/27 round grants, first tranches")
    with timeutil.as_of(date(2026, 4, 20)):
        planning.record_receipt(council, treasurer, amount=20_000_00, received_on=date(2026, 4, 20), reference="EBC 2026/27")
    lines = demo_reports.reconcile_last_year(fund, people)
    demo_reports.draw(agreement, people, amount=40_000_00, year_index=1, asked=date(2026, 9, 28), decided=date(2026, 10, 2),
                      received=date(2026, 10, 6), covers="2026/27 round grants, second tranches, and the organiser")
    demo_reports.draw(agreement, people, amount=20_000_00, year_index=1, asked=date(2026, 11, 20), decided=date(2026, 11, 25),
                      received=None, covers="The rest of 2026/27: the plan's youth and skills projects")
    demo_reports.draw(agreement, people, amount=50_000_00, year_index=2, asked=date(2026, 12, 1), decided=None,
                      received=None, covers="The first half of 2027/28: the 2027/28 round's grants")
    echo(f"Created ‘{fund.name}’: two sources, ten years planned, a capacity grant delivered.")
    echo(f"Created the council's funding agreement: six drawdowns, and 2025/26's bank statement ({lines} lines) "
         "reconciled.")
    return fund


def seed_grants(hood, people, echo=click.echo) -> None:
    """Last year's funded projects as grants: agreed, paid in tranches, reporting; one completed, one at
    risk with its update overdue, one giving money back."""
    f, treasurer = people["facilitator@eastbrook.example"], people["treasurer@eastbrook.example"]
    board = [people[f"{name}@eastbrook.example"] for name in ("chair", "board2", "board3", "board4")]
    offered = db.session.scalars(select(Grant).where(Grant.neighbourhood_id == hood.id, Grant.round_id.is_not(None))
                                 .order_by(Grant.number)).all()
    bodies = {"Holiday hunger lunches": ("Eastbrook Food Bank", "charity", "1178901"),
              "Youth football coaching": ("Eastbrook Juniors FC", "constituted_group", ""),
              "Estate tree planting": ("Friends of Eastbrook Park", "constituted_group", ""),
              "Digital skills drop-in": ("Mill Lane Library Friends", "constituted_group", ""),
              "Pensioners' bus trips": ("Eastbrook Over 60s Club", "constituted_group", ""),
              "Mural on the underpass": ("Eastbrook Arts CIC", "cic", "12876543")}
    with timeutil.as_of(date(2026, 6, 5)):
        for grant in offered:
            name, kind, number = bodies.get(grant.title, (f"{grant.title} group", "constituted_group", ""))
            grants.set_accountable_body(grant, f, grants.BodyInput(name, kind, number, grant.contact.email),
                                        conditions="Keep receipts; tell the facilitators if plans change.")
            decision = grants.propose_decision(grant, board[0], kind="approve")
            for member in board[1:]:
                if decision.status == "open":
                    grants.approve_decision(decision, member)
            grants.accept_grant(grant, grant.contact)
            payments.add_tranche(grant, treasurer, label="First half", due_on=date(2026, 6, 15), amount=grant.amount // 2)
            payments.add_tranche(grant, treasurer, label="Second half", due_on=date(2026, 11, 1),
                                 amount=grant.amount - grant.amount // 2)
            delivery.add_milestone(grant, f, title="Project under way", due_on=date(2026, 7, 31))
            delivery.add_milestone(grant, f, title="Project finished and reported", due_on=date(2027, 3, 31))
    with timeutil.as_of(date(2026, 6, 15)):
        for grant in offered:
            payments.record_payment(grant, treasurer, amount=grant.tranches[0].amount, paid_on=date(2026, 6, 15),
                                    spend="revenue", tranche_id=grant.tranches[0].id, reference=f"BACS {grant.reference}")
        for payment in payments.awaiting_approval(hood.id):
            payments.approve_payment(payment, board[1])
    with timeutil.as_of(date(2026, 7, 30)):
        for grant in offered:
            delivery.post_update(grant, grant.contact, status="on_track", milestone_id=grant.milestones[0].id,
                                 body="We have started: the first sessions are running and people are coming.")
    done, at_risk, rest = offered[0], offered[1] if len(offered) > 1 else None, offered[2:]
    # Quarterly reporters (£5,000 and over) owe an update every three months: the one at risk has gone
    # quiet since August, so its update shows as overdue on every page.
    with timeutil.as_of(date(2026, 8, 20)):
        if at_risk is not None:
            delivery.post_update(at_risk, at_risk.contact, status="at_risk", body=(
                "Our lead volunteer has moved away and we have paused while we find another. We have spent half "
                "the money, on trees and tools."), spend_to_date=at_risk.tranches[0].amount)
    with timeutil.as_of(date(2026, 9, 10)):
        payments.record_payment(done, treasurer, amount=done.tranches[1].amount, paid_on=date(2026, 9, 10),
                                spend="revenue", tranche_id=done.tranches[1].id, reference=f"BACS {done.reference}-2")
        for payment in payments.awaiting_approval(hood.id):
            payments.approve_payment(payment, board[2])
        delivery.post_update(done, done.contact, status="completed", milestone_id=done.milestones[1].id, body=(
            "All done: 38 days of lunches over the summer holidays, 1,240 meals, run by 22 volunteers."),
            spend_to_date=done.amount)
        grants.complete_grant(done, f)
    with timeutil.as_of(date(2026, 11, 2)):
        for grant in rest[:1] + rest[2:]:  # the second one's last tranche is still to pay
            payments.record_payment(grant, treasurer, amount=grant.tranches[1].amount, paid_on=date(2026, 11, 2),
                                    spend="revenue", tranche_id=grant.tranches[1].id, reference=f"BACS {grant.reference}-2")
        # The last one waits for a second board member: shown on the money page.
        for payment in payments.awaiting_approval(hood.id)[:-1]:
            payments.approve_payment(payment, board[3])
        if rest:
            payments.record_return(rest[0], treasurer, amount=500_00, returned_on=date(2026, 11, 2),
                                   reference="Unspent plants budget")
        for grant in rest:
            delivery.post_update(grant, grant.contact, status="on_track", spend_to_date=grant.tranches[0].amount,
                                 body="Going well: sessions every week, and more people each month.")
    echo(f"Turned last year's {len(offered)} funded projects into grants: paid, reporting, one completed, one at risk.")


# --- assets we want to keep: the Right to Bid ---------------------------------------------------------------

def seed_assets(hood, people, rng, echo=click.echo) -> None:
    """The Red Lion, listed, its owner's notice past the interim moratorium, a community bid half
    pledged; and Mill Lane Green, nominated by residents with 14 of the 21 names they need."""
    f = people["facilitator@eastbrook.example"]
    residents = db.session.scalars(select(User).where(User.email.like("resident%@eastbrook.example")).order_by(User.id)).all()
    verified = residents[:150]
    today = date.today()
    listed_on = today - timedelta(days=400)
    with timeutil.as_of(listed_on - timedelta(days=75)):
        pub = assets.register_asset(hood, verified[10], assets.AssetInput(
            "The Red Lion", "1 Eastbrook Road, Eastbrook", "EB1 1AA", "pub", "Northern Taverns Ltd",
            "The last pub on the two estates: the darts and pool leagues, the wakes and christenings, the Tuesday "
            "pensioners' lunch and the only room for 80 people this side of the brickworks."))
        nomination = assets.start_nomination(pub, verified[10], group_name="Eastbrook Town Council",
                                             group_kind="parish_council")
    with timeutil.as_of(listed_on - timedelta(days=60)):
        assets.mark_sent(nomination, verified[10], sent_on=listed_on - timedelta(days=60))
    with timeutil.as_of(listed_on):
        assets.record_decision(pub, f, outcome="listed", decided_on=listed_on, reference="ACV/2025/07",
                               reasons="Its main use furthers the social wellbeing of the community and can continue to.")
    notified_on = today - timedelta(days=60)  # past the six-week interim moratorium, inside the full one
    with timeutil.as_of(notified_on):
        assets.record_notice(pub, f, notified_on=notified_on)
    with timeutil.as_of(notified_on + timedelta(days=20)):
        bid = assets.record_bid(pub, verified[10], assets.BidInput(
            "Red Lion Community Pub Ltd", notified_on + timedelta(days=20), 260_000_00, 255_000_00,
            notified_on + timedelta(days=18), "Mill & Co Chartered Surveyors", 30_000_00, "capital", 10_000_00, "revenue",
            300_000_00))
        assets.add_funding(bid, f, source="Community Ownership Fund", kind="grant", amount=100_000_00, secured=False)
    # Half the target pledged by 60 residents: 20 of £1,000, 20 of £2,500 and 20 of £4,000 make £150,000.
    amounts = [1_000_00] * 20 + [2_500_00] * 20 + [4_000_00] * 20
    rng.shuffle(amounts)
    with timeutil.as_of(notified_on + timedelta(days=30)):
        for person, amount in zip(verified[20:], amounts, strict=False):
            assets.pledge(bid, person, amount=amount, show_name=rng.random() < 0.3)
    with timeutil.as_of(today - timedelta(days=20)):
        green = assets.register_asset(hood, verified[40], assets.AssetInput(
            "Mill Lane Green", "Mill Lane, Eastbrook", "EB1 2AA", "green_space", "Eastbrook Borough Council",
            "The only open grass on the Mill Lane estate: football after school, the summer fun day and the dog walkers' "
            "morning coffee. The council has said it may sell it for housing."))
        nomination = assets.start_nomination(green, verified[40], group_name="Friends of Mill Lane Green",
                                             group_kind="unincorporated")
        for person in verified[41:54]:
            assets.support_nomination(nomination, person)
    echo("Added two assets: The Red Lion in its full moratorium with a bid half pledged, and Mill Lane Green "
         "nominated with 14 of the 21 names it needs.")


# --- the national programme: shares by formula ------------------------------------------------------------

NEIGHBOURS = [("westmoor", "Westmoor", "Yorkshire and The Humber", 11_200, "38.125"),
              ("northgate", "Northgate", "North East", 7_600, "47.900")]


def seed_programme(people, echo=click.echo) -> None:
    """The Community Wealth Fund as a national programme over Eastbrook and two neighbours: figures
    imported and the 2026/27 allocation confirmed, so the national pages show a real year."""
    admin = people["admin@eastbrook.example"]
    for slug, name, *_ in NEIGHBOURS:
        if db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug)) is None:
            hoods.create_neighbourhood(slug=slug, name=name, description=f"{name}: a Community Wealth Fund neighbourhood.")
    with timeutil.as_of(date(2026, 3, 20)):
        programme = national.create_programme(
            admin, name="Community Wealth Fund", first_year="2026/27", years=9,
            description="£1M to £2.5M per neighbourhood over ten years, shared by formula: a base amount for "
                        "each, then by population and by deprivation.",
            annual_amount=360_000_00, base_amount=60_000_00, population_weight=60, deprivation_weight=40)
        figures = "neighbourhood,region,population,deprivation_score\n" + "".join(
            f"{slug},{region},{population},{score}\n" for slug, _, region, population, score in
            [(SLUG, "Eastbrook", "North West", 9_800, "42.500"), *NEIGHBOURS])
        national.import_figures(programme, admin, financial_year="2026/27", text=figures)
        national.confirm_allocation(programme, admin, financial_year="2026/27")
    echo("Set up the Community Wealth Fund as a national programme over Eastbrook, Westmoor and Northgate, "
         "its 2026/27 shares confirmed.")


def print_logins(echo=click.echo) -> None:
    echo("")
    echo(f"Demo sign-ins (password for all: {PASSWORD})")
    echo("  platform admin     admin@eastbrook.example")
    echo("  board chair        chair@eastbrook.example   (board2..board5@eastbrook.example too)")
    echo("  facilitator        facilitator@eastbrook.example")
    echo("  auditor            auditor@eastbrook.example")
    echo("  treasurer          treasurer@eastbrook.example")
    echo("  verified resident  resident1@eastbrook.example   (resident1-150 are verified)")
    echo("  unverified         resident151@eastbrook.example (resident151-200 are not)")
    echo("Open http://127.0.0.1:5000/n/eastbrook/ (the 2027/28 round is under ‘Spending rounds’)")
