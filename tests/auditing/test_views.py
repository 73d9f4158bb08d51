"""What used to need the command line has a page: the auditor downloads a round's pack from the
audit log page (and it verifies), and an admin sees and sends the outbox."""


from sqlalchemy import select, update

from pb.audit.pack import verify_pack
from pb.extensions import db
from pb.ledger.models import AuditEntry
from pb.mail import MAX_ATTEMPTS
from pb.mail.models import OutboxEmail
from pb.neighbourhoods.models import AUDITOR
from pb.voting import services as voting
from tests.conftest import outbox
from tests.factories import _round, _user, make_voting_round, sign_in


def test_an_auditor_downloads_a_pack_that_verifies(app, factory, tmp_path):
    round_ref, ids = make_voting_round(factory, ballot_type="approval")
    for n in range(3):
        voter = factory.resident(round_ref.hood)
        with app.app_context():
            voting.cast_ballot(_round(round_ref), _user(voter), {round_ref.pot_ids[1]: [str(ids[1 + n % 3])]})
    auditor = factory.with_role(round_ref.hood, AUDITOR)
    client = app.test_client()
    sign_in(client, auditor)
    page = client.get(f"/n/{round_ref.hood.slug}/audit").get_data(as_text=True)
    link = f"/n/{round_ref.hood.slug}/audit/rounds/{round_ref.id}/pack.sqlite"
    assert f'href="{link}"' in page and "Auditor packs" in page
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f"{round_ref.hood.slug}-round-{round_ref.id}-auditor-pack.sqlite")
    path = tmp_path / "downloaded.sqlite"
    path.write_bytes(response.data)
    report = verify_pack(path)
    assert report.ok, report
    assert not list((tmp_path / "instance" / "tmp").glob("*"))  # nothing left on the server
    # only auditors of this neighbourhood
    resident = app.test_client()
    sign_in(resident, factory.resident(round_ref.hood))
    assert resident.get(link).status_code == 403


def test_an_admin_sees_the_outbox_and_sends_or_retries_from_the_page(app, factory):
    admin = factory.person(admin=True)
    client = app.test_client()
    sign_in(client, admin)
    app.test_client().post("/forgot-password", data={"email": admin.email})
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(sent_at=None, attempts=MAX_ATTEMPTS, last_error="Connection refused"))
        db.session.add(OutboxEmail(to_address="waiting@example.org", subject="Waiting one", body="x"))
        db.session.commit()
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Waiting one" in page and "Connection refused" in page and "Stopped" in page
    assert "Try the failed ones again" in page
    assert client.post("/admin/outbox", data={"action": "send"}).status_code == 302
    assert [e for e in outbox(app, "waiting@example.org")]
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail.sent_at).where(OutboxEmail.to_address == "waiting@example.org"))
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "outbox.sent_by_admin"
    client.post("/admin/outbox", data={"action": "retry"})
    client.post("/admin/outbox", data={"action": "send"})
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Every email has been sent." in page
    other = app.test_client()
    sign_in(other, factory.person())
    assert other.get("/admin/outbox").status_code == 403

