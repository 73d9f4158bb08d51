"""A resident answers the open consultation on a 320px phone using only the keyboard, with
JavaScript on and off, axe-core on every page; the published results, who took part and the
engagement log read at 320px; a facilitator keys a paper copy."""
import pytest
from sqlalchemy import select

from pb.consultations.models import Consultation
from pb.extensions import db
from tests.browser.test_accounts_browser import sign_in
from tests.browser.test_inclusion_browser import PHONE, fits_the_screen

pytestmark = pytest.mark.browser


def _ids(live_server) -> tuple[int, int]:
    with live_server.app.app_context():
        rows = db.session.scalars(select(Consultation).order_by(Consultation.id)).all()
        return rows[0].id, rows[1].id  # last spring's, published; the play area, open now


def test_a_resident_answers_one_question_a_page_with_the_keyboard(page, a11y, live_server):
    _, open_now = _ids(live_server)
    page.set_viewport_size(PHONE)
    sign_in(page, "resident100@eastbrook.example" if page.javascript else "resident101@eastbrook.example")
    page.goto("/n/eastbrook/")
    page.get_by_role("link", name="Your say on the new play area at Brook Park").click()
    page.get_by_role("heading", name="Your say on the new play area at Brook Park").wait_for()
    assert fits_the_screen(page)
    a11y.check(page)
    page.get_by_role("link", name="Start now").click()

    # Question 1, choose several: ticked and sent with the keyboard alone.
    page.get_by_role("heading", name="What should the play area have? (optional)").wait_for()
    assert fits_the_screen(page)
    a11y.check(page)
    page.get_by_label("Swings").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # Climbing frame
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")

    # Question 2 must be answered: the error is in the summary and beside the question.
    page.get_by_role("heading", name="Which age should it be for most?").wait_for()
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    page.locator(".error-summary").wait_for()
    assert "Answer this question to go on" in page.locator(".error-summary").inner_text()
    assert "Answer this question to go on" in page.locator(".error-message").inner_text()
    a11y.check(page)
    page.get_by_label("5 to 11").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Anything else we should know? (optional)").wait_for()
    page.get_by_label("Anything else we should know? (optional)").fill("Some shade for hot days please")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="How old are you? (optional)").wait_for()
    a11y.check(page)
    page.get_by_label("Prefer not to say").check()
    page.get_by_role("button", name="Check your answers").click()

    page.get_by_role("heading", name="Check your answers").wait_for()
    summary = page.locator(".summary-list").inner_text()
    assert "Swings, Climbing frame" in summary and "5 to 11" in summary and "Prefer not to say" in summary
    assert fits_the_screen(page)
    a11y.check(page)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you: your answers are in").wait_for()
    a11y.check(page)
    page.goto(f"/n/eastbrook/consultations/{open_now}")
    assert "You have answered" in page.locator("main").inner_text()


def test_results_who_took_part_and_the_engagement_log_read_at_320px(page, a11y, live_server):
    spring, _ = _ids(live_server)
    page.set_viewport_size(PHONE)
    page.goto(f"/n/eastbrook/consultations/{spring}/results")
    page.get_by_role("heading", name="What people said").wait_for()
    assert "236 people answered: 165 online and 71 on paper" in page.locator("main").inner_text()
    assert page.locator("svg.answer-chart").count() >= 6 and page.locator("table").count() >= 6
    assert fits_the_screen(page)
    a11y.check(page)
    page.goto("/n/eastbrook/who-took-part")
    page.get_by_role("heading", name="Who took part, and who lives here").wait_for()
    assert "Census 2021" in page.locator("main").inner_text()
    assert fits_the_screen(page)
    a11y.check(page)
    page.goto("/n/eastbrook/engagement")
    page.get_by_role("heading", name="How we listened").wait_for()
    assert fits_the_screen(page)
    a11y.check(page)


def test_a_facilitator_keys_a_paper_copy_and_runs_the_consultation(page, a11y, live_server):
    _, open_now = _ids(live_server)
    page.set_viewport_size(PHONE)
    sign_in(page, "facilitator@eastbrook.example" if page.javascript else "facilitator2@eastbrook.example")
    page.goto(f"/n/eastbrook/consultations/{open_now}/manage")
    page.get_by_role("heading", name="Your say on the new play area at Brook Park").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="Paper copies").click()
    page.get_by_label("How many copies").fill("2")
    page.get_by_role("button", name="Number and print").click()
    page.locator(".copy").first.wait_for()
    a11y.check(page)
    page.goto(f"/n/eastbrook/consultations/{open_now}/paper/key")
    page.get_by_label("Copy number").fill("1" if page.javascript else "2")
    page.get_by_role("button", name="Save this copy").click()
    page.locator(".error-summary").wait_for()  # a blank copy is refused
    a11y.check(page)
    page.get_by_label("Copy number").fill("1" if page.javascript else "2")
    page.get_by_label("Under 5s").check()
    page.get_by_role("button", name="Save this copy").click()
    page.locator(".notice").first.wait_for()
    assert fits_the_screen(page)
