"""Words in a subject or body as a rule reads them: case and accents do not matter."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """Lower-case text without accents ("Fäcture" → "facture"), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


def contains_any(text: str, words: Iterable[str]) -> bool:
    """Whether any word (or phrase) occurs in `text` as whole words, after folding both."""
    folded = fold(text)
    return any(re.search(rf"(?<!\w){re.escape(fold(word))}(?!\w)", folded) for word in words if fold(word))
