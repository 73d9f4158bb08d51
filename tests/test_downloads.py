"""Every CSV pb publishes goes through one writer (pb.downloads): a formula planted in any field a
person types reaches no download as a formula, every file is UTF-8 with a byte-order mark, and every
line ends the same way. The demo neighbourhood has something behind every CSV route."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import String, cast, literal, select, update

from pb.assets.models import Asset, Bid, Nomination
from pb.consultations.models import Consultation, ConsultationStatus, ConsultationText
from pb.demo import seed
from pb.downloads import FORMULA_STARTS
from pb.extensions import db
from pb.funds.figures import financial_year_of
from pb.funds.models import Fund, FundSource, Grant
from pb.national.models import Allocation, NeighbourhoodFigure, Programme
from pb.neighbourhoods.models import Neighbourhood
from pb.plans.models import Plan
from pb.proposals.models import Proposal
from pb.reports.models import MonitoringReturn, ReturnStatus
from pb.rounds.models import Pot, Round
from pb.timeutil import today
from pb.voting.models import CountResult

FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR"]

# Every text a person types that a CSV carries: each gets a formula.
TYPED = [(Asset, "name"), (Asset, "address"), (Asset, "owner"), (Nomination, "group_name"), (Bid, "group_name"),
         (Grant, "title"), (Grant, "body_name"), (Grant, "body_number"), (Fund, "name"), (FundSource, "name"),
         (Round, "name"), (Pot, "name"), (Proposal, "title"), (NeighbourhoodFigure, "region"), (ConsultationText, "body")]


def csv_urls() -> list[str]:
    """A URL for every CSV route of the app, for everything the database holds behind it."""
    urls = []
    for hood in db.session.scalars(select(Neighbourhood)):
        urls.append(f"/n/{hood.slug}/assets.csv")
        urls.append(f"/n/{hood.slug}/board/decisions.csv")
        if db.session.scalar(select(Plan.id).where(Plan.neighbourhood_id == hood.id)):
            urls.append(f"/n/{hood.slug}/plan/progress.csv")
        urls += [f"/n/{hood.slug}/consultations/{c}/responses.csv" for c in db.session.scalars(select(Consultation.id).where(
            Consultation.neighbourhood_id == hood.id, Consultation.status == ConsultationStatus.PUBLISHED))]
        for fund in db.session.scalars(select(Fund).where(Fund.neighbourhood_id == hood.id)):
            urls += [f"/n/{hood.slug}/funds/{fund.id}/grants.csv", f"/n/{hood.slug}/funds/{fund.id}/payments.csv"]
            urls += [f"/n/{hood.slug}/funds/{fund.id}/accounts/{year[:4]}.csv" for year in fund.financial_years
                     if year <= financial_year_of(today())]
        urls += [f"/n/{hood.slug}/returns/{r}.csv" for r in db.session.scalars(select(MonitoringReturn.id).where(
            MonitoringReturn.neighbourhood_id == hood.id, MonitoringReturn.status == ReturnStatus.SUBMITTED))]
        for round_ in db.session.scalars(select(Round).where(Round.neighbourhood_id == hood.id,
                                                             Round.id.in_(select(CountResult.round_id)))):
            urls.append(f"/n/{hood.slug}/rounds/{round_.id}/results.csv")
    for programme in db.session.scalars(select(Programme)):
        for allocation in db.session.scalars(select(Allocation).where(Allocation.programme_id == programme.id)):
            start = int(allocation.financial_year[:4])
            urls += [f"/national/{programme.id}/{start}/{name}.csv" for name in ("figures", "allocation", "neighbourhoods")]
    return urls


@pytest.mark.parametrize("engine_name", ["sqlite"])  # the writer is the same whatever the engine
def test_no_download_carries_a_formula_and_every_csv_is_written_one_way(app, client, engine_name):
    with app.app_context():
        seed(echo=lambda *a, **k: None)
        for n, (model, column) in enumerate(TYPED):
            # Each row its own text (some are unique per fund or neighbourhood).
            db.session.execute(update(model).values({column: literal(FORMULAS[n % len(FORMULAS)] + " ") + cast(model.id, String)}))
        db.session.commit()
        urls = csv_urls()
        routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv") or ".<fmt>" in rule.rule}
    # Every CSV route of the app is fetched at least once (a new route must be added to csv_urls).
    templates = {url.split("/")[-1] for url in urls}
    assert {"assets.csv", "grants.csv", "payments.csv", "results.csv", "figures.csv", "allocation.csv",
            "neighbourhoods.csv", "responses.csv", "progress.csv", "decisions.csv"} <= templates and len(routes) == 12, routes
    assert any("/accounts/" in url for url in urls) and any("/returns/" in url for url in urls)
    planted = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data()
        assert body.startswith("\ufeff".encode()), url
        text = body.decode("utf-8-sig")
        assert "\n" not in text.replace("\r\n", "") and text.endswith("\r\n"), url  # every line ends CRLF
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), (url, cell)
                planted += cell.startswith("'") and cell[1:].startswith(tuple(FORMULAS))
    assert planted >= len(TYPED)  # the formulas were there, made inert, not dropped
