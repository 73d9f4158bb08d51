"""Answering a consultation online, as a resident does on a phone: one question per page, check,
send, change until the close; one response per person, online and paper together; nothing a page
shows links a response to its author."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pb import timeutil
from pb.consultations.models import ConsultationResponse, ConsultationRoll, ResponseMethod
from pb.extensions import db
from pb.ledger.models import AuditEntry
from tests.factories import make_consultation, sign_in

pytestmark = pytest.mark.both_engines


def _answer_all(client, base, ref, *, age="2"):
    q = ref.question_ids
    pages = [{f"q{q[0]}": "1"}, {f"q{q[1]}": ["0", "3"]}, {f"q{q[2]}-0": "2", f"q{q[2]}-1": "1", f"q{q[2]}-2": ""},
             {f"q{q[3]}": "7"}, {f"q{q[4]}": "The bus shelter on Mill Lane leaks"}, {f"q{q[5]}": age}]
    for number, data in enumerate(pages, 1):
        response = client.post(f"{base}/questions/{number}", data=data)
        assert response.status_code == 302, (number, response.get_data(as_text=True)[:2000])
    return client.post(f"{base}/check")


def test_a_resident_answers_page_by_page_checks_and_changes_until_the_close(app, factory, client):
    ref = make_consultation(factory)
    resident = factory.resident(ref.hood, name="Ada Resident")
    sign_in(client, resident)
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    assert "Start now" in client.get(base).get_data(as_text=True)
    page = client.get(f"{base}/questions/1").get_data(as_text=True)
    assert "question 1 of 6" in page and "What should come first?" in page

    sent = _answer_all(client, base, ref)
    assert sent.status_code == 302 and sent.location.endswith("/thank-you?changed=0")
    check = client.get(f"{base}/check").get_data(as_text=True)
    assert "Park benches" in check and "1. Cleanliness; 2. Safety" in check and "7 out of 10" in check
    assert "Send my changed answers" in check

    with app.app_context():
        rows = db.session.scalars(select(ConsultationResponse)).all()
        assert len(rows) == 1 and rows[0].method == ResponseMethod.ONLINE
        assert rows[0].answers[str(ref.question_ids[0])] == 1
        assert rows[0].answers[str(ref.question_ids[2])] == [1, 0]  # Cleanliness first, then Safety
        roll = db.session.scalars(select(ConsultationRoll)).all()
        assert [r.user_id for r in roll] == [resident.id] and roll[0].method == ResponseMethod.ONLINE
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consultation.answered"))
        assert entry.actor == resident.pseudonym and "Ada" not in str(entry.payload)
        assert str(rows[0].id) not in str(entry.payload)  # the ledger never names which response

    # Changing an answer replaces the response: still one, with the new answer.
    assert client.post(f"{base}/questions/1", data={f"q{ref.question_ids[0]}": "2", "to": "check"}).status_code == 302
    assert client.post(f"{base}/check").location.endswith("changed=1")
    with app.app_context():
        rows = db.session.scalars(select(ConsultationResponse)).all()
        assert len(rows) == 1 and rows[0].answers[str(ref.question_ids[0])] == 2
        assert db.session.scalar(select(func.count()).select_from(ConsultationRoll)) == 1

    # After the close nobody can change anything.
    with timeutil.as_of(date.today() + timedelta(days=11)):
        page = client.get(base).get_data(as_text=True)
        assert "This consultation has closed" in page
        refused = client.post(f"{base}/questions/1", data={f"q{ref.question_ids[0]}": "0"})
        assert refused.status_code == 302 and refused.location.endswith(base)


@pytest.mark.parametrize("engine_name", ["sqlite"])  # parsing and messages: the same on either engine
@pytest.mark.parametrize("number, data, message", [
    (1, {}, "Answer this question to go on"),
    (1, {"q{0}": "9"}, "Choose one of the answers shown"),
    (2, {"q{1}": ["0", "1", "2"]}, "Choose no more than 2: you chose 3"),
    (3, {"q{2}-0": "1", "q{2}-1": "1"}, "You gave the number 1 to more than one choice"),
    (3, {"q{2}-0": "1", "q{2}-1": "3"}, "Number your choices 1, 2, 3 and so on without gaps: you used 1, 3"),
    (3, {"q{2}-0": "x"}, "Give ‘Safety’ a number from 1 to 3, or leave it blank"),
    (4, {"q{3}": "11"}, "Choose a score from 0 to 10"),
    (5, {"q{4}": "x" * 1001}, "Your answer must be 1,000 characters or fewer: it has 1,001"),
    (5, {"q{4}": "bad\u202eword"}, "Your answer"),
])
def test_each_bad_answer_gets_its_message_next_to_the_field_and_nothing_is_kept(app, factory, client, number, data,
                                                                                  message, engine_name):
    ref = make_consultation(factory)
    sign_in(client, factory.resident(ref.hood))
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    filled = {key.format(*ref.question_ids): value for key, value in data.items()}
    response = client.post(f"{base}/questions/{number}", data=filled)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert page.count(message) >= 2  # in the summary and next to the field
    assert 'class="error-message"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 0


def test_who_may_answer_follows_the_consultations_setting(app, factory, client):
    ref = make_consultation(factory)  # verified residents
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    page = client.get(base).get_data(as_text=True)
    assert "Sign in as a resident of" in page
    sign_in(client, factory.resident(ref.hood, verified=False))
    page = client.get(base).get_data(as_text=True)
    assert "You need to be a verified resident to answer this consultation" in page
    assert "Start now" not in page

    anyone = make_consultation(factory, ref.hood, facilitator=ref.facilitator, who_may_answer="anyone")
    visitor = app.test_client()
    base = f"/n/{ref.hood.slug}/consultations/{anyone.id}"
    assert "Start now" in visitor.get(base).get_data(as_text=True)
    assert visitor.post(f"{base}/questions/1", data={f"q{anyone.question_ids[0]}": "0"}).status_code == 302
    assert visitor.post(f"{base}/check").status_code == 302
    with app.app_context():
        response = db.session.scalar(select(ConsultationResponse).where(ConsultationResponse.consultation_id == anyone.id))
        assert response is not None
        assert db.session.scalar(select(func.count()).select_from(ConsultationRoll)) == 0  # nobody to put on a roll
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consultation.answered"))
        assert json.loads(entry.payload)["without_an_account"] is True


def test_the_database_refuses_a_second_response_from_one_person(app, factory):
    """The roll's unique constraint, not the service's check, is what makes a second impossible."""
    from sqlalchemy.exc import IntegrityError

    ref = make_consultation(factory)
    resident = factory.resident(ref.hood)
    with app.app_context():
        db.session.add(ConsultationRoll(consultation_id=ref.id, user_id=resident.id, person_digest="d1",
                                        method="online", answered_on=date.today()))
        db.session.commit()
        db.session.add(ConsultationRoll(consultation_id=ref.id, user_id=resident.id, person_digest="d2",
                                        method="paper", answered_on=date.today()))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(ConsultationRoll(consultation_id=ref.id, user_id=factory.person().id, person_digest="d1",
                                        method="paper", answered_on=date.today()))
        with pytest.raises(IntegrityError):
            db.session.commit()  # the same email digest: an erased account registering again
        db.session.rollback()
        db.session.add(ConsultationResponse(id="x" * 32, consultation_id=ref.id, method="post", answers={}))
        with pytest.raises(IntegrityError):
            db.session.commit()  # an unknown method: the CHECK refuses it


def test_someone_marked_as_answering_on_paper_cannot_also_answer_online(app, factory, client):
    from pb.consultations import paper
    from pb.consultations.models import Consultation
    from tests.factories import _user

    ref = make_consultation(factory)
    resident = factory.resident(ref.hood)
    with app.app_context():
        paper.mark_answered_on_paper(db.session.get(Consultation, ref.id), _user(ref.facilitator), _user(resident))
    sign_in(client, resident)
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    page = client.get(base).get_data(as_text=True)
    assert "You answered this consultation on paper, so you cannot also answer online" in page
    assert client.post(f"{base}/questions/1", data={f"q{ref.question_ids[0]}": "0"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 0
