"""A resident sees everything pb holds about them and erases their account, in a browser with
JavaScript on and off, axe-core on every page: a missing password first, then the real thing."""
import pytest

from pb.demo import PASSWORD
from tests.browser.test_accounts_browser import sign_in

pytestmark = pytest.mark.browser


def free_resident(app, numbers) -> str:
    """A demo resident with nothing to hand over (some are the contact for a funded project)."""
    from sqlalchemy import select

    from pb import privacy
    from pb.accounts.models import User
    from pb.extensions import db

    with app.app_context():
        for number in numbers:
            user = db.session.scalar(select(User).where(User.email == f"resident{number}@eastbrook.example"))
            if not privacy.duties(user):
                return user.email
    raise AssertionError("every candidate resident has duties")


def test_a_resident_downloads_their_data_then_erases_their_account(page, a11y, live_server):
    email = free_resident(live_server.app, range(50, 70) if page.javascript else range(70, 90))
    sign_in(page, email)
    page.get_by_role("link", name="See and download everything pb holds about you").click()
    page.get_by_role("heading", name="Everything pb holds about you").wait_for()
    assert email in page.locator("main").inner_text()
    a11y.check(page)

    page.get_by_role("link", name="Erase your account").click()
    page.get_by_role("heading", name="Erase your account").wait_for()
    a11y.check(page)
    page.get_by_role("button", name="Erase my account").click()
    page.locator(".error-summary").wait_for()
    assert "Enter your password to confirm it is you" in page.locator("#password-error").inner_text()
    a11y.check(page)

    page.get_by_label("Also ask for my comments and proposals to be hidden").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Erase my account").click()
    page.get_by_role("heading", name="Your account is erased").wait_for()
    a11y.check(page)

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator(".error-summary").wait_for()
    assert "not right" in page.locator(".error-summary").inner_text()
