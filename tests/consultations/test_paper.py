"""Paper questionnaires as the volunteer at the community centre keys them: numbered copies, each
keyed once, a sample keyed again by someone else, differences listed and decided from the paper."""
from sqlalchemy import func, select

from pb.consultations.models import Consultation, ConsultationResponse, ConsultationText
from pb.extensions import db
from pb.neighbourhoods.models import FACILITATOR
from tests.factories import make_consultation, sign_in


def _copy(ref, serial, first="0", text=""):
    q = ref.question_ids
    return {"serial": str(serial), f"q{q[0]}": first, f"q{q[3]}": "4", f"q{q[4]}": text}


def test_copies_are_numbered_keyed_checked_and_differences_decided(app, factory, client):
    ref = make_consultation(factory, second_keying_percent=100)  # every copy checked
    other = factory.with_role(ref.hood, FACILITATOR)
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    sign_in(client, ref.facilitator)
    printed = client.post(f"{base}/paper", data={"copies": "3"})
    assert printed.status_code == 302
    sheet = client.get(printed.location).get_data(as_text=True)
    assert "Copy number 1" in sheet and "Copy number 3" in sheet and "Copy number 4" not in sheet

    assert client.post(f"{base}/paper/key", data=_copy(ref, 1, text="Fix the lights")).status_code == 302
    assert client.post(f"{base}/paper/key", data=_copy(ref, 2)).status_code == 302
    again = client.post(f"{base}/paper/key", data=_copy(ref, 1))
    assert again.status_code == 400
    assert "You keyed copy 1 already. A different facilitator keys the check" in again.get_data(as_text=True)
    wrong = client.post(f"{base}/paper/key", data=_copy(ref, 9))
    assert "No copy with serial number 9 was printed for this consultation" in wrong.get_data(as_text=True)

    second = app.test_client()
    sign_in(second, other)
    assert second.post(f"{base}/paper/key", data=_copy(ref, 1, text="Fix the lights")).status_code == 302  # matches
    assert second.post(f"{base}/paper/key", data=_copy(ref, 2, first="1")).status_code == 302  # differs
    page = client.get(f"{base}/paper").get_data(as_text=True)
    assert "Copy 2</strong>: the two keyings differ" in page
    assert "Youth club" in page and "Park benches" in page  # the two readings, in words

    with app.app_context():
        counted = db.session.scalars(select(ConsultationResponse)).all()
        assert [(r.serial, r.method) for r in counted] == [(1, "paper")]
        assert db.session.scalar(select(ConsultationText.body)) == "Fix the lights"
    assert client.post(f"{base}/paper/2/decide", data={"choice": "second"}).status_code == 302
    with app.app_context():
        second_copy = db.session.scalar(select(ConsultationResponse).where(ConsultationResponse.serial == 2))
        assert second_copy.answers[str(ref.question_ids[0])] == 1
    counted_twice = client.post(f"{base}/paper/key", data=_copy(ref, 2))
    assert "Copy 2 is already counted" in counted_twice.get_data(as_text=True)


def test_no_copy_is_checked_at_zero_percent_and_about_the_share_at_ten(app, factory):
    from pb.consultations import paper

    none = make_consultation(factory, second_keying_percent=0)
    tenth = make_consultation(factory, none.hood, facilitator=none.facilitator, second_keying_percent=10)
    with app.app_context():
        assert not any(paper.is_sampled(db.session.get(Consultation, none.id), s) for s in range(1, 501))
        sampled = sum(paper.is_sampled(db.session.get(Consultation, tenth.id), s) for s in range(1, 2001))
        assert 140 <= sampled <= 260  # about 200 of 2,000


def test_a_blank_copy_and_a_missing_required_answer_are_refused_next_to_their_fields(app, factory, client):
    ref = make_consultation(factory, second_keying_percent=0)
    base = f"/n/{ref.hood.slug}/consultations/{ref.id}"
    sign_in(client, ref.facilitator)
    client.post(f"{base}/paper", data={"copies": "2"})
    blank = client.post(f"{base}/paper/key", data={"serial": "1"}).get_data(as_text=True)
    assert "Nothing was keyed: enter the answers on the copy" in blank
    missing = client.post(f"{base}/paper/key", data={"serial": "1", f"q{ref.question_ids[3]}": "5"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 400 and "Question 1 must be answered" in page
    assert f'href="#q{ref.question_ids[0]}"' in page
    too_many = client.post(f"{base}/paper", data={"copies": "50000"})
    assert "Enter how many copies to print, from 1 to 5,000" in too_many.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 0
