"""State changes to neighbourhoods, their areas, roles and residents' verification. Each one
checks its rules, writes, and appends one entry to the neighbourhood's audit log, in one
transaction."""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from pb import throttle
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.services import record
from pb.postcodes import normalise
from pb.services import ServiceError, transaction
from pb.timeutil import utcnow
from pb.tokens import digest, new_code, normalise_code

from .models import (
    BOARD_MEMBER,
    FACILITATOR,
    RESIDENT,
    ROLE_LABELS,
    ROLES,
    EligiblePostcode,
    Membership,
    Neighbourhood,
    VerificationLetter,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_LETTERS_PER_BATCH = 500


# --- neighbourhoods -----------------------------------------------------------------------------

def _check_details(name: str, slug: str | None, min_voting_age: int) -> None:
    if slug is not None and (not SLUG.match(slug) or len(slug) > 60):
        raise ServiceError("Web address name must be lower-case letters, numbers and single hyphens, like north-riverside", field="slug")
    if not name or not name.strip():
        raise ServiceError("Enter the neighbourhood's name", field="name")
    if not 11 <= int(min_voting_age) <= 25:
        raise ServiceError("Minimum voting age must be between 11 and 25", field="min_voting_age")


def create_neighbourhood(*, slug: str, name: str, description: str = "", min_voting_age: int = 16,
                         actor: User | None = None) -> Neighbourhood:
    slug = (slug or "").strip().lower()
    _check_details(name, slug, min_voting_age)
    if db.session.scalar(select(Neighbourhood.id).where(Neighbourhood.slug == slug)):
        raise ServiceError(f"There is already a neighbourhood at /n/{slug}. Choose another web address name", field="slug")
    with transaction():
        hood = Neighbourhood(slug=slug, name=name.strip(), description=(description or "").strip(),
                             min_voting_age=min_voting_age)
        db.session.add(hood)
        db.session.flush()
        record("neighbourhood.created", hood, actor=actor, neighbourhood=hood,
               payload={"slug": slug, "name": hood.name, "min_voting_age": min_voting_age})
    return hood


EDITABLE = ("name", "description", "min_voting_age", "proposing_needs_verification", "voting_needs_verification",
            "commenting_needs_verification", "consultations_need_board_approval", "help_phone", "help_email", "help_in_person")


def set_help_routes(hood: Neighbourhood, facilitator: User, *, phone: str, email: str, in_person: str) -> dict:
    """A facilitator says how residents reach them (the neighbourhood's other settings are the admin's)."""
    require_role(facilitator, hood.id, FACILITATOR, "Only facilitators change how residents reach them")
    return update_neighbourhood(hood, actor=facilitator, help_phone=phone or "", help_email=(email or "").strip().lower(),
                                help_in_person=" ".join((in_person or "").split()))


def update_neighbourhood(hood: Neighbourhood, actor: User | None = None, **changes) -> dict:
    """Change any of EDITABLE; returns {field: [old, new]} of what actually changed."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _check_details(changes.get("name", hood.name), None, changes.get("min_voting_age", hood.min_voting_age))
    changed = {}
    with transaction():
        for field, value in changes.items():
            if isinstance(value, str):
                value = value.strip()
            if getattr(hood, field) != value:
                changed[field] = [getattr(hood, field), value]
                setattr(hood, field, value)
        if changed:
            record("neighbourhood.updated", hood, actor=actor, neighbourhood=hood, payload={"changed": changed})
    return changed


# --- areas --------------------------------------------------------------------------------------

class PostcodeListError(ServiceError):
    def __init__(self, problems: list[str], field: str = "postcodes"):
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"Some postcodes are not real UK postcodes: {shown}", field=field)
        self.problems = problems


def parse_postcodes(lines: Iterable[tuple[int, str]]) -> set[str]:
    """(line number, raw text) pairs to a set of normal postcodes; all bad lines reported together."""
    found, problems = set(), []
    for number, raw in lines:
        if not raw.strip():
            continue
        postcode = normalise(raw)
        if postcode is None:
            problems.append(f"line {number} ({raw.strip()[:20]!r})")
        else:
            found.add(postcode)
    if problems:
        raise PostcodeListError(problems)
    return found


def read_postcode_csv(text: str) -> set[str]:
    """A CSV with a 'postcode' column (any case), or one postcode per line with no header."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ServiceError("The file is empty", field="file")
    header = [cell.strip().lower() for cell in rows[0]]
    if "postcode" in header:
        column = header.index("postcode")
        return parse_postcodes((n, row[column] if column < len(row) else "") for n, row in enumerate(rows[1:], 2))
    if len(header) == 1:
        return parse_postcodes((n, row[0] if row else "") for n, row in enumerate(rows, 1))
    raise ServiceError("The file needs a column headed 'postcode'", field="file")


def _area_digest(postcodes: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(postcodes)).encode()).hexdigest()


def set_area(hood: Neighbourhood, postcodes: set[str], *, replace: bool, actor: User | None = None,
             source: str = "form") -> dict:
    """Add these postcodes to the area, or with replace=True make the area exactly these.
    Returns {"added": n, "removed": n, "total": n}."""
    if replace and not postcodes:
        raise ServiceError("An area needs at least one postcode", field="postcodes")
    with transaction():
        existing = {p.postcode: p for p in hood.postcodes}
        added = sorted(postcodes - existing.keys())
        removed = sorted(existing.keys() - postcodes) if replace else []
        for code in removed:
            hood.postcodes.remove(existing[code])
        db.session.add_all(EligiblePostcode(neighbourhood_id=hood.id, postcode=code) for code in added)
        db.session.flush()
        total = len(existing) + len(added) - len(removed)
        if added or removed:
            # Postcodes are places, not people: they may appear in the log, but a big import is
            # summarised by count and digest so one entry stays small.
            payload = {"source": source, "added_count": len(added), "removed_count": len(removed),
                       "total": total, "area_sha256": _area_digest(set(existing) - set(removed) | set(added))}
            if len(added) + len(removed) <= 50:
                payload.update(added=added, removed=removed)
            record("area.updated", hood, actor=actor, neighbourhood=hood, payload=payload)
    return {"added": len(added), "removed": len(removed), "total": total}


def postcode_in_area(hood: Neighbourhood, postcode: str) -> bool:
    return db.session.scalar(select(EligiblePostcode.id).where(
        EligiblePostcode.neighbourhood_id == hood.id, EligiblePostcode.postcode == postcode)) is not None


def postcode_near_area(hood: Neighbourhood, postcode: str) -> bool:
    """Inside the area, or just outside it: in a postcode district (the part before the space, like
    EB1) that some of the area is in. True while the area has no postcodes yet, so nothing is
    refused before a facilitator has imported them."""
    district = postcode.split(" ")[0]
    area = select(EligiblePostcode.postcode).where(EligiblePostcode.neighbourhood_id == hood.id)
    if db.session.scalar(area.limit(1)) is None:
        return True
    return db.session.scalar(area.where(EligiblePostcode.postcode.like(f"{district} %")).limit(1)) is not None


def neighbourhoods_covering(postcode: str) -> list[Neighbourhood]:
    return list(db.session.scalars(select(Neighbourhood).join(EligiblePostcode)
                                   .where(EligiblePostcode.postcode == postcode).order_by(Neighbourhood.name)))


# --- roles --------------------------------------------------------------------------------------

def role_in(user: User, neighbourhood_id: int, role: str) -> Membership | None:
    """The person's membership in this role here, if they hold it: every service asks through this."""
    return db.session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.neighbourhood_id == neighbourhood_id, Membership.role == role))


def require_role(user: User, neighbourhood_id: int, role: str, refusal: str) -> Membership:
    """The membership, or a ServiceError saying `refusal` (e.g. "Only facilitators run the count")."""
    member = role_in(user, neighbourhood_id, role)
    if member is None:
        raise ServiceError(refusal)
    return member


def person_matches(query: str, *, email: bool = False):
    """SQL condition: the person's name (or email) contains the words, or their postcode does,
    spaces ignored. One definition for every facilitator's search box."""
    like = f"%{query.strip().lower()}%"
    conditions = [func.lower(User.name).like(like),
                  func.replace(func.lower(User.postcode), " ", "").like(like.replace(" ", ""))]
    if email:
        conditions.append(func.lower(User.email).like(like))
    return or_(*conditions)


def resident_of(neighbourhood_id: int, user_id: int | None) -> User | None:
    """The person with this id if they are a resident of this neighbourhood, else None: a form
    naming anyone else's id learns nothing about them, not even their name."""
    if user_id is None:
        return None
    return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        User.id == user_id, Membership.neighbourhood_id == neighbourhood_id, Membership.role == RESIDENT))


def membership(user: User, hood: Neighbourhood, role: str) -> Membership | None:
    return role_in(user, hood.id, role)


def join_as_resident(user: User, hood: Neighbourhood) -> Membership:
    if membership(user, hood, RESIDENT):
        raise ServiceError(f"You are already a resident of {hood.name}")
    if not postcode_in_area(hood, user.postcode):
        raise ServiceError(f"Your postcode, {user.postcode}, is not in {hood.name}'s area. If you have moved, "
                           "ask a facilitator to update your details")
    with transaction():
        member = Membership(user_id=user.id, neighbourhood_id=hood.id, role=RESIDENT)
        db.session.add(member)
        db.session.flush()
        record("resident.joined", member, actor=user, neighbourhood=hood, payload={"person": user.pseudonym})
    return member


def grant_role(user: User, hood: Neighbourhood, role: str, actor: User | None = None) -> Membership:
    if role not in ROLES:
        raise ServiceError("Choose a role", field="role")
    if membership(user, hood, role):
        raise ServiceError(f"{user.name} is already a {ROLE_LABELS[role]} of {hood.name}", field="email")
    with transaction():
        member = Membership(user_id=user.id, neighbourhood_id=hood.id, role=role)
        db.session.add(member)
        db.session.flush()
        record("role.granted", member, actor=actor, neighbourhood=hood,
               payload={"person": user.pseudonym, "role": role})
    return member


# Domains above this one that must act when someone loses a role (a board member's approvals of
# open decisions go with their seat): each is called as hook(membership, actor) inside the revoking
# transaction. Registered by the domain itself, so this module needs to know none of them.
ROLE_REVOKED_HOOKS: list = []


def revoke_role(member: Membership, actor: User | None = None) -> None:
    hood = member.neighbourhood
    with transaction():
        # The hooks first: they may take a fund's lock, which every service takes before the log's.
        for hook in ROLE_REVOKED_HOOKS:
            hook(member, actor)
        record("role.revoked", member, actor=actor, neighbourhood=hood,
               payload={"person": member.user.pseudonym, "role": member.role})
        db.session.delete(member)


# --- residency verification ---------------------------------------------------------------------

def verify_resident(member: Membership, facilitator: User) -> None:
    """A facilitator has checked this person lives at their postcode, which must be in the area."""
    if member.role != RESIDENT:
        raise ServiceError("Only residents can be verified")
    if member.verified:
        raise ServiceError(f"{member.user.name} is already verified")
    hood = member.neighbourhood
    if not postcode_in_area(hood, member.user.postcode):
        raise ServiceError(f"{member.user.name}'s postcode, {member.user.postcode}, is not in {hood.name}'s area, "
                           "so they cannot be verified as a resident here")
    with transaction():
        member.verified_at = utcnow()
        member.verification_method = "facilitator"
        member.verified_by_id = facilitator.id
        record("resident.verified", member, actor=facilitator, neighbourhood=hood,
               payload={"person": member.user.pseudonym, "method": "facilitator"})


def issue_letters(hood: Neighbourhood, count: int, facilitator: User):
    """Make `count` letters with fresh codes. Returns (batch number, [(serial, code)...], expiry):
    the codes exist only in this return value, for printing now."""
    if not 1 <= count <= MAX_LETTERS_PER_BATCH:
        raise ServiceError(f"Number of letters must be between 1 and {MAX_LETTERS_PER_BATCH}", field="count")
    days = current_app.config["PB_VERIFICATION_LETTER_DAYS"]
    with transaction():
        batch = (db.session.scalar(select(func.max(VerificationLetter.batch))
                                   .where(VerificationLetter.neighbourhood_id == hood.id)) or 0) + 1
        first_serial = (db.session.scalar(select(func.max(VerificationLetter.serial))
                                          .where(VerificationLetter.neighbourhood_id == hood.id)) or 0) + 1
        expires = utcnow() + timedelta(days=days)
        letters = []
        for serial in range(first_serial, first_serial + count):
            code = new_code()
            letters.append((serial, code))
            db.session.add(VerificationLetter(neighbourhood_id=hood.id, batch=batch, serial=serial,
                                              code_hash=digest(code), issued_by_id=facilitator.id,
                                              expires_at=expires))
        db.session.flush()
        record("letters.issued", hood, actor=facilitator, neighbourhood=hood, subject_type="letter_batch",
               subject_id=batch,
               payload={"batch": batch, "count": count, "first_serial": first_serial,
                        "last_serial": first_serial + count - 1, "expires": expires.strftime("%Y-%m-%d")})
    return batch, letters, expires


def redeem_letter(user: User, hood: Neighbourhood, raw_code: str) -> Membership:
    """The resident typed the code from a letter delivered to an address in the area."""
    member = membership(user, hood, RESIDENT)
    if member is None:
        raise ServiceError(f"Join {hood.name} as a resident first", field="code")
    if member.verified:
        raise ServiceError("You are already verified", field="code")
    throttle_key = f"{user.id}"
    if throttle.blocked("letter_code", throttle_key):
        raise ServiceError(f"Too many wrong codes. Wait {throttle.minutes('letter_code')} minutes and try again, "
                           "or ask a facilitator", field="code")
    code = normalise_code(raw_code)
    if len(code.replace("-", "")) != 16:
        raise ServiceError("Enter the 16-character code from your letter, like 7KQ2-M9XD-4HTR-0PWE", field="code")
    letter = db.session.scalar(select(VerificationLetter).where(VerificationLetter.code_hash == digest(code),
                                                                VerificationLetter.neighbourhood_id == hood.id))
    if letter is None:
        throttle.note_failure("letter_code", throttle_key)
        raise ServiceError("That code is not right. Check each character against your letter", field="code")
    if letter.used_at is not None:
        throttle.note_failure("letter_code", throttle_key)
        raise ServiceError("That code has already been used. Each letter's code works once; ask a facilitator for a new letter", field="code")
    if letter.expires_at < utcnow():
        raise ServiceError("That code has expired. Ask a facilitator for a new letter", field="code")
    with transaction():
        letter.used_at = utcnow()
        letter.used_by_id = user.id
        member.verified_at = utcnow()
        member.verification_method = "letter"
        record("resident.verified", member, actor=user, neighbourhood=hood,
               payload={"person": user.pseudonym, "method": "letter", "letter_serial": letter.serial})
        throttle.clear("letter_code", throttle_key)
    return member


# --- who may take part ----------------------------------------------------------------------------
# Read by the proposal and voting services: one definition of eligibility for the whole app.

def _resident(user: User, hood: Neighbourhood) -> Membership | None:
    return membership(user, hood, RESIDENT) if user is not None and getattr(user, "id", None) else None


def how_to_get_verified(hood: Neighbourhood) -> str:
    """One sentence on how to get verified here, with the neighbourhood's own contact routes."""
    routes = []
    if hood.help_phone:
        routes.append(f"phone {hood.help_phone}")
    if hood.help_email:
        routes.append(f"email {hood.help_email}")
    if hood.help_in_person:
        routes.append(f"come in person: {hood.help_in_person}")
    ask = "ask a facilitator to check your address" + (f" ({'; '.join(routes)})" if routes else
                                                       f", as shown on {hood.name}'s page")
    return f"Enter the code from your verification letter, or {ask}"


def _why_not(user: User, hood: Neighbourhood, needs_verification: bool, doing: str, join: str) -> str | None:
    member = _resident(user, hood)
    if member is None:
        return join
    if not member.verified and needs_verification:
        return f"You need to be a verified resident to {doing}. {how_to_get_verified(hood)}"
    return None


def why_not_take_part(user: User, hood: Neighbourhood, *, needs_verification: bool, doing: str) -> str | None:
    """For a domain with its own setting (a consultation's "who may answer"): None when they may."""
    return _why_not(user, hood, needs_verification, doing, f"Only residents of {hood.name} can {doing}. "
                                                             f"Join {hood.name} first")


def why_not_comment(user: User, hood: Neighbourhood) -> str | None:
    """Residents comment (verified ones only, if the neighbourhood says so); facilitators and board
    members of the neighbourhood always may, to answer questions. None when they may."""
    if user is not None and getattr(user, "id", None) and (role_in(user, hood.id, FACILITATOR) or
                                                           role_in(user, hood.id, BOARD_MEMBER)):
        return None
    return _why_not(user, hood, hood.commenting_needs_verification, "comment",
                    f"Join {hood.name} as a resident to comment")


def why_not_suggest(user: User, hood: Neighbourhood) -> str | None:
    """Suggesting an amendment to someone's proposal: a resident's say, like a comment."""
    return _why_not(user, hood, hood.commenting_needs_verification, "suggest changes",
                    f"Join {hood.name} as a resident to suggest changes")


def why_not_propose(user: User, hood: Neighbourhood, *, as_group: bool = False) -> str | None:
    """Residents propose (verified ones only, if the neighbourhood says so; a local group's named
    contact who lives here may propose for the group when the round allows groups)."""
    return _why_not(user, hood, hood.proposing_needs_verification and not as_group, "put forward a proposal",
                    f"Only residents of {hood.name} can put forward proposals. Join {hood.name} first")


def why_not_vote(user: User, hood: Neighbourhood, doing: str = "vote") -> str | None:
    """Residency and verification only: the voting service adds the age limit and the voting window.
    Supporting a proposal onto the ballot follows the same rule as voting (`doing` says which)."""
    return _why_not(user, hood, hood.voting_needs_verification, doing,
                    f"Only residents of {hood.name} can {doing}. Join {hood.name} first")

