"""Flask CLI admin jobs: the demo, postcode import, audit verification, the outbox."""
import re

import pytest
from sqlalchemy import func, select

from pb.accounts.models import User
from pb.extensions import db
from pb.funds.models import DecisionKind, DecisionStatus
from pb.mail.models import OutboxEmail
from pb.neighbourhoods.models import (
    AUDITOR,
    BOARD_MEMBER,
    FACILITATOR,
    RESIDENT,
    TREASURER,
    EligiblePostcode,
    Membership,
    Neighbourhood,
)
from pb.rounds.models import Round
from tests.funds.giving_schema import problems


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def hood_help(app):
    with app.app_context():
        hood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == "eastbrook"))
        return hood.help_phone, hood.help_email


def test_demo_seeds_a_live_neighbourhood_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo neighbourhood ready" in first.output and "facilitator@eastbrook.example" in first.output
    with app.app_context():
        hood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == "eastbrook"))
        roles = dict(db.session.execute(select(Membership.role, func.count()).where(Membership.neighbourhood_id == hood.id)
                                        .group_by(Membership.role)).all())
        verified = db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.role == RESIDENT, Membership.verified_at.is_not(None)))
    # The board's eleven voting seats: the five board accounts, four residents and two new members; the
    # four board members with resident seats are verified residents too.
    assert roles == {BOARD_MEMBER: 11, FACILITATOR: 2, AUDITOR: 1, TREASURER: 1, RESIDENT: 204}
    assert 0 < verified < 200
    assert hood_help(app) == ("0161 496 0000", "help@eastbrook.example")  # on every demo letter and voting card
    demo_money(app)
    demo_dates(app)
    demo_assets(app)
    demo_programme(app)
    demo_board(app)
    demo_logins(app)
    people = count(app, User)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "already there; nothing changed" in second.output
    assert count(app, User) == people


def demo_logins(app):
    """The README's demo sign-in works, with the password it prints."""
    from pb.demo import PASSWORD

    client = app.test_client()
    response = client.post("/sign-in", data={"email": "facilitator@eastbrook.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/n/eastbrook/residents").status_code == 200


def demo_board(app):
    """Eleven seats, eight of them residents living in the area; one register confirmation overdue."""
    page = app.test_client().get("/n/eastbrook/board/").get_data(as_text=True)
    assert "The board meets Community Wealth Fund rules" in page
    assert "11 voting members, 8 of them living in the area" in page
    assert page.count("Confirmation overdue") == 1 and "Independent chair, appointed" in page
    meetings = app.test_client().get("/n/eastbrook/board/meetings/").get_data(as_text=True)
    assert meetings.count("minutes published") == 2 and "Papers published" in meetings


def demo_dates(app):
    """Every date the demo writes follows its own clock: a grant is agreed, then accepted, then paid."""
    from pb.funds.models import Grant, GrantDecision, Payment

    with app.app_context():
        for grant in db.session.scalars(select(Grant).where(Grant.accepted_at.is_not(None))):
            decided = max(d.decided_at for d in db.session.scalars(select(GrantDecision).where(
                GrantDecision.grant_id == grant.id, GrantDecision.status == DecisionStatus.MADE, GrantDecision.kind == DecisionKind.APPROVE)))
            paid = [p.paid_on for p in db.session.scalars(select(Payment).where(Payment.grant_id == grant.id))]
            assert decided <= grant.accepted_at, grant.reference
            assert not paid or grant.accepted_at.date() <= min(paid), (grant.reference, grant.accepted_at, min(paid))


def demo_programme(app):
    """The national programmes page has a programme with a confirmed year."""
    client = app.test_client()
    index = client.get("/national/").get_data(as_text=True)
    assert "Community Wealth Fund" in index
    with app.app_context():
        from pb.national.models import Programme
        programme = db.session.scalar(select(Programme))
    page = client.get(f"/national/{programme.id}/").get_data(as_text=True)
    assert "Each neighbourhood&#39;s share in 2026/27, confirmed" in page
    table = client.get(f"/national/{programme.id}/2026/neighbourhoods").get_data(as_text=True)
    assert all(name in table for name in ("Eastbrook", "Westmoor", "Northgate"))


def demo_assets(app):
    """Two assets: a listed pub in its full moratorium with a bid half pledged, a green space with 14 of 21 names."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(app.test_client().get("/n/eastbrook/assets.csv").get_data().decode("utf-8-sig"))))
    pub, green = rows
    assert (pub["name"], pub["state"], pub["decision"]) == ("The Red Lion", "full_moratorium", "listed")
    assert int(pub["pledged_pence"]) * 2 == int(pub["bid_target_pence"])
    assert (green["name"], green["state"], green["supporters"]) == ("Mill Lane Green", "nominated", "14")


def demo_money(app):
    """The demo follows the money: a ten-year fund, last year's projects as grants, one completed, one at risk
    with its update overdue, money carried forward, and its grants valid 360Giving open data."""
    client = app.test_client()
    fund = client.get("/n/eastbrook/funds/1/").get_data(as_text=True)
    assert "Eastbrook Community Wealth Fund 2025-2035" in fund
    assert fund.count("Update overdue") >= 1 and "Completed" in fund
    carried = re.search(r"Carried forward from the year before</th>(.*?)</tr>", fund, re.S).group(1)
    assert "£12,000" in carried  # the first year's capacity grant cost £2,000 less than granted
    package = client.get("/n/eastbrook/360giving.json").get_json()
    assert problems(package) == [] and len(package["grants"]) >= 4
    assert all(grant["id"].startswith("360G-eastbrook-G-") for grant in package["grants"])
    with app.app_context():  # the current round draws on this year's allocation
        round_ = db.session.scalar(select(Round).where(Round.name == "Eastbrook Community Fund 2027/28"))
        assert round_.fund_year_plan.financial_year == "2027/28"


@pytest.mark.both_engines
def test_area_import_from_csv_reports_progress_and_counts(app, factory, tmp_path):
    hood = factory.neighbourhood(postcodes=())
    csv_file = tmp_path / "area.csv"
    csv_file.write_text("Postcode,Ward\n" + "".join(f"EB{d} {s}AA,East\n" for d in range(1, 10) for s in range(1, 10)) + "eb1 1aa,East\n")
    result = app.test_cli_runner().invoke(args=["area", "import", hood.slug, str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "Read 81 distinct postcodes" in result.output and "81 added, 0 removed, 81 in the area" in result.output
    assert count(app, EligiblePostcode) == 81


def test_area_import_refuses_a_bad_file_with_line_numbers_and_saves_nothing(app, factory, tmp_path):
    hood = factory.neighbourhood(postcodes=())
    csv_file = tmp_path / "area.csv"
    csv_file.write_text("postcode\nEB1 1AA\nnot-a-postcode\n")
    result = app.test_cli_runner().invoke(args=["area", "import", hood.slug, str(csv_file)])
    assert result.exit_code == 1 and "line 3" in result.output
    assert count(app, EligiblePostcode) == 0
    missing = app.test_cli_runner().invoke(args=["area", "import", "nowhere", str(csv_file)])
    assert missing.exit_code == 1 and "no neighbourhood with the web address name 'nowhere'" in missing.output


def test_audit_verify_command(app, factory):
    factory.neighbourhood(slug="riverside")
    factory.person()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "PASS neighbourhood/riverside" in result.output and "PASS platform" in result.output


def test_role_and_admin_commands(app, factory):
    hood = factory.neighbourhood()
    person = factory.person(email="fay@example.org")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["role", "grant", "fay@example.org", hood.slug, "facilitator"]).exit_code == 0
    again = runner.invoke(args=["role", "grant", "fay@example.org", hood.slug, "facilitator"])
    assert again.exit_code == 1 and "already a facilitator" in again.output
    assert runner.invoke(args=["admin", "grant", "fay@example.org"]).exit_code == 0
    with app.app_context():
        assert db.session.get(User, person.id).is_admin


@pytest.mark.both_engines
def test_sessions_purge_deletes_expired_sessions_and_old_failures(app, client, factory):
    from sqlalchemy import update

    from pb.accounts.models import FailedAttempt, UserSession
    from pb.timeutil import utcnow
    from tests.factories import sign_in

    person = factory.person()
    sign_in(client, person)
    client.post("/sign-in", data={"email": person.email, "password": "wrong guess"})
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow().replace(year=2000)))
        db.session.execute(update(FailedAttempt).values(at=utcnow().replace(year=2000)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["sessions", "purge"])
    assert "Deleted 1 expired sessions and 1 old failed attempts." in result.output
    assert count(app, UserSession) == 0 and count(app, FailedAttempt) == 0


@pytest.mark.config(PB_SMTP_URL="smtp://127.0.0.1:1")
def test_unsendable_email_stays_in_the_outbox_with_the_error(app, client):
    from tests.accounts.test_accounts import GOOD

    client.post("/register", data=GOOD)  # the request tries to send straight after commit
    with app.app_context():
        email = db.session.scalar(select(OutboxEmail))
        assert email.sent_at is None and email.attempts == 1 and email.last_error
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "0 sent, 1 failed" in result.output
    assert count(app, OutboxEmail, OutboxEmail.attempts == 2) == 1
