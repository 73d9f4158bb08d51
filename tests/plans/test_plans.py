"""The neighbourhood plan as a facilitator writes it, residents comment, the board approves and the
funder endorses it: every bad input named, the investment plan held to the fund's years, each
version kept with its digest in the ledger."""
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.frameworks import frameworks
from pb.funds import planning
from pb.funds.figures import financial_year_of, next_year
from pb.funds.models import Fund, Grant
from pb.ledger.models import AuditEntry
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, TREASURER
from pb.plans import decisions, services
from pb.plans.models import Plan, PlanStatus
from pb.services import ServiceError
from tests.factories import _user, sign_in

THIS_YEAR = financial_year_of(date.today())
NEXT_YEAR = next_year(THIS_YEAR)


@pytest.fixture
def world(app, factory):
    hood = factory.neighbourhood(name="Eastbrook")
    facilitator = factory.with_role(hood, FACILITATOR)
    member = factory.with_role(hood, BOARD_MEMBER)
    with app.app_context():
        fund = planning.create_fund(factory._hood(hood), _user(facilitator), name="Community Wealth Fund",
                                    first_year=THIS_YEAR, years=3)
        planning.set_year_plan(fund, _user(facilitator), financial_year=THIS_YEAR, planned=100_000_00,
                               capacity_percent=10)
        planning.set_year_plan(fund, _user(facilitator), financial_year=NEXT_YEAR, planned=150_000_00,
                               capacity_percent=10)
        fund_id = fund.id
    return hood, facilitator, member, fund_id


def test_frameworks_are_data_with_their_source_and_date():
    shipped = frameworks()
    assert {"pride_in_place", "community_wealth_fund", "big_local", "our_own"} <= set(shipped)
    pip = shipped["pride_in_place"]
    assert [name for _, name in pip.objectives] == ["Thriving places", "Stronger communities", "Taking back control"]
    assert "Regeneration, high streets and heritage" in [i.name for i in pip.interventions]
    assert pip.date == "2025-12-03" and "prospectus" in pip.source
    assert pip.period_of("2027/28").name == "First investment period"
    for framework in shipped.values():
        assert framework.source and framework.date
        for item in framework.interventions:
            assert item.outputs and item.spend in ("capital", "revenue", "both")


@pytest.mark.both_engines
def test_a_plan_is_written_commented_approved_and_endorsed(app, factory, client, world):
    hood, facilitator, member, fund_id = world
    sign_in(client, facilitator)
    started = client.post(f"/n/{hood.slug}/plan/start", data={"framework": "community_wealth_fund",
                                                              "fund": str(fund_id)})
    assert started.status_code == 302
    base = f"/n/{hood.slug}/plan/versions/1"
    long_vision = " ".join(["word"] * 251)
    refused = client.post(f"{base}/sections/vision", data={"text": long_vision})
    assert "The vision must be 250 words or fewer: it has 251" in refused.get_data(as_text=True)
    assert client.post(f"{base}/sections/vision", data={
        "text": "Eastbrook in 2036: young people with places to go, streets people feel safe in."}).status_code == 302
    assert client.post(f"{base}/interventions", data={"interventions": ["young_people", "community_spaces"]}
                       ).status_code == 302

    # The fund holds £100,000 this year, £10,000 of it ring-fenced: £90,000 is the most the plan can place.
    over = client.post(f"{base}/investment", data={"financial_year": THIS_YEAR, "intervention": "young_people",
                                                   "revenue": "95000"})
    page = over.get_data(as_text=True)
    assert over.status_code == 400
    assert (f"{THIS_YEAR}: the plan puts £95,000 into its interventions and £10,000 is ring-fenced for community "
            "capacity, £105,000 in all, but Community Wealth Fund holds £100,000 that year: £5,000 too much") in page
    capital_only = client.post(f"{base}/investment", data={"financial_year": THIS_YEAR, "intervention": "young_people",
                                                           "capital": "1000"})
    assert "Young people pays for revenue only" in capital_only.get_data(as_text=True)
    assert client.post(f"{base}/investment", data={"financial_year": THIS_YEAR, "intervention": "young_people",
                                                   "revenue": "60000"}).status_code == 302
    assert client.post(f"{base}/investment", data={"financial_year": THIS_YEAR, "intervention": "community_spaces",
                                                   "capital": "20000", "revenue": "5000"}).status_code == 302
    no_case = client.post(f"{base}/interventions/own", data={"name": "Brook path", "spend": "capital", "need": "x"})
    assert "needs a business case: fill in options considered" in no_case.get_data(as_text=True)
    assert client.post(f"{base}/interventions/own", data={
        "name": "Brook path", "spend": "capital", "objective": "social_infrastructure", "need": "Flooding",
        "options": "Do nothing; resurface", "cost": "£40,000", "outputs": "400 m² of path", "risks": "Permission"}
    ).status_code == 302
    assert client.post(f"{base}/out-for-comment").status_code == 302

    resident = factory.resident(hood, name="Ravi Resident")
    reader = app.test_client()
    sign_in(reader, resident)
    plan_page = reader.get(f"/n/{hood.slug}/plan").get_data(as_text=True)
    assert "young people with places to go" in plan_page and "Out for comment" in plan_page
    assert reader.post(f"{base}/comments", data={"section": "vision", "body": "Please add the brook path"}
                       ).status_code == 302
    assert "Please add the brook path" in reader.get(f"{base}").get_data(as_text=True)

    board = app.test_client()
    sign_in(board, member)
    future = board.post(f"{base}/approve", data={"decided_on": (date.today() + timedelta(days=1)).isoformat()})
    assert "Enter the date of the board meeting, today or earlier" in future.get_data(as_text=True)
    assert board.post(f"{base}/approve", data={"decided_on": date.today().isoformat()}).status_code == 302
    early = client.post(f"{base}/endorse", data={"endorsed_on": (date.today() - timedelta(days=3)).isoformat(),
                                                "endorsed_by": "Sam Lee, The National Lottery Community Fund"})
    assert "The endorsement cannot come before the board" in early.get_data(as_text=True)
    assert client.post(f"{base}/endorse", data={"endorsed_on": date.today().isoformat(),
                                                "endorsed_by": "Sam Lee, The National Lottery Community Fund",
                                                "conditions": "A review each year"}).status_code == 302

    with app.app_context():
        plan = db.session.scalar(select(Plan))
        version = plan.versions[0]
        assert version.status == PlanStatus.ENDORSED and plan.current.number == 1
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("plan.%"))
                                     .order_by(AuditEntry.seq)).all()
        last = json.loads(entries[-1].payload)
        assert entries[-1].action == "plan.endorsed" and last["content_sha256"] == services.digest(version.content)
    data = json.loads(app.test_client().get(f"/n/{hood.slug}/plan.json").get_data(as_text=True))
    assert data["in_force"] == 1 and data["versions"][0]["content_sha256"] == last["content_sha256"]

    # Version 2 changes the vision: the comparison shows what changed, word by word.
    assert client.post(f"/n/{hood.slug}/plan/new-version", data={"note": "After the spring consultation"}
                       ).status_code == 302
    wrote = client.post(f"/n/{hood.slug}/plan/versions/2/sections/vision",
                        data={"text": "Eastbrook in 2036: young people with places to go, and a brook path for everyone."})
    assert wrote.status_code == 302, wrote.get_data(as_text=True)[-3000:]
    diff = client.get(f"/n/{hood.slug}/plan/compare?from=1&to=2").get_data(as_text=True)
    added = " ".join(re.findall(r"<ins>(.*?)</ins>", diff))
    assert "brook" in added and "everyone." in added and "feel" in " ".join(re.findall(r"<del>(.*?)</del>", diff))
    assert "Version 1 is endorsed by the funder: start a new version" in client.post(
        f"{base}/sections/vision", data={"text": "x"}, follow_redirects=True).get_data(as_text=True)


@pytest.mark.both_engines
def test_a_fund_change_that_breaks_the_plan_is_flagged_on_the_plan_page(app, factory, client, world):
    hood, facilitator, member, fund_id = world
    with app.app_context():
        fund = db.session.get(Fund, fund_id)
        plan = services.start_plan(factory._hood(hood), _user(facilitator), framework_key="community_wealth_fund",
                                   fund=fund)
        version = plan.versions[0]
        services.choose_interventions(version, _user(facilitator), ["young_people"])
        services.set_investment(version, _user(facilitator), financial_year=NEXT_YEAR, intervention="young_people",
                                capital=None, revenue=130_000_00)
        with pytest.raises(ServiceError, match="Tie the plan to a fund first|holds"):
            services.set_investment(version, _user(facilitator), financial_year=NEXT_YEAR,
                                    intervention="young_people", capital=None, revenue=140_000_00)
        # The fund's next year shrinks: the fund's own rules allow it, so the plan page says so.
        planning.set_year_plan(fund, _user(facilitator), financial_year=NEXT_YEAR, planned=120_000_00,
                               capacity_percent=10)
        db.session.commit()
    sign_in(client, facilitator)
    page = client.get(f"/n/{hood.slug}/plan").get_data(as_text=True)
    assert "The plan and the fund do not agree" in page
    assert f"{NEXT_YEAR}: the plan puts £130,000 into its interventions" in page
    with app.app_context():
        plan = db.session.scalar(select(Plan))
        assert any("too much" in p for p in services.approval_problems(plan, plan.versions[0]))


def test_comments_are_in_the_download_and_hidden_on_erasure_when_asked(app, factory, world):
    from pb import privacy
    from pb.accounts.models import User

    hood, facilitator, member, fund_id = world
    resident = factory.resident(hood)
    with app.app_context():
        plan = services.start_plan(factory._hood(hood), _user(facilitator), framework_key="our_own", fund=None)
        decisions.open_for_comment(plan.versions[0], _user(facilitator))
        decisions.comment(plan.versions[0], _user(resident), section="legacy", body="Keep the hall open")
        about = json.dumps(privacy.everything_about(db.session.get(User, resident.id)))
        assert "Keep the hall open" in about
        privacy.erase(db.session.get(User, resident.id), resident.password, hide_words=True)
        row = decisions.comments_on(plan.versions[0])[0]
        assert row.hidden_at is not None and "erased" in row.hidden_reason


@pytest.mark.both_engines  # its service module's SQL on PostgreSQL too
def test_a_review_fills_in_the_figures_and_the_board_approves_it(app, factory, client, world):
    from pb.plans import reviews

    hood, facilitator, member, fund_id = world
    with app.app_context():
        plan = services.start_plan(factory._hood(hood), _user(facilitator), framework_key="community_wealth_fund",
                                   fund=db.session.get(Fund, fund_id))
        services.write_section(plan.versions[0], _user(facilitator), "vision", "Somewhere to go.")
        services.choose_interventions(plan.versions[0], _user(facilitator), ["young_people"])
        with pytest.raises(ServiceError, match="needs a version the board has approved"):
            reviews.start_review(plan, _user(facilitator), title="First year")
        decisions.approve(plan.versions[0], _user(member), decided_on=date.today())
        db.session.commit()
    sign_in(client, facilitator)
    started = client.post(f"/n/{hood.slug}/plan/reviews/new", data={"title": "The first year"})
    assert started.status_code == 302
    board = app.test_client()
    sign_in(board, member)
    early = board.post(f"/n/{hood.slug}/plan/reviews/1/approve", data={"decided_on": date.today().isoformat()},
                       follow_redirects=True)
    assert "Write what we learnt and looking forward before the board approves it" in early.get_data(as_text=True)
    assert app.test_client().get(f"/n/{hood.slug}/plan/reviews/1").status_code == 404  # not published yet
    client.post(f"/n/{hood.slug}/plan/reviews/1/write", data={
        "objective:inequalities_cohesion": "A youth club twice a week", "learning": "Start earlier",
        "looking_forward": "More for under-16s", "funder_feedback": ""})
    assert board.post(f"/n/{hood.slug}/plan/reviews/1/approve",
                      data={"decided_on": date.today().isoformat()}).status_code == 302
    page = app.test_client().get(f"/n/{hood.slug}/plan/reviews/1").get_data(as_text=True)
    assert "Approved by the board and published" in page and "A youth club twice a week" in page
    assert "Reduce inequalities and poverty, and enhance community cohesion" in page


def test_a_programme_can_require_a_framework_and_the_national_view_shows_each_plan(app, factory, client):
    from pb.national import services as national

    hood = factory.neighbourhood(slug="place-a", name="Place A")
    other = factory.neighbourhood(slug="place-b", name="Place B")
    facilitator = factory.with_role(hood, FACILITATOR)
    admin = factory.person(admin=True)
    with app.app_context():
        programme = national.create_programme(
            _user(admin), name="Pride in Place", description="", first_year="2027/28", years=10,
            annual_amount=1_000_000_00, base_amount=0, population_weight=60, deprivation_weight=40,
            required_framework="pride_in_place")
        national.import_figures(programme, _user(admin), financial_year="2027/28", text=(
            "neighbourhood,region,population,deprivation_score\nplace-a,North East,5000,31.5\n"
            "place-b,North East,6000,40.1\n"))
        national.confirm_allocation(programme, _user(admin), financial_year="2027/28")
        programme_id = programme.id
        with pytest.raises(ServiceError, match="Pride in Place asks for the Pride in Place framework"):
            services.start_plan(factory._hood(hood), _user(facilitator), framework_key="community_wealth_fund",
                                fund=None)
        services.start_plan(factory._hood(hood), _user(facilitator), framework_key="pride_in_place", fund=None)
        db.session.commit()
    page = client.get(f"/national/{programme_id}/2027/neighbourhoods").get_data(as_text=True)
    rows = {name: row for name, row in re.findall(r">(Place [AB])</a></th>(.*?)</tr>", page, re.S)}
    assert "Being written" in rows["Place A"] and "No plan" in rows["Place B"]
    csv_text = client.get(f"/national/{programme_id}/2027/neighbourhoods.csv").get_data(as_text=True)
    assert "plan,plan_last_endorsed,last_plan_review,plan_this_year" in csv_text
    assert other.slug in csv_text


@pytest.mark.both_engines  # its service module's SQL on PostgreSQL too
def test_projects_report_outputs_against_the_plans_targets(app, factory, client, world):
    from pb.funds import grants as grant_services
    from pb.funds.figures import financial_year_of
    from pb.funds.models import FundYear
    from pb.plans import tagging

    hood, facilitator, member, fund_id = world
    with app.app_context():
        fund = db.session.get(Fund, fund_id)
        plan = services.start_plan(factory._hood(hood), _user(facilitator), framework_key="community_wealth_fund",
                                   fund=fund)
        version = plan.versions[0]
        services.write_section(version, _user(facilitator), "vision", "Somewhere to go.")
        services.choose_interventions(version, _user(facilitator), ["young_people"])
        services.set_targets(version, _user(facilitator), {("young_people", "young_people"): 500})
        decisions.approve(version, _user(member), decided_on=date.today())
        year = db.session.scalar(select(FundYear).where(FundYear.fund_id == fund_id,
                                                        FundYear.financial_year == financial_year_of(date.today())))
        decision = grant_services.create_capacity_grant(
            year, _user(member), title="Youth club", summary="Twice a week", amount=5_000_00,
            starts_on=date.today(), ends_on=date.today() + timedelta(days=200),
            body=grant_services.BodyInput("Eastbrook Youth", "constituted_group", "", _user(facilitator).email),
            reason="Young people asked for it")
        grant_id = decision.grant.id
        tagging.tag_grant(decision.grant, _user(facilitator), "young_people")
        db.session.commit()
    sign_in(client, facilitator)
    bad = client.post(f"/n/{hood.slug}/grants/{grant_id}/outputs", data={
        "output": "young_people", "amount": "0", "reported_on": date.today().isoformat()})
    assert bad.status_code == 400 and "Enter how many people, from 1 to 10,000,000" in bad.get_data(as_text=True)
    for amount in ("120", "45"):
        assert client.post(f"/n/{hood.slug}/grants/{grant_id}/outputs", data={
            "output": "young_people", "amount": amount, "reported_on": date.today().isoformat()}).status_code == 302
    resident = app.test_client()
    sign_in(resident, factory.resident(hood))
    refused = resident.post(f"/n/{hood.slug}/grants/{grant_id}/outputs", data={
        "output": "young_people", "amount": "5", "reported_on": date.today().isoformat()})
    assert refused.status_code == 403
    # The group's progress update carries the outputs too: a box per output, blank meaning nothing new.
    with app.app_context():
        grant_services.accept_grant(db.session.get(Grant, grant_id), _user(facilitator))
    update_url = f"/n/{hood.slug}/grants/{grant_id}/update"
    form = client.get(update_url).get_data(as_text=True)
    assert "Young people taking part since the last update (optional)" in form
    update = {"status": "on_track", "body": "Ran ten sessions", "milestone_id": ""}
    bad = client.post(update_url, data={**update, "figure_young_people": "lots"})
    assert bad.status_code == 400 and "Enter a whole number of people, like 12" in bad.get_data(as_text=True)
    assert client.post(update_url, data={**update, "figure_young_people": "35"}).status_code == 302
    assert client.post(update_url, data={**update, "body": "Quiet month", "figure_young_people": ""}
                       ).status_code == 302
    story = app.test_client().get(f"/n/{hood.slug}/grants/{grant_id}/").get_data(as_text=True)
    assert story.count("Delivered since the last update") == 1
    assert "Delivered since the last update: young people taking part: 35 people" in story
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.output_reported")
                                   .order_by(AuditEntry.id.desc())).first()
        posted = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "grant.update_posted")
                                    .order_by(AuditEntry.id)).all()
        assert json.loads(entry.payload)["amount"] == 35 and json.loads(entry.payload)["update"]
        assert [json.loads(e.payload)["delivered"] for e in posted] == [{"young_people": 35}, {}]
    page = app.test_client().get(f"/n/{hood.slug}/plan").get_data(as_text=True)
    assert "young people taking part 200 of 500 people" in page
    year_row = re.search(rf"<tr><th scope=\"row\">{THIS_YEAR}</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r">(£[\d,.]+)<", year_row)[:2] == ["£0", "£5,000"]  # nothing planned, £5,000 granted


@pytest.mark.both_engines  # its service module's SQL on PostgreSQL too
def test_spending_out_shows_the_legacy_checklist_and_the_board_explains_what_is_left_open(app, factory, client,
                                                                                             world):
    from pb import timeutil
    from pb.funds.figures import year_end

    hood, facilitator, member, fund_id = world
    with app.app_context():
        services.start_plan(factory._hood(hood), _user(facilitator), framework_key="big_local",
                            fund=db.session.get(Fund, fund_id))
        db.session.commit()
    sign_in(client, facilitator)
    none = client.post(f"/n/{hood.slug}/plan/spend-out", data={"threshold": "300000", "items": "\n \n"})
    assert "List at least one thing to hand over" in none.get_data(as_text=True)
    # The fund holds £250,000 over its life, under the £300,000 set: it is spending out.
    assert client.post(f"/n/{hood.slug}/plan/spend-out", data={
        "threshold": "300000", "items": "Records handed over\nThe final report published"}).status_code == 302
    page = client.get(f"/n/{hood.slug}/plan").get_data(as_text=True)
    assert "is spending out: £250,000 is left in the fund, under the £300,000 the plan set" in page
    assert "2 of 2 legacy items are still to do" in page
    with app.app_context():
        from pb.plans.models import LegacyItem
        item_id = db.session.scalar(select(LegacyItem.id).where(LegacyItem.name == "Records handed over"))
    assert client.post(f"/n/{hood.slug}/plan/legacy/{item_id}/tick",
                       data={"done_on": date.today().isoformat(), "note": "To the Trust"}).status_code == 302
    board = app.test_client()
    sign_in(board, member)
    early = board.post(f"/n/{hood.slug}/plan/open-items", data={"reason": "Report late"})
    assert "This is recorded once the fund" in early.get_data(as_text=True)
    with app.app_context():
        fund = db.session.get(Fund, fund_id)
        after = year_end(fund.financial_years[-1]) + timedelta(days=1)
    keeper = factory.with_role(hood, TREASURER)
    treasurer = app.test_client()
    sign_in(treasurer, keeper)
    close = f"/n/{hood.slug}/funds/{fund_id}/close"
    too_soon = treasurer.post(close, follow_redirects=True).get_data(as_text=True)
    assert f"Its last year, {fund.financial_years[-1]}, ends on 31 March" in too_soon
    with timeutil.as_of(after):
        page = board.get(f"/n/{hood.slug}/plan").get_data(as_text=True)
        assert "has ended with legacy items still open, and the board has not yet recorded why" in page
        # The fund's last year cannot close with the checklist open ...
        manage = treasurer.get(f"/n/{hood.slug}/funds/{fund_id}/manage").get_data(as_text=True)
        open_item = ("The neighbourhood plan’s legacy checklist has 1 item still open (‘The final report "
                     "published’): tick it when done, or the board records why it is open.")
        assert open_item in manage.replace("&#39;", "’").replace("'", "’")
        refused = treasurer.post(close, follow_redirects=True).get_data(as_text=True)
        assert "Community Wealth Fund cannot close yet" in refused
        assert board.post(f"/n/{hood.slug}/plan/open-items",
                          data={"reason": "The final report waits for the last project"}).status_code == 302
        page = board.get(f"/n/{hood.slug}/plan").get_data(as_text=True)
        assert "The final report waits for the last project" in page
        # ... until the board has recorded why; then the treasurer closes the books.
        closed = treasurer.post(close, follow_redirects=True).get_data(as_text=True)
        assert "Community Wealth Fund is closed: it takes no more money in or out" in closed
        public = app.test_client().get(f"/n/{hood.slug}/funds/{fund_id}/").get_data(as_text=True)
        assert f"This fund closed on {after:%-d %B %Y}" in public
        with app.app_context():
            fund = db.session.get(Fund, fund_id)
            entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "fund.closed"))
            assert json.loads(entry.payload)["closed_on"] == after.isoformat()
            source = planning.add_source(fund, _user(facilitator), name="Council", kind="council")
            with pytest.raises(ServiceError, match=f"closed on {after:%-d %B %Y}, so it cannot take in more money"):
                planning.record_receipt(source, _user(keeper), amount=100_00, received_on=after)


def test_a_boundary_map_is_attached_re_encoded_and_shown_with_its_description(app, factory, client, world):
    import io

    from PIL import Image

    hood, facilitator, member, fund_id = world
    with app.app_context():
        services.start_plan(factory._hood(hood), _user(facilitator), framework_key="our_own", fund=None)
        db.session.commit()
    sign_in(client, facilitator)
    picture = io.BytesIO()
    Image.new("RGB", (60, 40), (0, 80, 160)).save(picture, format="PNG")
    nothing = client.post(f"/n/{hood.slug}/plan/versions/1/boundary-map", data={"description": "The area"},
                          content_type="multipart/form-data")
    assert "Choose the map" in nothing.get_data(as_text=True)
    not_a_map = client.post(f"/n/{hood.slug}/plan/versions/1/boundary-map", content_type="multipart/form-data",
                            data={"description": "The area", "image": (io.BytesIO(b"MZ not a picture"), "map.exe")})
    assert "not an image pb can read" in not_a_map.get_data(as_text=True)
    assert client.post(f"/n/{hood.slug}/plan/versions/1/boundary-map", content_type="multipart/form-data", data={
        "description": "The streets between the road and the brook",
        "image": (io.BytesIO(picture.getvalue()), "map.png")}).status_code == 302
    page = client.get(f"/n/{hood.slug}/plan").get_data(as_text=True)
    assert 'alt="The streets between the road and the brook"' in page
    src = re.search(r'src="(/n/[^"]+/plan/files/\d+)"', page).group(1)
    assert client.get(src).mimetype == "image/jpeg"  # re-encoded: pixels only, no metadata
    assert app.test_client().get(src).status_code == 404  # the version is still being written


def test_a_proposal_says_which_of_the_plans_interventions_it_serves(app, factory, client):
    from pb.proposals.models import Proposal
    from tests.factories import make_round

    round_ref = make_round(factory)
    with app.app_context():
        facilitator = _user(round_ref.facilitator)
        plan = services.start_plan(factory._hood(round_ref.hood), facilitator, framework_key="community_wealth_fund",
                                   fund=None)
        services.write_section(plan.versions[0], facilitator, "vision", "Somewhere to go.")
        services.choose_interventions(plan.versions[0], facilitator, ["young_people", "green_spaces"])
        decisions.approve(plan.versions[0], _user(round_ref.board_member), decided_on=date.today())
        db.session.commit()
    resident = factory.resident(round_ref.hood)
    sign_in(client, resident)
    form = client.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new").get_data(as_text=True)
    assert "What it serves in the neighbourhood plan (optional)" in form and "Green spaces and environment" in form
    data = {"title": "Brook clean-up", "summary": "Clear the brook", "description": "", "need": "", "beneficiaries": "",
            "place": "", "category": "environment", "pot_id": str(round_ref.pot_ids[0]), "intervention": "housing",
            "lines-0-item": "Skips", "lines-0-kind": "revenue", "lines-0-amount": "500",
            "lines-0-financial_year": "2027/28"}
    refused = client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new", data=data)
    assert "Choose one of the plan" in refused.get_data(as_text=True)
    data["intervention"] = "green_spaces"
    assert client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new", data=data).status_code == 302
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.title == "Brook clean-up"))
        assert proposal.intervention == "green_spaces"
        number = proposal.number
    page = client.get(f"/n/{round_ref.hood.slug}/proposals/{number}").get_data(as_text=True)
    assert "In the plan: Green spaces and environment" in page


@pytest.mark.both_engines
def test_the_board_approves_at_quorum_without_members_who_declared_an_interest(app, factory, client):
    hood = factory.neighbourhood()
    facilitator = factory.with_role(hood, FACILITATOR)
    members = [factory.with_role(hood, BOARD_MEMBER) for _ in range(4)]
    with app.app_context():
        plan = services.start_plan(factory._hood(hood), _user(facilitator), framework_key="our_own", fund=None)
        services.write_section(plan.versions[0], _user(facilitator), "vision", "A place to stay.")
        services.add_own_intervention(plan.versions[0], _user(facilitator), name="Youth club", objective=None,
                                      spend="revenue", business_case={})
        db.session.commit()
    clients = []
    for member in members:
        one = app.test_client()
        sign_in(one, member)
        clients.append(one)
    # Four members: three needed. One declares an interest: three free, so two needed.
    assert clients[3].post(f"/n/{hood.slug}/plan/interest", data={"description": "I run the youth club"}
                           ).status_code == 302
    refused = clients[3].post(f"/n/{hood.slug}/plan/versions/1/approve",
                              data={"decided_on": date.today().isoformat()}, follow_redirects=True)
    assert "You declared an interest in the plan, so you cannot approve it" in refused.get_data(as_text=True)
    first = clients[0].post(f"/n/{hood.slug}/plan/versions/1/approve", data={"decided_on": date.today().isoformat()},
                            follow_redirects=True)
    assert "Your approval is recorded: 1 of the 2 needed" in first.get_data(as_text=True)
    again = clients[0].post(f"/n/{hood.slug}/plan/versions/1/approve", data={"decided_on": date.today().isoformat()})
    assert "You have already approved this version" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Plan)).versions[0].status == PlanStatus.DRAFT
    assert clients[1].post(f"/n/{hood.slug}/plan/versions/1/approve",
                           data={"decided_on": date.today().isoformat()}).status_code == 302
    with app.app_context():
        version = db.session.scalar(select(Plan)).versions[0]
        assert version.status == PlanStatus.APPROVED
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.approved")).one()
        assert json.loads(entry.payload)["quorum"] == 2


def test_a_change_made_on_a_stale_copy_of_a_version_is_refused_not_lost(app, factory, world):
    """Two facilitators with the same version open: the second save does not wipe out the first."""
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value

    from pb.plans.models import PlanVersion

    hood, facilitator, member, fund_id = world
    with app.app_context():
        plan = services.start_plan(factory._hood(hood), _user(facilitator), framework_key="our_own", fund=None)
        version = plan.versions[0]
        as_read = dict(version.content)
        changed = dict(version.content, context="Written by someone else")
        db.session.execute(update(PlanVersion).where(PlanVersion.id == version.id).values(content=changed)
                           .execution_options(synchronize_session=False))  # another request's write
        db.session.commit()
        set_committed_value(version, "content", as_read)  # this request still holds what it read before
        with pytest.raises(ServiceError, match="Someone else changed this version a moment ago"):
            services.write_section(version, _user(facilitator), "vision", "Mine")
        assert db.session.scalar(select(PlanVersion.content).where(PlanVersion.id == version.id))["context"] == \
            "Written by someone else"
