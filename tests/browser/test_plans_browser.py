"""The neighbourhood plan at 320px, JavaScript on and off, axe on every page: a resident reads the
plan and its progress and comments on nothing yet (the demo's plan is endorsed); a facilitator
works on a new version and is refused an investment the fund cannot hold, next to the field. The
same pages on PostgreSQL: tests/browser/test_boards_browser.py."""
import pytest

from tests.browser.test_accounts_browser import sign_in
from tests.browser.test_inclusion_browser import PHONE, fits_the_screen

pytestmark = pytest.mark.browser


def test_a_resident_reads_the_plan_and_its_progress(page, a11y):
    page.set_viewport_size(PHONE)
    page.goto("/n/eastbrook/")
    page.get_by_role("heading", name="Our plan").wait_for()
    assert "Skills and work: Under-spent by £12,000 this year" in page.locator("#our-plan").locator("..").inner_text()
    page.get_by_role("link", name="The whole plan and how it is going").click()
    page.get_by_role("heading", name="Eastbrook's plan").wait_for()
    text = page.locator("main").inner_text()
    assert "Version 2: Endorsed by the funder" in text and "Community capacity (ring-fenced)" in text
    assert page.locator("svg.answer-chart").count() == 1
    assert fits_the_screen(page)
    a11y.check(page)
    page.get_by_role("link", name="What changed between versions").click()
    page.get_by_role("heading", name="What changed from version 1 to version 2").wait_for()
    assert fits_the_screen(page)
    a11y.check(page)
    page.goto("/n/eastbrook/plan/reviews/")
    page.get_by_role("link", name="The first year, 2025/26").click()
    page.get_by_role("heading", name="The first year, 2025/26").wait_for()
    assert "Fourteen residents trained" in page.locator("main").inner_text()
    assert fits_the_screen(page)
    a11y.check(page)


def test_a_facilitator_starts_a_version_and_the_fund_refuses_too_much(page, a11y):
    page.set_viewport_size(PHONE)
    sign_in(page, "facilitator@eastbrook.example" if page.javascript else "facilitator2@eastbrook.example")
    page.goto("/n/eastbrook/plan/new-version")
    if page.get_by_label("What this version changes").count():
        page.get_by_label("What this version changes").fill("Browser test")
        page.get_by_role("button", name="Start it").click()
    page.goto("/n/eastbrook/plan/versions/3/edit")
    page.get_by_role("heading", name="The plan, version 3").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="Change the investment plan").click()
    page.get_by_label("Financial year").select_option("2027/28")
    page.get_by_label("Intervention").select_option(label="Young people")
    page.get_by_label("Revenue (£)").fill("90000")
    page.get_by_role("button", name="Save").click()
    page.locator(".error-summary").wait_for()
    assert "too much" in page.locator(".error-summary").inner_text()
    assert "too much" in page.locator(".error-message").first.inner_text()
    assert fits_the_screen(page)
    a11y.check(page)
