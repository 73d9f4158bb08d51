"""The board at 320px, JavaScript on and off, axe on every page: a resident reads who is on the board,
a member's register, the decision log (filtered without script), the meetings and their papers, and
is told what is missing when raising a concern; a board member adds an interest to their register
with the keyboard alone; a resident votes in an election. Then the plan's, the board's and the
reports' pages on PostgreSQL."""
import pytest

from tests.browser.test_accounts_browser import sign_in
from tests.browser.test_inclusion_browser import PHONE, fits_the_screen
from tests.browser.test_reports_browser import demo_fund_id, read_the_agreement_and_last_years_accounts

pytestmark = pytest.mark.browser


def test_a_resident_reads_who_is_on_the_board_and_what_it_decided(page, a11y):
    page.set_viewport_size(PHONE)
    page.goto("/n/eastbrook/")
    page.get_by_role("link", name="Who is on the board: seats, terms and registers of interests").click()
    page.get_by_role("heading", name="Who is on the board").wait_for()
    text = page.locator("main").inner_text()
    assert "The board meets Community Wealth Fund rules" in text and "Confirmation overdue" in text
    assert fits_the_screen(page)
    a11y.check(page)
    page.get_by_role("link", name="Hannah Price").click()
    page.get_by_role("heading", name="Hannah Price").wait_for()
    assert "Brook Street Bakery" in page.locator("main").inner_text()
    a11y.check(page)
    page.goto("/n/eastbrook/board/")
    page.get_by_role("link", name="Every decision the board has made").click()
    page.get_by_role("heading", name="The board's decisions").wait_for()
    page.get_by_label("Kind of decision").select_option(label="The neighbourhood plan")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("3 of 14 decisions").wait_for()
    assert "Approved version 2 of the neighbourhood plan" in page.locator("main").inner_text()
    assert fits_the_screen(page)
    a11y.check(page)
    # The meetings, the last one's papers and motions, and concerns: all at 320px.
    page.goto("/n/eastbrook/board/meetings/")
    page.get_by_role("heading", name="Board meetings").wait_for()
    assert "Papers published" in page.locator("main").inner_text()
    a11y.check(page)
    page.get_by_role("link", name="Board meeting, December").click()
    page.get_by_role("heading", name="Board meeting, December").wait_for()
    text = page.locator("main").inner_text()
    assert "Confidential item: It names a resident who has not agreed to be named" in text
    assert fits_the_screen(page)
    a11y.check(page)
    page.goto("/n/eastbrook/board/concerns/new")
    page.get_by_role("heading", name="Raise a concern about the board").wait_for()
    page.get_by_role("button", name="Send it").click()
    page.locator(".error-summary").wait_for()
    assert "Choose what the concern is about" in page.locator(".error-summary").inner_text()
    assert fits_the_screen(page)
    a11y.check(page)


def test_a_member_adds_an_interest_with_the_keyboard(page, a11y):
    page.set_viewport_size(PHONE)
    member = "board3@eastbrook.example" if page.javascript else "board5@eastbrook.example"
    sign_in(page, member)
    page.goto("/n/eastbrook/board/my-register")
    page.get_by_role("heading", name="Your register of interests").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="Add an interest").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Add an interest").wait_for()
    page.get_by_label("Kind of interest").focus()
    page.keyboard.press("Tab")  # to the organisation, with nothing chosen: the error comes back named
    page.keyboard.type("Eastbrook Youth Club")
    page.get_by_label("What the interest is").focus()
    page.keyboard.type("Volunteer coach")
    page.get_by_label("Since").fill("2024-09-01")
    page.get_by_label("Since").press("Enter")
    page.locator(".error-summary").wait_for()
    assert "Choose the kind of interest" in page.locator(".error-summary").inner_text()
    a11y.check(page)
    page.get_by_label("Kind of interest").select_option(label="Member of an organisation that may apply for money")
    page.get_by_role("button", name="Add it").press("Enter")
    page.get_by_role("heading", name="Your register of interests").wait_for()
    assert "Eastbrook Youth Club" in page.locator("main").inner_text()
    assert fits_the_screen(page)


def test_a_resident_votes_for_resident_seats(page, a11y, live_server):
    from datetime import date, timedelta

    from pb.accounts.models import User
    from pb.boards import elections
    from pb.extensions import db
    from pb.neighbourhoods.models import Neighbourhood

    with live_server.app.app_context():
        hood = db.session.scalar(db.select(Neighbourhood).where(Neighbourhood.slug == "eastbrook"))
        f = db.session.scalar(db.select(User).where(User.email == "facilitator@eastbrook.example"))
        title = f"Resident seats ({'js' if page.javascript else 'no-js'})"
        election = elections.create_election(hood, f, title=title, seats=1, method="limited",
                                             closes_on=date.today() + timedelta(days=5))
        for n in (120, 121):
            elections.add_candidate(election, f, email=f"resident{n}@eastbrook.example", statement="A cleaner brook")
        election_id = election.id
    page.set_viewport_size(PHONE)
    sign_in(page, "resident122@eastbrook.example" if page.javascript else "resident123@eastbrook.example")
    page.goto(f"/n/eastbrook/board/elections/{election_id}")
    page.get_by_role("heading", name=title).wait_for()
    a11y.check(page)
    page.get_by_role("button", name="Send my vote").click()
    page.locator(".error-summary").wait_for()
    assert "Tick at least one candidate" in page.locator(".error-summary").inner_text()
    a11y.check(page)
    page.locator("input[name=choices]").first.check()
    page.get_by_role("button", name="Send my vote").click()
    page.get_by_text("You have voted.").wait_for()
    assert fits_the_screen(page)


def test_the_plan_the_board_and_the_reports_on_postgresql(browser, a11y, postgres_live_server):
    """One journey, so that one worker seeds the demo on PostgreSQL (25 s): the pages must pass there too.
    The funding agreement, the accounts and the annual report are read here as well."""
    context = browser.new_context(base_url=postgres_live_server.url)
    page = context.new_page()
    try:
        page.set_viewport_size(PHONE)
        for url, heading in (("/n/eastbrook/plan", "Eastbrook's plan"), ("/n/eastbrook/plan/reviews/", "Plan reviews"),
                             ("/n/eastbrook/board/", "Who is on the board"),
                             ("/n/eastbrook/board/decisions", "The board's decisions"),
                             ("/n/eastbrook/board/code-of-conduct", "The board's code of conduct")):
            page.goto(url)
            page.get_by_role("heading", name=heading, exact=True).wait_for()
            assert fits_the_screen(page), url
            a11y.check(page)
        assert "14 of 14 decisions" in page.goto("/n/eastbrook/board/decisions").text()
        page.goto("/n/eastbrook/board/meetings/")
        page.get_by_role("link", name="Board meeting, November").click()
        page.get_by_role("heading", name="Board meeting, November").wait_for()
        assert "Declared an interest and left the room: Agnieszka Nowak" in page.locator("main").inner_text()
        a11y.check(page)
        read_the_agreement_and_last_years_accounts(page, a11y, demo_fund_id(postgres_live_server))
    finally:
        context.close()
