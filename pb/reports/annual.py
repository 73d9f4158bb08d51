"""The annual report for the annual meeting: one per fund and financial year, in plain English, put
together from what pb recorded (the plan's vision and progress, the year's money, projects delivered
and their outputs, engagement and consultations, the board, and the accounts), with the chair's
foreword written by a facilitator. It is drafted, approved at a board meeting that has been held
(the annual meeting, usually), then published: its contents and its PDF are kept as they stood, and
the PDF's SHA-256 goes in the ledger."""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.boards.decision_log import decisions
from pb.boards.models import BoardSeat, Meeting, MeetingAttendance, MeetingStatus
from pb.consultations.models import Consultation, ConsultationResponse, EngagementActivity
from pb.extensions import db
from pb.following import services as following
from pb.funds.figures import fund_figures, year_end, year_start
from pb.funds.models import COMPLETED, Fund, FundYear, Grant, GrantUpdate
from pb.ledger.services import record
from pb.mail import email_link
from pb.neighbourhoods.models import FACILITATOR
from pb.neighbourhoods.services import require_role
from pb.plans.progress import progress
from pb.plans.services import plan_of
from pb.services import ServiceError, lock_row, transaction, under_lock

from .accounts import accounts_for
from .models import AnnualReport, ReportStatus


def report_lock(report: AnnualReport, *args, **kwargs):
    return (AnnualReport, report.id)


def contents(fund: Fund, financial_year: str) -> dict:
    """Everything the report says, worked out now (pence, ISO dates)."""
    hood = fund.neighbourhood
    first, last = year_start(financial_year), year_end(financial_year)
    figures = fund_figures(fund)
    year = figures.by_year[financial_year]
    accounts = accounts_for(fund, financial_year)
    plan = plan_of(hood)
    version = plan.current if plan else None
    lines = progress(plan, version) if version else []
    year_ids = select(FundYear.id).where(FundYear.fund_id == fund.id)
    delivered = db.session.scalars(select(Grant).where(
        Grant.fund_year_id.in_(year_ids), Grant.status == COMPLETED,
        Grant.id.in_(select(GrantUpdate.grant_id).where(GrantUpdate.status == COMPLETED,
                                                         GrantUpdate.reported_on.between(first, last))))
        .order_by(Grant.number)).all()
    engagement = db.session.scalars(select(EngagementActivity).where(
        EngagementActivity.neighbourhood_id == hood.id, EngagementActivity.held_on.between(first, last))).all()
    consultations = db.session.execute(
        select(Consultation.title, Consultation.closes_on, func.count(ConsultationResponse.id))
        .outerjoin(ConsultationResponse, ConsultationResponse.consultation_id == Consultation.id)
        .where(Consultation.neighbourhood_id == hood.id, Consultation.closes_on.between(first, last))
        .group_by(Consultation.id, Consultation.title, Consultation.closes_on).order_by(Consultation.closes_on)).all()
    seats = db.session.scalars(select(BoardSeat).where(
        BoardSeat.neighbourhood_id == hood.id, BoardSeat.started_on <= last,
        (BoardSeat.ended_on.is_(None)) | (BoardSeat.ended_on >= first))).all()
    held = db.session.scalars(select(Meeting.id).where(
        Meeting.neighbourhood_id == hood.id, Meeting.status == MeetingStatus.HELD,
        Meeting.starts_at.between(datetime.combine(first, datetime.min.time()),
                                  datetime.combine(last, datetime.max.time())))).all()
    present = dict(db.session.execute(
        select(MeetingAttendance.seat_id, func.count()).where(MeetingAttendance.meeting_id.in_(held),
                                                              MeetingAttendance.status == "present")
        .group_by(MeetingAttendance.seat_id)).all())
    made = [d for d in decisions(hood) if first <= d.on <= last]
    return {
        "neighbourhood": hood.name, "fund": fund.name, "financial_year": financial_year,
        "vision": (version.content.get("vision") or "") if version else "",
        "plan": [{"intervention": line.name, "planned": line.planned.get(financial_year, 0),
                  "granted": line.granted.get(financial_year, 0), "paid": line.paid.get(financial_year, 0)}
                 for line in lines],
        "money": {"received": year.received, "planned": year.planned, "granted": year.granted, "paid": year.paid,
                  "returned_by_groups": year.returned, "carried_forward": year.carried_out if year.ended else None,
                  "accountable_body_fee": accounts.fees, "returned_to_funder": accounts.repaid},
        "projects": [{"grant": g.reference, "title": g.title, "amount": g.amount, "body": g.body_name} for g in delivered],
        "engagement": {"activities": len(engagement), "people": sum(a.people for a in engagement)},
        "consultations": [{"title": title, "closed_on": closes.isoformat(), "answers": int(answers)}
                          for title, closes, answers in consultations],
        "board": {"members": [{"name": s.user.name, "seat": s.kind_label, "present": int(present.get(s.id, 0))}
                              for s in sorted(seats, key=lambda s: s.user.name.lower())],
                  "meetings": len(held), "decisions": len(made)},
        "accounts": accounts.figures(),
        "reconciled": accounts.reconciliation.state,
    }


def _facilitator(actor: User, fund: Fund) -> None:
    require_role(actor, fund.neighbourhood_id, FACILITATOR, "Only facilitators put the annual report together")


def draft(fund: Fund, actor: User, *, financial_year: str, foreword: str) -> AnnualReport:
    """Start or change the year's report (its foreword): only before it is approved."""
    _facilitator(actor, fund)
    if financial_year not in fund.financial_years or year_end(financial_year) >= timeutil.today():
        raise ServiceError("An annual report is for a financial year that has ended", field="foreword")
    foreword = (foreword or "").strip()
    if not foreword:
        raise ServiceError("Write the chair's foreword: a few lines on the year, in plain words", field="foreword")
    if len(foreword) > 10_000:
        raise ServiceError("Keep the foreword to 10,000 characters or fewer", field="foreword")
    with transaction():
        lock_row(Fund, fund.id)  # the year's one report: two first drafts at once make one
        report = db.session.scalar(select(AnnualReport).where(AnnualReport.fund_id == fund.id,
                                                              AnnualReport.financial_year == financial_year))
        if report is None:
            report = AnnualReport(neighbourhood_id=fund.neighbourhood_id, fund_id=fund.id,
                                  financial_year=financial_year, foreword=foreword, created_by_id=actor.id)
            db.session.add(report)
        elif report.status != ReportStatus.DRAFT:
            raise ServiceError(f"The {financial_year} report is {report.status_label.lower()}: it can no longer change",
                               field="foreword")
        else:
            report.foreword = foreword
        db.session.flush()
        record("annual_report.drafted", report, actor=actor, neighbourhood=fund.neighbourhood,
               payload={"fund": fund.id, "financial_year": financial_year})
    return report


@under_lock(report_lock)
def approve(report: AnnualReport, actor: User, *, meeting: Meeting | None) -> AnnualReport:
    """Record that the board approved it at a meeting that has been held; its contents are kept as
    they stand."""
    fund = db.session.get(Fund, report.fund_id)
    _facilitator(actor, fund)
    if report.status != ReportStatus.DRAFT:
        raise ServiceError(f"The report is already {report.status_label.lower()}")
    if meeting is None or meeting.neighbourhood_id != report.neighbourhood_id:
        raise ServiceError("Choose the board meeting that approved it", field="meeting_id")
    if meeting.status != MeetingStatus.HELD:
        raise ServiceError(f"{meeting.title} has not been held yet: record its attendance first", field="meeting_id")
    report.contents = contents(fund, report.financial_year)
    report.status, report.approved_at_id, report.approved_on = (ReportStatus.APPROVED, meeting.id,
                                                                meeting.starts_at.date())
    record("annual_report.approved", report, actor=actor, neighbourhood=fund.neighbourhood,
           payload={"fund": fund.id, "financial_year": report.financial_year, "meeting": meeting.id,
                    "meeting_title": meeting.title})
    return report


@under_lock(report_lock)
def publish(report: AnnualReport, actor: User, *, pdf: bytes) -> AnnualReport:
    """Publish the approved report with its PDF, kept as it is (the PDF's SHA-256 in the ledger)."""
    fund = db.session.get(Fund, report.fund_id)
    _facilitator(actor, fund)
    if report.status != ReportStatus.APPROVED:
        raise ServiceError("The board approves the report at a meeting before it is published"
                           if report.status == ReportStatus.DRAFT else "The report is already published")
    report.pdf, report.pdf_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    report.status, report.published_on = ReportStatus.PUBLISHED, timeutil.today()
    hood = fund.neighbourhood
    told = following.tell("reports", hood, f"{hood.name}: the annual report for {report.financial_year} is published",
                          "report_news", hood=hood,
                          what=f"{hood.name}'s annual report for {report.financial_year} is published, with a PDF.",
                          link=email_link("reports.annual_report", slug=hood.slug, fund_id=fund.id,
                                          start=int(report.financial_year[:4])))
    record("annual_report.published", report, actor=actor, neighbourhood=hood,
           payload={"fund": fund.id, "financial_year": report.financial_year, "pdf_sha256": report.pdf_sha256,
                    "pdf_bytes": len(pdf), "followers_told": told})
    return report


def reports_of(fund: Fund, today: date) -> list[tuple[str, AnnualReport | None]]:
    """Each ended financial year of the fund, newest first, with its report if one was started."""
    found = {r.financial_year: r for r in db.session.scalars(select(AnnualReport).where(AnnualReport.fund_id == fund.id))}
    return [(year, found.get(year)) for year in reversed(fund.financial_years) if year_end(year) < today]

