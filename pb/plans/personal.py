"""What the plan holds about a person, for pb.privacy: their comments on the plan."""
from __future__ import annotations

from sqlalchemy import select, update

from pb.accounts.personal import iso
from pb.extensions import db
from pb.timeutil import utcnow

from .models import PlanComment

HEADING = "The neighbourhood plan"
HELD = {"plan_comment.author_id": "kept as ‘A former resident’ (the record of a public debate), or hidden if you ask"}
KEPT = {
    "neighbourhood_plan.created_by_id": "the facilitator who started the plan: an official act",
    "plan_version.created_by_id": "who started a version of the plan: an official act",
    "plan_version.approved_by_id": "the board member who recorded the board's approval: an official act",
    "plan_version.endorsement_recorded_by_id": "who recorded the funder's endorsement: an official act",
    "plan_comment.hidden_by_id": "the facilitator who hid a comment: an official act",
    "plan_review.created_by_id": "who started a plan review: an official act",
    "plan_file.uploaded_by_id": "who attached a map of the boundary: an official act",
    "plan_approval.member_id": "a board member's approval of a version of the plan: an official act",
    "plan_interest.user_id": "a board member's declared interest in the plan: public, as the register of interests",
    "legacy_item.done_by_id": "the facilitator who ticked a legacy item: an official act",
    "neighbourhood_plan.open_items_recorded_by_id": "the board member who recorded why legacy items were open: an official act",
    "output_report.reported_by_id": "who reported what a funded project delivered: part of its public record",
    "plan_review.approved_by_id": "the board member who recorded the board's approval of a review: an official act",
}
NOT_ABOUT_PEOPLE = {"plan_version.endorsed_by": "the funder's officer who endorsed the plan, in their official role",
                    "legacy_item.name": "a thing to hand over, like ‘Records handed over’"}
HIDE_REASON = "Its author erased their pb account and asked for their words to be hidden"


def personal_data(user) -> list[tuple]:
    return [("plan_comments", "Your comments on the neighbourhood plan",
             [{"section": c.section, "comment": c.body, "posted": iso(c.created_at), "hidden": iso(c.hidden_at)}
              for c in db.session.scalars(select(PlanComment).where(PlanComment.author_id == user.id)
                                          .order_by(PlanComment.id))])]


def erase(user, *, hide_words: bool) -> dict:
    if not hide_words:
        return {}
    hidden = db.session.execute(update(PlanComment).where(PlanComment.author_id == user.id,
                                                          PlanComment.hidden_at.is_(None))
                                .values(hidden_at=utcnow(), hidden_reason=HIDE_REASON)).rowcount
    return {"plan_comments_hidden": hidden}
