"""`flask --app pb seed-scale`: a national installation to measure, 225 neighbourhoods and 2.4 million
residents by default. Fictional: postcodes use the area letters X and Q, which no real UK postcode has.

What a neighbourhood needs to be real (its board, facilitators, round, proposals, fund and grants:
a few hundred objects) goes through the same services the app uses, so every rule holds. What
comes in volume (residents, their memberships, comments, the voter roll, ballots, and the audit
entries for all of them) is written in bulk (pb.bulk: COPY on PostgreSQL), with the entries chained
and their Merkle nodes stored as `record` would have. Each neighbourhood is one transaction: a run
stopped part-way leaves whole neighbourhoods, and running it again carries on from the next."""
from __future__ import annotations

import random
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, text, update

from pb import phases
from pb.accounts import passwords
from pb.accounts import services as accounts
from pb.accounts.models import User
from pb.bulk import insert_rows, reserve_ids
from pb.extensions import db
from pb.funds import grants, payments, planning
from pb.funds.figures import financial_year_of
from pb.funds.models import Fund, Grant
from pb.ledger.bulk import Item, append_many
from pb.ledger.checkpoints import sign_checkpoint
from pb.ledger.services import personal_digest
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import AUDITOR, BOARD_MEMBER, FACILITATOR, RESIDENT, TREASURER, Membership, Neighbourhood
from pb.proposals import services as proposals
from pb.proposals.common import text_digest
from pb.proposals.models import Comment, Proposal
from pb.rounds import services as rounds
from pb.rounds.models import PHASES, SETUP
from pb.services import one_transaction
from pb.timeutil import utcnow
from pb.voting.casting import ballot_sections, new_code, replace_key, stored_choices, tracker_hash
from pb.voting.models import ONLINE, Ballot, VoterRollEntry

from .models import Programme
from .services import allocation_for, confirm_allocation, create_programme, figures_for, import_figures

PASSWORD = "national-scale-2026"  # every seeded account's; the accounts are fictional
PROGRAMME = "Community Wealth Fund (national scale)"
VOTING_NEIGHBOURHOODS = 20
REGIONS = [  # where England's 225 'left behind' neighbourhoods are, roughly (OCSI 2019)
    ("North East", 12), ("North West", 21), ("Yorkshire and the Humber", 14), ("East Midlands", 9),
    ("West Midlands", 11), ("East of England", 10), ("London", 2), ("South East", 11), ("South West", 6),
]
PLACES = ("Ash Bank Birch Brook Castle Church Cliff Cole Crown Dale Elm Fair Ferry Forge Fox Glen Hall Hart "
          "Hazel Heath High Holly Kings Lark Lea Marsh Mill Moss Oak Park Pit Queens Red Rook Sand Stone "
          "Thorn Well West Wood").split()
ENDINGS = "field ford gate ley ton wick worth moor side hill".split()
QUARTERS = ["Estate", "North", "South", "East", "West", "Central", "Park", "Vale"]
FIRST = "Aisha Amir Ben Chloe Daniel Ewa Fatima George Grace Hannah Imran Jack Jade Kamal Kofi Leah Liam Maria".split()
LAST = "Ahmed Begum Brown Campbell Clarke Davies Evans Green Hall Hussain Jones Khan Lewis Mensah Nowak Patel".split()
IDEAS = [  # (title, category, kind)
    ("Youth club evenings", "young-people", "revenue"), ("Community garden", "environment", "capital"),
    ("Lunch club for older residents", "older-people", "revenue"), ("Play area repairs", "young-people", "capital"),
    ("Debt and benefits advice", "health", "revenue"), ("Street lighting on the path", "safety", "capital"),
    ("Food pantry", "food", "revenue"), ("Summer festival", "arts", "revenue"), ("Digital skills classes", "skills", "revenue"),
    ("Community centre kitchen", "community", "capital"), ("Volunteer training", "capacity", "revenue"),
    ("Mural project", "arts", "revenue"), ("Walking group", "health", "revenue"), ("Tree planting", "environment", "capital"),
    ("Homework club", "young-people", "revenue"), ("Bike repair workshop", "skills", "revenue"),
]
REMARKS = {"for": "This would make a real difference round here.", "against": "I am not sure this is the best use of the money.",
           "question": "Who would run this once the funding ends?", "comment": "Something like this ran in town and it was good."}


@dataclass
class Plan:
    """One neighbourhood to seed: everything about it that comes from the run's random numbers."""
    number: int
    slug: str
    name: str
    region: str
    residents: int
    score_milli: int
    verified_share: float
    voting: bool
    turnout: float


def plan(neighbourhoods: int, residents: int, seed: int = 2026) -> list[Plan]:
    """Sizes that add up to `residents` exactly, each between about half and 1.9 times the mean
    (5,000 to 20,000 for 225 and 2.4 million), regions in proportion, and the largest voting."""
    if neighbourhoods < 1 or neighbourhoods > 26 * 9 * 2:
        raise ValueError("Seed between 1 and 468 neighbourhoods")
    if residents < 20 * neighbourhoods:
        raise ValueError("Seed at least 20 residents per neighbourhood")
    rng = random.Random(seed)
    mean = residents / neighbourhoods
    low, high = int(mean * 0.47), int(mean * 1.87)
    sizes = [rng.triangular(low, high, mean * 0.8) for _ in range(neighbourhoods)]
    scale = residents / sum(sizes)
    sizes = [min(high, max(low, int(size * scale))) for size in sizes]
    # Hand out what rounding and clamping left over, one at a time, to neighbourhoods with room.
    index = 0
    while sum(sizes) != residents:
        step = 1 if sum(sizes) < residents else -1
        if low <= sizes[index % neighbourhoods] + step <= high:
            sizes[index % neighbourhoods] += step
        index += 1
    regions = [name for name, weight in REGIONS for _ in range(weight)]
    largest = max(range(neighbourhoods), key=lambda i: sizes[i])
    voting = set(rng.sample(range(neighbourhoods), min(VOTING_NEIGHBOURHOODS, neighbourhoods))) | {largest}
    voting = set(sorted(voting, key=lambda i: (i != largest, i))[:VOTING_NEIGHBOURHOODS])
    plans, names = [], set()
    for i in range(neighbourhoods):
        name = f"{rng.choice(PLACES)}{rng.choice(ENDINGS)} {rng.choice(QUARTERS)}"
        while name in names:
            name = f"{rng.choice(PLACES)}{rng.choice(ENDINGS)} {rng.choice(QUARTERS)}"
        names.add(name)
        plans.append(Plan(number=i + 1, slug=f"{name.lower().replace(' ', '-')}-{i + 1}", name=name,
                          region=regions[i * len(regions) // neighbourhoods], residents=sizes[i],
                          score_milli=rng.randint(25_000, 70_000), verified_share=rng.uniform(0.6, 0.85),
                          voting=i in voting, turnout=rng.uniform(0.15, 0.30)))
    return plans


def postcodes(number: int, count: int) -> list[str]:
    """`count` postcodes in neighbourhood `number`'s own district (X or Q areas are not real)."""
    area = ("X", "Q")[(number - 1) // 234] + chr(ord("A") + (number - 1) % 234 // 9)
    district = f"{area}{(number - 1) % 9 + 1}"
    units = [a + b for a in "ABDEFGHJLNPQRSTUWXYZ" for b in "ABDEFGHJLNPQRSTUWXYZ"]
    return [f"{district} {sector}{unit}" for sector in range(10) for unit in units][:count]


class Seeder:
    def __init__(self, plans: list[Plan], echo=print, rng_seed: int = 2026):
        self.plans = plans
        self.echo = echo
        self.rng = random.Random(rng_seed)
        self.password_hash = passwords.hash_password(PASSWORD)
        self.today = date.today()

    # --- one neighbourhood -------------------------------------------------------------------------

    def seeded(self) -> set[str]:
        return set(db.session.scalars(select(Neighbourhood.slug).where(
            Neighbourhood.slug.in_([p.slug for p in self.plans]))))

    def neighbourhood(self, p: Plan) -> dict:
        rng = random.Random(p.number)
        area = postcodes(p.number, max(25, p.residents // 40))
        with one_transaction():  # a neighbourhood is seeded whole or not at all
            hood = hoods.create_neighbourhood(slug=p.slug, name=p.name, description=(
                f"{p.name} is one of England's 'left behind' neighbourhoods, about {p.residents:,} people in the "
                f"{p.region}. Residents decide how the Community Wealth Fund is spent here."))
            hoods.set_area(hood, set(area), replace=True, source="seed-scale")
            staff = self.staff(hood, p, area, rng)
            hoods.set_help_routes(hood, staff["facilitator"], phone="0300 000 0000", email=f"help@{p.slug}.example",
                                  in_person="Mondays 10am to 12 noon at the community centre")
            residents = self.residents(hood, p, area, staff["facilitator"], rng)
            round_ = self.round(hood, p, staff, residents, rng)
            ballots = self.ballots(round_, p, residents, rng) if p.voting else 0
        db.session.expunge_all()
        return {"residents": len(residents["all"]), "ballots": ballots}

    def staff(self, hood, p: Plan, area, rng) -> dict:
        people = {}
        for key, role in (("facilitator", FACILITATOR), ("chair", BOARD_MEMBER), ("board2", BOARD_MEMBER),
                          ("board3", BOARD_MEMBER), ("auditor", AUDITOR), ("treasurer", TREASURER)):
            user = accounts.create_account(name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", email=f"{key}@{p.slug}.example",
                                           password_hash=self.password_hash, postcode=rng.choice(area),
                                           birth_year=rng.randint(1950, 1995))
            hoods.grant_role(user, hood, role)
            people[key] = user
        return people

    def residents(self, hood, p: Plan, area, facilitator, rng) -> dict:
        """Residents signed up in person by the facilitator (account.created in the platform's log),
        joined (resident.joined) and, for most, verified (resident.verified) in the neighbourhood's."""
        user_ids = reserve_ids(User.__table__, p.residents)
        member_ids = reserve_ids(Membership.__table__, p.residents)
        now = utcnow()
        users, members, created, joined, verified = [], [], [], [], []
        verified_ids = []
        for n, (user_id, member_id) in enumerate(zip(user_ids, member_ids, strict=False), 1):
            pseudonym, email, postcode = "p-" + secrets.token_hex(8), f"resident{n}@{p.slug}.example", rng.choice(area)
            birth_year = rng.randint(1935, 2009)
            users.append({"id": user_id, "pseudonym": pseudonym, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                          "email": email, "email_verified_at": now, "password_hash": self.password_hash,
                          "postcode": postcode, "birth_year": birth_year, "is_admin": False, "created_at": now,
                          "password_changed_at": now, "proposal_emails": True})
            is_verified = rng.random() < p.verified_share
            members.append({"id": member_id, "user_id": user_id, "neighbourhood_id": hood.id, "role": RESIDENT,
                            "created_at": now, "verified_at": now if is_verified else None,
                            "verification_method": "facilitator" if is_verified else None,
                            "verified_by_id": facilitator.id if is_verified else None})
            created.append(Item("account.created", "account", user_id, facilitator.pseudonym,
                                {"email": personal_digest(email), "postcode": personal_digest(postcode), "admin": False}))
            joined.append(Item("resident.joined", "membership", member_id, pseudonym, {"person": pseudonym}))
            if is_verified:
                verified.append(Item("resident.verified", "membership", member_id, facilitator.pseudonym,
                                     {"person": pseudonym, "method": "facilitator"}))
                verified_ids.append((user_id, pseudonym, birth_year))
        insert_rows(User.__table__, users)
        insert_rows(Membership.__table__, members)
        append_many(created)
        append_many(joined + verified, neighbourhood=hood)
        return {"all": user_ids, "verified": verified_ids}

    def round(self, hood, p: Plan, staff, residents, rng):
        """This year's round with 20 to 60 proposals, reviewed and discussed; in the voting
        neighbourhoods it is open for voting."""
        f, chair = staff["facilitator"], staff["chair"]
        budget = 100_000_00 + p.residents * 5_00
        year = financial_year_of(self.today)
        round_ = rounds.create_round(hood, f, name=f"{p.name} Community Fund {year}", fund_year=year, total_budget=budget,
                                     description="Revenue and capital funding for projects residents choose.")
        rounds.add_pot(round_, f, name="Open pot", amount=budget, max_per_proposal=budget // 4)
        rounds.update_rules(round_, f, ballot_type="knapsack", ballot_min=1, ballot_max=None, counting_rule="mes-add1")
        offsets = {"proposals": -60, "feasibility": -35, "deliberation": -15, "voting": -5, "counting": 20,
                   "sign_off": 22, "published": 30, "delivery": 45}
        rounds.set_timeline(round_, f, {phase: self.today + timedelta(days=offsets[phase]) for phase in PHASES if phase != SETUP})
        rounds.approve_setup(round_, chair, decided_on=self.today - timedelta(days=65))
        phases.advance_phase(round_, f)
        authors = [uid for uid, _, _ in residents["verified"]]
        chosen = rng.sample(authors, min(60, len(authors)))
        by_id = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(chosen)))}
        made = []
        for number in range(rng.randint(20, 60)):
            title, category, kind = IDEAS[number % len(IDEAS)]
            author = by_id[chosen[number % len(chosen)]]
            cost = rng.randrange(2_000_00, budget // 4, 100_00)
            draft = proposals.create_draft(round_, author, proposals.ProposalInput(
                title=f"{title} {number // len(IDEAS) + 1}" if number >= len(IDEAS) else title,
                summary=f"{title} for residents of {p.name}.", description="Residents asked for this at the spring meeting.",
                need="", beneficiaries=f"Residents of {p.name}", place=p.name, category=category,
                pot_id=round_.pots[0].id, group_name=None,
                cost_lines=[proposals.CostLineInput("Costs", kind, cost, round_.fund_year)]))
            proposals.submit(draft, author)
            made.append(draft)
        phases.advance_phase(round_, f)  # feasibility review
        for proposal in made:
            proposals.review(proposal, f, "feasible" if p.voting or rng.random() < 0.85 else "not_feasible",
                             reason="" if p.voting else "Checked with the council.")
        phases.advance_phase(round_, f)  # deliberation
        self.comments(hood, made, residents, rng)
        if p.voting:
            phases.advance_phase(round_, f)  # voting: a checkpoint is signed over everything so far
        return round_

    def comments(self, hood, made, residents, rng) -> None:
        chosen = []
        for proposal in made:
            for _ in range(rng.randint(0, 8)):
                author_id, pseudonym, _ = rng.choice(residents["verified"])
                stance = rng.choice(list(REMARKS))
                chosen.append((proposal, author_id, pseudonym, stance))
        ids = reserve_ids(Comment.__table__, len(chosen))
        now = utcnow()
        insert_rows(Comment.__table__, ({"id": cid, "proposal_id": proposal.id, "parent_id": None, "author_id": author_id,
                                         "stance": stance, "body": REMARKS[stance], "official": False, "created_at": now,
                                         "flag_count": 0} for cid, (proposal, author_id, _, stance) in zip(ids, chosen, strict=False)))
        append_many((Item("comment.posted", "comment", cid, pseudonym,
                          {"proposal": proposal.number, "stance": stance, "official": False, "reply_to": None,
                           "body_sha256": text_digest(REMARKS[stance])})
                     for cid, (proposal, _, pseudonym, stance) in zip(ids, chosen, strict=False)), neighbourhood=hood)
        counts = db.session.execute(select(Comment.proposal_id, func.count()).where(
            Comment.proposal_id.in_([p.id for p in made])).group_by(Comment.proposal_id)).all()
        for proposal_id, count in counts:
            db.session.execute(update(Proposal).where(Proposal.id == proposal_id).values(comment_count=count))

    def ballots(self, round_, p: Plan, residents, rng) -> int:
        """15-30% turnout: the voter roll, then the ballots (unlinked, in random order), then one
        ballot.cast entry per voter, as casting online writes them."""
        voters = rng.sample(residents["verified"], min(len(residents["verified"]), int(p.residents * p.turnout)))
        sections = ballot_sections(round_)
        pot = round_.pots[0]
        options = [(pr.id, pr.cost) for pr in db.session.scalars(select(Proposal).where(
            Proposal.round_id == round_.id, Proposal.status.in_(["feasible", "on_ballot"])))]
        roll_ids = reserve_ids(VoterRollEntry.__table__, len(voters))
        insert_rows(VoterRollEntry.__table__, ({"id": rid, "round_id": round_.id, "user_id": uid, "method": ONLINE,
                                                "voted_on": self.today, "birth_year": year}
                                               for rid, (uid, _, year) in zip(roll_ids, voters, strict=False)))
        ballots = []
        for user_id, _, _ in voters:
            chosen, spent = [], 0
            for pid, cost in rng.sample(options, len(options)):
                if rng.random() < 0.4 and spent + cost <= pot.amount:
                    chosen.append(pid)
                    spent += cost
            ballots.append({"id": secrets.token_hex(16), "round_id": round_.id,
                            "choices": stored_choices(round_, {pot.id: chosen or [options[0][0]]}, sections=sections),
                            "replace_key": replace_key(round_, user_id) if round_.allow_ballot_changes else None,
                            "tracker_hash": tracker_hash(new_code())})
        ballots.sort(key=lambda b: b["id"])
        insert_rows(Ballot.__table__, ballots)
        append_many((Item("ballot.cast", "round", round_.id, pseudonym, {"method": ONLINE}) for _, pseudonym, _ in voters),
                    neighbourhood=round_.neighbourhood)
        return len(ballots)

    # --- the national programme and each neighbourhood's money -----------------------------------------

    def operator(self) -> User:
        user = db.session.scalar(select(User).where(User.email == "operator@national.example"))
        if user is None:
            user = accounts.create_account(name="Fund Operator", email="operator@national.example",
                                           password_hash=self.password_hash, postcode="XA1 1AA", birth_year=1975,
                                           is_admin=True)
        return user

    def programme(self) -> tuple[str, str]:
        """The programme, this year's figures and its confirmed allocation (each step once)."""
        admin = self.operator()
        year = financial_year_of(self.today)
        programme = db.session.scalar(select(Programme).where(Programme.name == PROGRAMME))
        if programme is None:
            programme = create_programme(admin, name=PROGRAMME, description=(
                "Ten years of long-term funding for England's 'left behind' neighbourhoods, shared out by a published "
                "formula, never by competitive bidding."), first_year=year, years=10,
                annual_amount=len(self.plans) * 120_000_00, base_amount=50_000_00, population_weight=60,
                deprivation_weight=40)
        if figures_for(programme, year) is None:
            planned = {p.slug: p for p in self.plans}
            lines = ["neighbourhood,region,population,deprivation_score"]
            for slug, count in db.session.execute(select(Neighbourhood.slug, func.count(Membership.id)).outerjoin(
                    Membership, (Membership.neighbourhood_id == Neighbourhood.id) & (Membership.role == RESIDENT))
                    .group_by(Neighbourhood.slug).order_by(Neighbourhood.slug)):
                p = planned.get(slug)
                lines.append(f"{slug},{p.region},{p.residents},{p.score_milli / 1000:.3f}" if p
                             else f"{slug},Elsewhere,{max(count, 1)},20.000")
            import_figures(programme, admin, financial_year=year, text="\n".join(lines) + "\n")
        if allocation_for(programme, year) is None:
            confirm_allocation(programme, admin, financial_year=year)
        return programme.name, year

    def money(self, p: Plan, year: str) -> bool:
        """The year's plan, the allocation received, a capacity grant agreed, accepted and part paid."""
        hood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == p.slug))
        if db.session.scalar(select(Grant.id).where(Grant.neighbourhood_id == hood.id).limit(1)):
            return False
        people = {m.role if m.role != BOARD_MEMBER else f"board{m.user_id}": m.user
                  for m in db.session.scalars(select(Membership).where(Membership.neighbourhood_id == hood.id,
                                                                       Membership.role != RESIDENT))}
        board = [user for key, user in sorted(people.items()) if key.startswith("board")]
        f, treasurer = people[FACILITATOR], people[TREASURER]
        fund = next(fund for fund in db.session.scalars(select(Fund).where(Fund.neighbourhood_id == hood.id))
                    if year in fund.financial_years)
        source = fund.sources[0]
        promised = next(promise.amount for promise in source.promises if promise.financial_year == year)
        with one_transaction():
            planning.set_money_settings(hood, board[0], giving_prefix=f"360G-{p.slug}"[:60],
                                        payment_approval_threshold=1_000_00, full_reporting_threshold=10_000_00,
                                        facilitators_record_payments=False)
            year_plan = planning.set_year_plan(fund, f, financial_year=year, planned=promised, capacity_percent=10)
            planning.record_receipt(source, treasurer, amount=promised, received_on=self.today - timedelta(days=200),
                                    reference=f"CWF {year}")
            decision = grants.create_capacity_grant(
                year_plan, board[0], title="Community organiser", amount=promised // 20,
                summary="A community organiser to support the board and train residents to run projects.",
                starts_on=self.today - timedelta(days=180), ends_on=self.today + timedelta(days=100),
                body=grants.BodyInput(f"{p.name} Community Trust", "cic", "", f.email),
                reason="The board needs capacity to run its rounds.")
            for member in board[1:]:
                if decision.status == "open":
                    grants.approve_decision(decision, member)
            grant = decision.grant
            grants.accept_grant(grant, f)
            payments.record_payment(grant, treasurer, amount=grant.amount // 2, paid_on=self.today - timedelta(days=150),
                                    spend="revenue", reference=f"BACS {grant.reference}")
            for payment in payments.awaiting_approval(hood.id):
                payments.approve_payment(payment, board[1])
            # A signed checkpoint over the whole seeded log: every entry has its proof from here on.
            sign_checkpoint(hood, "national scale seed")
        return True


def run(neighbourhoods: int, residents: int, *, echo=print, progressbar=None) -> dict:
    """Seed what is not there yet; return what the installation holds for the plan afterwards."""
    started = time.perf_counter()
    plans = plan(neighbourhoods, residents)
    seeder = Seeder(plans, echo)
    done = seeder.seeded()
    todo = [p for p in plans if p.slug not in done]
    echo(f"{len(plans)} neighbourhoods, {residents:,} residents: {len(done)} neighbourhoods already seeded, "
         f"{len(todo)} to go.")
    bar = progressbar or _no_bar
    made = {"residents": 0, "ballots": 0}
    with bar(todo, label="Neighbourhoods", item_show_func=lambda p: p.name if p else "") as items:
        for p in items:
            for key, value in seeder.neighbourhood(p).items():
                made[key] += value
    programme, year = seeder.programme()
    with bar(plans, label="Funds and grants", item_show_func=lambda p: p.name if p else "") as items:
        funded = sum(seeder.money(p, year) for p in items)
    # Fresh statistics for the planner: millions of rows arrived since autovacuum last looked.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    seconds = time.perf_counter() - started
    echo(f"Seeded {len(todo)} neighbourhoods, {made['residents']:,} residents and {made['ballots']:,} ballots; "
         f"{funded} funds given a grant; the {year} allocation of {programme} confirmed; {seconds:.0f} s.")
    return {"seeded": len(todo), "seconds": seconds, **made}


@contextmanager
def _no_bar(items, **_):
    yield items
