"""A board meeting as a facilitator runs it and residents follow it: the agenda and papers published
(late ones marked), confidential items kept back with their reason, who came, a motion with its
quorum worked out from the members present without an interest, minutes approved at the next
meeting and only then published, followers emailed, the decision in the log, and a member absent
without apologies flagged."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.mail.models import OutboxEmail
from pb.neighbourhoods.models import AUDITOR, FACILITATOR
from tests.factories import sign_in

TODAY = date.today()


def _seat(client, slug, person, kind="resident"):
    assert client.post(f"/n/{slug}/board/seats/new", data={
        "email": person.email, "kind": kind, "came_by": "elected",
        "started_on": (TODAY - timedelta(days=60)).isoformat()}).status_code == 302


def _board(app, factory, client, hood, names) -> tuple[list, dict[str, int]]:
    """Residents with these names seated on the board: (people, {name: seat id})."""
    from pb.boards.models import BoardSeat

    people = [factory.resident(hood, name=name) for name in names]
    for person in people:
        _seat(client, hood.slug, person)
    with app.app_context():
        return people, {s.user.name: s.id for s in db.session.scalars(select(BoardSeat))}


def _meeting(client, slug, title, when: datetime) -> str:
    response = client.post(f"/n/{slug}/board/meetings/new", data={
        "title": title, "starts_at": when.strftime("%Y-%m-%dT%H:%M"), "place": "Community Centre, Mill Lane",
        "public": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.location


@pytest.mark.both_engines  # the item numbering lock and the attendance rows, on each engine
def test_a_meeting_from_papers_to_published_minutes(app, factory, client):
    hood = factory.neighbourhood(name="Eastbrook")
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    members = [factory.resident(hood, name=name) for name in ("Ann", "Ben", "Cat", "Dan", "Eve")]
    for person in members:
        _seat(client, hood.slug, person)
    follower = factory.resident(hood)
    watcher = app.test_client()
    sign_in(watcher, follower)
    assert watcher.post(f"/n/{hood.slug}/board/follow").status_code == 302

    # Yesterday's meeting: its papers go out late (the board asks for 7 days), one item confidential.
    first = _meeting(client, hood.slug, "Board meeting, autumn", datetime.combine(TODAY, datetime.min.time())
                     - timedelta(days=1) + timedelta(hours=18))
    meeting_id = int(first.rstrip("/").split("/")[-1])
    no_reason = client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/new", data={
        "title": "A staffing matter", "confidential": "y", "reason": ""})
    assert no_reason.status_code == 400 and "Say why this item is confidential" in no_reason.get_data(as_text=True)
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/new", data={
        "title": "Grant G-4: renew it for a second year", "paper": "The group asks for £8,000 more."})
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/new", data={
        "title": "A staffing matter", "confidential": "y", "reason": "About a named member of staff"})
    public = app.test_client()
    assert public.get(first).status_code == 404  # not public until the papers are published
    published = client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/publish", follow_redirects=True)
    assert "Papers published. They are late" in published.get_data(as_text=True)
    page = public.get(first).get_data(as_text=True)
    assert "late</strong>: less than the 7 days" in page and "The group asks for £8,000 more." in page
    assert "A staffing matter" not in page and "Confidential item</strong>: About a named member of staff" in page

    # Who came: Eve sent apologies, Dan was absent; then a motion with Ann declaring an interest.
    marks = {"Ann": "present", "Ben": "present", "Cat": "present", "Dan": "absent", "Eve": "apologies"}
    with app.app_context():
        from pb.boards.models import BoardSeat
        seats = {s.user.name: s.id for s in db.session.scalars(select(BoardSeat))}
    missing = client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/attendance",
                          data={f"seat_{seats['Ann']}": "present"})
    assert "Say whether Ben came" in missing.get_data(as_text=True)
    assert client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/attendance",
                       data={f"seat_{seats[n]}": m for n, m in marks.items()}).status_code == 302
    motion = f"/n/{hood.slug}/board/meetings/{meeting_id}/items/1/motion"
    data = {"text": "That the board renews grant G-4", "proposer_seat_id": str(seats["Ben"]),
            "seconder_seat_id": str(seats["Cat"]), "votes_for": "2", "votes_against": "0", "abstentions": "0",
            f"interest_{seats['Ann']}": "I volunteer with the group"}
    too_many = client.post(motion, data=data | {"votes_for": "3"})
    assert ("3 votes, but only 2 members present could vote (those who declared an interest left the room)"
            in too_many.get_data(as_text=True))
    # Five voting members, one with an interest: 3 of the 4 free must be there; only Ben and Cat are.
    assert client.post(motion, data=data).status_code == 302
    page = public.get(first).get_data(as_text=True)
    assert "Not carried: not quorate" in page and "2 members present without an interest; 3 needed" in page
    assert "Declared an interest and left the room: Ann (I volunteer with the group)" in page

    # Minutes: drafted (not public), approved at the next meeting, then published and emailed.
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/minutes", data={
        "minutes": "The board could not decide G-4: not quorate.", "confidential": "Staffing: agreed to wait."})
    page = public.get(first).get_data(as_text=True)
    assert "published once the next meeting approves them" in page and "could not decide" not in page
    second = _meeting(client, hood.slug, "Board meeting, winter", datetime.combine(TODAY, datetime.min.time())
                      + timedelta(hours=1))
    second_id = int(second.rstrip("/").split("/")[-1])
    not_held = client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/minutes/approve", data={"at": ""})
    assert "Choose the meeting that approved them" in not_held.get_data(as_text=True)
    client.post(f"/n/{hood.slug}/board/meetings/{second_id}/items/new", data={"title": "Minutes of the last meeting"})
    client.post(f"/n/{hood.slug}/board/meetings/{second_id}/items/new", data={"title": "Grant G-4 again"})
    client.post(f"/n/{hood.slug}/board/meetings/{second_id}/attendance",
                data={f"seat_{seats[n]}": "present" for n in marks})
    assert client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/minutes/approve",
                       data={"at": str(second_id)}).status_code == 302
    page = public.get(first).get_data(as_text=True)
    assert "The board could not decide G-4: not quorate." in page and "Staffing: agreed to wait." not in page
    auditor = app.test_client()
    sign_in(auditor, factory.with_role(hood, AUDITOR))
    assert "Staffing: agreed to wait." in auditor.get(first).get_data(as_text=True)
    with app.app_context():
        subjects = [e.subject for e in db.session.scalars(select(OutboxEmail).where(
            OutboxEmail.to_address == follower.email).order_by(OutboxEmail.id))]
    assert subjects == ["Eastbrook's board: papers for Board meeting, autumn",
                        "Eastbrook's board: minutes of Board meeting, autumn"]

    # A carried motion at the second meeting lands in the decision log, filtered by meeting.
    closed = client.post(f"/n/{hood.slug}/board/meetings/{second_id}/items/new", data={"title": "Late addition"})
    assert "This meeting is held: its agenda is closed" in closed.get_data(as_text=True)
    assert client.post(f"/n/{hood.slug}/board/meetings/{second_id}/items/2/motion", data={
        "text": "That the board renews grant G-4", "proposer_seat_id": str(seats["Ben"]),
        "seconder_seat_id": str(seats["Cat"]), "votes_for": "4", "votes_against": "0", "abstentions": "0",
        f"interest_{seats['Ann']}": "I volunteer with the group"}).status_code == 302
    # Attendance this year, on the board page: Dan came to the second meeting only.
    this_year = 1 + ((TODAY - timedelta(days=1)).year == TODAY.year)
    board = public.get(f"/n/{hood.slug}/board/").get_data(as_text=True)
    dan = board[board.index(">Dan</a>"):].split("</tr>")[0]
    assert f"{this_year - 1 if this_year == 2 else 1} of {this_year}" in dan
    log = public.get(f"/n/{hood.slug}/board/decisions?meeting={second_id}").get_data(as_text=True)
    assert ("At Board meeting, winter, item 2 (Grant G-4 again): That the board renews grant G-4" in log)
    assert "4 for, 0 against, 0 abstaining; proposed by Ben, seconded by Cat" in log and "Ann" in log


def test_a_member_absent_without_apologies_is_flagged(app, factory, client):
    from pb.boards import meetings
    from pb.neighbourhoods.models import Neighbourhood

    hood = factory.neighbourhood()
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    members = [factory.resident(hood, name=name) for name in ("Fay", "Gus")]
    for person in members:
        _seat(client, hood.slug, person)
    with app.app_context():
        from pb.boards.models import BoardSeat
        seats = {s.user.name: s.id for s in db.session.scalars(select(BoardSeat))}
    for days in (40, 10):
        url = _meeting(client, hood.slug, f"Meeting {days}", datetime.combine(TODAY - timedelta(days=days),
                                                                             datetime.min.time()))
        meeting_id = int(url.rstrip("/").split("/")[-1])
        client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/attendance",
                    data={f"seat_{seats['Fay']}": "present", f"seat_{seats['Gus']}": "absent"})
    with app.app_context():
        assert [s.user.name for s in meetings.absent_members(db.session.get(Neighbourhood, hood.id))] == ["Gus"]
        # The facilitators hear of it with each meeting Gus misses (Fay, present, is never named).
        emails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == facilitator.email)).all()
        assert [e.subject for e in emails] == [f"{hood.name}'s board: absent without apologies"] * 2
        assert not any("Fay" in e.body for e in emails)
        assert "Gus has been absent without apologies from every meeting" in emails[0].body
    page = client.get(f"/n/{hood.slug}/board/meetings/").get_data(as_text=True)
    assert "Absent without apologies from every meeting in recent months" in page and "<li>Gus</li>" in page
    assert "<li>Gus</li>" not in app.test_client().get(f"/n/{hood.slug}/board/meetings/").get_data(as_text=True)


def test_a_grant_decision_is_taken_at_a_meeting_by_its_vote(app, factory, client):
    from pb.accounts.models import User
    from pb.funds import grants, planning
    from pb.funds.figures import financial_year_of
    from pb.funds.models import FundYear, Grant, GrantStatus

    hood = factory.neighbourhood(name="Eastbrook")
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    people, seats = _board(app, factory, client, hood, ("Ann", "Ben", "Cat"))
    with app.app_context():
        fund = planning.create_fund(factory._hood(hood), db.session.get(User, facilitator.id), name="Fund",
                                    first_year=financial_year_of(TODAY), years=2)
        year = db.session.scalar(select(FundYear).where(FundYear.fund_id == fund.id,
                                                        FundYear.financial_year == financial_year_of(TODAY)))
        planning.set_year_plan(fund, db.session.get(User, facilitator.id), financial_year=year.financial_year,
                               planned=50_000_00, capacity_percent=20)
        # Ann proposes a capacity grant online: it waits for a second approval of the three.
        decision = grants.create_capacity_grant(
            db.session.get(FundYear, year.id), db.session.get(User, people[0].id), title="Youth worker",
            summary="Two days a week", amount=6_000_00, starts_on=TODAY, ends_on=TODAY + timedelta(days=300),
            body=grants.BodyInput("Eastbrook Youth", "constituted_group", "", "youth@example.org"),
            reason="The board asked for it")
        decision_id, grant_id = decision.id, decision.grant.id
    url = _meeting(client, hood.slug, "Board meeting", datetime.combine(TODAY, datetime.min.time()))
    meeting_id = int(url.rstrip("/").split("/")[-1])
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/new", data={"title": "The youth worker grant"})
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/attendance",
                data={f"seat_{sid}": "present" for sid in seats.values()})
    form = client.get(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/1/motion").get_data(as_text=True)
    assert "G-1 Youth worker: approve the grant agreement" in form
    assert client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/1/motion", data={
        "text": "That the board approves G-1", "proposer_seat_id": str(seats["Ben"]),
        "seconder_seat_id": str(seats["Cat"]), "votes_for": "3", "votes_against": "0", "abstentions": "0",
        "grant_decision_id": str(decision_id)}).status_code == 302
    with app.app_context():
        assert db.session.get(Grant, grant_id).status == GrantStatus.APPROVED
    log = app.test_client().get(f"/n/{hood.slug}/board/decisions?kind=grants").get_data(as_text=True)
    assert "Approve the grant agreement: G-1 Youth worker, £6,000" in log
    assert "At Board meeting: 3 for, 0 against, 0 abstaining" in log
    taken = client.get(f"/n/{hood.slug}/grants/{grant_id}/manage").get_data(as_text=True)
    assert "None being made." in taken  # no longer waiting for online approvals


def test_a_rounds_result_is_signed_off_at_a_meeting(app, factory, client):
    from pb.accounts.models import User
    from pb.rounds.models import Round
    from pb.voting import services as voting
    from pb.voting.models import CountResult, CountStatus
    from tests.factories import _advance_to, _round, make_voting_round

    round_ref, ids = make_voting_round(factory)
    hood = round_ref.hood
    sign_in(client, round_ref.facilitator)
    people, seats = _board(app, factory, client, hood, ("Ann", "Ben", "Cat"))
    with app.app_context():
        round_ = _round(round_ref)
        for voter in [factory.resident(hood) for _ in range(3)]:
            voting.cast_ballot(round_, db.session.get(User, voter.id), {round_.pots[0].id: [ids[0]]})
        f = db.session.get(User, round_ref.facilitator.id)
        _advance_to(round_, "counting", f)
        voting.count_round(round_, f)
        _advance_to(_round(round_ref), "sign_off", f)
    url = _meeting(client, hood.slug, "Board meeting", datetime.combine(TODAY, datetime.min.time()))
    meeting_id = int(url.rstrip("/").split("/")[-1])
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/new", data={"title": "The vote's result"})
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/attendance",
                data={f"seat_{sid}": "present" for sid in seats.values()})
    form = client.get(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/1/motion").get_data(as_text=True)
    assert "sign off the result" in form
    assert client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/1/motion", data={
        "text": "That the board signs off the result", "proposer_seat_id": str(seats["Ann"]),
        "seconder_seat_id": str(seats["Ben"]), "votes_for": "3", "votes_against": "0", "abstentions": "0",
        "round_id": str(round_ref.id)}).status_code == 302
    with app.app_context():
        result = db.session.scalar(select(CountResult).where(CountResult.round_id == round_ref.id)
                                   .order_by(CountResult.id.desc()))
        assert result.status == CountStatus.APPROVED
        assert db.session.get(Round, round_ref.id).phase == "sign_off"  # the facilitator publishes next
    log = app.test_client().get(f"/n/{hood.slug}/board/decisions?kind=results").get_data(as_text=True)
    assert "Signed off the results of the round" in log and "At Board meeting: 3 for, 0 against" in log


def test_a_member_whose_register_names_a_funded_proposer_says_why_before_signing_off(app, factory, client):
    from pb.accounts.models import User
    from pb.boards import register
    from pb.proposals.models import Proposal
    from pb.voting import services as voting
    from tests.factories import _advance_to, _round, make_voting_round

    round_ref, ids = make_voting_round(factory)
    hood = round_ref.hood
    sign_in(client, round_ref.facilitator)
    sister = factory.resident(hood, name="Sal Sister")
    _seat(client, hood.slug, sister)
    with app.app_context():
        round_ = _round(round_ref)
        author = db.session.get(Proposal, ids[0]).proposer.name
        register.add_entry(db.session.get(User, sister.id), factory._hood(hood), kind="family", organisation="",
                           description=f"My brother is {author}", from_on=date(2001, 1, 1))
        for voter in [factory.resident(hood) for _ in range(3)]:
            voting.cast_ballot(round_, db.session.get(User, voter.id), {round_.pots[0].id: [ids[0]]})
        f = db.session.get(User, round_ref.facilitator.id)
        _advance_to(round_, "counting", f)
        voting.count_round(round_, f)
        _advance_to(_round(round_ref), "sign_off", f)
    member = app.test_client()
    sign_in(member, sister)
    url = f"/n/{hood.slug}/rounds/{round_ref.id}/sign-off"
    page = member.get(url).get_data(as_text=True)
    assert f"Your register of interests names ‘Family or close personal’ (My brother is {author})" in page
    silent = member.post(url, data={"action": "approve", "no_interest_reason": ""})
    assert silent.status_code == 400 and "Declare an interest in that project instead" in silent.get_data(as_text=True)
    assert member.post(url, data={"action": "approve",
                                  "no_interest_reason": "His project is in the other pot"}).status_code == 302
    with app.app_context():
        from pb.ledger.models import AuditEntry
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "result.approved_by_member"))
        assert '"no_interest_reason":"His project is in the other pot"' in entry.payload


def test_a_member_whose_register_names_the_item_says_why_or_declares(app, factory, client):
    from pb.accounts.models import User
    from pb.boards import register
    from pb.ledger.models import AuditEntry

    hood = factory.neighbourhood(name="Eastbrook")
    facilitator = factory.with_role(hood, FACILITATOR)
    sign_in(client, facilitator)
    people, seats = _board(app, factory, client, hood, ("Ann", "Ben", "Cat"))
    with app.app_context():
        register.add_entry(db.session.get(User, people[2].id), factory._hood(hood), kind="organisation",
                           organisation="Eastbrook Youth Club", description="Volunteer coach",
                           from_on=date(2020, 1, 1))
    url = _meeting(client, hood.slug, "Board meeting", datetime.combine(TODAY, datetime.min.time()))
    meeting_id = int(url.rstrip("/").split("/")[-1])
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/items/new",
                data={"title": "A grant to the Eastbrook Youth Club"})
    client.post(f"/n/{hood.slug}/board/meetings/{meeting_id}/attendance",
                data={f"seat_{sid}": "present" for sid in seats.values()})
    motion = f"/n/{hood.slug}/board/meetings/{meeting_id}/items/1/motion"
    form = client.get(motion).get_data(as_text=True)
    assert "Cat: why their register does not touch this item" in form
    data = {"text": "That the board supports the club", "proposer_seat_id": str(seats["Ann"]),
            "seconder_seat_id": str(seats["Ben"]), "votes_for": "3", "votes_against": "0", "abstentions": "0"}
    silent = client.post(motion, data=data)
    assert silent.status_code == 400
    assert ("Cat’s register names ‘Eastbrook Youth Club’ (Volunteer coach): record their interest, or why it does "
            "not touch this item") in silent.get_data(as_text=True).replace("&#39;", "’").replace("'", "’")
    assert client.post(motion, data=data | {f"why_{seats['Cat']}": "She stopped coaching in March"}
                       ).status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "board.motion_recorded"))
        assert "She stopped coaching in March" in entry.payload
