"""Searchable words of a text: what ticket search, help-center search and article suggestions compare."""

from __future__ import annotations

import re
import unicodedata

_STOP_WORDS = frozenset(
    re.split(
        r"\s+",
        "a an and are as at be by for from has have i in is it me my no not of on or our re fw fwd "
        "please the this to was we with you your",
    )
)


def words(text: str) -> list[str]:
    """Distinct searchable words: lower-case, accents folded, no stop words or bare numbers."""
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    found = [w for w in re.findall(r"[\w-]{2,40}", plain) if w not in _STOP_WORDS and not w.isdigit()]
    return list(dict.fromkeys(found))
