"""A person registers, confirms their email, signs out and in again: with JavaScript on and off,
with axe-core checking every page on the way, error states included."""
import itertools
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pb.demo import PASSWORD
from pb.extensions import db
from pb.mail.models import OutboxEmail

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)


def latest_link(live_server, email):
    with live_server.app.app_context():
        body = db.session.scalars(select(OutboxEmail.body).where(OutboxEmail.to_address == email)
                                  .order_by(OutboxEmail.id.desc())).first()
    return re.search(r"http://\S+", body).group(0).replace("http://localhost", "").replace(live_server.url, "")


def test_register_confirm_sign_out_and_in(page, live_server, a11y):
    email = f"browser{next(_numbers)}-{'js' if page.javascript else 'nojs'}@example.org"
    page.goto("/")
    a11y.check(page)
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_role("heading", name="Create an account").wait_for()
    a11y.check(page)

    # Nothing filled in: every field explains itself, and the summary links to each.
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.title().startswith("Error:")
    for message in ("Enter your full name", "Enter your email address", "Create a password", "Enter your postcode"):
        assert summary.get_by_text(message).count() == 1
    assert page.locator("#name-error").inner_text().endswith("Enter your full name")
    if page.javascript:
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    a11y.check(page)

    page.get_by_label("Full name").fill("Rosa Campbell")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill("password")  # too common
    page.get_by_label("Postcode").fill("eb1 1aa")
    page.get_by_label("Year of birth").fill("1988")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#password-error")).to_contain_text("That password is too common")  # waits out the old page
    assert page.get_by_label("Full name").input_value() == "Rosa Campbell"  # nothing typed is lost
    a11y.check(page)

    page.get_by_label("Create a password").fill("marble kite orchard")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    assert email in page.content()
    a11y.check(page)

    page.goto(latest_link(live_server, email))
    a11y.check(page)
    page.get_by_role("button", name="Confirm my email address").click()
    page.get_by_role("heading", name="Account created").wait_for()
    page.get_by_text("Your email address is confirmed.").wait_for()
    assert "Eastbrook" in page.content()
    a11y.check(page)
    page.goto("/account")
    assert page.locator(".tag", has_text="Confirmed").count() == 1

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    assert page.get_by_role("link", name="Sign in").count() == 1

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("The email address or password is not right").first.wait_for()
    a11y.check(page)
    page.get_by_label("Password").fill("marble kite orchard")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your account").wait_for()
    assert page.get_by_text(email).count() >= 1


def sign_in(page, email):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your account").wait_for()


def test_facilitator_verifies_a_resident_and_prints_letters(page, a11y):
    sign_in(page, "facilitator2@eastbrook.example" if page.javascript else "facilitator@eastbrook.example")
    page.goto("/n/eastbrook/")
    a11y.check(page)
    page.get_by_role("link", name="Verify residents").click()
    page.get_by_role("heading", name="Verify residents").wait_for()
    a11y.check(page)
    first_name = page.locator("tbody tr td").first.inner_text().split("\n")[0]
    page.locator("tbody tr").first.get_by_role("button", name="Verify").click()
    page.get_by_text(f"{first_name} is now a verified resident.").wait_for()

    page.goto("/n/eastbrook/letters")
    a11y.check(page)
    page.get_by_label("How many letters?").fill("none")
    page.get_by_role("button", name="Make letters").click()
    page.locator("#count-error").wait_for()
    a11y.check(page)
    page.get_by_label("How many letters?").fill("2")
    page.get_by_role("button", name="Make letters").click()
    page.locator(".letter-code").nth(1).wait_for()
    assert page.locator(".letter-code").count() == 2
    a11y.check(page)


def test_resident_enters_a_letter_code(browser, live_server, a11y):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "facilitator@eastbrook.example")
    page.goto("/n/eastbrook/letters")
    page.get_by_label("How many letters?").fill("1")
    page.get_by_role("button", name="Make letters").click()
    code = page.locator(".letter-code").inner_text()
    context.close()

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "resident199@eastbrook.example")
    page.goto("/n/eastbrook/")
    page.get_by_role("link", name="Enter the code from your verification letter").click()
    a11y.check(page)
    page.get_by_label("Code from your letter").fill("WRONG")
    page.get_by_role("button", name="Verify me").click()
    page.locator("#code-error").wait_for()
    a11y.check(page)
    page.get_by_label("Code from your letter").fill(code.lower())
    page.get_by_role("button", name="Verify me").click()
    page.get_by_role("heading", name="You are verified").wait_for()
    a11y.check(page)
    context.close()


def test_live_search_updates_in_place_with_javascript(js_page):
    sign_in(js_page, "facilitator@eastbrook.example")
    js_page.goto("/n/eastbrook/residents?status=all")
    js_page.evaluate("window.marker = 'still here'")
    js_page.get_by_label("Name, email or postcode").fill("resident12@")
    js_page.get_by_text("1 resident found.").wait_for()
    assert js_page.evaluate("window.marker") == "still here"  # no page load happened
    assert "q=resident12" in js_page.url  # the address can be shared and works without JS


def test_pages_for_other_roles_and_errors_are_accessible(page, a11y):
    sign_in(page, "admin@eastbrook.example")
    for path in ("/admin/", "/admin/neighbourhoods/new", "/admin/n/eastbrook/", "/admin/n/eastbrook/area",
                 "/admin/n/eastbrook/roles", "/admin/audit", "/account", "/account/password", "/n/eastbrook/residents",
                 "/no-such-page"):
        page.goto(path)
        a11y.check(page)
    page.goto("/admin/neighbourhoods/new")
    page.get_by_role("button", name="Create neighbourhood").click()
    page.locator(".error-summary").wait_for()
    a11y.check(page)


def test_auditor_pages_are_accessible(page, a11y):
    sign_in(page, "auditor@eastbrook.example")
    page.goto("/n/eastbrook/audit")
    a11y.check(page)
    page.get_by_role("link", name="Verify the whole chain").click()
    page.get_by_text("Passed:").wait_for()
    a11y.check(page)
    page.goto("/n/eastbrook/people")
    a11y.check(page)


@pytest.mark.parametrize("path", ["/", "/n/eastbrook/", "/register", "/sign-in"])
def test_no_horizontal_scrolling_at_320_pixels(browser, live_server, path):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(path)
    if path == "/register":
        page.get_by_role("button", name="Create account").click()
        page.locator(".error-summary").wait_for()
        page.wait_for_load_state("load")  # its stylesheet too, before measuring
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_skip_link_and_visible_focus(js_page):
    js_page.goto("/")
    js_page.keyboard.press("Tab")
    focused = js_page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    outline = js_page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert outline == "rgb(255, 221, 0)"  # the yellow focus colour
