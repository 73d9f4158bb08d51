"""Writing a consultation through the facilitator's pages: every bad input named next to its field
with nothing saved, the board's approval where the neighbourhood asks for it, and questions fixed
once anyone has answered."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pb.consultations.models import Consultation, ConsultationQuestion, ConsultationStatus
from pb.extensions import db
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from tests.factories import make_consultation, sign_in

TODAY = date.today()


@pytest.mark.parametrize("changes, field, message", [
    ({"title": ""}, "title", "Enter a title"),
    ({"opens_on": "31/02/2027"}, "opens_on", "The opening day"),
    ({"opens_on": (TODAY - timedelta(days=1)).isoformat()}, "opens_on", "The opening day cannot be in the past"),
    ({"closes_on": (TODAY - timedelta(days=1)).isoformat()}, "closes_on",
     "The last day must be the same as or after the opening day"),
    ({"closes_on": (TODAY + timedelta(days=400)).isoformat()}, "closes_on", "A consultation can be open for a year at most"),
    ({"second_keying_percent": "150"}, "second_keying_percent", "Enter a share from 0 to 100"),
    ({"who_may_answer": "everyone"}, "who_may_answer", "Not a valid choice"),
])
def test_starting_a_consultation_names_each_bad_field(app, factory, client, changes, field, message):
    hood = factory.neighbourhood()
    sign_in(client, factory.with_role(hood, FACILITATOR))
    data = {"title": "Your park", "introduction": "", "who_may_answer": "verified", "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + timedelta(days=20)).isoformat(), "second_keying_percent": "10"} | changes
    response = client.post(f"/n/{hood.slug}/consultations/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page and message in page
    assert f'href="#{field}"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


@pytest.mark.parametrize("data, message", [
    ({"kind": "one", "prompt": "Pick", "options": "Only one"}, "Enter at least two choices, one per line"),
    ({"kind": "one", "prompt": "Pick", "options": "Park\npark"}, "‘park’ is there twice"),
    ({"kind": "several", "prompt": "Pick", "options": "A\nB", "max_choices": "3"}, "The most choices must be between 1 and 2"),
    ({"kind": "about", "prompt": "Your background", "options": "A\nB"}, "Say what this question asks about"),
    ({"kind": "about", "prompt": "Your sex", "options": "Female\nMale\nPrefer not to say", "about_group": "sex"},
     "Leave out ‘Prefer not to say’"),
    ({"kind": "", "prompt": "Pick"}, "Choose what kind of question this is"),
    ({"kind": "text", "prompt": ""}, "Enter the question"),
])
def test_a_bad_question_is_refused_with_its_reason(app, factory, client, data, message):
    ref = make_consultation(factory, questions=(), finish=False)
    sign_in(client, ref.facilitator)
    response = client.post(f"/n/{ref.hood.slug}/consultations/{ref.id}/questions/new", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationQuestion)) == 0


def test_the_board_approves_where_the_neighbourhood_asks_and_answered_questions_are_fixed(app, factory, client):
    hood = factory.neighbourhood()
    with app.app_context():
        hoods.update_neighbourhood(factory._hood(hood), consultations_need_board_approval=True)
    ref = make_consultation(factory, hood)
    base = f"/n/{hood.slug}/consultations/{ref.id}"
    with app.app_context():
        assert db.session.get(Consultation, ref.id).status == ConsultationStatus.AWAITING_APPROVAL
    resident = factory.resident(hood)
    sign_in(client, resident)
    assert client.get(base).status_code == 404  # not public until approved

    member = app.test_client()
    sign_in(member, factory.with_role(hood, BOARD_MEMBER))
    future = member.post(f"{base}/approve", data={"decided_on": (TODAY + timedelta(days=2)).isoformat()})
    assert "Enter the date the board decided, today or earlier" in future.get_data(as_text=True)
    assert member.post(f"{base}/approve", data={"decided_on": TODAY.isoformat()}).status_code == 302
    assert "Start now" in client.get(base).get_data(as_text=True)

    client.post(f"{base}/questions/1", data={f"q{ref.question_ids[0]}": "0"})
    client.post(f"{base}/check")
    writer = app.test_client()
    sign_in(writer, ref.facilitator)
    refused = writer.post(f"{base}/reopen", follow_redirects=True).get_data(as_text=True)
    assert "1 person has answered already, so the questions cannot change" in refused
    with app.app_context():
        assert db.session.get(Consultation, ref.id).status == ConsultationStatus.APPROVED


def test_questions_move_up_and_down_without_javascript(app, factory, client):
    ref = make_consultation(factory, finish=False)
    sign_in(client, ref.facilitator)
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    client.post(f"{base}/questions/{ref.question_ids[1]}/move", data={"direction": "up"})
    client.post(f"{base}/questions/{ref.question_ids[5]}/remove")
    with app.app_context():
        order = db.session.scalars(select(ConsultationQuestion.id).order_by(ConsultationQuestion.position)).all()
    assert order == [ref.question_ids[1], ref.question_ids[0], *ref.question_ids[2:5]]
