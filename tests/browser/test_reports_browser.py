"""Answering for the money in a browser, axe-core and 320px on every page: anyone reads the council's
funding agreement (its schedule, six drawdowns and fee) and last year's accounts, reconciled with the
bank, with JavaScript on and off; the treasurer imports this year's bank statement, confirms pb's
suggested matches and the year's accounts then reconcile. On PostgreSQL the same pages are read in
test_boards_browser.py's journey (one demo seeded on PostgreSQL per run)."""
from datetime import date

import pytest
from sqlalchemy import select

from tests.browser.test_accounts_browser import sign_in

pytestmark = pytest.mark.browser


def demo_fund_id(server) -> int:
    from sqlalchemy import select

    from pb.extensions import db
    from pb.funds.models import Fund

    with server.app.app_context():
        return db.session.scalar(select(Fund.id).where(Fund.name.like("Eastbrook Community Wealth Fund%")))


def read_the_agreement_and_last_years_accounts(page, a11y, fund_id):
    page.goto(f"/n/eastbrook/funds/{fund_id}/")
    page.get_by_role("link", name="funding agreements").click()
    page.get_by_role("heading", name="Funding agreements").wait_for()
    a11y.check(page)
    page.get_by_role("link", name="A-1 with Community Wealth Fund").click()
    page.get_by_role("heading", name="Community Wealth Fund and Eastbrook Borough Council").wait_for()
    a11y.check(page)
    drawdowns = page.locator("#drawdowns tbody tr")
    assert drawdowns.count() == 6
    text = page.locator("main").inner_text()
    assert "Waiting for the funder" in text and "Approved: waiting for the money" in text
    assert "5% of each drawdown: £9,000 so far" in text  # 5% of the £180,000 received
    page.goto(f"/n/eastbrook/funds/{fund_id}/")
    page.get_by_role("link", name="2025/26").click()
    page.get_by_role("heading", name="Eastbrook Community Wealth Fund 2025-2035: 2025/26").wait_for()
    a11y.check(page)
    reconciled = page.locator("#reconciliation").inner_text()
    assert "Reconciled with the bank statement" in reconciled
    table = page.locator("#accounts").inner_text()
    assert "£87,005.62" in table and "£5,000" in table  # the closing balance the bank shows; the fee
    page.goto(f"/n/eastbrook/funds/{fund_id}/")
    page.get_by_role("link", name="Annual reports").click()
    page.get_by_role("link", name="2025/26").click()
    page.get_by_role("heading", name="Eastbrook's annual report, 2025/26").wait_for()
    a11y.check(page)
    assert "Published" in page.locator("main").inner_text()
    assert "£87,005.62" in page.locator("#report-accounts").inner_text()
    assert page.get_by_role("link", name="Download the report as a PDF").count() == 1


def test_anyone_reads_the_agreement_and_reconciled_accounts(page, a11y, live_server):
    read_the_agreement_and_last_years_accounts(page, a11y, demo_fund_id(live_server))


def _this_years_statement(server, fund_id) -> bytes:
    """What the bank would export for this year so far: a line for every movement pb recorded, in
    the NatWest layout (one signed Value column), with its own reference words."""
    from pb.reports.ledgerside import movements

    with server.app.app_context():
        found = movements(fund_id, date(2026, 4, 1), date.today())
    lines, balance = ["Date,Type,Description,Value,Balance,Account Name,Account Number"], 8_700_562
    for m in found:
        balance += m.amount
        lines.append(f"{m.on:%d/%m/%Y},BAC,{m.reference.upper() or 'TRANSFER'},{m.amount / 100:.2f},{balance / 100:.2f},"
                     "EASTBROOK CWF,****4321")
    return ("\n".join(lines) + "\n").encode()


def test_the_treasurer_imports_this_years_statement_and_the_year_reconciles(js_page, a11y, live_server):
    page, fund_id = js_page, demo_fund_id(live_server)
    sign_in(page, "treasurer@eastbrook.example")
    page.goto(f"/n/eastbrook/funds/{fund_id}/manage")
    page.get_by_role("link", name="Bank statements: import and reconcile").click()
    page.get_by_role("heading", name="Bank statements").wait_for()
    a11y.check(page)
    # A file of the wrong kind first: refused, named next to the field, nothing imported.
    page.get_by_label("The bank statement, as a CSV file").set_input_files(
        files=[{"name": "statement.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04\x00\x00"}])
    page.get_by_role("button", name="Import the statement").click()
    page.locator(".error-summary").wait_for()
    assert "This is not a CSV file" in page.locator(".error-summary").inner_text()
    a11y.check(page)
    page.get_by_label("The bank statement, as a CSV file").set_input_files(
        files=[{"name": "natwest.csv", "mimeType": "text/csv", "buffer": _this_years_statement(live_server, fund_id)}])
    page.get_by_role("button", name="Import the statement").click()
    page.get_by_role("heading", name="Reconcile 2026/27").wait_for()
    a11y.check(page)
    assert "not matched" in page.locator("main").inner_text()
    page.get_by_role("button", name="Confirm the ticked matches").click()
    page.get_by_role("heading", name="Reconcile 2026/27").wait_for()
    assert "0 suggested, 0 not matched" in page.locator("main").inner_text()
    page.get_by_role("link", name="The accounts for 2026/27").click()
    page.locator("#reconciliation").wait_for()
    assert "Reconciled with the bank statement" in page.locator("#reconciliation").inner_text()
    a11y.check(page)


def test_anyone_reads_the_returns_the_risks_and_the_national_view(page, a11y, live_server):
    fund_id = demo_fund_id(live_server)
    page.goto(f"/n/eastbrook/funds/{fund_id}/returns")
    page.get_by_role("heading", name="Returns to the funder").wait_for()
    a11y.check(page)
    text = page.locator("#returns").inner_text()
    assert "Late" in text and text.count("Submitted to the funder") >= 2
    page.get_by_role("link", name="Twelve-monthly return").first.click()
    page.get_by_role("heading", name="Twelve-monthly return: April 2025 to March 2026").wait_for()
    a11y.check(page)
    assert "£100,000" in page.locator("#return-money").inner_text()  # D-1 and D-2 received in 2025/26
    page.goto("/n/eastbrook/risks")
    page.get_by_role("heading", name="Risk register").wait_for()
    a11y.check(page)
    from pb.extensions import db
    from pb.national.models import Programme

    with live_server.app.app_context():
        programme = db.session.scalar(select(Programme.id))
    page.goto(f"/national/{programme}/2026/neighbourhoods")
    page.get_by_role("link", name="Twelve-monthly returns").click()
    page.get_by_role("heading", name="Twelve-monthly returns").wait_for()
    a11y.check(page)
    assert "Eastbrook" in page.locator("#national-returns").inner_text()


def test_a_facilitator_writes_the_due_update_and_the_board_and_council_approve_it(js_page, a11y, live_server, browser):
    page, fund_id = js_page, demo_fund_id(live_server)
    sign_in(page, "facilitator@eastbrook.example")
    page.goto(f"/n/eastbrook/funds/{fund_id}/returns")
    page.get_by_role("button", name="Start this return").first.click()
    page.get_by_role("heading", name="Write the six-monthly update").wait_for()
    a11y.check(page)
    page.get_by_label("Forecast spend next period: Not tied to the plan (optional)").fill("-5")
    page.get_by_role("button", name="Save the return").click()
    page.locator(".error-summary").wait_for()
    a11y.check(page)
    page.get_by_label("Summary of the period").fill("Residents chose six projects; the youth club reopened.")
    page.get_by_label("Forecast spend next period: Not tied to the plan (optional)").fill("30000")
    page.get_by_role("button", name="Save the return").click()
    page.get_by_role("heading", name="Six-monthly update: April 2026 to September 2026").wait_for()
    a11y.check(page)
    url = page.url
    for who, button in (("chair@eastbrook.example", "Approve it for the board"),
                        ("finance@eastbrook-council.example", "Approve it for the accountable body"),
                        ("facilitator@eastbrook.example", "Submit it to the funder")):
        context = browser.new_context(base_url=live_server.url)
        other = context.new_page()
        try:
            sign_in(other, who)
            other.goto(url)
            other.get_by_role("button", name=button).click()
            other.locator(".notice-success, .flash-success, [role=status]").first.wait_for()
        finally:
            context.close()
    page.goto(url)
    assert "Submitted to the funder" in page.locator("main").inner_text()
    a11y.check(page)
