"""Voting in a real browser, JavaScript on and off, axe-core on every page: the ballot with its live
total, check your answers, the receipt, voting with a code, paper ballots, results."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pb import phases
from pb.accounts.models import User
from pb.extensions import db
from pb.neighbourhoods.models import Neighbourhood
from pb.proposals.models import ProposalStatus
from pb.rounds.models import Phase, Round
from tests.browser.test_accounts_browser import sign_in

pytestmark = pytest.mark.browser


def _person(email):
    return db.session.scalar(select(User).where(User.email == email))


def _round_with_ballot(live_server, name, phase):
    """An Eastbrook round with four projects on a knapsack ballot, moved on to `phase`."""
    from pb.proposals import services as proposals
    from pb.rounds import services as rounds
    from pb.rounds.models import PHASES, SETUP
    from pb.voting import services as voting

    with live_server.app.app_context():
        existing = db.session.scalar(select(Round).where(Round.name == name))
        if existing:
            return existing.id
        hood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == "eastbrook"))
        f = _person("facilitator@eastbrook.example")
        round_ = rounds.create_round(hood, f, name=name, fund_year="2027/28", total_budget=30_000_00)
        rounds.add_pot(round_, f, name="Main pot", amount=30_000_00)
        rounds.update_rules(round_, f, ballot_type="knapsack", counting_rule="mes-add1")
        today = date.today()
        rounds.set_timeline(round_, f, {p: today + timedelta(days=i) for i, p in enumerate(PHASES) if p != SETUP})
        rounds.approve_setup(round_, _person("chair@eastbrook.example"), decided_on=today)
        phases.advance_phase(round_, f)
        for n, (title, cost) in enumerate([("Play street", 12_000), ("Food bank van", 15_000), ("Choir", 4_000),
                                           ("Repair café", 9_000)]):
            author = _person(f"resident{60 + n}@eastbrook.example")
            draft = proposals.create_draft(round_, author, proposals.ProposalInput(
                title=title, summary=f"{title} for Eastbrook", description="", need="", beneficiaries="", place="",
                category="community", pot_id=round_.pots[0].id, group_name=None,
                cost_lines=[proposals.CostLineInput("Costs", "revenue", cost * 100, "2027/28")]))
            proposals.submit(draft, author)
        phases.advance_phase(round_, f)
        from pb.proposals.models import Proposal

        for proposal in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id)):
            proposals.review(proposal, f, "feasible")
        phases.advance_phase(round_, f)
        phases.advance_phase(round_, f)  # voting
        if phase != "voting":
            ids = [p.id for p in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id).order_by(Proposal.number))]
            for n in range(12):
                voting.cast_ballot(round_, _person(f"resident{80 + n}@eastbrook.example"),
                                   {round_.pots[0].id: [ids[n % 4], ids[(n + 1) % 4]] if n % 3 else [ids[2]]})
            phases.advance_phase(round_, f)
            voting.count_round(round_, f)
            phases.advance_phase(round_, f)
            # More than half of the demo's eleven board members sign it off.
            for email in ("chair@eastbrook.example", *(f"board{n}@eastbrook.example" for n in range(2, 6)),
                          "business@eastbrook.example"):
                voting.approve_result(round_, _person(email))
            phases.advance_phase(round_, f)
        return round_.id


@pytest.fixture(scope="module")
def voting_round(live_server):
    return _round_with_ballot(live_server, "Eastbrook Quick Vote 2027", "voting")


@pytest.fixture(scope="module")
def published_round(live_server):
    return _round_with_ballot(live_server, "Eastbrook Small Projects 2026", "published")


def test_a_resident_votes_with_a_running_total_checks_and_gets_a_receipt(page, live_server, a11y, voting_round):
    sign_in(page, "resident30@eastbrook.example" if page.javascript else "resident31@eastbrook.example")
    page.goto(f"/n/eastbrook/rounds/{voting_round}/vote")
    page.get_by_role("heading", name="Your ballot").wait_for()
    a11y.check(page)
    for title in ("Play street", "Food bank van", "Choir"):
        page.get_by_label(title).check()
    if page.javascript:
        page.get_by_text("£31,000 of £30,000 chosen").wait_for()  # htmx: the total as you tick
        page.get_by_text("Over the limit").wait_for()
    page.get_by_role("button", name="Check your choices").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "your choices cost £31,000, more than the £30,000 in this pot" in summary.inner_text()
    assert page.get_by_label("Play street").is_checked()  # nothing ticked is lost
    a11y.check(page)
    page.get_by_label("Choir").uncheck()
    page.get_by_role("button", name="Check your choices").click()
    page.get_by_role("heading", name="Check your choices before you vote").wait_for()
    a11y.check(page)
    page.get_by_role("button", name="Cast my vote").click()
    page.get_by_role("heading", name="You have voted").wait_for()
    code = page.locator(".letter-code").inner_text()
    a11y.check(page)
    page.get_by_role("link", name="receipt page").click()
    page.get_by_label("Receipt code").fill(code)
    page.get_by_role("button", name="Check").click()
    page.get_by_role("heading", name="Your ballot is in the ballot box").wait_for()
    a11y.check(page)


def test_voting_with_a_code_on_a_shared_computer(page, live_server, a11y, voting_round):
    from pb.voting import services as voting

    with live_server.app.app_context():
        round_ = db.session.get(Round, voting_round)
        resident = _person("resident40@eastbrook.example" if page.javascript else "resident41@eastbrook.example")
        _, printed = voting.issue_codes(round_, _person("facilitator@eastbrook.example"), [resident.id])
    page.goto(f"/n/eastbrook/rounds/{voting_round}/code-vote")
    a11y.check(page)
    page.get_by_label("Your voting code").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="Continue").click()
    page.locator(".error-summary").get_by_text("That code is not right for this vote").wait_for()
    a11y.check(page)
    page.get_by_label("Your voting code").fill(printed[0][1].lower())
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Repair café").check()
    page.get_by_role("button", name="Check your choices").click()
    page.get_by_role("button", name="Cast my vote").click()
    page.get_by_role("heading", name="You have voted").wait_for()
    a11y.check(page)


def test_facilitator_pages_for_codes_and_paper_ballots(page, live_server, a11y, voting_round):
    sign_in(page, "facilitator@eastbrook.example")
    for path, heading in (("codes", "Voting codes"), ("paper", "Paper ballots"), ("paper/key", "Key in a paper ballot")):
        page.goto(f"/n/eastbrook/rounds/{voting_round}/{path}")
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        a11y.check(page)
    page.get_by_label("Serial number").fill("77")
    page.get_by_label("Choir").check()
    page.get_by_role("button", name="Save this keying").click()
    page.locator(".error-summary").get_by_text("Serial number 77 was never handed out in this round").wait_for()
    a11y.check(page)


def test_published_results_with_charts_tables_and_downloads(page, live_server, a11y, published_round):
    page.goto(f"/n/eastbrook/rounds/{published_round}/results")
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    assert "12 residents voted" in page.content()
    assert page.locator("svg.bar-chart title").first.text_content().startswith("Main pot:")
    a11y.check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Anonymised ballots for Main pot").click()
    assert download.value.suggested_filename.endswith(".pb")


def test_auditor_and_board_pages_are_accessible(page, live_server, a11y, published_round):
    sign_in(page, "auditor@eastbrook.example")
    for path, heading in (("/n/eastbrook/audit?action=round.counted", "Audit log of Eastbrook"),
                          ("/n/eastbrook/checkpoints", "Signed checkpoints of Eastbrook's audit log")):
        page.goto(path)
        page.get_by_role("heading", name=heading).wait_for()
        a11y.check(page)
    page.goto("/n/eastbrook/audit?action=round.counted")
    page.locator("td.num a").first.click()
    page.get_by_text("Inclusion proof (RFC 9162)").wait_for()
    a11y.check(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "chair@eastbrook.example")
    page.goto(f"/n/eastbrook/rounds/{published_round}/sign-off")
    page.get_by_role("heading", name="Sign off the result").wait_for()
    assert "Approved by the board" in page.content()
    a11y.check(page)


def test_a_receipt_shows_its_proof_of_counting(page, live_server, a11y, voting_round):
    """A ballot cast, the round counted: the receipt page shows the proof, accessibly."""
    from pb.voting import services as voting

    with live_server.app.app_context():
        round_ = db.session.get(Round, voting_round)
        if round_.phase == Phase.VOTING:
            from pb.proposals.models import Proposal

            first = db.session.scalar(select(Proposal.id).where(Proposal.round_id == round_.id, Proposal.status == ProposalStatus.ON_BALLOT))
            tracker, _ = voting.cast_ballot(round_, _person("resident45@eastbrook.example"), {round_.pots[0].id: [first]})
            phases.advance_phase(round_, _person("facilitator@eastbrook.example"))
            voting.count_round(round_, _person("facilitator@eastbrook.example"))
            live_server.tracker = tracker
    page.goto(f"/n/eastbrook/rounds/{voting_round}/receipt")
    page.get_by_label("Receipt code").fill(live_server.tracker)
    page.get_by_role("button", name="Check").click()
    page.get_by_role("heading", name="What this proves").wait_for()
    a11y.check(page)


def test_an_admin_signs_the_platform_log_from_its_public_checkpoints_page(page, live_server, a11y):
    sign_in(page, "admin@eastbrook.example")
    page.goto("/admin/audit")
    page.get_by_role("heading", name="Audit log of the platform").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="Signed checkpoints of the platform log").click()
    page.get_by_role("heading", name="Signed checkpoints of the platform's audit log").wait_for()
    page.get_by_role("button", name="Sign a checkpoint now").click()
    page.get_by_text("Checkpoint signed at").or_(page.get_by_text("Nothing new to sign")).first.wait_for()
    assert "asked for by an admin" in page.content() or "Nothing new to sign" in page.content()
    a11y.check(page)
