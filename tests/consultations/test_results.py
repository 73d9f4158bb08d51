"""Results as residents and auditors read them: counted by hand here, recounted from the published
download, written answers shown only once a facilitator published them, small groups not shown."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from pb import timeutil
from pb.consultations import answering, building, moderation
from pb.consultations.models import Consultation, ConsultationText
from pb.consultations.results import count
from pb.extensions import db
from pb.ledger.models import AuditEntry
from tests.factories import _user, make_consultation, sign_in

pytestmark = pytest.mark.both_engines


def _respond(app, factory, ref, n, *, first, age, text=None, rank=("1", "2", "")):
    person = factory.resident(ref.hood)
    q = ref.question_ids
    with app.app_context():
        consultation = db.session.get(Consultation, ref.id)
        user = _user(person)
        key = answering.owner_key(consultation, user=user)
        form = MultiDict([(f"q{q[0]}", str(first)), (f"q{q[1]}", "0"), (f"q{q[1]}", str(n % 4)),
                          (f"q{q[2]}-0", rank[0]), (f"q{q[2]}-1", rank[1]), (f"q{q[2]}-2", rank[2]),
                          (f"q{q[3]}", str(n % 11)), (f"q{q[5]}", str(age))])
        if text:
            form[f"q{q[4]}"] = text
        for question in consultation.questions:
            answering.save_answer(consultation, user, key, question, form)
        answering.send(consultation, user, key)


def test_results_are_counted_right_recount_from_the_download_and_hide_small_groups(app, factory, client):
    ref = make_consultation(factory)
    # 12 people aged 25 to 34 (age band index 2), 3 aged 65 to 74 (index 6).
    for n in range(12):
        _respond(app, factory, ref, n, first=n % 3, age=2, text="Please mend the swings" if n == 0 else None)
    for n in range(3):
        _respond(app, factory, ref, n, first=0, age=6, rank=("", "", "1"),
                 text="John Smith at 4 Mill Lane keeps dumping rubbish" if n == 0 else None)
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    sign_in(client, ref.facilitator)
    with timeutil.as_of(date.today() + timedelta(days=11)):
        with app.app_context():
            consultation = db.session.get(Consultation, ref.id)
            facilitator = _user(ref.facilitator)
            with pytest.raises(Exception, match="2 written answers still wait"):
                building.publish_results(consultation, facilitator)
            texts = db.session.scalars(select(ConsultationText).order_by(ConsultationText.id)).all()
            moderation.publish_text(texts[0], facilitator)
            moderation.redact_and_publish(texts[1], facilitator, "[name] at [address] keeps dumping rubbish",
                                          "personal")
            building.publish_results(consultation, facilitator)
            entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consultation.results_published"))
            ledger = json.loads(entry.payload)
        page = client.get(f"{base}/results").get_data(as_text=True)

    assert "15 people answered: 15 online and 0 on paper" in page
    # Question 1: n % 3 over 12 people gives 4, 4, 4; the 3 older people all chose 0: 7, 4, 4.
    assert "<td>Youth club</td><td class=\"num\">7</td><td class=\"num\">47%</td>" in page
    assert "Please mend the swings" in page and "[name] at [address] keeps dumping rubbish" in page
    assert "John Smith" not in page and "4 Mill Lane" not in page
    assert "25 to 34 (12 people)" in page
    assert "<strong>65 to 74</strong>: fewer than 10 people" in page  # suppressed, and says why

    data = json.loads(client.get(f"{base}/responses.json").get_data(as_text=True))
    assert len(data["responses"]) == 15 and all("user" not in json.dumps(r) for r in data["responses"])
    recount = count(data)
    assert recount["questions"][str(ref.question_ids[0])]["counts"] == [7, 4, 4]
    assert recount["questions"][str(ref.question_ids[2])]["first"] == [12, 0, 3]
    assert recount["questions"][str(ref.question_ids[2])]["mean_rank"] == [1.0, 2.0, 1.0]
    assert recount["breakdowns"][str(ref.question_ids[5])]["6"] == {"people": 3, "suppressed": True}
    assert building.figures_digest(recount) == ledger["results_sha256"]  # the page's figures are the ledger's
    csv_text = client.get(f"{base}/responses.csv").get_data(as_text=True)
    assert csv_text.count("\n") == 16 and "Park benches" in csv_text


def test_a_withheld_answer_is_never_shown_and_the_ledger_keeps_only_digests(app, factory):
    ref = make_consultation(factory)
    _respond(app, factory, ref, 1, first=0, age=2, text="Call me on 07700 900123")
    with app.app_context():
        consultation = db.session.get(Consultation, ref.id)
        text = db.session.scalar(select(ConsultationText))
        with pytest.raises(Exception, match="Choose a reason"):
            moderation.withhold_text(text, _user(ref.facilitator), "")
        moderation.withhold_text(text, _user(ref.facilitator), "personal")
        entries = db.session.scalars(select(AuditEntry.payload)).all()
        assert not any("07700" in e for e in entries)
        building.close_early(consultation, _user(ref.facilitator), reason="The hall flooded")
        building.publish_results(consultation, _user(ref.facilitator))
        from pb.consultations.results import published_data
        data = published_data(consultation)
    assert data["responses"][0]["answers"][str(ref.question_ids[4])] == "withheld"
