"""The annual report: drafted for a year that has ended, approved at a board meeting that was held,
published with a tagged PDF whose fonts are embedded, and kept as approved."""
from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from pb import timeutil
from pb.boards import meetings
from pb.boards.models import Meeting
from pb.extensions import db
from pb.funds.models import Fund
from pb.neighbourhoods.models import Neighbourhood
from pb.reports import annual
from pb.reports.models import AnnualReport
from pb.services import ServiceError
from tests.factories import sign_in
from tests.reports.test_returns import LAST_YEAR, _u, owed  # noqa: F401 (the fixture)


def test_a_report_is_drafted_approved_at_a_held_meeting_and_published_with_its_pdf(factory, owed):  # noqa: F811
    hood, fund_id, facilitator, board, officer = owed
    start = int(LAST_YEAR[:4])
    with factory.app.app_context():
        fund = db.session.get(Fund, fund_id)
        with pytest.raises(ServiceError, match="for a financial year that has ended"):
            annual.draft(fund, _u(facilitator), financial_year=fund.financial_years[-1], foreword="Too soon")
        with pytest.raises(ServiceError, match="Write the chair's foreword"):
            annual.draft(fund, _u(facilitator), financial_year=LAST_YEAR, foreword="  ")
        report_id = annual.draft(fund, _u(facilitator), financial_year=LAST_YEAR, foreword="A year of getting ready.").id
        hood_row = db.session.get(Neighbourhood, hood.id)
        future = meetings.schedule_meeting(hood_row, _u(facilitator), title="Annual meeting",
                                           starts_at=datetime.now() + timedelta(days=20), place="The hall")
        with pytest.raises(ServiceError, match="has not been held yet"):
            annual.approve(db.session.get(AnnualReport, report_id), _u(facilitator), meeting=future)
        with timeutil.as_of(timeutil.today() - timedelta(days=30)):
            held = meetings.schedule_meeting(hood_row, _u(facilitator), title="Board meeting",
                                             starts_at=datetime.now() - timedelta(days=1), place="The hall")
        db.session.get(Meeting, held.id).starts_at = datetime.now() - timedelta(days=1)
        db.session.commit()
        meetings.record_attendance(db.session.get(Meeting, held.id), _u(facilitator), {})
    client = factory.app.test_client()
    url = f"/n/{hood.slug}/funds/{fund_id}/annual-reports/{start}"
    assert client.get(url).status_code == 404  # a draft is not public
    sign_in(client, facilitator)
    assert "This report is a draft" in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/publish", data={})
    with factory.app.app_context():
        assert db.session.get(AnnualReport, report_id).status == "draft"  # not before the board approves it
        meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.title == "Board meeting"))
    response = client.post(f"{url}/approve", data={"meeting_id": str(meeting_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = client.post(f"{url}/publish", data={})
    assert response.status_code == 302
    public = factory.app.test_client()
    page = public.get(url).get_data(as_text=True)
    assert "Published" in page and "A year of getting ready." in page and "Board meeting" in page
    pdf = public.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(pdf.data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en-GB"  # tagged
    fonts = [f.get_object() for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()]
    for font in fonts:
        descendant = font.get("/DescendantFonts")
        descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
    text = "".join(page.extract_text() for page in reader.pages)
    assert "A year of getting ready." in text and "The accounts" in text
    with factory.app.app_context():
        kept = db.session.get(AnnualReport, report_id)
        assert kept.pdf == pdf.data and kept.contents["financial_year"] == LAST_YEAR
        with pytest.raises(ServiceError, match="can no longer change"):
            annual.draft(db.session.get(Fund, fund_id), _u(facilitator), financial_year=LAST_YEAR, foreword="Rewritten")
