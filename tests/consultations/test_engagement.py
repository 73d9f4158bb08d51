"""The engagement log, the area profile and the page that compares who took part with who lives
here, as a facilitator fills them in and a resident reads them."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from pb.consultations import answering, engagement
from pb.consultations.models import AreaGroup, Consultation, EngagementActivity
from pb.extensions import db
from pb.neighbourhoods.models import FACILITATOR
from tests.factories import _user, make_consultation, sign_in

PROFILE = ("group,band,population\nage,Under 16,600\nage,16 to 24,700\nage,25 to 34,800\nage,35 to 44,800\n"
           "age,45 to 54,700\nage,55 to 64,600\nage,65 to 74,500\nage,75 or over,300\n")


def test_a_bad_profile_names_every_bad_line_and_saves_nothing(app, factory, client):
    hood = factory.neighbourhood(name="Eastbrook")
    sign_in(client, factory.with_role(hood, FACILITATOR))
    bad = ("group,band,population\nage,16 to 24,700\nage,Teenagers,50\nage,25 to 34,lots\nage,16 to 24,5\n"
           "ethnic group,,30\nage,35 to 44\n")
    response = client.post(f"/n/{hood.slug}/area-profile", data={"source": "Census 2021", "year": "2021", "csv": bad})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for expected in ("line 3: ‘Teenagers’ is not one of the age bands", "line 4: the population must be a whole number",
                     "line 5: age ‘16 to 24’ appears twice", "line 6: the group and the band must both be filled in",
                     "line 7: expected 3 values"):
        assert expected in page, expected
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AreaGroup)) == 0
    future = client.post(f"/n/{hood.slug}/area-profile", data={"source": "Census", "year": "2999", "csv": PROFILE})
    assert "Enter the year the figures describe, up to" in future.get_data(as_text=True)


def test_the_log_totals_each_month_and_refuses_bands_adding_to_more_than_everyone(app, factory, client):
    hood = factory.neighbourhood()
    sign_in(client, factory.with_role(hood, FACILITATOR))
    day = date.today() - timedelta(days=3)
    ok = client.post(f"/n/{hood.slug}/engagement/new", data={
        "kind": "stall", "held_on": day.isoformat(), "place": "Eastbrook market", "people": "40", "age_1": "12"})
    assert ok.status_code == 302
    too_many = client.post(f"/n/{hood.slug}/engagement/new", data={
        "kind": "door_knocking", "held_on": day.isoformat(), "place": "Mill Lane", "people": "5", "age_2": "9"})
    assert "The age bands add up to 9, more than the 5 people who took part" in too_many.get_data(as_text=True)
    future = client.post(f"/n/{hood.slug}/engagement/new", data={
        "kind": "event", "held_on": (date.today() + timedelta(days=2)).isoformat(), "place": "Hall", "people": "5"})
    assert "The day cannot be in the future" in future.get_data(as_text=True)
    page = app.test_client().get(f"/n/{hood.slug}/engagement").get_data(as_text=True)
    assert "Stall: Eastbrook market" in page and f"<td>{day.strftime('%Y-%m')}</td><td class=\"num\">1</td>" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EngagementActivity)) == 1


@pytest.mark.both_engines
def test_who_took_part_names_the_groups_heard_too_little_from(app, factory, client):
    ref = make_consultation(factory)
    with app.app_context():
        hood = factory._hood(ref.hood)
        engagement.import_profile(hood, _user(ref.facilitator), text=PROFILE, source="Census 2021, TS007", year=2021)
        engagement.record_activity(hood, _user(ref.facilitator), kind="youth", held_on=date.today(),
                                   place="Eastbrook Academy", people=30, by_age={"Under 16": 30})
        consultation = db.session.get(Consultation, ref.id)
        # 20 answers: 15 aged 65 to 74 (band 6), 5 aged 25 to 34 (band 2); nobody aged 16 to 24.
        for n in range(20):
            user = _user(factory.resident(ref.hood))
            key = answering.owner_key(consultation, user=user)
            form = MultiDict({f"q{ref.question_ids[0]}": "0", f"q{ref.question_ids[5]}": "6" if n < 15 else "2"})
            for question in consultation.questions:
                answering.save_answer(consultation, user, key, question, form)
            answering.send(consultation, user, key)
    page = client.get(f"/n/{ref.hood.slug}/who-took-part").get_data(as_text=True)
    assert "Census 2021, TS007, 2021" in page
    assert "People aged 16 to 24 are 14% of" in page and "but 0% of those who answered" in page
    gaps = page.split("Who we heard too little from")[1].split("</ul>")[0]
    assert "People aged 16 to 24 are 14% of" in gaps
    assert "75% of those who answered" not in gaps  # over-represented, not named as heard too little
    assert "People counted at engagement activities (30)" in page
    row = re.search(r"<tr><td>65 to 74</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r">(\d+)%<", row) == ["10", "75", "0"]  # lives here, answered, at activities
