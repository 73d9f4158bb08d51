"""A national programme shares each year's money between every neighbourhood by a published
formula: the figures are imported (every bad line named, nothing saved), the allocation previewed
and confirmed once as one audited action, each fund is promised its share, and anyone can
recompute every share from the published CSVs."""
import csv
import io
import json
from fractions import Fraction

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.funds.models import Fund, FundSource, SourcePromise
from pb.ledger.models import AuditLog
from pb.ledger.services import verify_log
from pb.national import formula
from pb.neighbourhoods.models import Neighbourhood
from tests.factories import sign_in
from tests.funds.giving_schema import problems

PROGRAMME = {"name": "Community Wealth Fund", "first_year": "2027/28", "years": "10", "annual_amount": "1,000,000",
             "base_amount": "100,000", "population_weight": "60", "deprivation_weight": "40", "description": ""}


@pytest.fixture
def operator(factory, client):
    admin = factory.person(admin=True)
    sign_in(client, admin)
    return admin


def _hoods(factory, n=3):
    return [factory.neighbourhood(slug=f"place-{i}", name=f"Place {i}") for i in range(n)]


def _figures(hoods, lines=None):
    rows = lines or [f"{h.slug},North East,{5_000 + 3_217 * i},{31.5 + 7.125 * i:.3f}" for i, h in enumerate(hoods)]
    return "neighbourhood,region,population,deprivation_score\n" + "\n".join(rows) + "\n"


def _programme(client):
    response = client.post("/admin/programmes/new", data=PROGRAMME)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.location.rstrip("/").split("/")[-1])


@pytest.mark.both_engines  # the figures are bulk-loaded and the allocation confirmed under a lock
def test_an_allocation_is_previewed_confirmed_once_and_funds_are_promised_their_share(app, client, factory, operator,
                                                                                     tmp_path, capsys):
    hoods = _hoods(factory)
    pid = _programme(client)
    response = client.post(f"/admin/programmes/{pid}", data={"financial_year": "2027/28", "figures": _figures(hoods)})
    assert response.status_code == 302 and response.location.endswith(f"/admin/programmes/{pid}/years/2027/allocation")
    preview = client.get(response.location).get_data(as_text=True)
    assert "Confirm the 2027/28 allocation" in preview and "£1,000,000.00" in preview
    before = factory.audit_count()
    assert client.post(f"/admin/programmes/{pid}/years/2027/allocation").status_code == 302
    # One platform entry, and in each neighbourhood a fund, its source and the promise: 1 + 3 x 3.
    assert factory.audit_count() == before + 1 + 3 * 3
    with app.app_context():
        promised = {}
        for hood in hoods:
            fund = db.session.scalar(select(Fund).where(Fund.neighbourhood_id == hood.id))
            source = db.session.scalar(select(FundSource).where(FundSource.fund_id == fund.id))
            promise = db.session.scalar(select(SourcePromise).where(SourcePromise.source_id == source.id))
            assert (fund.first_year, fund.years, source.name, promise.financial_year) == (
                "2027/28", 10, "Community Wealth Fund", "2027/28")
            promised[hood.slug] = promise.amount
        assert sum(promised.values()) == 1_000_000_00
        for log in db.session.scalars(select(AuditLog)):
            assert verify_log(log) is None
    again = client.post(f"/admin/programmes/{pid}/years/2027/allocation")
    assert again.status_code == 400 and "already confirmed" in again.get_data(as_text=True)
    assert factory.audit_count() == before + 10  # refused: nothing written

    page = client.get(f"/national/{pid}/").get_data(as_text=True)
    assert "Place 0" in page and "60%" in page and "Download" in page
    # The command and the checksum are there, under "For auditors" only.
    from tests.funds.test_money_pages import assert_plain
    assert_plain(page, "programme page")
    assert "python -m pb.national.formula figures.csv --annual 100000000 --base 10000000" in page
    # Anyone can recompute every share from the two published files and the formula on the page.
    figures = list(csv.DictReader(io.StringIO(client.get(f"/national/{pid}/2027/figures.csv").get_data().decode("utf-8-sig"))))
    shares = {r["neighbourhood"]: r for r in csv.DictReader(io.StringIO(
        client.get(f"/national/{pid}/2027/allocation.csv").get_data().decode("utf-8-sig")))}
    pool = 1_000_000_00 - 3 * 100_000_00
    people = sum(int(r["population"]) for r in figures)
    scores = sum(Fraction(r["deprivation_score"]) for r in figures)
    for row in figures:
        exact = (100_000_00 + Fraction(pool * 60, 100) * int(row["population"]) / people
                 + Fraction(pool * 40, 100) * Fraction(row["deprivation_score"]) / scores)
        share = int(shares[row["neighbourhood"]]["total"])
        assert int(exact) <= share <= int(exact) + 1  # rounded down, a leftover penny at most
        assert share == promised[row["neighbourhood"]]
    assert sum(int(s["total"]) for s in shares.values()) == 1_000_000_00
    # ... and the published command gives the published shares, line for line.
    (tmp_path / "figures.csv").write_bytes(client.get(f"/national/{pid}/2027/figures.csv").get_data())  # as downloaded
    capsys.readouterr()
    formula.main([str(tmp_path / "figures.csv"), "--annual", "100000000", "--base", "10000000",
                  "--population-weight", "60", "--deprivation-weight", "40"])
    published = client.get(f"/national/{pid}/2027/allocation.csv").get_data().decode("utf-8-sig")
    assert capsys.readouterr().out.replace("\r\n", "\n") == published.replace("\r\n", "\n")


@pytest.mark.parametrize("lines,message", [
    (["place-0,North East,5000,31.5", "place-1,North East,6000,40"], "missing: place-2"),
    (["place-0,North East,5000,31.5", "place-1,North East,6000,40", "place-2,NE,7000,1", "place-1,NE,1,1"],
     "line 5: place-1 is already on line 3"),
    (["place-0,North East,-5000,31.5", "place-1,North East,6000,40", "place-2,NE,7000,1"],
     "line 2: the population cannot be negative (-5000)"),
    (["place-0,North East,5000,high", "place-1,North East,6000,40", "place-2,NE,7000,1"],
     "line 2: the deprivation score must be a number from 0 to 1000 with at most 3 decimal places, not 'high'"),
    (["place-0,North East,5000,31.5", "place-1,North East,6000,40", "place-2,NE,7000,1", "nowhere,NE,1,1"],
     "line 5: no neighbourhood has the web address name 'nowhere'"),
    # Digits of other kinds: Python calls "²" a digit, but it is no population; "①" is no score.
    (["place-0,North East,²,31.5", "place-1,North East,6000,40", "place-2,NE,7000,1"],
     "line 2: the population must be a whole number of people, more than 0, not '²'"),
    (["place-0,North East,5000,①", "place-1,North East,6000,40", "place-2,NE,7000,1"],
     "line 2: the deprivation score must be a number from 0 to 1000 with at most 3 decimal places, not '①'"),
])
def test_a_bad_figures_file_names_its_line_and_saves_nothing(app, client, factory, operator, lines, message):
    hoods = _hoods(factory)
    pid = _programme(client)
    before = factory.audit_count()
    response = client.post(f"/admin/programmes/{pid}", data={"financial_year": "2027/28", "figures": _figures(hoods, lines)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page and message in page.replace("&#39;", "'")
    assert 'href="#figures"' in page  # in the error summary, linked to the field
    assert factory.audit_count() == before
    assert client.get(f"/national/{pid}/2027/figures.csv").status_code == 404


def test_a_figures_file_with_a_five_megabyte_value_is_refused_with_a_message(app, client, factory, operator):
    hoods = _hoods(factory)
    pid = _programme(client)
    body = _figures(hoods, [f"{hoods[0].slug},{'N' * 5_000_000},5000,31.5"]).encode()
    response = client.post(f"/admin/programmes/{pid}", data={"financial_year": "2027/28",
                                                             "figures_file": (io.BytesIO(body), "figures.csv")})
    assert response.status_code == 400
    assert "Nothing was saved: line 2 is not a line of figures (a value is far too long" in response.get_data(as_text=True)


def test_weights_that_do_not_add_up_are_refused_next_to_the_field(app, client, factory, operator):
    response = client.post("/admin/programmes/new", data=PROGRAMME | {"deprivation_weight": "30"})
    assert response.status_code == 400
    assert "The two weights must add up to 100%; they add up to 90%" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Neighbourhood)) == 0


def test_an_allocation_over_the_year_is_refused(app, client, factory, operator):
    hoods = _hoods(factory, 4)
    response = client.post("/admin/programmes/new", data=PROGRAMME | {"base_amount": "300,000"})  # 4 x 300k > 1m
    pid = int(response.location.rstrip("/").split("/")[-1])
    client.post(f"/admin/programmes/{pid}", data={"financial_year": "2027/28", "figures": _figures(hoods)})
    before = factory.audit_count()
    response = client.post(f"/admin/programmes/{pid}/years/2027/allocation")
    assert response.status_code == 400
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert "the base amounts alone (4 x £300,000.00) come to more than the year's £1,000,000.00" in page
    assert factory.audit_count() == before


def test_the_formula_adds_up_exactly_and_matches_its_own_command(tmp_path):
    rows = [formula.Inputs(f"n{i}", 1_000 + 37 * i, 1_000 * (10 + i % 7) + i) for i in range(225)]
    shares = formula.allocate(87_654_321_00, 12_345_00, 55, 45, rows)
    assert sum(s.total for s in shares) == 87_654_321_00
    assert all(s.base == 12_345_00 and s.by_population >= 0 and s.by_deprivation >= 0 for s in shares)
    with pytest.raises(formula.FormulaError, match="must add up to 100%"):
        formula.allocate(100, 0, 50, 40, rows)


def test_the_public_pages_cost_the_same_queries_for_3_or_30_neighbourhoods(app, client, factory, operator):
    from tests.proposals.test_proposals import _queries_for

    counts = []
    for n, name in ((3, "Small programme"), (30, "Large programme")):
        hoods = [factory.neighbourhood(slug=f"{name.split()[0].lower()}-{i}") for i in range(n)]
        with app.app_context():
            everyone = db.session.scalars(select(Neighbourhood)).all()
        lines = [f"{h.slug},North,{1000 + h.id * 7},{10 + h.id % 9}.25" for h in everyone]
        response = client.post("/admin/programmes/new", data=PROGRAMME | {"name": name, "base_amount": "1,000"})
        pid = int(response.location.rstrip("/").split("/")[-1])
        imported = client.post(f"/admin/programmes/{pid}", data={"financial_year": "2027/28", "figures": _figures(hoods, lines)})
        assert imported.status_code == 302, imported.get_data(as_text=True)[-3000:]
        confirmed = client.post(f"/admin/programmes/{pid}/years/2027/allocation")
        assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[-3000:]
        counts.append((_queries_for(app, client, f"/national/{pid}/"),
                       _queries_for(app, client, f"/national/{pid}/2027/neighbourhoods")))
    assert counts[0] == counts[1], counts  # no query per neighbourhood, on the programme page or the national view


def test_the_national_view_shows_every_neighbourhoods_year_filters_sorts_and_downloads(app, client, factory, operator):
    from datetime import date, timedelta

    from pb import timeutil
    from pb.funds import grants, payments, planning
    from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, TREASURER
    from tests.factories import _user

    hoods = _hoods(factory)
    pid = _programme(client)
    lines = ["place-0,North East,5000,31.500", "place-1,North West,8000,40.000", "place-2,North West,12000,20.000"]
    client.post(f"/admin/programmes/{pid}", data={"financial_year": "2027/28", "figures": _figures(hoods, lines)})
    client.post(f"/admin/programmes/{pid}/years/2027/allocation")
    # place-1 grants £2,000 for capacity building and pays £500 of it.
    board, facilitator, treasurer = (factory.with_role(hoods[1], role) for role in (BOARD_MEMBER, FACILITATOR, TREASURER))
    with app.app_context():
        fund = db.session.scalar(select(Fund).where(Fund.neighbourhood_id == hoods[1].id))
        planning.set_year_plan(fund, _user(facilitator), financial_year="2027/28", planned=200_000_00, capacity_percent=10)
        year = next(y for y in fund.plan if y.financial_year == "2027/28")
        decision = grants.create_capacity_grant(
            year, _user(board), title="Organiser", summary="Two days a week", amount=2_000_00,
            starts_on=date(2027, 4, 1), ends_on=date(2027, 4, 1) + timedelta(days=200),
            body=grants.BodyInput("Place One Trust", "constituted_group", "", _user(facilitator).email), reason="Capacity")
        grants.accept_grant(decision.grant, _user(facilitator))
        planning.set_money_settings(factory._hood(hoods[1]), _user(board), giving_prefix="360G-place1",
                                    payment_approval_threshold=1_000_00, full_reporting_threshold=10_000_00,
                                    facilitators_record_payments=False)
        with timeutil.as_of(date(2027, 6, 1)):  # the money clock, in the programme's first year
            payments.record_payment(decision.grant, _user(treasurer), amount=500_00, paid_on=date(2027, 5, 1),
                                    spend="revenue")

    page = client.get(f"/national/{pid}/2027/neighbourhoods").get_data(as_text=True)
    assert "3 neighbourhoods, sorted by neighbourhood" in page and "£2,000.00" in page and "£500.00" in page
    # The operator (signed in as a platform admin) also sees what is waiting; the public does not.
    assert "Payments awaiting approval" in page and "Residents waiting to be verified" in page
    public_page = app.test_client().get(f"/national/{pid}/2027/neighbourhoods").get_data(as_text=True)
    assert "£2,000.00" in public_page and "Payments awaiting approval" not in public_page
    assert "10%" in page  # £2,000 of the £20,000 ring-fenced for capacity building
    west = client.get(f"/national/{pid}/2027/neighbourhoods?region=North+West&sort=allocation&order=desc").get_data(as_text=True)
    assert "2 neighbourhoods in North West, sorted by allocation, highest first" in west
    assert west.index("Place 2") < west.index("Place 1") and "Place 0</a>" not in west
    assert 'aria-sort="descending"' in west
    rows = {r["neighbourhood"]: r for r in csv.DictReader(io.StringIO(
        client.get(f"/national/{pid}/2027/neighbourhoods.csv").get_data().decode("utf-8-sig")))}
    assert (rows["place-1"]["granted"], rows["place-1"]["paid"], rows["place-1"]["capacity_granted"]) == ("200000", "50000", "200000")
    assert sum(int(r["allocation"]) for r in rows.values()) == 1_000_000_00
    assert client.get(f"/national/{pid}/2028/neighbourhoods").status_code == 404  # not allocated yet
    # The year's grants as one 360Giving package, valid against the standard; who has no prefix is named.
    package = json.loads(client.get(f"/national/{pid}/2027/360giving.json").get_data(as_text=True))
    assert problems(package) == []
    assert [g["id"] for g in package["grants"]] == ["360G-place1-G-1"]
    assert package["grants"][0]["amountDisbursed"] == 500.0
    assert "Not included (no 360Giving identifier prefix set yet): Place 0, Place 2." in package["description"]
