"""How the help desk's automatic notes show what a mail's sender chose (file names, addresses).

Those values are the sender's words in the desk's own voice: each is quoted, so it reads as taken
from the mail, stripped of control and formatting characters (a right-to-left override
shows `invoice<U+202E>fdp.exe` as "invoiceexe.pdf"), cut to a length and listed only so far.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence

MAX_LISTED = 10
MAX_VALUE_CHARS = 100
# Control, format (bidi overrides, zero-width), surrogate (undecodable bytes) and line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def from_mail(value: str) -> str:
    """`value` quoted as the mail wrote it, without invisible characters and at most
    MAX_VALUE_CHARS long (a cut one ends with "…")."""
    visible = "".join(char for char in value if unicodedata.category(char) not in _HIDDEN_CATEGORIES)
    if len(visible) > MAX_VALUE_CHARS:
        visible = f"{visible[: MAX_VALUE_CHARS - 1]}…"
    return json.dumps(visible, ensure_ascii=False)


def listed(values: Sequence[str], limit: int = MAX_LISTED) -> str:
    """The first `limit` values quoted (`from_mail`), then how many more there are."""
    shown = ", ".join(from_mail(value) for value in values[:limit])
    rest = len(values) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
