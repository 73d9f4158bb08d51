"""Delivery, trust then accountability: milestones, progress updates from the group's contact (or
keyed in by a facilitator from a paper or phone report), followers emailed each update, and the
reporting schedule that flags an update as overdue. Each change checks its rules, writes, and
appends one audit entry, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.following import services as following
from pb.ledger.services import record
from pb.mail import email_link, queue_email
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, Membership, Neighbourhood
from pb.neighbourhoods.services import require_role, role_in
from pb.numbers import MAX_INT
from pb.proposals import images
from pb.services import ServiceError, transaction
from pb.text import required_text

from .models import (
    ACTIVE,
    CANCELLED,
    COMPLETED,
    SUSPENDED,
    UPDATE_STATUSES,
    Grant,
    GrantUpdate,
    Milestone,
)

QUARTER = timedelta(days=92)
MOST_PER_FIGURE = 10_000_000


@dataclass(frozen=True)
class UpdateFigure:
    """A figure a project reports with a progress update, such as "people helped"."""
    key: str
    name: str
    unit: str


class FigureReporting:
    """What a progress update reports beyond words. A domain above funds registers one (pb.plans: the
    outputs of the grant's plan intervention); funds asks for the figures, checks them, and hands them
    over inside the update's transaction."""

    def figures(self, grant: Grant) -> list[UpdateFigure]:
        return []

    def write(self, grant: Grant, update: GrantUpdate, user: User, figures: dict[str, int]) -> None:
        """Store the figures and their ledger entries; called inside the update's transaction."""

    def reported(self, grant: Grant) -> dict[int, list[str]]:
        """{update id: ["420 people helped", ...]} for the project's page."""
        return {}


FIGURE_REPORTING: list[FigureReporting] = []


def update_figures(grant: Grant) -> list[UpdateFigure]:
    return [f for hook in FIGURE_REPORTING for f in hook.figures(grant)]


def reported_figures(grant: Grant) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for hook in FIGURE_REPORTING:
        for update_id, said in hook.reported(grant).items():
            lines.setdefault(update_id, []).extend(said)
    return lines


def _figures(grant: Grant, figures: dict[str, int | None] | None) -> dict[str, int]:
    """The figures given, checked against what the project reports; blanks and noughts left out."""
    known = {f.key: f for f in update_figures(grant)}
    checked = {}
    for key, amount in (figures or {}).items():
        if key not in known:
            raise ServiceError(f"{grant.reference} does not report ‘{key}’", field=f"figure_{key}")
        if amount is None or amount == 0:
            continue
        if not 0 < amount <= MOST_PER_FIGURE:
            raise ServiceError(f"Enter how many {known[key].unit}, from 0 to {MOST_PER_FIGURE:,}",
                               field=f"figure_{key}")
        checked[key] = amount
    return checked
END_REPORT_GRACE = timedelta(days=30)


def add_milestone(grant: Grant, actor: User, *, title: str, due_on: date | None) -> Milestone:
    require_role(actor, grant.neighbourhood_id, FACILITATOR, "Only facilitators set a grant's milestones")
    if grant.status in (CANCELLED, COMPLETED):
        raise ServiceError(f"{grant.reference} is {grant.status}")
    title = required_text(title, field="title", label="The milestone", limit=200,
                          missing="Say what will be done, for example ‘First 10 sessions run’")
    if due_on is None:
        raise ServiceError("Enter the date the milestone is due", field="due_on")
    if due_on < grant.starts_on:
        raise ServiceError(f"A milestone cannot be due before the grant starts on {grant.starts_on:%-d %B %Y}",
                           field="due_on")
    if due_on > grant.ends_on:
        raise ServiceError(f"A milestone must be due by the grant's end, {grant.ends_on:%-d %B %Y}", field="due_on")
    with transaction():
        milestone = Milestone(grant_id=grant.id, title=title, due_on=due_on)
        db.session.add(milestone)
        db.session.flush()
        record("grant.milestone_set", milestone, actor=actor, neighbourhood=grant.fund_year.fund.neighbourhood,
               payload={"grant": grant.reference, "title": title, "due_on": due_on.isoformat()})
    return milestone


def may_post_update(grant: Grant, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return grant.contact_id == user.id or role_in(user, grant.neighbourhood_id, FACILITATOR) is not None


def post_update(grant: Grant, user: User, *, status: str, body: str, spend_to_date: int | None = None,
                milestone_id: int | None = None, image: bytes | None = None, image_alt: str = "",
                figures: dict[str, int | None] | None = None) -> GrantUpdate:
    """figures: what the project delivered since the last update on what it reports (see FigureReporting)."""
    if not may_post_update(grant, user):
        raise ServiceError(f"Only {grant.contact_name or 'the group’s contact'} or a facilitator can post updates on "
                           f"{grant.reference}")
    if grant.status not in (ACTIVE, SUSPENDED):
        raise ServiceError(f"{grant.reference} is not being delivered, so it takes no updates")
    if status not in UPDATE_STATUSES:
        raise ServiceError("Choose how the project is going", field="status")
    body = required_text(body, field="body", label="What happened", limit=4000,
                         missing="Say in plain words what happened since the last update")
    if spend_to_date is not None and not 0 <= spend_to_date <= MAX_INT:
        raise ServiceError("Spend to date must be £0 or more", field="spend_to_date")
    milestone = None
    if milestone_id is not None:
        milestone = db.session.get(Milestone, milestone_id)
        if milestone is None or milestone.grant_id != grant.id:
            raise ServiceError("Choose one of this grant's milestones", field="milestone_id")
        if milestone.completed_on is not None:
            raise ServiceError(f"‘{milestone.title}’ was already reached on {milestone.completed_on:%-d %B %Y}",
                               field="milestone_id")
    delivered = _figures(grant, figures)
    encoded = None
    if image:
        encoded = images.reencode(image)  # first: a file that is no picture is the bigger problem
        image_alt = (image_alt or "").strip()
        if not image_alt:
            raise ServiceError("Describe the photo for people who cannot see it", field="image_alt")
        if len(image_alt) > 200:
            raise ServiceError("The description must be 200 characters or fewer", field="image_alt")
    on_behalf = grant.contact_id != user.id
    hood = grant.fund_year.fund.neighbourhood
    with transaction():
        update = GrantUpdate(grant_id=grant.id, milestone_id=milestone.id if milestone else None, status=status,
                             body=body, spend_to_date=spend_to_date, posted_by_id=user.id, on_behalf=on_behalf,
                             image_alt=image_alt if encoded else "", image_mime=encoded.mime_type if encoded else None,
                             image_data=encoded.data if encoded else None,
                             image_sha256=encoded.sha256 if encoded else None, reported_on=timeutil.today())
        db.session.add(update)
        if milestone is not None and milestone.completed_on is None:  # "we have reached this milestone"
            milestone.completed_on = timeutil.today()
        db.session.flush()
        record("grant.update_posted", update, actor=user, neighbourhood=hood,
               payload={"grant": grant.reference, "status": status, "milestone": milestone.title if milestone else None,
                        "milestone_completed": bool(milestone and milestone.completed_on),
                        "spend_to_date": spend_to_date, "on_behalf": on_behalf,
                        "photo_sha256": encoded.sha256 if encoded else None, "delivered": delivered})
        if delivered:
            for hook in FIGURE_REPORTING:
                hook.write(grant, update, user, delivered)
        following.tell("grant", grant, f"{grant.title}: {UPDATE_STATUSES[status].lower()}", "project_update",
                       grant=grant, update=update, hood=hood,
                       link=email_link("funds.story", slug=hood.slug, grant_id=grant.id))
    return update


following.register(following.Subject(
    kind="grant", news="progress updates from a funded project you follow",
    already="You already get this project's updates by email", load=lambda grant_id: db.session.get(Grant, grant_id),
    neighbourhood=lambda grant: grant.fund_year.fund.neighbourhood, name=lambda grant: grant.title,
    payload=lambda grant: {"grant": grant.reference}))


# --- reporting schedule and flags -----------------------------------------------------------------------

@dataclass
class Reporting:
    schedule: str           # "quarterly" or "end"
    due_on: date | None     # when the next update is due (None: nothing due)
    overdue: bool
    overdue_milestones: int

    @property
    def describe(self) -> str:
        return "A progress update every three months" if self.schedule == "quarterly" else \
            "One update at the end of the grant"


def reporting(grant: Grant, last_update: date | None, overdue_milestones: int, today: date, threshold: int) -> Reporting:
    """Small grants (under the neighbourhood's `threshold`) report once, within 30 days of their end;
    larger ones every three months from the start. Only grants being delivered owe updates."""
    quarterly = grant.amount >= threshold
    due = None
    if grant.status in (ACTIVE, SUSPENDED):
        if quarterly:
            due = (max(last_update, grant.starts_on) if last_update else grant.starts_on) + QUARTER
        elif last_update is None or last_update < grant.ends_on:
            due = grant.ends_on + END_REPORT_GRACE
    return Reporting("quarterly" if quarterly else "end", due, due is not None and due < today, overdue_milestones)


def reporting_for(grants: list[Grant], today: date | None = None, scope=None) -> dict[int, Reporting]:
    """Reporting state of many grants with two grouped queries (`scope`: a SELECT of their ids, to
    send instead of hundreds of ids as parameters)."""
    today = today or timeutil.today()
    ids = [g.id for g in grants]
    if not ids:
        return {}
    chosen = ids if scope is None else scope
    last = dict(db.session.execute(select(GrantUpdate.grant_id, func.max(GrantUpdate.reported_on))
                                   .where(GrantUpdate.grant_id.in_(chosen)).group_by(GrantUpdate.grant_id)).all())
    late = dict(db.session.execute(select(Milestone.grant_id, func.count()).where(
        Milestone.grant_id.in_(chosen), Milestone.completed_on.is_(None), Milestone.due_on < today)
        .group_by(Milestone.grant_id)).all())
    # Usually one neighbourhood, already in the session (the page loaded it): no query.
    thresholds = {hood_id: db.session.get(Neighbourhood, hood_id).full_reporting_threshold
                  for hood_id in {g.neighbourhood_id for g in grants}}
    out = {}
    for grant in grants:
        counted = late.get(grant.id, 0) if grant.status in (ACTIVE, SUSPENDED) else 0
        out[grant.id] = reporting(grant, last.get(grant.id), counted, today, thresholds[grant.neighbourhood_id])
    return out


def needing_attention(hood_id: int, today: date | None = None) -> list[tuple[Grant, Reporting]]:
    """Grants being delivered with an overdue update or milestone: for facilitators and the board."""
    grants = db.session.scalars(select(Grant).where(Grant.neighbourhood_id == hood_id,
                                                    Grant.status.in_((ACTIVE, SUSPENDED))).order_by(Grant.number)).all()
    states = reporting_for(grants, today)
    return [(g, states[g.id]) for g in grants if states[g.id].overdue or states[g.id].overdue_milestones]


def remind_overdue(hood: Neighbourhood, today: date | None = None) -> list[str]:
    """Run daily (`flask --app pb money remind`): for each grant whose progress update is overdue and
    not yet reminded about for that due date, and each milestone gone past its date unreached and not
    yet reminded about, email the grant's contact, and send the neighbourhood's facilitators and board
    members one list. One transaction and one audit entry per neighbourhood. Returns the grants
    reminded about."""
    today = today or timeutil.today()
    attention = needing_attention(hood.id, today)
    due = [(grant, state) for grant, state in attention if state.overdue and grant.reminded_due_on != state.due_on]
    late = {grant.id: [m for m in grant.milestones if m.overdue(today) and m.reminded_on is None]
            for grant, _ in attention}
    late = {grant_id: milestones for grant_id, milestones in late.items() if milestones}
    if not due and not late:
        return []
    staff = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.neighbourhood_id == hood.id, Membership.role.in_((FACILITATOR, BOARD_MEMBER)))
        .distinct().order_by(User.id)).all()
    grants = {grant.id: grant for grant, _ in attention}
    with transaction():
        for grant, state in due:
            grant.reminded_due_on = state.due_on
            contact = db.session.get(User, grant.contact_id) if grant.contact_id else None
            if contact is not None:
                queue_email(contact.email, f"{grant.title}: your progress update is overdue", "update_overdue",
                            user=contact, grant=grant, hood=hood, due_on=state.due_on,
                            link=email_link("funds_admin.post_update", slug=hood.slug, grant_id=grant.id))
        for grant_id, milestones in late.items():
            grant = grants[grant_id]
            for milestone in milestones:
                milestone.reminded_on = today
            contact = db.session.get(User, grant.contact_id) if grant.contact_id else None
            if contact is not None:
                queue_email(contact.email, f"{grant.title}: {_milestones_phrase(milestones)} overdue", "milestone_overdue",
                            user=contact, grant=grant, hood=hood, milestones=milestones,
                            link=email_link("funds_admin.post_update", slug=hood.slug, grant_id=grant.id))
        late_list = [(grants[grant_id], milestones) for grant_id, milestones in late.items()]
        for person in staff:
            queue_email(person.email, f"{hood.name}: {_staff_subject(len(due), sum(len(m) for m in late.values()))}",
                        "updates_overdue", user=person, hood=hood, due=due, late=late_list,
                        link=email_link("funds_admin.dashboard", slug=hood.slug))
        record("grant.overdue_reminders_sent", hood, actor=None, neighbourhood=hood,
               payload={"grants": [{"grant": g.reference, "due_on": s.due_on.isoformat()} for g, s in due],
                        "milestones": [{"grant": grants[grant_id].reference, "milestone": m.title,
                                        "due_on": m.due_on.isoformat()}
                                       for grant_id, milestones in late.items() for m in milestones],
                        "staff_emailed": len(staff)})
    reminded = {grant.id for grant, _ in due} | set(late)
    return [grants[grant_id].reference for grant_id in sorted(reminded, key=lambda grant_id: grants[grant_id].number)]


def _milestones_phrase(milestones) -> str:
    return f"‘{milestones[0].title}’ is" if len(milestones) == 1 else f"{len(milestones)} milestones are"


def _staff_subject(updates: int, milestones: int) -> str:
    parts = []
    if updates:
        parts.append(f"{updates} project update{'s' if updates != 1 else ''}")
    if milestones:
        parts.append(f"{milestones} milestone{'s' if milestones != 1 else ''}")
    return " and ".join(parts) + " overdue"
