"""State changes to accounts. Each checks its rules, writes, queues any email and appends one
audit entry to the platform log, in one transaction.

Signing in and out are not audit entries: they change no decision an auditor checks, and a
permanent public trail of when each person was online would be a privacy harm. They live in
user_session only, which is deleted as sessions end."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from pb import throttle
from pb.extensions import db
from pb.ledger.services import personal_digest, record
from pb.mail import email_link, queue_email
from pb.notifications import PROPOSAL_ACTIVITY
from pb.postcodes import normalise
from pb.services import ServiceError, transaction
from pb.timeutil import utcnow
from pb.tokens import digest, new_token

from . import passwords, sessions
from .models import OneTimeToken, User

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
TOKEN_LIFETIME = {VERIFY_EMAIL: timedelta(days=7), RESET_PASSWORD: timedelta(hours=1)}
MIN_AGE_FOR_ACCOUNT = 13  # UK age of digital consent; younger residents vote on paper with a facilitator


# Called with the account, in the same transaction, once its email address is known to be theirs
# (a confirmation link, or an admin or facilitator vouching for it). Domains above accounts register
# here (pb.funds.contacts: grants whose contact was invited at that address), so accounts imports none.
EMAIL_CONFIRMED_HOOKS: list = []


def _issue_token(user: User, purpose: str) -> str:
    token = new_token()
    db.session.add(OneTimeToken(purpose=purpose, token_hash=digest(token), user_id=user.id,
                                expires_at=utcnow() + TOKEN_LIFETIME[purpose]))
    return token


def _end_links(user: User, purpose: str) -> None:
    """Every earlier unused link of this kind stops working (it reads as expired): only the newest
    reset link works, and none once the password has been reset or changed."""
    db.session.execute(update(OneTimeToken).where(
        OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None),
        OneTimeToken.expires_at > utcnow()).values(expires_at=utcnow() - timedelta(seconds=1)))


def _queue_verification(user: User) -> None:
    db.session.flush()
    token = _issue_token(user, VERIFY_EMAIL)
    queue_email(user.email, "Confirm your email address for pb", "verify_email",
                user=user, link=email_link("accounts.verify_email", token=token))


def email_in_use(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email.strip().lower())) is not None


def register(*, name: str, email: str, password: str, postcode: str, birth_year: int) -> User | None:
    """A new account, not yet signed in: the confirmation email's link signs its owner in. When
    the address already has an account, its owner is emailed instead and None is returned: the
    person registering is told the same either way (check your email), so this form cannot be used
    to find out who has an account."""
    email = email.strip().lower()
    name = " ".join(name.split())
    normal_postcode = normalise(postcode)
    if normal_postcode is None:
        raise ServiceError("Enter a real UK postcode, like E1 6AN", field="postcode")
    this_year = utcnow().year
    if not 1900 <= birth_year <= this_year:
        raise ServiceError(f"Year of birth must be between 1900 and {this_year}", field="birth_year")
    if this_year - birth_year < MIN_AGE_FOR_ACCOUNT:
        raise ServiceError(f"You must be {MIN_AGE_FOR_ACCOUNT} or older to have an account. A facilitator can help you vote on paper", field="birth_year")
    problem = passwords.problems(password, name=name, email=email)
    if problem:
        raise ServiceError(problem, field="password")
    password_hash = passwords.hash_password(password)  # hashed either way, so both answers take as long
    owner = db.session.scalar(select(User).where(User.email == email))
    if owner is not None:
        with transaction():
            queue_email(owner.email, "You already have a pb account", "already_registered", user=owner,
                        sign_in=email_link("accounts.sign_in"), reset=email_link("accounts.forgot_password"))
            record("account.registration_for_existing_email", owner, subject_type="account")
        return None
    with transaction():
        user = User(pseudonym="p-" + secrets.token_hex(8), name=name, email=email,
                    password_hash=password_hash, postcode=normal_postcode, birth_year=birth_year)
        db.session.add(user)
        db.session.flush()
        _queue_verification(user)
        record("account.registered", user, actor=user, subject_type="account",
               payload={"email": personal_digest(email), "postcode": personal_digest(normal_postcode)})
    return user


def resend_verification(user: User) -> None:
    if user.email_verified:
        raise ServiceError("Your email address is already confirmed")
    with transaction():
        _queue_verification(user)
        record("account.verification_email_sent", user, actor=user, subject_type="account")


def _use_token(raw: str, purpose: str) -> OneTimeToken:
    token = db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == digest(raw or ""),
                                                         OneTimeToken.purpose == purpose))
    if token is None:
        raise ServiceError("This link is not valid. Check you copied the whole link from the email")
    if token.used_at is not None:
        raise ServiceError("This link has already been used. Each link works once")
    if token.expires_at < utcnow():
        raise ServiceError("This link has expired. Ask for a new one")
    token.used_at = utcnow()
    return token


def verify_email(raw_token: str) -> User:
    with transaction():
        token = _use_token(raw_token, VERIFY_EMAIL)
        user = db.session.get(User, token.user_id)
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
        record("account.email_verified", user, actor=user, subject_type="account")
        for hook in EMAIL_CONFIRMED_HOOKS:  # e.g. a grant whose contact was invited at this address is theirs now
            hook(user)
    return user


def authenticate(email: str, password: str) -> User:
    """The account for this email and password, or ServiceError. Repeated failures for one email
    are refused for a while, whatever the password."""
    email = (email or "").strip().lower()
    if throttle.blocked("sign_in", email):
        raise ServiceError(f"Too many failed attempts for this email address. Wait {throttle.minutes('sign_in')} minutes, or reset your password", field="email")
    user = db.session.scalar(select(User).where(User.email == email))
    if not passwords.check_password(user.password_hash if user else None, password or ""):
        throttle.note_failure("sign_in", email)
        raise ServiceError("The email address or password is not right", field="email")
    throttle.clear("sign_in", email)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    db.session.commit()
    return user


def request_password_reset(email: str) -> None:
    """Emails a reset link if the address has an account. Says nothing either way to the caller,
    so this form cannot be used to find out who has an account."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        return
    with transaction():
        _end_links(user, RESET_PASSWORD)
        token = _issue_token(user, RESET_PASSWORD)
        queue_email(user.email, "Reset your pb password", "reset_password", user=user,
                    link=email_link("accounts.reset_password", token=token))
        record("account.password_reset_requested", user, actor=user, subject_type="account")


def check_reset_token(raw_token: str) -> None:
    """Raises ServiceError if the link cannot be used, without using it up."""
    try:
        _use_token(raw_token, RESET_PASSWORD)
    finally:
        db.session.rollback()


def reset_password(raw_token: str, new_password: str) -> User:
    with transaction():
        token = _use_token(raw_token, RESET_PASSWORD)
        user = db.session.get(User, token.user_id)
        problem = passwords.problems(new_password, name=user.name, email=user.email)
        if problem:
            raise ServiceError(problem, field="password")
        user.password_hash = passwords.hash_password(new_password)
        user.password_changed_at = utcnow()
        # Whoever had the old password is signed out everywhere, and other reset links end.
        sessions.end_all(user)
        _end_links(user, RESET_PASSWORD)
        # The link reached the inbox, so the address is confirmed too.
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
        record("account.password_reset", user, actor=user, subject_type="account")
    return user


def change_password(user: User, current_password: str, new_password: str) -> int:
    """Returns how many other sessions were signed out."""
    if not passwords.check_password(user.password_hash, current_password or ""):
        raise ServiceError("Your current password is not right", field="current_password")
    problem = passwords.problems(new_password, name=user.name, email=user.email)
    if problem:
        raise ServiceError(problem, field="new_password")
    if passwords.check_password(user.password_hash, new_password):
        raise ServiceError("Your new password must be different from your current one", field="new_password")
    with transaction():
        user.password_hash = passwords.hash_password(new_password)
        user.password_changed_at = utcnow()
        ended = sessions.end_others(user)
        _end_links(user, RESET_PASSWORD)
        queue_email(user.email, "Your pb password was changed", "password_changed", user=user)
        record("account.password_changed", user, actor=user, subject_type="account",
               payload={"other_sessions_ended": ended})
    return ended


def set_admin(user: User, is_admin: bool, actor: User | None = None) -> None:
    with transaction():
        user.is_admin = is_admin
        record("account.admin_granted" if is_admin else "account.admin_revoked", user, actor=actor,
               subject_type="account")


def create_account(*, name: str, email: str, password_hash: str, postcode: str, birth_year: int,
                   actor: User | None = None, is_admin: bool = False) -> User:
    """An account made by an admin or the command line, email already confirmed (for people a
    facilitator signs up in person, and for the demo). `password_hash` lets many demo accounts
    share one argon2 computation."""
    email = email.strip().lower()
    normal_postcode = normalise(postcode)
    if normal_postcode is None:
        raise ServiceError("Enter a real UK postcode, like E1 6AN", field="postcode")
    if email_in_use(email):
        raise ServiceError("An account with this email address already exists", field="email")
    with transaction():
        user = User(pseudonym="p-" + secrets.token_hex(8), name=" ".join(name.split()), email=email,
                    password_hash=password_hash, postcode=normal_postcode, birth_year=birth_year,
                    email_verified_at=utcnow(), is_admin=is_admin)
        db.session.add(user)
        db.session.flush()
        record("account.created", user, actor=actor, subject_type="account",
               payload={"email": personal_digest(email), "postcode": personal_digest(normal_postcode),
                        "admin": is_admin})
        for hook in EMAIL_CONFIRMED_HOOKS:  # its maker vouched for the address, as a confirmation link would
            hook(user)
    return user


# --- email preferences ---------------------------------------------------------------------------------

def stop_proposal_emails(user: User) -> bool:
    if not user.proposal_emails:
        return False
    with transaction():
        user.proposal_emails = False
        record("person.unsubscribed", user, actor=user, subject_type="person", subject_id=user.pseudonym,
               payload={"topic": PROPOSAL_ACTIVITY})
    return True
