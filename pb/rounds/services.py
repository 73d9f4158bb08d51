"""State changes to rounds: set-up, pots, timeline, rules, board decisions, followers.
Moving a round from phase to phase drives other domains, so it lives above them, in pb.phases.
Each checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.extensions import db
from pb.following import services as following
from pb.funds.figures import fund_lock
from pb.funds.planning import check_round_budget
from pb.ledger.services import record
from pb.money import is_financial_year, pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, RESIDENT, Membership, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.services import ServiceError, transaction, under_lock

from .models import (
    BALLOT_TYPES,
    CUMULATIVE,
    LOCKED_RULES,
    PHASE_LABELS,
    PHASES,
    RULES_FOR_BALLOT,
    SETUP,
    SPEND_RULES,
    TIE_BREAKS,
    VOTING,
    WHO_MAY_PROPOSE,
    BoardDecision,
    BoardDecisionKind,
    Pot,
    Round,
    RoundPhase,
)

MAX_POTS = 8
RULE_LABELS = {
    "total_budget": "Total budget", "who_may_propose": "Who may propose", "ballot_type": "Ballot type",
    "ballot_min": "Fewest choices on a ballot", "ballot_max": "Most choices on a ballot",
    "ballot_points": "Points to share out", "counting_rule": "Counting rule", "tie_break": "Tie-break",
    "support_cap": "Most proposals one resident may support", "support_threshold": "Supports needed to reach the ballot",
    "max_per_proposal": "Most one proposal may cost",
    "allow_ballot_changes": "Voters may change their ballot until voting closes",
}


def _require(user: User, round_: Round, role: str, doing: str) -> None:
    who = "partnership board members" if role == BOARD_MEMBER else "facilitators"
    require_role(user, round_.neighbourhood_id, role, f"Only {who} can {doing}")


def _text(value, field, label, limit, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"Enter {label}", field=field)
    if len(value) > limit:
        raise ServiceError(f"{label[0].upper() + label[1:]} must be {limit:,} characters or fewer", field=field)
    return value


# --- set-up ----------------------------------------------------------------------------------------

def create_round(hood: Neighbourhood, actor: User, *, name: str, fund_year: str, total_budget: int,
                 description: str = "") -> Round:
    require_role(actor, hood.id, FACILITATOR, "Only facilitators can set up a round")
    name = _text(name, "name", "the round's name", 120)
    if not is_financial_year(fund_year):
        raise ServiceError("Fund year must be a financial year like 2027/28", field="fund_year")
    if total_budget is None or total_budget <= 0:
        raise ServiceError("Total budget must be more than £0", field="total_budget")
    if db.session.scalar(select(Round.id).where(Round.neighbourhood_id == hood.id, Round.name == name)):
        raise ServiceError(f"{hood.name} already has a round called {name}", field="name")
    with transaction():
        round_ = Round(neighbourhood_id=hood.id, name=name, fund_year=fund_year.strip(), total_budget=total_budget,
                       description=_text(description, "description", "the description", 4000, required=False),
                       created_by_id=actor.id, phase=SETUP)
        db.session.add(round_)
        db.session.flush()
        record("round.created", round_, actor=actor, neighbourhood=hood,
               payload={"name": name, "fund_year": round_.fund_year, "total_budget": total_budget})
    return round_


def _check_rules(values: dict, round_: Round) -> None:
    """Every rule value on its own and together; raises the first problem, on its field."""
    if values["who_may_propose"] not in WHO_MAY_PROPOSE:
        raise ServiceError("Choose who may propose", field="who_may_propose")
    if values["ballot_type"] not in BALLOT_TYPES:
        raise ServiceError("Choose a ballot type", field="ballot_type")
    if values["counting_rule"] not in RULES_FOR_BALLOT[values["ballot_type"]]:
        raise ServiceError(f"That counting rule cannot count {BALLOT_TYPES[values['ballot_type']].lower()} ballots. "
                           "Choose another rule or ballot type", field="counting_rule")
    if values["tie_break"] not in TIE_BREAKS:
        raise ServiceError("Choose a tie-break", field="tie_break")
    low, high = values["ballot_min"], values["ballot_max"]
    if low is None or low < 0:
        raise ServiceError("Fewest choices must be 0 or more", field="ballot_min")
    if high is not None and high < max(low, 1):
        raise ServiceError("Most choices must be at least the fewest choices, and at least 1", field="ballot_max")
    if values["ballot_type"] == CUMULATIVE:
        if not values["ballot_points"] or not 2 <= values["ballot_points"] <= 100:
            raise ServiceError("Points to share out must be between 2 and 100", field="ballot_points")
    for name in ("support_cap", "support_threshold"):
        if values[name] is not None and values[name] < 1:
            raise ServiceError(f"{RULE_LABELS[name]} must be 1 or more, or left empty for no limit", field=name)
    budget = values["total_budget"]
    if budget is None or budget <= 0:
        raise ServiceError("Total budget must be more than £0", field="total_budget")
    if values["max_per_proposal"] is not None and not 0 < values["max_per_proposal"] <= budget:
        raise ServiceError(f"Most one proposal may cost must be more than £0 and no more than the budget, "
                           f"{pounds(budget)}", field="max_per_proposal")


def rule_values(round_: Round) -> dict:
    return {name: getattr(round_, name) for name in LOCKED_RULES}


def _round_fund(round_: Round, *args, **kwargs):
    """A round drawing on a fund year checks its budget under that fund's lock."""
    return fund_lock(round_.fund_year_plan)


@under_lock(_round_fund)
def update_rules(round_: Round, actor: User, **changes) -> dict:
    """Facilitators change rules freely until proposals open. A change after the board approved
    the set-up withdraws that approval: the board approves what residents will actually get."""
    _require(actor, round_, FACILITATOR, "change a round's rules")
    unknown = set(changes) - set(LOCKED_RULES) - {"name", "description", "fund_year"}
    if unknown:
        raise ValueError(f"not a rule: {sorted(unknown)}")
    rule_changes = {k: v for k, v in changes.items() if k in LOCKED_RULES and getattr(round_, k) != v}
    if rule_changes and round_.locked:
        raise ServiceError("The rules locked when proposals opened. Changing one now needs a decision of the "
                           "partnership board, recorded with its reason")
    values = rule_values(round_) | rule_changes
    _check_rules(values, round_)
    if "total_budget" in rule_changes:
        check_round_budget(round_, rule_changes["total_budget"])
    if round_.fund_year_id and changes.get("fund_year", round_.fund_year) != round_.fund_year:
        raise ServiceError(f"The round draws on the fund's {round_.fund_year} money. Choose ‘no fund’ for it first, "
                           "then change its year", field="fund_year")
    if "name" in changes:
        changes["name"] = _text(changes["name"], "name", "the round's name", 120)
    if "fund_year" in changes and not is_financial_year(changes["fund_year"]):
        raise ServiceError("Fund year must be a financial year like 2027/28", field="fund_year")
    if "description" in changes:
        changes["description"] = _text(changes["description"], "description", "the description", 4000, required=False)
    changed = {}
    with transaction():
        for name, value in changes.items():
            if getattr(round_, name) != value:
                changed[name] = [getattr(round_, name), value]
                setattr(round_, name, value)
        if changed:
            payload = {"changed": changed}
            if rule_changes:
                _withdraw_approval(round_, payload)
            record("round.rules_updated", round_, actor=actor, neighbourhood=round_.neighbourhood, payload=payload)
    return changed


def _withdraw_approval(round_: Round, payload: dict) -> None:
    """A change to an approved set-up withdraws the approval: the board approves what residents get.
    Said in the change's own audit entry."""
    if round_.approved_at is not None:
        round_.approved_at = None
        payload["board_approval_withdrawn"] = True


def _check_pot(round_: Round, name: str, amount: int, spend_rule: str, max_per_proposal: int | None,
               pot: Pot | None = None) -> str:
    name = _text(name, "name", "the pot's name", 80)
    if amount is None or amount <= 0:
        raise ServiceError("Pot amount must be more than £0", field="amount")
    if spend_rule not in SPEND_RULES:
        raise ServiceError("Choose what the pot may pay for", field="spend_rule")
    others = sum(p.amount for p in round_.pots if p is not pot)
    if others + amount > round_.total_budget:
        raise ServiceError(f"The pots would add up to {pounds(others + amount)}, more than the round's budget of "
                           f"{pounds(round_.total_budget)}. {pounds(round_.total_budget - others)} is left to share",
                           field="amount")
    if max_per_proposal is not None and not 0 < max_per_proposal <= amount:
        raise ServiceError(f"Most one proposal may cost must be more than £0 and no more than the pot, {pounds(amount)}",
                           field="max_per_proposal")
    if any(p.name.lower() == name.lower() for p in round_.pots if p is not pot):
        raise ServiceError(f"This round already has a pot called {name}", field="name")
    return name


def _pots_unlocked(round_: Round) -> None:
    if round_.locked:
        raise ServiceError("Pots are part of the rules, which locked when proposals opened")


def add_pot(round_: Round, actor: User, *, name: str, amount: int, spend_rule: str = "any",
            max_per_proposal: int | None = None, description: str = "") -> Pot:
    _require(actor, round_, FACILITATOR, "change pots")
    _pots_unlocked(round_)
    if len(round_.pots) >= MAX_POTS:
        raise ServiceError(f"A round can have at most {MAX_POTS} pots", field="name")
    name = _check_pot(round_, name, amount, spend_rule, max_per_proposal)
    with transaction():
        pot = Pot(round_id=round_.id, name=name, amount=amount, spend_rule=spend_rule,
                  max_per_proposal=max_per_proposal, position=len(round_.pots),
                  description=_text(description, "description", "the description", 1000, required=False))
        round_.pots.append(pot)
        db.session.flush()
        payload = {"name": name, "amount": amount, "spend_rule": spend_rule, "max_per_proposal": max_per_proposal}
        _withdraw_approval(round_, payload)
        record("pot.added", pot, actor=actor, neighbourhood=round_.neighbourhood, payload=payload)
    return pot


def update_pot(pot: Pot, actor: User, *, name: str, amount: int, spend_rule: str, max_per_proposal: int | None,
               description: str = "") -> None:
    round_ = pot.round
    _require(actor, round_, FACILITATOR, "change pots")
    _pots_unlocked(round_)
    name = _check_pot(round_, name, amount, spend_rule, max_per_proposal, pot)
    with transaction():
        before = {"name": pot.name, "amount": pot.amount, "spend_rule": pot.spend_rule,
                  "max_per_proposal": pot.max_per_proposal}
        pot.name, pot.amount, pot.spend_rule, pot.max_per_proposal = name, amount, spend_rule, max_per_proposal
        pot.description = _text(description, "description", "the description", 1000, required=False)
        payload = {"before": before, "after": {"name": name, "amount": amount, "spend_rule": spend_rule,
                                               "max_per_proposal": max_per_proposal}}
        _withdraw_approval(round_, payload)
        record("pot.updated", pot, actor=actor, neighbourhood=round_.neighbourhood, payload=payload)


def remove_pot(pot: Pot, actor: User) -> None:
    round_ = pot.round
    _require(actor, round_, FACILITATOR, "change pots")
    _pots_unlocked(round_)
    with transaction():
        payload = {"name": pot.name, "amount": pot.amount}
        _withdraw_approval(round_, payload)
        record("pot.removed", pot, actor=actor, neighbourhood=round_.neighbourhood, payload=payload)
        round_.pots.remove(pot)


def set_timeline(round_: Round, actor: User, dates: dict[str, date]) -> None:
    """Planned start dates for each phase after set-up. Phases already started keep their dates."""
    _require(actor, round_, FACILITATOR, "change the timeline")
    planned = [p for p in PHASES if p != SETUP]
    current = round_.phase_index()
    started = {step.phase: step.starts_on for step in round_.timeline if PHASES.index(step.phase) <= current}
    previous = None
    for phase in planned:
        value = started.get(phase) or dates.get(phase)
        if value is None:
            raise ServiceError(f"Enter the date {PHASE_LABELS[phase].lower()} starts", field=phase)
        if phase in started and dates.get(phase) not in (None, started[phase]):
            raise ServiceError(f"{PHASE_LABELS[phase]} has already started, so its date cannot change", field=phase)
        if previous is not None and value < previous[1]:
            raise ServiceError(f"{PHASE_LABELS[phase]} cannot start before {PHASE_LABELS[previous[0]].lower()} "
                               f"({previous[1].strftime('%-d %B %Y')})", field=phase)
        previous = (phase, value)
    with transaction():
        steps = {step.phase: step for step in round_.timeline}
        changed = {}
        for phase in planned:
            value = started.get(phase) or dates[phase]
            step = steps.get(phase)
            if step is None:
                round_.timeline.append(RoundPhase(phase=phase, starts_on=value))
                changed[phase] = [None, value.isoformat()]
            elif step.starts_on != value:
                changed[phase] = [step.starts_on.isoformat(), value.isoformat()]
                step.starts_on = value
        if changed:
            record("round.timeline_set", round_, actor=actor, neighbourhood=round_.neighbourhood,
                   payload={"changed": changed})


def setup_problems(round_: Round) -> list[str]:
    """What stops the set-up being approved, in plain English (empty when ready)."""
    problems = []
    if not round_.pots:
        problems.append("Add at least one pot")
    else:
        shared = sum(p.amount for p in round_.pots)
        if shared != round_.total_budget:
            problems.append(f"The pots add up to {pounds(shared)} but the budget is {pounds(round_.total_budget)}")
    if len(round_.timeline) < len(PHASES) - 1:
        problems.append("Set the date each phase starts")
    try:
        _check_rules(rule_values(round_), round_)
    except ServiceError as error:
        problems.append(error.message)
    return problems


def rule_warnings(round_: Round) -> list[str]:
    """Choices that are allowed but likely to surprise: said on the set-up pages, never enforced."""
    warnings = []
    if round_.counting_rule in ("mes-add1", "mes-add1-greedy"):
        electorate = db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.neighbourhood_id == round_.neighbourhood_id, Membership.role == RESIDENT,
            Membership.verified_at.is_not(None))) or 0
        for pot in round_.pots:
            if electorate and pot.amount < electorate * 100:
                warnings.append(
                    f"The {pot.name} pot, {pounds(pot.amount)}, is less than £1 for each of the {electorate:,} verified "
                    "residents. The Method of Equal Shares is completed by raising every voter's share £1 at a time, "
                    "so with this many voters the first raise may already be too much and the pot could fund little "
                    + ("(the greedy completion then spends what is left)." if round_.counting_rule == "mes-add1-greedy"
                       else "or nothing. Consider ‘Method of Equal Shares, then most votes first’ for this round."))
    return warnings


# --- board decisions -------------------------------------------------------------------------------

def approve_setup(round_: Round, member: User, *, decided_on: date, note: str = "") -> BoardDecision:
    _require(member, round_, BOARD_MEMBER, "approve a round's rules")
    if round_.locked:
        raise ServiceError("The rules are already approved and locked")
    if round_.approved_at is not None:
        raise ServiceError("The board has already approved this set-up")
    problems = setup_problems(round_)
    if problems:
        raise ServiceError("The set-up is not ready to approve: " + "; ".join(problems))
    if decided_on is None or decided_on > date.today():
        raise ServiceError("Enter the date of the board meeting, today or earlier", field="decided_on")
    with transaction():
        rules = rule_values(round_) | {
            "pots": [{"name": p.name, "amount": p.amount, "spend_rule": p.spend_rule,
                      "max_per_proposal": p.max_per_proposal} for p in round_.pots],
            "timeline": {s.phase: s.starts_on.isoformat() for s in round_.timeline}}
        decision = BoardDecision(round_id=round_.id, kind=BoardDecisionKind.APPROVE_RULES, decided_on=decided_on,
                                 summary=f"Approved the rules, pots and timeline of {round_.name}",
                                 reason=_text(note, "note", "the note", 2000, required=False), changes=rules,
                                 recorded_by_id=member.id)
        db.session.add(decision)
        round_.approved_at = timeutil.stamp()
        db.session.flush()
        record("board.approved_rules", decision, actor=member, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "decided_on": decided_on.isoformat(), "rules": rules})
    return decision


@under_lock(_round_fund)
def change_locked_rule(round_: Round, member: User, *, rule: str, value, reason: str,
                       decided_on: date) -> BoardDecision:
    """After proposals open, only the board changes a rule, and says why."""
    _require(member, round_, BOARD_MEMBER, "change a locked rule")
    if rule not in LOCKED_RULES:
        raise ServiceError("Choose the rule to change", field="rule")
    if not round_.locked:
        raise ServiceError("The rules are not locked yet: facilitators can change them on the set-up page")
    if not round_.is_before(VOTING):
        raise ServiceError("Rules cannot change once voting has opened")
    reason = _text(reason, "reason", "the board's reason for the change", 2000)
    if decided_on is None or decided_on > date.today():
        raise ServiceError("Enter the date of the board meeting, today or earlier", field="decided_on")
    old = getattr(round_, rule)
    if old == value:
        raise ServiceError(f"{RULE_LABELS[rule]} is already {value if value is not None else 'not set'}", field="value")
    try:
        _check_rules(rule_values(round_) | {rule: value}, round_)
    except ServiceError as error:
        raise ServiceError(error.message, field="value") from None
    if rule == "total_budget" and value != sum(p.amount for p in round_.pots):
        raise ServiceError(f"The pots add up to {pounds(sum(p.amount for p in round_.pots))}: the budget must equal "
                           "them", field="value")
    if rule == "total_budget":
        check_round_budget(round_, value, field="value")
    with transaction():
        decision = BoardDecision(round_id=round_.id, kind=BoardDecisionKind.CHANGE_RULE, decided_on=decided_on,
                                 summary=f"Changed {RULE_LABELS[rule].lower()}", reason=reason,
                                 changes={rule: [old, value]}, recorded_by_id=member.id)
        db.session.add(decision)
        setattr(round_, rule, value)
        db.session.flush()
        record("board.changed_rule", decision, actor=member, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "rule": rule, "old": old, "new": value, "reason": reason,
                        "decided_on": decided_on.isoformat()})
    return decision


# --- following ---------------------------------------------------------------------------------------

following.register(following.Subject(
    kind="round", news="updates when a round moves to its next phase", already="You already get emails about this round",
    load=lambda round_id: db.session.get(Round, round_id), neighbourhood=lambda round_: round_.neighbourhood,
    name=lambda round_: round_.name, payload=lambda round_: {"round": round_.id}))


