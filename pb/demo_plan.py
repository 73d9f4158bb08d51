"""Eastbrook's neighbourhood plan, for the demo: version 1 under the Community Wealth Fund framework,
endorsed in spring 2025; version 2 after the summer listening events, endorsed in November 2025, and its
first review after the fund's first year; last year's round's pot and grants tied to its interventions, so the plan page shows skills and work
under-spent by £12,000 this year, two interventions on track and others with no project yet."""
from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.funds import delivery
from pb.funds.models import ACTIVE, Fund, Grant
from pb.plans import decisions, legacy, outputs, reviews, services, tagging
from pb.rounds.models import Pot, Round

VISION = ("In 2035 Eastbrook is a place people choose to stay: young people have somewhere to go and someone to "
          "talk to, the community centre is open every day, nobody goes hungry in the holidays, and the brook and "
          "its green spaces are clean and safe. Residents run it: they decide what the money is for, and they "
          "can see where every pound went.")
CONTEXT = ("Eastbrook is about 6,500 people on the east side of town: two estates, the old brickworks and the "
           "streets around Eastbrook Road. It is among the most deprived tenth of neighbourhoods in England and "
           "has lost its youth club, its bank and two of its three pubs in ten years.")
BOUNDARY = "The two estates, the brickworks and the streets between Eastbrook Road and the brook: the EB1 and EB2 " \
           "postcodes listed below."
LEGACY = ("By the fund's last year, a resident-led Eastbrook Community Trust holds the community centre's lease, "
          "the records and any assets bought with the fund, and carries on the work.")
# What version 1 puts in each year of 2026/27 and 2027/28 (capital, revenue), in pounds.
INVESTMENT = {"young_people": (0, 40_000), "community_spaces": (30_000, 10_000), "cost_of_living": (0, 9_000),
              "green_spaces": (6_000, 0), "skills_work": (0, 20_000)}
# What the tagged projects reported delivering.
DELIVERED = {"Holiday hunger lunches": (("people_helped", 420, date(2026, 9, 1)),),
             "Estate tree planting": (("area_improved", 1_200, date(2026, 11, 15)), ("volunteers", 35, date(2026, 11, 15))),
             }
WITH_UPDATE = {"Digital skills drop-in": {"people_trained": 48}}
TAGS = {"Holiday hunger lunches": "cost_of_living", "Estate tree planting": "green_spaces",
        "Digital skills drop-in": "skills_work"}


def seed_plan(hood, people, echo=click.echo) -> None:
    f = people["facilitator@eastbrook.example"]
    chair = people["chair@eastbrook.example"]
    fund = db.session.scalar(select(Fund).where(Fund.neighbourhood_id == hood.id).order_by(Fund.id))
    with timeutil.as_of(date(2025, 2, 3)):
        plan = services.start_plan(hood, f, framework_key="community_wealth_fund", fund=fund)
        first = plan.versions[0]
        for section, text in (("vision", VISION), ("context", CONTEXT), ("boundary", BOUNDARY), ("legacy", LEGACY)):
            services.write_section(first, f, section, text)
        services.choose_interventions(first, f, list(INVESTMENT))
        for year in ("2026/27", "2027/28"):
            for key, (capital, revenue) in INVESTMENT.items():
                services.set_investment(first, f, financial_year=year, intervention=key, capital=capital * 100,
                                        revenue=revenue * 100)
        decisions.open_for_comment(first, f)
    for n, (email, text) in enumerate((("resident3@eastbrook.example", "The brook path floods every winter: fix it first"),
                                       ("resident8@eastbrook.example", "Please keep the food pantry going"))):
        with timeutil.as_of(date(2025, 2, 20 + n)):
            user = db.session.scalar(select(User).where(User.email == email))
            decisions.comment(first, user, section="vision" if n == 0 else "interventions", body=text)
    board = [chair, *(db.session.scalar(select(User).where(User.email == f"board{n}@eastbrook.example"))
                      for n in (2, 3))]  # three of the five: the quorum
    with timeutil.as_of(date(2025, 3, 11)):
        for member in board:
            decisions.approve(first, member, decided_on=date(2025, 3, 11))
    with timeutil.as_of(date(2025, 3, 28)):
        decisions.endorse(first, f, endorsed_on=date(2025, 3, 28),
                          endorsed_by="Sam Okoro, The National Lottery Community Fund",
                          conditions="A plan review each year, with the engagement log.")
    with timeutil.as_of(date(2025, 9, 10)):
        second = services.new_version(plan, f, note="After the summer listening events: health and wellbeing added")
        services.choose_interventions(second, f, [*INVESTMENT, "health_wellbeing"])
        services.set_investment(second, f, financial_year="2027/28", intervention="health_wellbeing",
                                capital=None, revenue=11_000_00)
        services.write_section(second, f, "vision", VISION + " People feel well, and look out for each other.")
        services.set_targets(second, f, {("cost_of_living", "people_helped"): 1_500, ("green_spaces", "area_improved"): 5_000,
                                         ("green_spaces", "volunteers"): 150, ("skills_work", "people_trained"): 300,
                                         ("young_people", "young_people"): 800})
    with timeutil.as_of(date(2025, 11, 4)):
        for member in board:
            decisions.approve(second, member, decided_on=date(2025, 11, 4))
    with timeutil.as_of(date(2025, 11, 28)):
        decisions.endorse(second, f, endorsed_on=date(2025, 11, 28),
                          endorsed_by="Sam Okoro, The National Lottery Community Fund")
    with timeutil.as_of(date(2026, 4, 20)):
        review = reviews.start_review(plan, f, title="The first year, 2025/26")
        reviews.write_review(review, f, {
            "objective:empower": "Fourteen residents trained to chair meetings and check budgets; the partnership "
                                 "board met monthly and ran its first participatory budgeting round.",
            "learning": "The organiser started late, so the first year's spend was small. Door-knocking reached "
                        "people the stalls did not.",
            "looking_forward": "Ask residents what matters most before the next version of the plan, with paper "
                               "copies for people who are not online.",
            "funder_feedback": "Good start; keep the engagement log up to date."})
    with timeutil.as_of(date(2026, 5, 5)):
        reviews.approve_review(review, chair, decided_on=date(2026, 5, 5))
    # Last year's round served young people; its grants each serve their own intervention.
    last_year = db.session.scalar(select(Round).where(Round.neighbourhood_id == hood.id,
                                                      Round.name == "Eastbrook Community Fund 2026/27"))
    if last_year is not None:
        for pot in db.session.scalars(select(Pot).where(Pot.round_id == last_year.id)):
            tagging.tag_pot(pot, f, "young_people")
    for title, key in TAGS.items():
        grant = db.session.scalar(select(Grant).where(Grant.neighbourhood_id == hood.id, Grant.title == title))
        if grant is not None:
            tagging.tag_grant(grant, f, key)
            for output, amount, day in DELIVERED.get(title, ()):
                outputs.report_output(grant, f, output=output, amount=amount, reported_on=day)
            if title in WITH_UPDATE and grant.status == ACTIVE:  # reported with its progress update
                with timeutil.as_of(date(2026, 11, 30)):
                    delivery.post_update(grant, grant.contact, status="on_track", figures=WITH_UPDATE[title],
                                         body="48 people came to the drop-in this term; most now bank and claim "
                                              "online on their own.")
    legacy.set_spend_out(plan, f, threshold=150_000_00, items=list(legacy.SUGGESTED))
    echo("Eastbrook's plan: version 1 endorsed in March 2025, version 2 in November 2025 and reviewed in May "
         "2026; last year's grants tied to its interventions.")
