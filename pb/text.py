"""Text typed by people: what no field may hold."""
from __future__ import annotations

import re

# C0 controls other than tab, newline and carriage return, and DEL. PostgreSQL cannot store NUL
# in text at all, and none of them means anything in a name, a proposal or a comment.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

HIDDEN_CHARACTERS = "contains a hidden control character that cannot be stored. Type it again, or paste it as plain text"


def hidden_characters(text) -> bool:
    return isinstance(text, str) and bool(_CONTROL.search(text))


def search_text(raw, limit: int = 100) -> str:
    """A search box's text as it can be searched for: hidden characters dropped, at most `limit`."""
    return _CONTROL.sub("", raw or "").strip()[:limit]
