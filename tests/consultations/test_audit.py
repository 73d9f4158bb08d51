"""The auditor pack carries each consultation's published responses and the engagement log; the
independent verifier recounts every published result against the ledger, and any change is caught."""
import copy
import json
from datetime import date, timedelta

from werkzeug.datastructures import MultiDict

from pb import timeutil
from pb.audit.pack import load, verify_tables
from pb.auditing.pack import export
from pb.consultations import answering, building, engagement
from pb.consultations.models import Consultation
from pb.extensions import db
from pb.ledger.checkpoints import verifier_key
from pb.rounds.models import Round
from tests.factories import _user, make_consultation, make_round


def test_the_verifier_recounts_a_published_consultation_and_catches_a_changed_answer(app, factory, tmp_path):
    round_ref = make_round(factory)
    ref = make_consultation(factory, round_ref.hood, facilitator=round_ref.facilitator)
    with app.app_context():
        consultation = db.session.get(Consultation, ref.id)
        for n in range(12):
            user = _user(factory.resident(ref.hood))
            key = answering.owner_key(consultation, user=user)
            form = MultiDict({f"q{ref.question_ids[0]}": str(n % 3), f"q{ref.question_ids[3]}": str(n % 11),
                              f"q{ref.question_ids[5]}": "prefer_not" if n == 0 else "2"})
            for question in consultation.questions:
                answering.save_answer(consultation, user, key, question, form)
            answering.send(consultation, user, key)
        engagement.record_activity(consultation.neighbourhood, _user(ref.facilitator), kind="stall",
                                   held_on=date.today(), place="Market", people=25)
        with timeutil.as_of(date.today() + timedelta(days=11)):
            building.publish_results(consultation, _user(ref.facilitator))
        path = tmp_path / "pack.db"
        counts = export(db.session.get(Round, round_ref.id), path)
        key = verifier_key()
    assert counts["consultations"] == 1
    tables = load(path)
    assert len(tables["consultation_responses"]) == 12 and len(tables["engagement"]) == 1
    report = verify_tables(tables, key)
    assert not [p for p in report.problems if "consultation" in p], report.problems
    assert "consultation ‘What matters most to you?’: recounted 12 responses, as published" in report.facts

    changed = copy.deepcopy(tables)
    answers = json.loads(changed["consultation_responses"][3]["answers"])
    answers[str(ref.question_ids[0])] = (answers[str(ref.question_ids[0])] + 1) % 3
    changed["consultation_responses"][3]["answers"] = json.dumps(answers)
    assert any("the responses are not the ones published" in p for p in verify_tables(changed, key).problems)

    dropped = copy.deepcopy(tables)
    dropped["consultation_responses"].pop()
    assert any("not the ones published" in p for p in verify_tables(dropped, key).problems)

    missing = copy.deepcopy(tables)
    missing["consultations"] = []
    assert any("missing from the pack" in p for p in verify_tables(missing, key).problems)
