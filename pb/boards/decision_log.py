"""The board's decision log, read from the ledger: every decision the board made, online or
recorded from a meeting (round rules, grant decisions, results signed off, the plan, its reviews,
consultations), with its day, what was decided, who approved it, the interests declared, and the
ledger entry it stands on. Nothing here is stored apart from the ledger, so the log cannot say
other than what the hash chain holds."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import select

from pb.accounts.models import User
from pb.audit.boards import MAKING, made
from pb.consultations.models import Consultation
from pb.extensions import db
from pb.funds.figures import financial_year_of
from pb.funds.models import DecisionKind, Grant, GrantDecision
from pb.ledger.models import AuditEntry
from pb.ledger.services import log_for
from pb.money import pounds
from pb.neighbourhoods.models import RESIDENT, Membership, Neighbourhood
from pb.rounds.models import Round

from .composition import _assess
from .members import rules_key
from .models import BoardSeat, Meeting

KINDS = {"meetings": "Motions at meetings", "grants": "Grants", "results": "Results of votes", "rules": "Rules of rounds", "plan": "The neighbourhood plan",
         "consultations": "Consultations"}
# Which entries make a decision is the auditor's rule too (pb.audit.boards); these are the entries of
# the approvals that led to each, found by the same subject.
APPROVING = {"grant.decision_proposed", "grant.decision_approved", "result.approved_by_member", "plan.approval_given",
             "plan.approved"}
INTERESTS = {"grant.interest_declared", "plan.interest_declared"}
DECISION_TABLE = GrantDecision.__tablename__


@dataclass
class LoggedDecision:
    seq: int
    hash: str
    on: date
    kind: str
    what: str
    vote: str
    approved_by: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    # Members whose register of interests named the grant's organisation or proposer, and why they
    # said it did not touch the decision.
    register_reasons: list[str] = field(default_factory=list)
    meeting_id: int | None = None
    # What the board lacked on the day, when it did not meet its rules (the decision still stands).
    rules_unmet: str = ""

    @property
    def financial_year(self) -> str:
        return financial_year_of(self.on)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["on"] = self.on.isoformat()
        out["kind"] = KINDS[self.kind]
        out["ledger_entry"] = {"seq": self.seq, "hash": out.pop("hash")}
        out.pop("seq")
        return out


def _people(parsed: list[tuple[AuditEntry, dict]]) -> dict[str, str]:
    """{pseudonym: name} for everyone the entries name, in one query (board members hold a public office)."""
    people = set()
    for entry, payload in parsed:
        people.add(entry.actor)
        people.update(p for p in (payload.get("proposer"), payload.get("seconder")) if isinstance(p, str))
        for named_in in ("interests", "register_named"):
            if isinstance(payload.get(named_in), dict):
                people.update(payload[named_in])
    return dict(db.session.execute(select(User.pseudonym, User.name).where(User.pseudonym.in_(people))).all())


def _at_meeting(payload: dict) -> str:
    votes = payload["votes"]
    return (f"At {payload['meeting']}: {votes['votes_for']} for, {votes['votes_against']} against, "
            f"{votes['abstentions']} abstaining")


def _joined(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else (names[0] if names else "")


def decisions(hood: Neighbourhood) -> list[LoggedDecision]:
    """Every decision, newest first."""
    log = log_for(hood)
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.log_id == log.id, AuditEntry.action.in_(set(MAKING) | APPROVING | INTERESTS))
        .order_by(AuditEntry.seq)).all()
    rounds = dict(db.session.execute(select(Round.id, Round.name).where(Round.neighbourhood_id == hood.id)).all())
    grants = {f"G-{n}": t for n, t in db.session.execute(select(Grant.number, Grant.title)
                                                          .where(Grant.neighbourhood_id == hood.id)).all()}
    consultations = dict(db.session.execute(select(Consultation.id, Consultation.title)
                                            .where(Consultation.neighbourhood_id == hood.id)).all())
    meetings = dict(db.session.execute(select(Meeting.id, Meeting.title).where(Meeting.neighbourhood_id == hood.id)).all())
    approvals: dict[tuple[str, str], list[str]] = {}   # (subject type, id): approvers' pseudonyms so far
    reasons: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (subject type, id): (pseudonym, reason)
    interests: dict[str, list[str]] = {}               # grant reference or "plan": who declared
    parsed = [(entry, json.loads(entry.payload)) for entry in entries]
    meeting_of_motion: dict[int, int] = {}  # a decision made by a motion names the motion: its meeting
    named = _people(parsed)

    def _names(pseudonyms: list[str]) -> list[str]:
        return [named.get(p, "A former member") for p in dict.fromkeys(pseudonyms)]

    out = []
    for entry, payload in parsed:
        key = (entry.subject_type, entry.subject_id)
        if entry.action == "grant.interest_declared":
            interests.setdefault(payload["grant"], []).append(entry.actor)
            continue
        if entry.action == "plan.interest_declared":
            interests.setdefault("plan", []).append(entry.actor)
            continue
        if entry.action in ("grant.capacity_grant_proposed", "grant.direct_grant_proposed"):
            # The board member who proposes a direct grant is its decision's first approval.
            approvals.setdefault((DECISION_TABLE, str(payload["decision"])), []).append(entry.actor)
        if entry.action in APPROVING:
            approvals.setdefault(key, []).append(entry.actor)
            if payload.get("no_interest_reason"):
                reasons.setdefault(key, []).append((entry.actor, payload["no_interest_reason"]))
        if entry.action == "board.motion_recorded":
            meeting_of_motion[int(entry.subject_id)] = payload["meeting"]
        if not made(entry.action, payload):
            continue
        # The day the board decided (as recorded from a meeting), else the day it was made online.
        day = payload.get("decided_on") or payload.get("on")
        on = date.fromisoformat(day) if day else entry.when.date()
        approved_by = _names(approvals.get(key, [entry.actor]))
        declared: list[str] = []
        vote = f"Approved by {_joined(approved_by)}"
        if payload.get("quorum"):
            vote += f" ({payload.get('approvals', len(approved_by))} approvals; {payload['quorum']} needed)"
        action = entry.action
        meeting_id = None
        if action == "board.motion_recorded":
            meeting_id = payload["meeting"]
            at = meetings.get(meeting_id, "a meeting")
            what = (f"At {at}, on a confidential item: carried" if payload["confidential"]
                    else f"At {at}, item {payload['item']} ({payload['item_title']}): {payload['motion']}")
            proposer, seconder = _names([payload["proposer"]])[0], _names([payload["seconder"]])[0]
            approved_by = []
            vote = (f"{payload['votes_for']} for, {payload['votes_against']} against, {payload['abstentions']} "
                    f"abstaining; proposed by {proposer}, seconded by {seconder}")
            for who, why in (payload.get("register_named") or {}).items():
                reasons.setdefault(key, []).append((who, why))
            if isinstance(payload["interests"], dict):
                declared = list(payload["interests"])
            else:
                vote += f"; {payload['interests']} member(s) declared an interest and left the room"
        elif action == "board.approved_rules":
            what = f"Approved the rules of the round ‘{rounds.get(payload['round'], 'a round')}’"
            vote = f"Recorded by {_joined(approved_by)} from the board's decision"
        elif action == "board.changed_rule":
            what = (f"Changed the rule ‘{payload['rule']}’ of the round ‘{rounds.get(payload['round'], 'a round')}’ "
                    f"from {payload['old']} to {payload['new']}: {payload['reason']}")
            vote = f"Recorded by {_joined(approved_by)} from the board's decision"
        elif action in ("grant.capacity_grant_proposed", "grant.direct_grant_proposed"):
            what = (f"Awarded {'a capacity-building' if action == 'grant.capacity_grant_proposed' else 'a'} grant, "
                    f"{payload['grant']} {payload['title']}, {pounds(payload['amount'])} to {payload['body']}")
            declared = interests.get(payload["grant"], [])
            approved_by = _names(approvals.get((DECISION_TABLE, str(payload["decision"])), [entry.actor]))
            vote = f"Approved by {_joined(approved_by)}"
        elif action.startswith("grant."):
            reference = payload["grant"]
            what = f"{DecisionKind(payload['kind']).label}: {reference} {grants.get(reference, '')}".rstrip()
            if "amount" in payload:
                what += f", {pounds(payload['amount'])}"
            declared = interests.get(reference, [])
            if action == "grant.decision_made_at_meeting":
                vote, approved_by = _at_meeting(payload), []
                meeting_id = meeting_of_motion.get(payload["motion"])
        elif action == "result.signed_off_at_meeting":
            what = f"Signed off the results of the round ‘{rounds.get(payload['round'], 'a round')}’"
            vote = _at_meeting(payload)
            approved_by = []
            meeting_id = meeting_of_motion.get(payload["motion"])
        elif action == "result.approved_by_member":
            what = f"Signed off the results of the round ‘{rounds.get(payload['round'], 'a round')}’"
        elif action == "plan.approved":
            what = f"Approved version {payload['version']} of the neighbourhood plan"
            declared = interests.get("plan", [])
        elif action == "plan.review_approved":
            what = f"Approved plan review {payload['review']}"
        elif action == "plan.open_items_recorded":
            what = f"Recorded why legacy items were still open when the fund's last year ended: {payload['reason']}"
        else:  # consultation.approved
            what = f"Approved the consultation ‘{consultations.get(int(entry.subject_id), 'a consultation')}’"
        said = reasons.get(key, [])
        out.append(LoggedDecision(entry.seq, entry.hash, on, MAKING[action], what, vote, approved_by,
                                  _names(declared), [f"{_names([who])[0]}: {reason}" for who, reason in said],
                                  meeting_id))
    _mark_unmet(hood, out)
    return sorted(out, key=lambda d: (d.on, d.seq), reverse=True)


def _mark_unmet(hood: Neighbourhood, found: list[LoggedDecision]) -> None:
    """Mark each decision made on a day the board's seats did not meet its rules. The seats are
    taken as they stood that day (approvals by then); residency as verified now; no mark where pb
    held no seat yet."""
    seats = db.session.scalars(select(BoardSeat).where(BoardSeat.neighbourhood_id == hood.id)).all()
    if not seats:
        return
    living = set(db.session.scalars(select(Membership.user_id).where(
        Membership.neighbourhood_id == hood.id, Membership.role == RESIDENT, Membership.verified_at.is_not(None))))
    key = rules_key(hood)
    for decision in found:
        day = decision.on
        held = [s for s in seats if s.started_on <= day and (s.ended_on is None or s.ended_on >= day)]
        if not held:
            continue
        problems = _assess(key, held, living, on=day).problems
        decision.rules_unmet = problems[0] if problems else ""


def filtered(found: list[LoggedDecision], *, year: str = "", kind: str = "", meeting: int | None = None
             ) -> list[LoggedDecision]:
    return [d for d in found if (not year or d.financial_year == year) and (not kind or d.kind == kind)
            and (meeting is None or d.meeting_id == meeting)]
