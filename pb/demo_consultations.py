"""Eastbrook's listening, for the demo: last spring's consultation "What matters most to you in
Eastbrook?" (8 questions, 236 responses of which 71 on paper, results published), the 12
activities of its engagement log, the census profile, and a consultation open now. Everything goes
through the services, on the days it happened (pb's clock moved there)."""
from __future__ import annotations

import random
from datetime import date, timedelta

import click
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from pb import timeutil
from pb.accounts.models import User
from pb.consultations import answering, building, engagement, moderation, paper
from pb.consultations.models import (
    AGE_BANDS,
    PREFER_NOT,
    ConsultationDraft,
    ConsultationText,
    TextStatus,
    WhoMayAnswer,
    age_band,
)
from pb.extensions import db

SPRING_OPENS, SPRING_CLOSES = date(2026, 4, 13), date(2026, 5, 22)
SPRING_QUESTIONS = (
    {"kind": "one", "prompt": "What should Eastbrook spend on first?", "required": True,
     "options": "Things for young people\nSafer streets\nGreen spaces and play\nHelp with the cost of living\n"
                "The community centre"},
    {"kind": "several", "prompt": "Which of these would you use?", "max_choices": 3,
     "options": "Youth club\nFood pantry\nCommunity cafe\nLonger library hours\nSports sessions\nHelp getting online"},
    {"kind": "rank", "prompt": "Put these in order of how much they matter to you",
     "options": "Feeling safe\nClean streets\nThings for young people\nBuses and getting about"},
    {"kind": "scale", "prompt": "How safe do you feel walking in Eastbrook after dark?"},
    {"kind": "scale", "prompt": "How much say do you feel you have over what happens in Eastbrook?"},
    {"kind": "text", "prompt": "What one thing would make Eastbrook better?"},
    {"kind": "about", "prompt": "How old are you?", "about_group": "age"},
    {"kind": "about", "prompt": "Do children under 16 live with you?", "about_group": "children at home",
     "options": "Yes\nNo"},
)
SAID = ("More for the kids to do after school", "Fix the street lights on Mill Lane", "A proper youth club again",
        "Cheaper food near the estates", "Somewhere warm to go in winter", "Clean up the brook path",
        "Buses that run after 7pm", "Benches by the shops for older people", "A cafe run by local people",
        "Stop the fly-tipping behind the garages")
# Census 2021-style figures for about 6,500 people (fictional, like Eastbrook).
PROFILE = {"Under 16": 1430, "16 to 24": 910, "25 to 34": 1010, "35 to 44": 880, "45 to 54": 800,
           "55 to 64": 690, "65 to 74": 470, "75 or over": 310}
ACTIVITIES = (
    ("stall", date(2026, 4, 4), "Eastbrook Road market", 64, {"25 to 34": 12, "35 to 44": 15, "65 to 74": 9}),
    ("door_knocking", date(2026, 4, 11), "Brickworks estate", 38, {}),
    ("event", date(2026, 4, 18), "Community centre open day", 85, {"Under 16": 20, "35 to 44": 18}),
    ("youth", date(2026, 4, 23), "Eastbrook Academy, Year 9", 56, {"Under 16": 56}),
    ("online", date(2026, 4, 25), "Eastbrook Facebook group", 120, {}),
    ("workshop", date(2026, 4, 30), "Mill Lane church hall", 22, {"45 to 54": 6, "55 to 64": 8, "65 to 74": 8}),
    ("door_knocking", date(2026, 5, 2), "Eastbrook Road flats", 41, {}),
    ("stall", date(2026, 5, 6), "Food pantry, Tuesday", 33, {"25 to 34": 9, "35 to 44": 11}),
    ("youth", date(2026, 5, 9), "Youth football, Saturday", 27, {"Under 16": 19, "16 to 24": 8}),
    ("event", date(2026, 5, 14), "Pensioners' lunch club", 30, {"65 to 74": 14, "75 or over": 16}),
    ("workshop", date(2026, 5, 19), "Parents' coffee morning", 18, {"25 to 34": 10, "35 to 44": 8}),
    ("online", date(2026, 5, 20), "Residents' WhatsApp group", 74, {}),
)


def _answers(consultation, rng, birth_year: int | None, day: date) -> dict:
    q = consultation.questions
    answers = {str(q[0].id): rng.choices(range(5), weights=(5, 4, 3, 3, 2))[0],
               str(q[1].id): sorted(rng.sample(range(6), rng.randint(1, 3))),
               str(q[2].id): rng.sample(range(4), rng.randint(2, 4)),
               str(q[3].id): rng.choices(range(11), weights=(2, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1))[0],
               str(q[4].id): rng.choices(range(11), weights=(4, 4, 5, 6, 5, 4, 3, 2, 1, 1, 1))[0]}
    if rng.random() < 0.35:
        answers[str(q[5].id)] = rng.choice(SAID)
    if birth_year is not None and rng.random() < 0.9:
        answers[str(q[6].id)] = AGE_BANDS.index(age_band(day.year - birth_year))
    elif rng.random() < 0.5:
        answers[str(q[6].id)] = PREFER_NOT
    if rng.random() < 0.8:
        answers[str(q[7].id)] = rng.choice((0, 1, 1))
    return answers


def _send(consultation, user: User, answers: dict) -> None:
    """A resident who has been through every page: the draft they built, sent."""
    key = answering.owner_key(consultation, user=user)
    db.session.add(ConsultationDraft(consultation_id=consultation.id, owner_key=key, answers=answers))
    db.session.flush()
    answering.send(consultation, user, key)


def _form(consultation, answers: dict) -> MultiDict:
    """A paper copy's answers as a facilitator keys them."""
    form = MultiDict()
    for question in consultation.questions:
        value = answers.get(str(question.id))
        if value is None:
            continue
        name = f"q{question.id}"
        if question.kind == "several":
            for index in value:
                form.add(name, str(index))
        elif question.kind == "rank":
            for place, index in enumerate(value, start=1):
                form.add(f"{name}-{index}", str(place))
        else:
            form.add(name, str(value))
    return form


def seed_consultations(hood, people, echo=click.echo) -> None:
    rng = random.Random(236)
    f = people["facilitator@eastbrook.example"]
    f2 = people["facilitator2@eastbrook.example"]
    residents = db.session.scalars(select(User).where(User.email.like("resident%@eastbrook.example"))
                                   .order_by(User.id)).all()
    with timeutil.as_of(date(2026, 3, 20)):
        engagement.import_profile(hood, f, source="Census 2021 (ONS tables TS007 and TS003), Eastbrook's output areas",
                                  year=2021, text="group,band,population\n" + "".join(
                                      f"age,{band},{people_}\n" for band, people_ in PROFILE.items()))
        spring = building.create_consultation(
            hood, f, title="What matters most to you in Eastbrook?", who_may_answer=WhoMayAnswer.RESIDENTS,
            introduction="The Community Wealth Fund will spend about £1.5 million in Eastbrook over ten years, and "
                         "residents decide what on. Before we write the neighbourhood plan, tell us what matters "
                         "to you.\n\nIt takes about five minutes. Your answers are kept without your name.",
            opens_on=SPRING_OPENS, closes_on=SPRING_CLOSES, second_keying_percent=10)
        for question in SPRING_QUESTIONS:
            building.add_question(spring, f, **question)
        building.finish_writing(spring, f)
    for kind, day, place, count, by_age in ACTIVITIES:
        with timeutil.as_of(day):
            engagement.record_activity(hood, f, kind=kind, held_on=day, place=place, people=count, by_age=by_age)
    # 165 residents answer online over the six weeks; 71 paper copies come back and are keyed.
    days = (SPRING_CLOSES - SPRING_OPENS).days
    for n, user in enumerate(residents[:165]):
        day = SPRING_OPENS + timedelta(days=n * days // 165)
        with timeutil.as_of(day):
            _send(spring, user, _answers(spring, rng, user.birth_year, day))
    with timeutil.as_of(SPRING_OPENS + timedelta(days=3)):
        paper.print_copies(spring, f, 100)
    with timeutil.as_of(SPRING_CLOSES):
        for user in residents[165:175]:  # on the roll: they cannot also answer online
            paper.mark_answered_on_paper(spring, f, user)
        for serial in range(1, 72):
            answers = _answers(spring, rng, rng.randint(1940, 2008), SPRING_CLOSES)
            if paper.key_copy(spring, f, serial, _form(spring, answers)) == "waiting for the check":
                checked = dict(answers)
                if serial == min(s for s in range(1, 72) if paper.is_sampled(spring, s)):
                    checked[str(spring.questions[3].id)] = (answers[str(spring.questions[3].id)] + 1) % 11  # a slip
                paper.key_copy(spring, f2, serial, _form(spring, checked))
        for difference in paper.differences(spring):
            paper.decide_copy(spring, f, difference.serial, "first")
    echo(f"Consultation ‘{spring.title}’: 165 answers online, 71 on paper.")
    with timeutil.as_of(SPRING_CLOSES + timedelta(days=6)):
        texts = db.session.scalars(select(ConsultationText).where(ConsultationText.consultation_id == spring.id,
                                                                  ConsultationText.status == TextStatus.WAITING)
                                   .order_by(ConsultationText.id)).all()
        for n, text in enumerate(texts):
            if n == 3:
                moderation.withhold_text(text, f, "off_topic")
            else:
                moderation.publish_text(text, f)
        building.publish_results(spring, f)
    echo(f"Published its results, and {len(ACTIVITIES)} engagement activities.")

    today = timeutil.today()
    with timeutil.as_of(today - timedelta(days=8)):
        play = building.create_consultation(
            hood, f, title="Your say on the new play area at Brook Park", who_may_answer=WhoMayAnswer.RESIDENTS,
            introduction="The board has set aside money for a new play area. Help us choose what goes in it.",
            opens_on=today - timedelta(days=7), closes_on=today + timedelta(days=21), second_keying_percent=20)
        for question in (
                {"kind": "several", "prompt": "What should the play area have?", "max_choices": 3,
                 "options": "Swings\nClimbing frame\nSandpit\nBenches for grown-ups\nWater fountain\nShade"},
                {"kind": "one", "prompt": "Which age should it be for most?", "required": True,
                 "options": "Under 5s\n5 to 11\n11 to 15\nEveryone"},
                {"kind": "text", "prompt": "Anything else we should know?"},
                {"kind": "about", "prompt": "How old are you?", "about_group": "age"}):
            building.add_question(play, f, **question)
        building.finish_writing(play, f)
    for n, user in enumerate(residents[:24]):
        with timeutil.as_of(today - timedelta(days=7 - n % 7)):
            q = play.questions
            _send(play, user, {str(q[0].id): sorted(rng.sample(range(6), rng.randint(1, 3))),
                               str(q[1].id): rng.randrange(4),
                               str(q[3].id): AGE_BANDS.index(age_band(today.year - user.birth_year))})
    echo(f"Consultation ‘{play.title}’ is open, with 24 answers so far.")
