"""Following the money in a browser, JavaScript on and off, axe-core on every page: the treasurer pays a
grant (a mistake first, then a payment), a large payment waits for a board member's approval, and
anyone reads the fund over its years (chart and table) and a project's whole story on a phone."""
from datetime import date

import pytest

from tests.browser.test_accounts_browser import sign_in
from tests.browser.test_inclusion_browser import PHONE, fits_the_screen

pytestmark = pytest.mark.browser


def payment_day() -> str:
    """A day inside the demo's 2026/27 grants and not in the future."""
    return min(date.today(), date(2027, 3, 31)).isoformat()


def test_the_treasurer_records_a_payment_and_a_large_one_waits_for_the_board(page, a11y, browser, live_server):
    sign_in(page, "treasurer@eastbrook.example")
    page.goto("/n/eastbrook/")
    page.get_by_role("link", name="Manage the money").click()
    page.get_by_role("heading", name="Money: what needs doing").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="G-5 Mural on the underpass").first.click()
    page.get_by_role("heading", name="Mural on the underpass").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="Record a payment").click()
    page.get_by_role("heading", name="Record a payment").wait_for()
    a11y.check(page)

    page.get_by_label("Amount paid").fill("100.005")
    page.get_by_label("Date paid").fill(payment_day())
    page.get_by_role("button", name="Record the payment").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "at most two decimal places" in summary.inner_text()
    assert "at most two decimal places" in page.locator("#amount-error").inner_text()  # next to the field too
    a11y.check(page)

    big = page.javascript  # one run pays over the £1,000 threshold, the other under it
    page.get_by_label("Amount paid").fill("1200" if big else "100")
    page.get_by_label("Date paid").fill(payment_day())
    page.get_by_label("Reference (optional)").fill("BACS browser")
    page.get_by_role("button", name="Record the payment").click()
    page.get_by_role("heading", name="Payment recorded").wait_for()
    text = page.locator("main").inner_text()
    a11y.check(page)
    if not big:
        assert "It counts as paid now" in text
        return
    assert "counts as paid only once a partnership board member who did not record it" in text

    board = browser.new_context(java_script_enabled=True, base_url=live_server.url)
    other = board.new_page()
    other.javascript = True
    try:
        sign_in(other, "board4@eastbrook.example")
        other.goto("/n/eastbrook/money")
        item = other.locator("li", has_text="£1,200 to Eastbrook Arts CIC")
        item.get_by_role("button", name="Approve this payment").click()
        other.get_by_text("Payment of £1,200 approved").wait_for()
        a11y.check(other)
    finally:
        board.close()


def test_anyone_reads_the_fund_and_a_project_story_on_a_phone(page, a11y):
    page.set_viewport_size(PHONE)
    page.goto("/n/eastbrook/")
    page.get_by_role("link", name="Funds, grants and payments").click()
    page.get_by_role("link", name="Eastbrook Community Wealth Fund 2025-2035").click()
    page.get_by_role("heading", name="Eastbrook Community Wealth Fund 2025-2035").wait_for()
    chart = page.locator("svg.year-chart")
    assert "money available, granted and paid in each financial year" in chart.locator("title").first.text_content()
    table = page.locator("table#fund-years")  # the chart's figures, as a table
    assert "by financial year" in table.locator("caption").inner_text()
    assert "£12,000" in table.locator("tr", has_text="Carried forward from the year before").inner_text()
    assert fits_the_screen(page)
    a11y.check(page)

    page.get_by_role("link", name="Estate tree planting").click()
    page.get_by_role("heading", name="Estate tree planting").wait_for()
    story = page.locator("main").inner_text()
    assert "Update overdue" in story and "At risk" in story and "Our lead volunteer has moved away" in story
    assert "Proposed" in story and "Voted for" in story and "Payments" in story
    assert "For auditors" in story and story.index("Entry ") > story.index("For auditors")
    # The project is at risk: it says so at the top and whom to ask.
    assert "The group has said the project is at risk" in story and "Questions about this project" in story
    assert "0161 496 0000" in story
    assert fits_the_screen(page)
    a11y.check(page)
