"""A realistic fictional neighbourhood to explore: Eastbrook, with its board, facilitators, an
auditor and 200 residents. Postcodes use the area letters EB, which no real UK postcode has."""
from __future__ import annotations

import random

import click
from sqlalchemy import select

from pb.accounts import passwords
from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.extensions import db
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR, Neighbourhood

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
    echo("Created the partnership board (5), 2 facilitators, an auditor and an admin.")
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
    seed_published_round(hood, people, rng, echo)
    seed_round(hood, people, rng, echo)
    return True


LAST_YEAR = [("Holiday hunger lunches", 9_000, "food"), ("Youth football coaching", 14_000, "young-people"),
             ("Estate tree planting", 6_000, "environment"), ("Digital skills drop-in", 8_000, "skills"),
             ("Pensioners' bus trips", 11_000, "older-people"), ("Mural on the underpass", 7_000, "arts")]


def seed_published_round(hood, people, rng, echo=click.echo) -> None:
    """Last year's round, voted, counted, signed off and published: what results look like."""
    from datetime import date, timedelta

    from pb.proposals import services as proposals
    from pb.proposals.models import Proposal
    from pb.rounds import services as rounds
    from pb.rounds.models import PHASES, SETUP
    from pb.voting import services as voting

    f = people["facilitator@eastbrook.example"]
    round_ = rounds.create_round(hood, f, name="Eastbrook Community Fund 2026/27", fund_year="2026/27",
                                 total_budget=40_000_00, description="Last year's round: £40,000 for projects residents chose.")
    rounds.add_pot(round_, f, name="Open pot", amount=40_000_00)
    rounds.update_rules(round_, f, ballot_type="knapsack", counting_rule="mes-add1")
    start = date.today() - timedelta(days=300)
    rounds.set_timeline(round_, f, {p: start + timedelta(days=30 * i) for i, p in enumerate(PHASES) if p != SETUP})
    rounds.approve_setup(round_, people["chair@eastbrook.example"], decided_on=start - timedelta(days=7))
    rounds.advance_phase(round_, f)
    residents = db.session.scalars(select(User).where(User.email.like("resident%@eastbrook.example")).order_by(User.id)).all()
    for n, (title, cost, category) in enumerate(LAST_YEAR):
        draft = proposals.create_draft(round_, residents[n * 11], proposals.ProposalInput(
            title=title, summary=f"{title} in Eastbrook.", description="", need="", beneficiaries="", place="Eastbrook",
            category=category, pot_id=round_.pots[0].id, group_name=None,
            cost_lines=[proposals.CostLineInput("Costs", "revenue", cost * 100, "2026/27")]))
        proposals.submit(draft, residents[n * 11])
    rounds.advance_phase(round_, f)
    ids = []
    for proposal in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id).order_by(Proposal.number)):
        proposals.review(proposal, f, "feasible")
        ids.append(proposal.id)
    rounds.advance_phase(round_, f)
    rounds.advance_phase(round_, f)  # voting
    costs = dict(zip(ids, [c for _, c, _ in LAST_YEAR]))
    for resident in residents[:110]:
        chosen, spent = [], 0
        for pid in rng.sample(ids, k=len(ids)):
            if rng.random() < 0.5 and spent + costs[pid] <= 40_000:
                chosen.append(pid)
                spent += costs[pid]
        voting.cast_ballot(round_, resident, {round_.pots[0].id: chosen or [ids[0]]})
    rounds.advance_phase(round_, f)
    voting.count_round(round_, f)
    rounds.advance_phase(round_, f)
    for email in ("chair@eastbrook.example", "board2@eastbrook.example", "board3@eastbrook.example"):
        voting.approve_result(round_, people[email])
    rounds.advance_phase(round_, f)
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


def seed_round(hood, people, rng, echo=click.echo) -> None:
    """A round in its deliberation phase: proposals reviewed, discussed and being supported."""
    from datetime import date, datetime, timedelta

    from pb.proposals import services as proposals
    from pb.rounds import services as rounds
    from pb.rounds.models import PHASES, SETUP
    from pb.services import ServiceError

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
    today = date.today()
    offsets = {"proposals": -50, "feasibility": -25, "deliberation": -5, "voting": 14, "counting": 28,
               "sign_off": 30, "published": 40, "delivery": 60}
    rounds.set_timeline(round_, facilitator, {p: today + timedelta(days=offsets[p]) for p in PHASES if p != SETUP})
    rounds.approve_setup(round_, chair, decided_on=today - timedelta(days=55), note="Agreed at the board meeting.")
    rounds.advance_phase(round_, facilitator)

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

    rounds.advance_phase(round_, facilitator)  # feasibility review
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
    rounds.advance_phase(round_, facilitator)  # deliberation

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


def print_logins(echo=click.echo) -> None:
    echo("")
    echo("Demo sign-ins (password for all: %s)" % PASSWORD)
    echo("  platform admin     admin@eastbrook.example")
    echo("  board chair        chair@eastbrook.example   (board2..board5@eastbrook.example too)")
    echo("  facilitator        facilitator@eastbrook.example")
    echo("  auditor            auditor@eastbrook.example")
    echo("  verified resident  resident1@eastbrook.example   (resident1-150 are verified)")
    echo("  unverified         resident151@eastbrook.example (resident151-200 are not)")
    echo("Open http://127.0.0.1:5000/n/eastbrook/ (the 2027/28 round is under ‘Spending rounds’)")
