"""The fund's operator shares a national programme's year between neighbourhoods in a browser,
JavaScript on and off, axe-core on every page: a bad figures file first, then the allocation, then
the national view filtered by region."""
import pytest

from tests.browser.test_accounts_browser import sign_in

pytestmark = pytest.mark.browser


def test_the_operator_sets_up_a_programme_and_confirms_a_year(page, a11y, live_server):
    name = "Community Wealth Fund " + ("A" if page.javascript else "B")
    # 2035/36 is after the demo fund's ten years: the allocation sets up a fund of its own, leaving
    # the demo fund that the money tests read (on a phone, in a fixed layout) as it was.
    sign_in(page, "admin@eastbrook.example")
    page.goto("/admin/")
    page.get_by_role("link", name="set one up").click()
    page.get_by_role("heading", name="Set up a national programme").wait_for()
    a11y.check(page)
    page.get_by_label("Name of the programme").fill(name)
    page.get_by_label("First financial year").fill("2035/36")
    page.get_by_label("How many years it lasts").fill("10")
    page.get_by_label("Money shared out each year").fill("1,000,000")
    page.get_by_label("Base amount for every neighbourhood each year").fill("0")
    page.get_by_label("Share of the rest by population (%)").fill("60")
    page.get_by_label("Share of the rest by deprivation score (%)").fill("40")
    page.get_by_role("button", name="Set up the programme").click()
    page.get_by_role("heading", name=name).wait_for()
    a11y.check(page)

    page.get_by_label("Figures (CSV)").fill("neighbourhood,region,population,deprivation_score\neastbrook,North West,-12,40\n")
    page.get_by_role("button", name="Import the figures").click()
    page.locator(".error-summary").wait_for()
    assert "line 2: the population cannot be negative (-12)" in page.locator("#figures-error").inner_text()
    a11y.check(page)

    page.get_by_label("Figures (CSV)").fill("neighbourhood,region,population,deprivation_score\neastbrook,North West,9800,41.250\n"
                                            "westmoor,Yorkshire and The Humber,11200,38.125\nnorthgate,North East,7600,47.9\n")
    page.get_by_role("button", name="Import the figures").click()
    page.get_by_role("heading", name="check and confirm the allocation").wait_for()
    assert "£1,000,000.00" in page.locator("main").inner_text()
    a11y.check(page)
    page.get_by_role("button", name="Confirm the 2035/36 allocation").click()
    page.get_by_role("heading", name="2035/36").wait_for()
    assert "Download" in page.locator("main").inner_text()
    a11y.check(page)
    page.get_by_role("link", name="Every neighbourhood's 2035/36").first.click()
    page.get_by_role("heading", name="every neighbourhood").wait_for()
    page.get_by_label("Region", exact=True).select_option("North West")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("1 neighbourhood in North West").wait_for()
    a11y.check(page)
