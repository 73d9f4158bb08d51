"""Rounds and proposals in a real browser, with JavaScript on and off, axe-core checking every page:
browsing and filtering, proposing with mistakes, discussing and supporting, reviewing."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pb import phases
from pb.accounts.models import User
from pb.extensions import db
from pb.neighbourhoods.models import Neighbourhood
from pb.proposals.models import Proposal, ProposalStatus
from pb.rounds.models import Round
from tests.browser.test_accounts_browser import sign_in

pytestmark = pytest.mark.browser


def _person(email):
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture(scope="module")
def open_round(live_server):
    """A second Eastbrook round, open for proposals."""
    from pb.rounds import services as rounds
    from pb.rounds.models import PHASES, SETUP

    with live_server.app.app_context():
        existing = db.session.scalar(select(Round).where(Round.name == "Eastbrook Small Grants 2027/28"))
        if existing:
            return existing.id
        hood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == "eastbrook"))
        facilitator = _person("facilitator@eastbrook.example")
        round_ = rounds.create_round(hood, facilitator, name="Eastbrook Small Grants 2027/28", fund_year="2027/28",
                                     total_budget=20_000_00)
        rounds.add_pot(round_, facilitator, name="Small grants", amount=20_000_00, max_per_proposal=2_000_00)
        today = date.today()
        rounds.set_timeline(round_, facilitator, {p: today + timedelta(days=10 * i) for i, p in enumerate(PHASES) if p != SETUP})
        rounds.approve_setup(round_, _person("chair@eastbrook.example"), decided_on=today)
        phases.advance_phase(round_, facilitator)
        return round_.id


def _demo_proposal(live_server, number):
    with live_server.app.app_context():
        return db.session.scalar(select(Proposal.id).join(Round).where(
            Round.name == "Eastbrook Community Fund 2027/28", Proposal.number == number))


def test_anyone_browses_rounds_filters_proposals_and_reads_one(page, live_server, a11y):
    page.goto("/n/eastbrook/")
    page.get_by_role("link", name="Eastbrook Community Fund 2027/28").click()
    page.get_by_role("heading", name="Eastbrook Community Fund 2027/28").wait_for()
    assert page.locator("svg.bar-chart title").first.text_content().startswith("How the £120,000 budget is shared")
    assert page.locator("[aria-current=step]").inner_text().startswith("Deliberation and shortlisting")
    a11y.check(page)
    page.get_by_role("link", name="See the proposals").click()
    page.get_by_role("heading", name="Proposals").wait_for()
    a11y.check(page)
    page.get_by_label("Category").select_option(label="Safety")
    if not page.javascript:
        page.get_by_role("button", name="Show proposals").click()
    page.get_by_text("1 proposal found.").wait_for()
    assert "category=safety" in page.url  # the filtered list has its own address, with or without htmx
    page.get_by_role("link", name="Brickworks path lighting").click()
    page.get_by_role("heading", name="Brickworks path lighting").wait_for()
    assert page.locator("tfoot").get_by_text("£19,800").count() == 1  # the facilitator's adjusted cost
    a11y.check(page)
    page.get_by_role("link", name="See every version and what changed").click()
    page.get_by_role("heading", name="History of P-3: Brickworks path lighting").wait_for()
    assert page.locator("ins").count() >= 1
    a11y.check(page)


def test_a_resident_proposes_fixes_mistakes_and_submits(page, live_server, a11y, open_round):
    sign_in(page, "resident20@eastbrook.example" if page.javascript else "resident21@eastbrook.example")
    page.goto(f"/n/eastbrook/rounds/{open_round}/proposals/new")
    page.get_by_role("heading", name="Put forward a proposal").wait_for()
    a11y.check(page)
    page.get_by_label("Title").fill("Chess club")
    page.locator("#lines-0-item").fill("Chess sets")
    page.locator("#lines-0-amount").fill("2,500")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    for message in ("Enter a summary", "Choose a category", "Cost line 1: choose revenue or capital"):
        assert summary.get_by_text(message).count() == 1, message
    assert page.get_by_label("Title").input_value() == "Chess club"  # nothing typed is lost
    a11y.check(page)
    page.get_by_label("Summary").fill("A weekly chess club in the library for all ages.")
    page.get_by_label("Category").select_option(label="Community spaces and events")
    page.locator("#lines-0-kind").select_option(label="Capital (buildings, equipment)")
    page.get_by_role("button", name="Save and continue").click()
    expect(summary).to_contain_text("more than the most one proposal may cost from the Small grants pot, £2,000")
    page.locator("#lines-0-amount").fill("450")
    page.get_by_role("button", name="Add another cost line").click()
    page.locator("#lines-3-item").wait_for()  # a fourth row, without losing the first three
    page.locator("#lines-1-item").fill("Room hire")
    page.locator("#lines-1-kind").select_option(label="Revenue (running costs)")
    page.locator("#lines-1-amount").fill("600")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Check your proposal before submitting it").wait_for()
    assert page.locator("tfoot").get_by_text("£1,050").count() == 1
    a11y.check(page)
    page.get_by_role("button", name="Submit the proposal").click()
    page.get_by_role("heading", name="Proposal submitted").wait_for()
    a11y.check(page)


def test_a_resident_comments_and_supports_in_place(page, live_server, a11y):
    sign_in(page, "resident140@eastbrook.example" if page.javascript else "resident141@eastbrook.example")
    proposal_id = _demo_proposal(live_server, 2)
    page.goto(f"/n/eastbrook/proposals/{proposal_id}")
    support = page.locator(f"#support-{proposal_id}")
    before = int(support.locator("strong").first.inner_text())
    support.get_by_role("button", name="Support this proposal").click()
    page.get_by_role("button", name="Withdraw my support").wait_for()
    assert int(page.locator(f"#support-{proposal_id} strong").first.inner_text()) == before + 1
    page.get_by_role("button", name="Post comment").click()
    page.locator(".error-summary").get_by_text("Write your comment").wait_for()
    a11y.check(page)
    page.get_by_label("Question").check()
    text = f"Could it run on Saturdays too? ({'js' if page.javascript else 'no-js'})"
    page.get_by_label("Your comment").fill(text)
    page.get_by_role("button", name="Post comment").click()
    page.locator("article").get_by_text(text).wait_for()
    assert page.get_by_label("Your comment").input_value() == ""
    page.get_by_text("Your comment is posted.").first.wait_for()
    a11y.check(page)
    page.get_by_role("button", name="Withdraw my support").click()
    page.get_by_role("button", name="Support this proposal").wait_for()


def test_facilitators_review_and_set_up_rounds(page, live_server, a11y, open_round):
    sign_in(page, "facilitator2@eastbrook.example" if page.javascript else "facilitator@eastbrook.example")
    page.goto(f"/n/eastbrook/rounds/{open_round}/review")
    page.get_by_role("heading", name="Review and moderation").wait_for()
    a11y.check(page)
    with live_server.app.app_context():
        waiting = db.session.scalar(select(Proposal.id).where(Proposal.round_id == open_round,
                                                              Proposal.status == ProposalStatus.SUBMITTED))
    if waiting:
        page.goto(f"/n/eastbrook/proposals/{waiting}/review")
        page.get_by_label("Not feasible").check()
        page.get_by_role("button", name="Record the decision").click()
        page.locator(".error-summary").get_by_text("Give the public reason it is not feasible").wait_for()
        a11y.check(page)
    page.goto("/n/eastbrook/rounds/new")
    page.get_by_label("Total budget").fill("lots")
    page.get_by_role("button", name="Create the round").click()
    page.locator(".error-summary").get_by_text("Total budget must be an amount in pounds, like 1250 or 1250.50").wait_for()
    a11y.check(page)
    for path, heading in (("pots", "Pots"), ("timeline", "Timeline"), ("rules", "Rules of Eastbrook Small Grants 2027/28"),
                          ("events/new", "Add a meeting or event")):
        page.goto(f"/n/eastbrook/rounds/{open_round}/{path}")
        page.get_by_role("heading", name=heading).wait_for()
        a11y.check(page)


@pytest.mark.parametrize("path", ["/n/eastbrook/rounds/1/", "/n/eastbrook/rounds/1/proposals", "/n/eastbrook/proposals/3"])
def test_round_and_proposal_pages_fit_a_small_phone(browser, live_server, path):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
