"""Neighbourhood pages, joining, residency verification by facilitators and by letter, admin."""
import math
import re

import pytest
from sqlalchemy import func, select, update

from pb.extensions import db
from pb.neighbourhoods import services as hoods
from pb.neighbourhoods.models import (
    AUDITOR,
    BOARD_MEMBER,
    FACILITATOR,
    EligiblePostcode,
    Membership,
    Neighbourhood,
    VerificationLetter,
)
from pb.timeutil import utcnow
from pb.tokens import ALPHABET, new_code, normalise_code
from tests.factories import sign_in


def test_home_lists_neighbourhoods_and_each_has_a_public_page(client, factory):
    hood = factory.neighbourhood(name="Eastbrook", description="Two estates and the brickworks.")
    factory.with_role(hood, BOARD_MEMBER, name="Margaret Okafor")
    factory.with_role(hood, FACILITATOR, name="Femi Adeyemi")
    home = client.get("/").get_data(as_text=True)
    assert "Eastbrook" in home and f'href="/n/{hood.slug}/"' in home
    page = client.get(f"/n/{hood.slug}/").get_data(as_text=True)
    assert "Two estates and the brickworks." in page
    assert "Margaret Okafor" in page and "Femi Adeyemi" in page
    assert "Create an account" in page


def test_signed_in_people_see_their_roles_on_the_neighbourhood_page(client, factory):
    hood = factory.neighbourhood()
    person = factory.with_role(hood, FACILITATOR)
    factory.role(person, hood, AUDITOR)
    sign_in(client, person)
    page = client.get(f"/n/{hood.slug}/").get_data(as_text=True)
    assert "You are a <strong>facilitator</strong>" in page
    assert "You are a <strong>auditor</strong>" in page or "You are a <strong>auditor" in page
    assert "Verify residents" in page and "Audit log" in page


def test_join_as_resident_in_the_area(app, client, factory):
    hood = factory.neighbourhood(name="Eastbrook")
    person = factory.person(postcode="EB1 1AA")
    sign_in(client, person)
    assert "Join Eastbrook as a resident" in client.get(f"/n/{hood.slug}/").get_data(as_text=True)
    client.post(f"/n/{hood.slug}/join")
    page = client.get(f"/n/{hood.slug}/").get_data(as_text=True)
    assert "resident (not yet verified)" in page
    assert "Enter the code from your verification letter" in page
    assert factory.membership(person, hood) is not None


def test_join_outside_the_area_is_refused(app, client, factory):
    hood = factory.neighbourhood(name="Eastbrook")
    person = factory.person(postcode="SW1A 1AA")
    sign_in(client, person)
    assert "is not in Eastbrook's area" in client.get(f"/n/{hood.slug}/").get_data(as_text=True)
    page = client.post(f"/n/{hood.slug}/join", follow_redirects=True).get_data(as_text=True)
    assert "Your postcode, SW1A 1AA, is not in Eastbrook&#39;s area" in page
    assert factory.membership(person, hood) is None


@pytest.mark.both_engines
def test_facilitator_verifies_a_resident_in_the_area(app, client, factory):
    hood = factory.neighbourhood()
    resident = factory.resident(hood, verified=False, name="Kofi Mensah")
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    listing = client.get(f"/n/{hood.slug}/residents").get_data(as_text=True)
    assert "Kofi Mensah" in listing and "Not verified" in listing
    member = factory.membership(resident, hood)
    page = client.post(f"/n/{hood.slug}/residents/{member.id}/verify", follow_redirects=True).get_data(as_text=True)
    assert "Kofi Mensah is now a verified resident" in page
    member = factory.membership(resident, hood)
    assert member.verified and member.verification_method == "facilitator"
    assert factory.last_entries()[0][0] == "resident.verified"


def test_facilitator_cannot_verify_someone_whose_postcode_left_the_area(app, client, factory):
    hood = factory.neighbourhood()
    resident = factory.resident(hood, verified=False, postcode="EB1 2AA")
    with app.app_context():
        hoods.set_area(db.session.get(Neighbourhood, hood.id), {"EB1 1AA"}, replace=True)
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    member = factory.membership(resident, hood)
    page = client.post(f"/n/{hood.slug}/residents/{member.id}/verify", follow_redirects=True).get_data(as_text=True)
    assert "is not in" in page and "cannot be verified" in page
    assert not factory.membership(resident, hood).verified


def test_resident_search_filters_and_pages(client, factory):
    hood = factory.neighbourhood()
    for number in range(30):
        factory.resident(hood, verified=False, name=f"Zed Number{number:02d}")
    factory.resident(hood, verified=False, name="Unique Person")
    sign_in(client, factory.with_role(hood, FACILITATOR))
    found = client.get(f"/n/{hood.slug}/residents?q=unique").get_data(as_text=True)
    assert "1 resident found" in found and "Unique Person" in found
    page_one = client.get(f"/n/{hood.slug}/residents").get_data(as_text=True)
    assert "31 residents found" in page_one and "Page 1 of 2" in page_one
    # htmx asks for just the results
    fragment = client.get(f"/n/{hood.slug}/residents?q=unique", headers={"HX-Request": "true", "HX-Target": "resident-results"})
    assert "<html" not in fragment.get_data(as_text=True) and "Unique Person" in fragment.get_data(as_text=True)


# --- letters --------------------------------------------------------------------------------------

def test_codes_have_at_least_64_bits_of_entropy_and_forgive_typing():
    code = new_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert 16 * math.log2(len(ALPHABET)) >= 64  # 80 bits
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code("oooo-iiii-llll-uuuu") == "0000-1111-1111-VVVV"


def issue(client, hood, count=2):
    page = client.post(f"/n/{hood.slug}/letters", data={"count": count}).get_data(as_text=True)
    return re.findall(r'class="letter-code">([0-9A-Z-]+)<', page)


@pytest.mark.both_engines
def test_letters_print_once_and_a_code_verifies_one_resident_once(app, client, factory):
    hood = factory.neighbourhood()
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    codes = issue(client, hood, 3)
    assert len(codes) == 3 and len(set(codes)) == 3
    with app.app_context():
        stored = db.session.scalars(select(VerificationLetter.code_hash)).all()
        assert all(code not in stored for code in codes)  # only digests are kept
    listing = client.get(f"/n/{hood.slug}/letters").get_data(as_text=True)
    assert codes[0] not in listing

    resident = factory.resident(hood, verified=False)
    other = factory.resident(hood, verified=False)
    client.post("/sign-out")
    sign_in(client, resident)
    page = client.post(f"/n/{hood.slug}/verify", data={"code": codes[0].lower()}).get_data(as_text=True)
    assert "You are verified" in page
    assert factory.membership(resident, hood).verification_method == "letter"

    client.post("/sign-out")
    sign_in(client, other)
    reused = client.post(f"/n/{hood.slug}/verify", data={"code": codes[0]})
    assert reused.status_code == 400
    assert "That code has already been used" in reused.get_data(as_text=True)
    assert not factory.membership(other, hood).verified


@pytest.mark.parametrize("code,message", [
    ("", "Enter the code from your letter"),
    ("ABCD", "Enter the 16-character code from your letter"),
    ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", "That code is not right"),
    ("<script>x</script>", "Enter the 16-character code"),
])
def test_bad_codes_are_refused_next_to_the_field(client, factory, code, message):
    hood = factory.neighbourhood()
    resident = factory.resident(hood, verified=False)
    sign_in(client, resident)
    response = client.post(f"/n/{hood.slug}/verify", data={"code": code})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'id="code-error"' in page and 'href="#code"' in page
    assert not factory.membership(resident, hood).verified


def test_expired_codes_are_refused(app, client, factory):
    hood = factory.neighbourhood()
    sign_in(client, factory.with_role(hood, FACILITATOR))
    code = issue(client, hood, 1)[0]
    with app.app_context():
        db.session.execute(update(VerificationLetter).values(expires_at=utcnow()))
        db.session.commit()
    client.post("/sign-out")
    resident = factory.resident(hood, verified=False)
    sign_in(client, resident)
    assert "That code has expired" in client.post(f"/n/{hood.slug}/verify", data={"code": code}).get_data(as_text=True)


def test_a_code_from_another_neighbourhood_does_not_work(client, factory):
    hood, other = factory.neighbourhood(), factory.neighbourhood()
    sign_in(client, factory.with_role(other, FACILITATOR))
    code = issue(client, other, 1)[0]
    client.post("/sign-out")
    resident = factory.resident(hood, verified=False)
    sign_in(client, resident)
    assert "That code is not right" in client.post(f"/n/{hood.slug}/verify", data={"code": code}).get_data(as_text=True)


def test_guessing_codes_is_throttled(client, factory):
    hood = factory.neighbourhood()
    sign_in(client, factory.with_role(hood, FACILITATOR))
    code = issue(client, hood, 1)[0]
    client.post("/sign-out")
    resident = factory.resident(hood, verified=False)
    sign_in(client, resident)
    for _ in range(10):
        client.post(f"/n/{hood.slug}/verify", data={"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    page = client.post(f"/n/{hood.slug}/verify", data={"code": code}).get_data(as_text=True)
    assert "Too many wrong codes" in page
    assert not factory.membership(resident, hood).verified


@pytest.mark.parametrize("count,message", [("0", "between 1 and 500"), ("501", "between 1 and 500"),
                                           ("lots", "must be a whole number"), ("", "Enter how many letters")])
def test_bad_letter_counts_are_refused(app, client, factory, count, message):
    hood = factory.neighbourhood()
    sign_in(client, factory.with_role(hood, FACILITATOR))
    response = client.post(f"/n/{hood.slug}/letters", data={"count": count})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VerificationLetter)) == 0


# --- who may propose and vote ------------------------------------------------------------------------

def test_proposing_and_voting_need_verification_unless_the_neighbourhood_says_otherwise(app, factory):
    hood = factory.neighbourhood()
    unverified = factory.resident(hood, verified=False)
    verified = factory.resident(hood, verified=True)
    outsider = factory.person()
    with app.app_context():
        place = db.session.get(Neighbourhood, hood.id)
        from pb.accounts.models import User

        def may(person, action):
            return getattr(hoods, f"why_not_{action}")(db.session.get(User, person.id), place) is None

        assert may(verified, "propose") and may(verified, "vote")
        assert not may(unverified, "propose") and not may(unverified, "vote")
        assert may(unverified, "comment") and not may(outsider, "comment")
        hoods.update_neighbourhood(place, proposing_needs_verification=False)
        assert may(unverified, "propose") and not may(unverified, "vote")
        assert not may(outsider, "propose")


# --- admin ----------------------------------------------------------------------------------------

def test_admin_creates_a_neighbourhood_and_sets_its_area(app, client, factory):
    sign_in(client, factory.person(admin=True))
    response = client.post("/admin/neighbourhoods/new", data={
        "slug": "north-riverside", "name": "North Riverside", "description": "By the river.", "min_voting_age": "16",
        "proposing_needs_verification": "y", "voting_needs_verification": "y"})
    assert response.status_code == 302 and response.location == "/admin/n/north-riverside/area"
    bad = client.post("/admin/n/north-riverside/area", data={"postcodes": "EB1 1AA\nnonsense\nEB1 1AB\n12345"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "line 2 (&#39;nonsense&#39;)" in page and "line 4 (&#39;12345&#39;)" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EligiblePostcode)) == 0
    good = client.post("/admin/n/north-riverside/area", data={"postcodes": "eb1 1aa\nEB1 1AB\n\nEB11AB"}, follow_redirects=True)
    assert "Area saved: 2 postcodes (2 added, 0 removed)" in good.get_data(as_text=True)
    assert "North Riverside" in client.get("/n/north-riverside/").get_data(as_text=True)


@pytest.mark.parametrize("data,message", [
    ({"slug": "Bad Slug!"}, "Web address name must be lower-case letters"),
    ({"slug": ""}, "Enter a web address name"),
    ({"name": ""}, "Enter the neighbourhood&#39;s name"),
    ({"name": "<b>x</b>"}, "Name must not contain &lt; or &gt;"),
    ({"min_voting_age": "8"}, "Minimum voting age must be between 11 and 25"),
    ({"min_voting_age": "sixteen"}, "Minimum voting age must be a whole number"),
    ({"slug": "taken"}, "There is already a neighbourhood at /n/taken"),
])
def test_bad_neighbourhood_details_are_refused(app, client, factory, data, message):
    factory.neighbourhood(slug="taken")
    sign_in(client, factory.person(admin=True))
    response = client.post("/admin/neighbourhoods/new", data={"slug": "fresh", "name": "Fresh", "min_voting_age": "16", **data})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Neighbourhood)) == 1


def test_admin_edits_details_and_each_change_is_audited(app, client, factory):
    hood = factory.neighbourhood()
    sign_in(client, factory.person(admin=True))
    client.post(f"/admin/n/{hood.slug}/", data={"name": "Renamed", "description": "New words", "min_voting_age": "18",
                                               "voting_needs_verification": "y"})
    with app.app_context():
        place = db.session.get(Neighbourhood, hood.id)
        assert place.name == "Renamed" and place.min_voting_age == 18 and not place.proposing_needs_verification
    action, _, _, payload = factory.last_entries()[0]
    assert action == "neighbourhood.updated" and '"min_voting_age":[16,18]' in payload


@pytest.mark.both_engines
def test_admin_grants_and_revokes_roles(app, client, factory):
    hood = factory.neighbourhood(name="Eastbrook")
    person = factory.person(name="Sunita Patel", email="sunita@example.org")
    sign_in(client, factory.person(admin=True))
    page = client.post(f"/admin/n/{hood.slug}/roles", data={"email": "SUNITA@example.org", "role": BOARD_MEMBER},
                       follow_redirects=True).get_data(as_text=True)
    assert "Sunita Patel is now a board member of Eastbrook" in page
    again = client.post(f"/admin/n/{hood.slug}/roles", data={"email": "sunita@example.org", "role": BOARD_MEMBER})
    assert "is already a partnership board member" in again.get_data(as_text=True)
    missing = client.post(f"/admin/n/{hood.slug}/roles", data={"email": "ghost@example.org", "role": AUDITOR})
    assert "No one has an account with that email address" in missing.get_data(as_text=True)
    member = factory.membership(person, hood, BOARD_MEMBER)
    client.post(f"/admin/n/{hood.slug}/roles/revoke", data={"membership_id": member.id})
    assert factory.membership(person, hood, BOARD_MEMBER) is None
    assert factory.last_entries()[0][0] == "role.revoked"


def test_a_person_holds_different_roles_in_different_neighbourhoods(app, factory):
    one, two = factory.neighbourhood(), factory.neighbourhood()
    person = factory.with_role(one, FACILITATOR)
    factory.role(person, two, AUDITOR)
    with app.app_context():
        roles = db.session.execute(select(Membership.neighbourhood_id, Membership.role)
                                   .where(Membership.user_id == person.id)).all()
    assert set(roles) == {(one.id, FACILITATOR), (two.id, AUDITOR)}
