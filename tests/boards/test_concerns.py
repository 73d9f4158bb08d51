"""A concern about the board, raised by a resident who is not signed in and by one who is (as
whistleblowing): it reaches the accountable body's named contacts and not the board, nobody's
identity goes into the ledger, acknowledgement is due within the days set (late shown publicly), and
the outcome is published with the person named only when they agreed."""
import json
from datetime import date, timedelta

from sqlalchemy import select

from pb import timeutil
from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.mail.models import OutboxEmail
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from tests.factories import sign_in

TODAY = date.today()


def test_a_concern_goes_to_the_accountable_body_and_its_outcome_is_published(app, factory, client):
    hood = factory.neighbourhood(name="Eastbrook")
    facilitator = factory.with_role(hood, FACILITATOR)
    board_member = factory.with_role(hood, BOARD_MEMBER)
    officer = factory.person(name="Olu Officer", email="olu@council.example")
    staff = app.test_client()
    sign_in(staff, facilitator)
    closed = app.test_client().get(f"/n/{hood.slug}/board/concerns/new")
    assert closed.status_code == 200
    assert "has not yet named who handles concerns" in app.test_client().post(
        f"/n/{hood.slug}/board/concerns/new", data={"kind": "conduct", "text": "Rude"}).get_data(as_text=True)
    unknown = staff.post(f"/n/{hood.slug}/board/concerns/contacts", data={"emails": "nobody@council.example",
                                                                          "days": "10"})
    assert "Line 1: nobody has a pb account with nobody@council.example" in unknown.get_data(as_text=True)
    assert staff.post(f"/n/{hood.slug}/board/concerns/contacts", data={"emails": "olu@council.example",
                                                                       "days": "10"}).status_code == 302

    # Someone not signed in raises one, with an address for the outcome.
    visitor = app.test_client()
    bad = visitor.post(f"/n/{hood.slug}/board/concerns/new", data={
        "kind": "interest", "about": "Pat Member", "text": "", "reply_email": "not-an-address"})
    assert bad.status_code == 400 and "Say what happened" in bad.get_data(as_text=True)
    assert visitor.post(f"/n/{hood.slug}/board/concerns/new", data={
        "kind": "interest", "about": "Pat Member", "text": "Pat voted on the café grant; his wife runs the café.",
        "reply_email": "kim@example.org"}).status_code == 302
    # A resident raises another as whistleblowing: never named, even if they tick the box.
    whistle = factory.resident(hood, name="Wyn Whistle")
    resident = app.test_client()
    sign_in(resident, whistle)
    resident.post(f"/n/{hood.slug}/board/concerns/new", data={
        "kind": "decision", "text": "The minutes leave out a vote.", "may_name": "y", "whistleblowing": "y"})
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "board.concern_raised")).all()
        assert len(entries) == 2 and all(e.actor != whistle.pseudonym for e in entries)
        assert not any("café" in e.payload or "Pat" in e.payload for e in entries)
        to_officer = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == "olu@council.example"))
        assert [e.subject for e in to_officer] == ["Eastbrook: concern 1 about the board",
                                                   "Eastbrook: concern 2 about the board"]
    # The board does not see them; the officer does.
    member = app.test_client()
    sign_in(member, board_member)
    assert member.get(f"/n/{hood.slug}/board/concerns/handle").status_code == 403
    assert member.get(f"/n/{hood.slug}/board/concerns/1").status_code == 403
    handler = app.test_client()
    sign_in(handler, officer)
    page = handler.get(f"/n/{hood.slug}/board/concerns/1").get_data(as_text=True)
    assert "his wife runs the café" in page and "replies to kim@example.org" in page

    # Acknowledgement is due in 10 days: concern 2, left alone, shows as late in public.
    handler.post(f"/n/{hood.slug}/board/concerns/1/acknowledge")
    with timeutil.as_of(TODAY + timedelta(days=11)):
        public = app.test_client().get(f"/n/{hood.slug}/board/concerns").get_data(as_text=True)
        assert "Concern 2, received" in public and "Concern 1, received" not in public
    silent = handler.post(f"/n/{hood.slug}/board/concerns/1", data={"outcome": "upheld", "reasons": ""})
    assert silent.status_code == 400 and "Give the reasons" in silent.get_data(as_text=True)
    assert handler.post(f"/n/{hood.slug}/board/concerns/1", data={
        "outcome": "upheld", "reasons": "Pat should have declared an interest and left the room."}).status_code == 302
    assert handler.post(f"/n/{hood.slug}/board/concerns/2", data={
        "outcome": "not_upheld", "reasons": "The vote is in the minutes, item 3."}).status_code == 302
    public = app.test_client().get(f"/n/{hood.slug}/board/concerns").get_data(as_text=True)
    assert "Concern 1: upheld" in public and "Pat should have declared an interest" in public
    assert "Concern 2: not upheld" in public and "Wyn" not in public
    with app.app_context():
        reply = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == "kim@example.org")
                                   .order_by(OutboxEmail.id)).all()
        assert [e.subject for e in reply] == ["Eastbrook: we have your concern (1)",
                                             "Eastbrook: the outcome of your concern (1)"]
        from pb.boards.models import Concern
        assert db.session.scalar(select(Concern.reply_email).where(Concern.number == 1)) == ""  # its job is done
        answered = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "board.concern_answered"))
        assert json.loads(answered.payload)["outcome"] == "upheld"
