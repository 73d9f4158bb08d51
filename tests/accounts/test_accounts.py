"""Registering, confirming email, signing in and out, sessions, password reset and change."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from pb.accounts.models import OneTimeToken, User, UserSession
from pb.extensions import db
from pb.timeutil import utcnow
from tests.conftest import link_in, outbox
from tests.factories import PASSWORD, sign_in

GOOD = {"name": "Amina Yusuf", "email": "amina@example.org", "password": "kettle orchard lantern",
        "postcode": "eb1 1aa", "birth_year": "1990"}


def users(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.both_engines
def test_register_creates_account_and_the_confirmation_link_signs_in(app, client, factory):
    factory.neighbourhood(name="Eastbrook")
    response = client.post("/register", data=GOOD)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Check your email" in page and "amina@example.org" in page
    assert client.get("/account").status_code == 302  # not signed in until the link is followed
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "amina@example.org" and user.postcode == "EB1 1AA"
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
    [(to, subject, body)] = outbox(app)
    assert to == "amina@example.org" and "Confirm" in subject
    assert "/verify-email/" in body
    response = client.post(link_in(body))
    assert response.location == "/register/done"
    page = client.get(response.location).get_data(as_text=True)
    assert "Account created" in page and "Your email address is confirmed." in page
    assert "Your postcode, EB1 1AA, is in" in page and "Eastbrook" in page


BAD_REGISTRATIONS = [
    ({"name": ""}, "name", "Enter your full name"),
    ({"name": "x" * 101}, "name", "Full name must be 100 characters or fewer"),
    ({"name": "<script>alert(1)</script>"}, "name", "Full name must not contain &lt; or &gt;"),
    ({"email": ""}, "email", "Enter your email address"),
    ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
    ({"password": ""}, "password", "Create a password"),
    ({"password": "short1"}, "password", "Password must be at least 8 characters"),
    ({"password": "password123"}, "password", "That password is too common"),
    ({"password": "x" * 257}, "password", "Password must be 256 characters or fewer"),
    ({"postcode": ""}, "postcode", "Enter your postcode"),
    ({"postcode": "NOT A CODE"}, "postcode", "Enter a real UK postcode, like E1 6AN"),
    ({"birth_year": "nineteen"}, "birth_year", "Enter your year of birth as 4 numbers"),
    ({"birth_year": "1850"}, "birth_year", "Enter your year of birth as 4 numbers"),
    ({"birth_year": "2020"}, "birth_year", "You must be 13 or older"),
]


@pytest.mark.parametrize("change,field,message", BAD_REGISTRATIONS, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_REGISTRATIONS)])
def test_bad_registration_says_what_is_wrong_next_to_the_field_and_saves_nothing(app, client, change, field, message):
    response = client.post("/register", data={**GOOD, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert f'href="#{field}"' in page  # error summary links to the field
    assert f'id="{field}-error"' in page  # message next to the field
    assert message in page
    assert "<title>Error:" in page
    assert "<script>alert(1)</script>" not in page
    assert users(app) == 0
    assert outbox(app) == []


def test_registering_an_email_that_has_an_account_answers_the_same_and_emails_the_owner(app, factory):
    factory.person(email="taken@example.org")
    answers = []
    for email in ("Taken@Example.org", "fresh@example.org"):
        client = app.test_client()
        response = client.post("/register", data={**GOOD, "email": email})
        page = re.sub(r'"X-CSRFToken": "[^"]+"', "TOKEN", response.get_data(as_text=True))  # differs per browser
        answers.append((response.status_code, page.replace(email.strip(), "EMAIL"),
                        sorted(c.key for c in client._cookies.values())))
    assert answers[0] == answers[1]  # status, page and cookies: nothing tells the two apart
    assert "already exists" not in answers[0][1]
    assert users(app) == 2  # the fresh one only
    [(_, subject, body)] = outbox(app, "taken@example.org")
    assert subject == "You already have a pb account" and "/sign-in" in body and "/forgot-password" in body


def test_long_pasted_passwords_are_welcome(client, app):
    response = client.post("/register", data={**GOOD, "password": "a long passphrase pasted from a manager " * 3})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)


def test_email_confirmation_link_works_once(app, client):
    client.post("/register", data=GOOD)
    link = link_in(outbox(app)[0][2])
    assert b"Confirm my email address" in client.get(link).data  # GET does not use the link up
    response = client.post(link)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)).email_verified_at is not None
    again = client.post(link)
    assert again.status_code == 400
    assert "This link has already been used" in again.get_data(as_text=True)


def test_expired_and_unknown_confirmation_links_are_refused(app, client):
    client.post("/register", data=GOOD)
    link = link_in(outbox(app)[0][2])
    with app.app_context():
        db.session.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    assert "This link has expired" in client.post(link).get_data(as_text=True)
    assert "This link is not valid" in client.post("/verify-email/made-up").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User)).email_verified_at is None


def test_sign_in_wrong_password_and_unknown_email_get_the_same_message(client, factory):
    person = factory.person()
    wrong = client.post("/sign-in", data={"email": person.email, "password": "not the password"})
    unknown = client.post("/sign-in", data={"email": "nobody@example.org", "password": "whatever123"})
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "The email address or password is not right" in response.get_data(as_text=True)


@pytest.mark.both_engines
def test_repeated_failures_lock_sign_in_for_that_email(client, factory):
    person = factory.person()
    for _ in range(10):
        client.post("/sign-in", data={"email": person.email, "password": "guess-guess"})
    response = client.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_session_identifier_changes_at_sign_in(app, client, factory):
    person = factory.person()
    sign_in(client, person)
    with client.session_transaction() as session:
        first = session["sid"]
    sign_in(client, person)
    with client.session_transaction() as session:
        assert session["sid"] != first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 2


def test_sign_out_is_post_only_and_ends_the_session(app, client, factory):
    person = factory.person()
    sign_in(client, person)
    with client.session_transaction() as session:
        stolen = dict(session)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/account").status_code == 200
    assert client.post("/sign-out").status_code == 302
    assert client.get("/account").status_code == 302
    # A copy of the old cookie is worthless: its session row is gone.
    with client.session_transaction() as session:
        session.update(stolen)
    assert client.get("/account").status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(app, factory):
    person = factory.person()
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, person)
    sign_in(elsewhere, person)
    response = here.post("/account/password", data={"current_password": PASSWORD, "new_password": "violet tractor moon"})
    assert response.status_code == 302
    assert "signed out on 1 other device" in here.get("/account").get_data(as_text=True)
    assert elsewhere.get("/account").status_code == 302
    assert here.post("/sign-out").status_code == 302
    assert here.post("/sign-in", data={"email": person.email, "password": "violet tractor moon"}).status_code == 302
    assert any("password was changed" in subject for _, subject, _ in outbox(app, person.email))


@pytest.mark.parametrize("data,field,message", [
    ({"current_password": "wrong one", "new_password": "violet tractor moon"}, "current_password", "Your current password is not right"),
    ({"current_password": PASSWORD, "new_password": "qwerty123"}, "new_password", "That password is too common"),
    ({"current_password": PASSWORD, "new_password": PASSWORD}, "new_password", "must be different"),
    ({"current_password": PASSWORD, "new_password": ""}, "new_password", "Enter a new password"),
])
def test_bad_password_change_is_refused_and_keeps_the_old_password(app, client, factory, data, field, message):
    person = factory.person()
    sign_in(client, person)
    before = factory.audit_count()
    response = client.post("/account/password", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and f'id="{field}-error"' in page
    assert factory.audit_count() == before
    client.post("/sign-out")
    sign_in(client, person)  # old password still works


@pytest.mark.both_engines
def test_password_reset_by_emailed_link_signs_out_everywhere(app, factory):
    person = factory.person()
    other = app.test_client()
    sign_in(other, person)
    client = app.test_client()
    page = client.post("/forgot-password", data={"email": person.email}).get_data(as_text=True)
    assert "Check your email" in page
    link = link_in(outbox(app, person.email)[-1][2])
    assert b"Choose a new password" in client.get(link).data
    bad = client.post(link, data={"password": "123456789"})
    assert "That password is too common" in bad.get_data(as_text=True)
    assert client.post(link, data={"password": "granite willow parade"}).status_code == 302
    assert other.get("/account").status_code == 302  # signed out everywhere
    assert client.post("/sign-in", data={"email": person.email, "password": "granite willow parade"}).status_code == 302
    reused = app.test_client().get(link)
    assert "This link has already been used" in reused.get_data(as_text=True)


def test_a_newer_reset_link_or_a_reset_ends_every_earlier_link(app, factory):
    person = factory.person()
    client = app.test_client()
    links = []
    for _ in range(3):
        client.post("/forgot-password", data={"email": person.email})
        links.append(link_in(outbox(app, person.email)[-1][2]))
    for old in links[:2]:
        assert "This link has expired. Ask for a new one" in client.get(old).get_data(as_text=True)
        assert client.post(old, data={"password": "granite willow parade"}).status_code == 400
    assert b"Choose a new password" in client.get(links[2]).data
    client.post("/forgot-password", data={"email": person.email})
    spare = link_in(outbox(app, person.email)[-1][2])
    assert client.post(spare, data={"password": "granite willow parade"}).status_code == 302
    # The reset used the newest link; links[2] had already ended when `spare` was sent.
    for old in links:
        assert client.post(old, data={"password": "another kettle song"}).status_code == 400
    sign_in(app.test_client(), person, "granite willow parade")


def test_a_password_change_ends_reset_links(app, factory):
    person = factory.person()
    client = app.test_client()
    client.post("/forgot-password", data={"email": person.email})
    link = link_in(outbox(app, person.email)[-1][2])
    sign_in(client, person)
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": "granite willow parade"})
    assert "This link has expired" in app.test_client().get(link).get_data(as_text=True)


def test_reset_for_unknown_email_looks_the_same_and_sends_nothing(app, client):
    page = client.post("/forgot-password", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert "Check your email" in page
    assert outbox(app) == []


@pytest.mark.parametrize("column,age", [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=13))])
def test_idle_and_absolute_session_limits_sign_people_out(app, client, factory, column, age):
    person = factory.person()
    sign_in(client, person)
    assert client.get("/account").status_code == 200
    with app.app_context():
        db.session.execute(update(UserSession).values({column: utcnow() - age}))
        db.session.commit()
    assert client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


@pytest.mark.parametrize("target", ["//evil.example/steal", "/%09/evil.example", "/%0d%0aSet-Cookie:x=1",
                                    "/%0a/evil.example", "/\\evil.example", "https://evil.example/",
                                    "/%E2%80%AE/x", "javascript:alert(1)", "/ /evil.example"])
def test_next_only_goes_to_a_plain_path_on_this_site(client, factory, target):
    person = factory.person()
    response = client.post(f"/sign-in?next={target}", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/account"
    page = client.get(f"/register/done?next={target}").get_data(as_text=True)
    assert 'href="/"' in page and "evil" not in page


def test_next_keeps_a_plain_local_path(client, factory):
    person = factory.person()
    client.post("/sign-out")
    response = client.post("/sign-in?next=/n/somewhere/", data={"email": person.email, "password": PASSWORD})
    assert response.location == "/n/somewhere/"


def test_resend_confirmation(app, client):
    client.post("/register", data=GOOD)
    client.post("/sign-in", data={"email": GOOD["email"], "password": GOOD["password"]})
    client.post("/account/verify-email/resend")
    assert len(outbox(app, GOOD["email"])) == 2


def test_a_newcomers_confirmation_email_goes_out_before_a_backlog(app, client):
    """Sixty emails are waiting (a demo, or an SMTP outage); someone registers: their confirmation
    email is sent at the end of their own request, not after the backlog."""
    from sqlalchemy import select

    from pb.extensions import db
    from pb.mail.models import OutboxEmail

    with app.app_context():
        for n in range(60):
            db.session.add(OutboxEmail(to_address=f"waiting{n}@example.org", subject="Waiting", body="x"))
        db.session.commit()
    client.post("/register", data={"name": "New Person", "email": "new@example.org", "password": "kettle orchard lantern",
                                   "postcode": "eb1 1aa", "birth_year": "1990"})
    with app.app_context():
        mine = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "new@example.org"))
        assert mine.sent_at is not None


def test_the_account_page_has_a_plain_title_and_says_your_data_once(app, client, factory):
    from tests.factories import sign_in

    sign_in(client, factory.person())
    page = client.get("/account").get_data(as_text=True)
    assert "<title>Your account" in page and page.count("Your data</h2>") == 1
    assert "<h2" not in page.split("<title>", 1)[1].split("</title>", 1)[0]


def test_the_admin_home_puts_national_programmes_under_their_own_heading(app, client, factory):
    from tests.factories import sign_in

    sign_in(client, factory.person(admin=True))
    page = client.get("/admin/").get_data(as_text=True)
    programmes = page.split("<h2>National programmes</h2>", 1)[1].split("<h2>", 1)[0]
    assert "share a fund between every neighbourhood" in programmes
