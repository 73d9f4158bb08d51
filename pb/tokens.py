"""Random codes and tokens, and their stored digests."""
from __future__ import annotations

import hashlib
import secrets

# Crockford's base 32: no I, L, O or U, so codes read aloud or typed from paper survive.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"I": "1", "L": "1", "O": "0", "U": "V"}


def new_token() -> str:
    """For links in emails and session cookies: 256 random bits."""
    return secrets.token_urlsafe(32)


def new_code(groups: int = 4) -> str:
    """For paper: 4 groups of 4 characters from 32 = 80 random bits, e.g. 7KQ2-M9XD-4HTR-0PWE."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(groups * 4))
    return "-".join(chars[i:i + 4] for i in range(0, len(chars), 4))


def normalise_code(raw: str) -> str:
    """Forgive what people do with codes from paper: spaces, dashes, lower case, O for 0."""
    compact = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    compact = "".join(_READ_AS.get(ch, ch) for ch in compact)
    return "-".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
