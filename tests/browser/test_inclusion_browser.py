"""A newcomer on a cheap phone (320px wide), JavaScript on and off, axe-core on every page: checking a
postcode, finding how to get verified, reading the round and a proposal without sideways scrolling,
a ballot with big targets and each proposal's summary, results and receipts in plain words."""
import pytest

from tests.browser.test_accounts_browser import sign_in
from tests.browser.test_voting_browser import published_round, voting_round  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
PHONE = {"width": 320, "height": 640}


def fits_the_screen(page):
    """Nothing on the page needs scrolling sideways (scrolling regions excepted). Measured once the
    page has loaded: a heading can be on screen before the stylesheet that stacks wide tables."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_visitor_checks_their_postcode_and_finds_how_to_get_verified(page, a11y):
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("link", name="Check whether your postcode is in a neighbourhood").click()
    page.get_by_role("heading", name="Can I take part?").wait_for()
    a11y.check(page)
    page.get_by_label("Your postcode").fill("nope")
    page.get_by_role("button", name="Check").click()
    page.locator(".error-summary").wait_for()
    assert "Enter a real UK postcode" in page.locator(".error-summary").inner_text()
    a11y.check(page)
    page.get_by_label("Your postcode").fill("EB1 1AA")
    page.get_by_role("button", name="Check").click()
    page.get_by_role("heading", name="Yes: EB1 1AA is in Eastbrook").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="Eastbrook").first.click()
    help_section = page.locator("#help")
    help_section.wait_for()
    routes = page.locator(".help-routes").first.inner_text()
    assert "0161 496 0000" in routes and "help@eastbrook.example" in routes and "Mill Lane" in routes
    assert fits_the_screen(page)
    a11y.check(page)


def test_an_unverified_resident_is_told_how_to_get_verified_where_they_try_to_vote(page, a11y, voting_round):  # noqa: F811
    page.set_viewport_size(PHONE)
    sign_in(page, "resident160@eastbrook.example" if page.javascript else "resident161@eastbrook.example")
    page.goto(f"/n/eastbrook/rounds/{voting_round}/vote")
    page.get_by_role("heading", name="You cannot vote in Eastbrook Quick Vote 2027").wait_for()
    text = page.locator("main").inner_text()
    assert "You need to be a verified resident to vote" in text and "phone 0161 496 0000" in text
    assert fits_the_screen(page)
    a11y.check(page)


def test_the_round_and_a_proposal_read_at_320px_with_true_dates(page, a11y, voting_round):  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(f"/n/eastbrook/rounds/{voting_round}/")
    page.get_by_role("heading", name="Eastbrook Quick Vote 2027").wait_for()
    timeline = page.locator("ol.steps").inner_text()
    assert "Started" in timeline and "Planned from" in timeline
    assert "Every voter gets an equal share of the budget" in page.locator(".summary-list").inner_text()  # the rule in a sentence
    pots = page.locator("table.stack").first
    assert "Rules" in pots.inner_text()  # the last column is there, under its name
    box = pots.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    assert fits_the_screen(page)
    a11y.check(page)
    page.goto(f"/n/eastbrook/rounds/{voting_round}/proposals")
    page.get_by_role("link", name="Play street").click()
    page.get_by_role("heading", name="Play street").wait_for()
    assert fits_the_screen(page)
    a11y.check(page)


def test_the_ballot_on_an_old_phone(page, a11y, voting_round):  # noqa: F811
    page.set_viewport_size(PHONE)
    sign_in(page, "resident46@eastbrook.example" if page.javascript else "resident47@eastbrook.example")
    page.goto(f"/n/eastbrook/rounds/{voting_round}/vote")
    page.get_by_role("heading", name="Your ballot").wait_for()
    assert page.get_by_text("Food bank van for Eastbrook").is_visible()  # each proposal's summary
    for box in page.locator(".ballot-options input[type=checkbox]").all():
        size = box.bounding_box()
        assert size["width"] >= 44 and size["height"] >= 44
    tops = [b.bounding_box()["y"] for b in page.locator(".ballot-options input[type=checkbox]").all()]
    assert all(b - a >= 52 for a, b in zip(tops, tops[1:], strict=False))  # space between targets
    no_js_sentence = page.get_by_text("the next page, after ‘Check your choices’, shows your total")
    if page.javascript:
        assert not no_js_sentence.is_visible()
        page.get_by_label("Choir").check()
        page.get_by_text("£4,000 of £30,000 chosen").wait_for()
    else:
        assert no_js_sentence.is_visible()
        assert not page.locator("#ballot-totals").is_visible()  # no bar that never moves
        page.get_by_label("Choir").check()
    assert fits_the_screen(page)
    a11y.check(page)
    page.get_by_role("button", name="Check your choices").click()
    page.get_by_role("heading", name="Check your choices before you vote").wait_for()
    assert "£4,000 of £30,000" in page.locator("main").inner_text()
    assert fits_the_screen(page)
    a11y.check(page)
    page.get_by_role("button", name="Cast my vote").click()
    code = page.locator(".letter-code")
    code.wait_for()
    line = code.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.3")
    assert code.bounding_box()["height"] < 1.6 * line  # the receipt code on one line, at 320px
    assert fits_the_screen(page)
    a11y.check(page)


def test_results_and_receipts_in_plain_words(page, a11y, published_round, voting_round):  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(f"/n/eastbrook/rounds/{published_round}/results")
    page.get_by_role("heading", name="Results").wait_for()
    main = page.locator("main").inner_text()
    assert "Funded, 1st" in main and "is the order in which the counting rule funded the projects" in main
    assert "For auditors" in main
    auditors = main.split("For auditors")[0]
    assert "SHA-256" not in auditors and "python -m" not in auditors  # technical parts only under "For auditors"
    command = page.locator("pre.command")
    line = command.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert command.evaluate("e => e.scrollHeight") < 2 * line + 20  # one line, however narrow the screen
    method_rows = page.locator(".turnout table").first.locator("tbody tr").count()
    assert method_rows == 3
    assert fits_the_screen(page)
    a11y.check(page)

    page.goto(f"/n/eastbrook/rounds/{voting_round}/receipt")
    page.get_by_label("Receipt code").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="Check").click()
    page.get_by_text("No ballot in").wait_for()
    assert fits_the_screen(page)
    a11y.check(page)


def test_a_withdrawn_proposal_says_why_and_takes_no_comments(page, a11y):
    page.set_viewport_size(PHONE)
    sign_in(page, "resident3@eastbrook.example" if page.javascript else "resident4@eastbrook.example")
    page.goto("/n/eastbrook/")
    page.get_by_role("link", name="Eastbrook Community Fund 2027/28").first.click()
    page.get_by_role("link", name="See the proposals").click()
    page.get_by_role("heading", name="Proposals").wait_for()  # the list itself, not the round page still showing
    cards = page.locator(".card-list > li")
    statuses = [c.locator(".tag").first.inner_text() for c in cards.all()]
    ended = ("Withdrawn", "Merged into another proposal")
    first_ended = next(i for i, s in enumerate(statuses) if s in ended)
    assert all(s in ended for s in statuses[first_ended:]), statuses  # active proposals first
    withdrawn = cards.filter(has_text="Withdrawn by its proposer").first
    assert "The council is installing bins next spring." in withdrawn.inner_text()
    withdrawn.get_by_role("link").first.click()
    page.get_by_text("This proposal was withdrawn, so its discussion is closed").wait_for()
    assert page.get_by_role("button", name="Post comment").count() == 0
    assert fits_the_screen(page)
    a11y.check(page)


def test_the_outbox_and_auditor_packs_have_pages(page, a11y, published_round):  # noqa: F811
    sign_in(page, "admin@eastbrook.example")
    page.goto("/admin/outbox")
    page.get_by_role("heading", name="Outbox").wait_for()
    a11y.check(page)

    context = page.context
    context.clear_cookies()
    sign_in(page, "auditor@eastbrook.example")
    page.goto("/n/eastbrook/audit")
    link = page.get_by_role("link", name="Auditor pack for Eastbrook Small Projects 2026")
    assert link.get_attribute("href").endswith("/pack.sqlite")
    a11y.check(page)
