"""A resident's consultation data: in their download with their own answers; after erasure their
response stays counted but nothing, even the key, links it to them. Following: one reminder three
days before the close, and the results."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pb import privacy, timeutil
from pb.accounts.models import User
from pb.consultations import building
from pb.consultations.following import send_closing_reminders
from pb.consultations.models import Consultation, ConsultationResponse, ConsultationRoll
from pb.extensions import db
from pb.following import services as following
from pb.mail.models import OutboxEmail
from tests.factories import _user, make_consultation, sign_in

pytestmark = pytest.mark.both_engines


def test_the_download_has_my_answers_and_erasure_unlinks_them_but_keeps_them_counted(app, factory, client):
    ref = make_consultation(factory)
    resident = factory.resident(ref.hood, name="Bea Resident")
    sign_in(client, resident)
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    client.post(f"{base}/questions/1", data={f"q{ref.question_ids[0]}": "2"})
    client.post(f"{base}/check")
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    answered = json.dumps(data)
    assert "What matters most to you?" in answered and "Bus shelter" in answered

    with app.app_context():
        privacy.erase(db.session.get(User, resident.id), resident.password, hide_words=False)
        response = db.session.scalar(select(ConsultationResponse))
        assert response.replace_key is None and response.answers[str(ref.question_ids[0])] == 2  # still counted
        assert db.session.scalar(select(ConsultationRoll.user_id)) == resident.id  # the mark stays: nobody answers twice
        assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 1


def test_followers_are_reminded_once_three_days_before_the_close_and_told_of_the_results(app, factory):
    ref = make_consultation(factory)
    follower = factory.resident(ref.hood)
    with app.app_context():
        consultation = db.session.get(Consultation, ref.id)
        following.follow("consultation", consultation, _user(follower))
        assert send_closing_reminders(date.today()) == 0  # ten days to go
        closing = date.today() + timedelta(days=8)
        with timeutil.as_of(closing):
            assert send_closing_reminders(closing) == 1
            assert send_closing_reminders(closing + timedelta(days=1)) == 0  # once
        with timeutil.as_of(date.today() + timedelta(days=11)):
            building.publish_results(consultation, _user(ref.facilitator))
        subjects = db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.to_address == follower.email)
                                      .order_by(OutboxEmail.id)).all()
    assert subjects == ["What matters most to you?: three days left",
                        "What matters most to you?: the results are published"]


def test_the_retention_job_keeps_an_unconfirmed_account_that_answered(app, factory):
    """Deleting it would orphan its roll mark and let the same person answer again."""
    from datetime import datetime

    from werkzeug.datastructures import MultiDict

    from pb.consultations import answering
    from pb.privacy import purge

    ref = make_consultation(factory, who_may_answer="residents")
    resident = factory.resident(ref.hood, verified=False)
    with app.app_context():
        consultation = db.session.get(Consultation, ref.id)
        user = _user(resident)
        key = answering.owner_key(consultation, user=user)
        answering.save_answer(consultation, user, key, consultation.questions[0],
                              MultiDict({f"q{ref.question_ids[0]}": "1"}))
        answering.send(consultation, user, key)
        db.session.get(User, resident.id).email_verified_at = None  # never confirmed their email
        db.session.commit()
        purge(birth_years_after_days=365, unverified_after_days=30, now=datetime(2030, 1, 1))
        assert db.session.get(User, resident.id) is not None
