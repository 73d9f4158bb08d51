"""Residents' data rights (UK GDPR), collected from the domains that hold the data.

Each domain says in its own `personal` module what it holds about a person and how erasure treats
it (`HELD`, `KEPT`, `NOT_ABOUT_PEOPLE`: column -> why), what the person may download
(`personal_data(user)`), what must be handed over first (`duties(user)`, optional) and how to
erase it (`erase(user, hide_words)`). This package only walks `DOMAINS`; a new domain adds its
module to that list, and tests/privacy/test_registry.py fails naming any column that holds a
person and that no domain claims.

What erasure keeps, and why: the account row stays under its pseudonym, emptied of name, email,
postcode and birth year, because ballots, the voter roll and official acts point at it (a ballot
cast stays counted: the result must stay recountable) and public words stay attributed to
"A former resident" (the record of a public debate), unless the person asks for them to be hidden,
which a facilitator decides with a public reason. The audit ledger is untouched: it holds
pseudonyms and keyed digests, never personal data, so it still verifies.
"""
from __future__ import annotations

from pb.accounts import passwords
from pb.accounts import personal as accounts
from pb.accounts.models import User
from pb.accounts.personal import ERASED_DOMAIN, FORMER_RESIDENT  # noqa: F401  (re-exported for callers and tests)
from pb.assets import personal as assets
from pb.boards import personal as boards
from pb.consultations import personal as consultations
from pb.following import personal as following
from pb.funds import personal as funds
from pb.ledger import personal as ledger
from pb.ledger.services import record
from pb.national import personal as national
from pb.neighbourhoods import personal as neighbourhoods
from pb.plans import personal as plans
from pb.proposals import personal as proposals
from pb.proposals.personal import HIDE_REASON  # noqa: F401
from pb.reports import personal as reports
from pb.rounds import personal as rounds
from pb.services import ServiceError, transaction
from pb.voting import personal as voting

from .retention import SENT_EMAILS_KEPT, purge  # noqa: F401  (the retention job, beside the rights it serves)

# In the order the download shows them. The account itself is erased last: the others find the
# person's rows by the account's email and id.
DOMAINS = (accounts, neighbourhoods, proposals, rounds, voting, consultations, plans, boards, funds, reports, assets,
           following, national, ledger)

ABOUT = ("Everything pb holds about you. Your ballots' choices are not here: they are stored apart from "
         "your name, so nobody, pb included, can say how you voted.")


def sections(user: User) -> list[dict]:
    """The download as the page shows it: one part per domain, each with its own tables."""
    parts = []
    for domain in DOMAINS:
        parts.append({"heading": domain.HEADING, "intro": getattr(domain, "INTRO", ""),
                      "sections": domain.personal_data(user)})
    return parts


def everything_about(user: User) -> dict:
    """All pb holds about this person, as plain data: the JSON download."""
    data = {"about": ABOUT}
    for part in sections(user):
        for key, _heading, value in part["sections"]:
            data[key] = value
    return data


def duties(user: User) -> list[str]:
    """What must be handed over before this account can be erased, in words for the page."""
    return [duty for domain in DOMAINS if hasattr(domain, "duties") for duty in domain.duties(user)]


def erase(user: User, password: str, *, hide_words: bool) -> dict:
    """Erase this account's personal data, every domain's part in one transaction. With
    `hide_words`, their public words go to the facilitators' queues to be hidden with a public
    reason. Returns what each domain did, by name."""
    if user.erased_at is not None:
        raise ServiceError("This account has already been erased")
    if not passwords.check_password(user.password_hash, password or ""):
        raise ServiceError("Your password is not right", field="password")
    open_duties = duties(user)
    if open_duties:
        raise ServiceError("Before your account can be erased: " + " ".join(open_duties))
    done: dict[str, int] = {}
    with transaction():
        for domain in reversed(DOMAINS):  # the account's own row last
            done.update(domain.erase(user, hide_words=hide_words) or {})
        record("account.erased", user, actor=user, subject_type="account",
               payload={"comments_sent_to_be_hidden": done.get("comments", 0),
                        "proposals_sent_to_be_hidden": done.get("proposals", 0),
                        "drafts_deleted": done.get("drafts_deleted", 0)})
    return done


def claims() -> dict[str, tuple[str, str, str]]:
    """Every column some domain claims: column -> (domain, how it is treated, why)."""
    found: dict[str, tuple[str, str, str]] = {}
    for domain in DOMAINS:
        for kind in ("HELD", "KEPT", "NOT_ABOUT_PEOPLE"):
            for column, why in getattr(domain, kind).items():
                if column in found:
                    raise ValueError(f"{column} is claimed twice: by {found[column][0]} and {domain.__name__}")
                found[column] = (domain.__name__, kind, why)
    return found
