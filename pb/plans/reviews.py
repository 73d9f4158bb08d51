"""Plan reviews: one per investment period, or whenever the board asks. Starting one fills in what
was achieved for each objective from the grants tied to the plan, and the engagement since the last
review; the facilitator writes the story, the learning, what comes next and the funder's feedback;
the board approves it, which publishes it.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

import copy
from datetime import date, datetime, time

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.consultations.models import (
    Consultation,
    ConsultationResponse,
    ConsultationStatus,
    EngagementActivity,
)
from pb.extensions import db
from pb.funds.figures import grant_money
from pb.funds.models import COMPLETED, FundYear, Grant
from pb.ledger.services import record
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.neighbourhoods.services import require_role
from pb.services import ServiceError, transaction
from pb.text import hidden_characters, required_text

from .models import Plan, PlanReview, ReviewStatus
from .services import digest

TEXTS = {"learning": "What we learnt", "looking_forward": "Looking forward", "funder_feedback": "The funder's feedback"}
TEXT_LIMIT = 6000


def _objective_figures(plan: Plan, content: dict) -> list[dict]:
    by_objective: dict[str, list[str]] = {}
    for item in content["interventions"]:
        by_objective.setdefault(item.get("objective") or "", []).append(item["key"])
    rows = []
    grants = db.session.execute(
        select(Grant.id, Grant.intervention, Grant.amount, Grant.status).join(FundYear, FundYear.id == Grant.fund_year_id)
        .where(FundYear.fund_id == plan.fund_id, Grant.intervention.is_not(None))).all() if plan.fund_id else []
    money = grant_money([g.id for g in grants])
    for objective in content["objectives"]:
        keys = set(by_objective.get(objective["key"], []))
        mine = [g for g in grants if g.intervention in keys]
        rows.append({"key": objective["key"], "name": objective["name"], "grants": len(mine),
                     "granted": sum(g.amount for g in mine), "paid": sum(money[g.id]["paid"] for g in mine),
                     "completed": sum(1 for g in mine if g.status == COMPLETED), "text": ""})
    return rows


def _engagement_since(plan: Plan, since: date) -> dict:
    hood_id = plan.neighbourhood_id
    start = datetime.combine(since, time.min)
    consultations = db.session.execute(
        select(Consultation.title, func.count(ConsultationResponse.id))
        .join(ConsultationResponse, ConsultationResponse.consultation_id == Consultation.id, isouter=True)
        .where(Consultation.neighbourhood_id == hood_id, Consultation.status == ConsultationStatus.PUBLISHED,
               Consultation.published_at >= start)
        .group_by(Consultation.id, Consultation.title).order_by(Consultation.id)).all()
    activities, people = db.session.execute(
        select(func.count(EngagementActivity.id), func.coalesce(func.sum(EngagementActivity.people), 0))
        .where(EngagementActivity.neighbourhood_id == hood_id, EngagementActivity.held_on >= since)).one()
    return {"since": since.isoformat(), "consultations": [{"title": t, "responses": n} for t, n in consultations],
            "activities": activities, "people": int(people)}


def start_review(plan: Plan, facilitator: User, *, title: str) -> PlanReview:
    require_role(facilitator, plan.neighbourhood_id, FACILITATOR, "Only facilitators start a plan review")
    version = plan.current
    if version is None:
        raise ServiceError("The plan needs a version the board has approved before it can be reviewed")
    title = required_text(title, field="title", label="Title", limit=160,
                          missing="Say what the review covers, like ‘First investment period’")
    reviews = db.session.scalars(select(PlanReview).where(PlanReview.plan_id == plan.id)
                                 .order_by(PlanReview.number)).all()
    if any(r.status == ReviewStatus.DRAFT for r in reviews):
        raise ServiceError("A review is being written already: finish that one first")
    last = max((r.approved_on for r in reviews if r.approved_on), default=None)
    since = last or plan.created_at.date()
    content = {"objectives": _objective_figures(plan, version.content), "engagement": _engagement_since(plan, since),
               **{key: "" for key in TEXTS}}
    with transaction():
        review = PlanReview(plan_id=plan.id, number=len(reviews) + 1, title=title, version_number=version.number,
                            content=content, created_by_id=facilitator.id)
        db.session.add(review)
        db.session.flush()
        record("plan.review_started", review, actor=facilitator, neighbourhood=plan.neighbourhood,
               payload={"review": review.number, "title": title, "version": version.number,
                        "content_sha256": digest(content)})
    return review


def write_review(review: PlanReview, facilitator: User, texts: dict[str, str]) -> None:
    """The story per objective ({"objective:<key>": text}) and the learning, looking forward and the
    funder's feedback."""
    plan = db.session.get(Plan, review.plan_id)
    require_role(facilitator, plan.neighbourhood_id, FACILITATOR, "Only facilitators write a plan review")
    if review.status != ReviewStatus.DRAFT:
        raise ServiceError("This review is approved and published: it can no longer change")
    content = copy.deepcopy(review.content)
    for name, raw in texts.items():
        text = (raw or "").replace("\r\n", "\n").strip()
        if hidden_characters(text):
            raise ServiceError("This contains hidden characters: retype it", field=name)
        if len(text) > TEXT_LIMIT:
            raise ServiceError(f"Keep it to {TEXT_LIMIT:,} characters", field=name)
        if name.startswith("objective:"):
            row = next((o for o in content["objectives"] if o["key"] == name.split(":", 1)[1]), None)
            if row is None:
                raise ServiceError("That objective is not in the plan", field=name)
            row["text"] = text
        elif name in TEXTS:
            content[name] = text
        else:
            raise ServiceError("Unknown part of the review", field=name)
    with transaction():
        review.content = content
        record("plan.review_written", review, actor=facilitator, neighbourhood=plan.neighbourhood,
               payload={"review": review.number, "content_sha256": digest(content)})


def approve_review(review: PlanReview, member: User, *, decided_on: date | None) -> None:
    plan = db.session.get(Plan, review.plan_id)
    require_role(member, plan.neighbourhood_id, BOARD_MEMBER, "Only board members approve a plan review")
    if review.status != ReviewStatus.DRAFT:
        raise ServiceError("This review is approved already")
    if decided_on is None or decided_on > timeutil.today():
        raise ServiceError("Enter the date of the board meeting, today or earlier", field="decided_on")
    missing = [label for key, label in TEXTS.items() if key != "funder_feedback" and not review.content[key]]
    if missing:
        raise ServiceError(f"Write {' and '.join(m.lower() for m in missing)} before the board approves it")
    with transaction():
        review.status, review.approved_by_id, review.approved_on = ReviewStatus.APPROVED, member.id, decided_on
        record("plan.review_approved", review, actor=member, neighbourhood=plan.neighbourhood,
               payload={"review": review.number, "decided_on": decided_on.isoformat(),
                        "content_sha256": digest(review.content)})


def reviews_of(plan: Plan, *, staff: bool) -> list[PlanReview]:
    query = select(PlanReview).where(PlanReview.plan_id == plan.id).order_by(PlanReview.number)
    if not staff:
        query = query.where(PlanReview.status == ReviewStatus.APPROVED)
    return db.session.scalars(query).all()
