"""Tying the money to the plan: a round's pots and each grant name the plan's intervention they
serve (a round's grants take their pot's when offered). A neighbourhood without a plan keeps
working as before: nothing here is required.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from pb.accounts.models import User
from pb.extensions import db
from pb.funds.models import Grant
from pb.ledger.services import record
from pb.neighbourhoods.models import FACILITATOR, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.proposals.drafting import INTERVENTION_CHOICES
from pb.rounds.models import Pot, Round
from pb.services import ServiceError, transaction

from .models import Plan
from .services import plan_of


def interventions_of(plan: Plan) -> dict[str, str]:
    """The interventions of the plan in force (else of its latest version), key -> name."""
    version = plan.current or plan.versions[-1]
    return {i["key"]: i["name"] for i in version.content["interventions"]}


def _proposal_choices(hood) -> dict[str, str]:
    """What a proposal may say it serves: the interventions of the plan in force, if there is one."""
    plan = plan_of(hood)
    return {i["key"]: i["name"] for i in plan.current.content["interventions"]} if plan and plan.current else {}


INTERVENTION_CHOICES.append(_proposal_choices)


def _check(hood, facilitator: User, key: str | None) -> str | None:
    require_role(facilitator, hood.id, FACILITATOR, "Only facilitators tie money to the plan")
    plan = plan_of(hood)
    if plan is None:
        raise ServiceError(f"{hood.name} has no plan to tie this to")
    if key and key not in interventions_of(plan):
        raise ServiceError("Choose one of the plan's interventions", field="intervention")
    return key or None


def tag_pot(pot: Pot, facilitator: User, key: str | None) -> None:
    round_ = db.session.get(Round, pot.round_id)
    key = _check(round_.neighbourhood, facilitator, key)
    with transaction():
        was, pot.intervention = pot.intervention, key
        record("plan.pot_tagged", pot, actor=facilitator, neighbourhood=round_.neighbourhood,
               payload={"round": round_.id, "pot": pot.name, "intervention": key, "was": was})


def tag_grant(grant: Grant, facilitator: User, key: str | None) -> None:
    from_hood = db.session.get(Neighbourhood, grant.neighbourhood_id)
    key = _check(from_hood, facilitator, key)
    with transaction():
        was, grant.intervention = grant.intervention, key
        record("plan.grant_tagged", grant, actor=facilitator, neighbourhood=from_hood,
               payload={"grant": grant.reference, "intervention": key, "was": was})
