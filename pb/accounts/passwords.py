"""Password rules and hashing (argon2id)."""
from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 256  # long passphrases welcome; the cap only stops a megabyte of hashing work

_hasher = PasswordHasher()
# Verifying against this keeps "no such email" as slow as "wrong password", so response times
# don't reveal who has an account.
_DUMMY_HASH = _hasher.hash("pb-timing-equaliser")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    # The 20,000 most common passwords (Royce Williams' list, as shipped by Django, BSD licence).
    data = resources.files("pb.data").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def problems(password: str, *, name: str = "", email: str = "") -> str | None:
    """The first thing wrong with a new password, in plain English, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in _common():
        return "That password is too common. Choose something harder to guess, like three random words"
    if len(set(password)) < 3:
        return "Password is too easy to guess: use a mix of characters"
    if email and lowered == email.lower():
        return "Password must not be your email address"
    if email and lowered == email.lower().split("@")[0]:
        return "Password must not be the first part of your email address"
    if name and lowered == name.lower().replace(" ", ""):
        return "Password must not be your name"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
