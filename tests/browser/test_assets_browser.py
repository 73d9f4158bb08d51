"""Assets we want to keep, in a browser with JavaScript on and off, axe-core on every page: a
resident adds their name to Mill Lane Green's nomination, and another pledges to The Red Lion's
bid (a zero pledge first, then a real one)."""
import pytest

from tests.browser.test_accounts_browser import sign_in

pytestmark = pytest.mark.browser


def test_a_resident_adds_their_name_to_a_nomination(page, a11y):
    email = f"resident{120 if page.javascript else 121}@eastbrook.example"
    sign_in(page, email)
    page.goto("/n/eastbrook/")
    page.get_by_role("link", name="Mill Lane Green").click()
    page.get_by_role("heading", name="Mill Lane Green").wait_for()
    a11y.check(page)
    names = page.locator("dt:has-text('Names added') + dd").inner_text()
    page.get_by_role("button", name="Add my name to the nomination").click()
    page.get_by_text("Your name is added to the nomination.").wait_for()
    assert page.locator("dt:has-text('Names added') + dd").inner_text() != names
    assert "Your name is on it." in page.locator("main").inner_text()
    a11y.check(page)
    page.get_by_role("link", name="The nomination to print and send to the council").click()
    page.get_by_role("heading", name="Nomination of an asset of community value").wait_for()
    a11y.check(page)


def test_a_resident_pledges_to_a_community_bid(page, a11y):
    email = f"resident{130 if page.javascript else 131}@eastbrook.example"
    sign_in(page, email)
    page.goto("/n/eastbrook/assets/")
    a11y.check(page)
    page.get_by_role("link", name="The Red Lion").click()
    page.get_by_role("heading", name="The community bid: Red Lion Community Pub Ltd").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="Pledge to the bid").click()
    page.get_by_label("How much do you promise?").fill("0")
    page.get_by_role("button", name="Pledge").click()
    page.locator(".error-summary").wait_for()
    assert "more than £0" in page.locator("#amount-error").inner_text()
    a11y.check(page)
    page.get_by_label("How much do you promise?").fill("250")
    page.get_by_role("button", name="Pledge").click()
    page.get_by_text("Thank you: your pledge is counted towards the bid.").wait_for()
    assert "You have pledged £250" in page.locator("main").inner_text()
    a11y.check(page)

    # A change of mind: the amount changed, then the pledge withdrawn after a page that says what it does.
    page.get_by_role("link", name="change or withdraw your pledge").click()
    page.get_by_role("heading", name="Change your pledge to Red Lion Community Pub Ltd's bid").wait_for()
    assert page.get_by_label("How much do you promise?").input_value() == "250"
    a11y.check(page)
    page.get_by_label("How much do you promise?").fill("300")
    page.get_by_role("button", name="Save my pledge").click()
    page.get_by_text("Your pledge is changed.").wait_for()
    assert "You have pledged £300" in page.locator("main").inner_text()
    page.get_by_role("link", name="change or withdraw your pledge").click()
    page.get_by_role("link", name="Withdraw my pledge instead").click()
    page.get_by_role("heading", name="Withdraw your pledge?").wait_for()
    a11y.check(page)
    page.get_by_role("button", name="Withdraw my pledge").click()
    page.get_by_text("Your pledge of £300 is withdrawn").wait_for()
    page.get_by_role("link", name="Pledge to the bid").wait_for()  # and may pledge again
