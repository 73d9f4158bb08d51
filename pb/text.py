"""Text typed by people: what no field may hold."""
from __future__ import annotations

import difflib
import hashlib
import re

from pb.services import ServiceError

# C0 controls other than tab, newline and carriage return, and DEL. PostgreSQL cannot store NUL
# in text at all, and none of them means anything in a name, a proposal or a comment. Also the
# bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069): they make text
# display in an order other than the one stored ("Trojan source"). Right-to-left scripts need none
# of them; the plain marks U+200E and U+200F stay allowed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

HIDDEN_CHARACTERS = "contains a hidden control character that cannot be stored. Type it again, or paste it as plain text"


def hidden_characters(text) -> bool:
    return isinstance(text, str) and bool(_CONTROL.search(text))


def search_text(raw, limit: int = 100) -> str:
    """A search box's text as it can be searched for: hidden characters dropped, at most `limit`."""
    return _CONTROL.sub("", raw or "").strip()[:limit]


def required_text(raw, *, field: str, label: str, missing: str, limit: int) -> str:
    """Typed text a service needs, trimmed; or a ServiceError on `field`: hidden characters,
    nothing typed (`missing`), or more than `limit` characters. For the few inputs that arrive
    without a WTForms form (whose own fields are checked in pb.forms.Form.validate)."""
    text = (raw or "").strip()
    if hidden_characters(text):
        raise ServiceError(f"{label} {HIDDEN_CHARACTERS}", field=field)
    if not text:
        raise ServiceError(missing, field=field)
    if len(text) > limit:
        raise ServiceError(f"{label} must be {limit:,} characters or fewer", field=field)
    return text


def text_digest(text: str) -> str:
    """What the ledger records of someone's words: their digest, never the words."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Two versions of a text, word by word: [(kind, text)] with kind 'same', 'removed' or 'added'."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("removed", "".join(a[i1:i2])))
            if j2 > j1:
                out.append(("added", "".join(b[j1:j2])))
    return out
