"""Find the new text of a reply: agents read what the customer wrote, not the quoted history."""

from __future__ import annotations

import re

# "On <date>, <name> wrote:" and its localised forms; a date always has a digit, prose rarely does both.
_ATTRIBUTION = re.compile(
    r"(?:On\s.{0,250}\swrote"
    r"|Am\s.{0,250}\sschrieb.{0,120}"
    r"|Le\s.{0,250}\sa\s+écrit"
    r"|El\s.{0,250}\sescribió"
    r"|Op\s.{0,250}\sschreef.{0,120}"
    r"|Il\s.{0,250}\sha\s+scritto"
    r"|Em\s.{0,250}\sescreveu"
    r"|Den\s.{0,250}\sskrev.{0,120})\s*:",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"(?:On|Am|Le|El|Op|Il|Em|Den)\s", re.IGNORECASE)
_MAX_ATTRIBUTION = 400
_SEPARATOR = re.compile(
    r"-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Oorspronkelijk bericht|Messaggio originale|Forwarded message|Weitergeleitete Nachricht"
    r"|Message transféré|Mensaje reenviado)\s*-{2,}"
    r"|(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht)\s*:",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"\*?(?:From|Von|De|Van|Da|Från)\s*:\*?(?:\s.*)?", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Verzonden|Inviato|Skickat)\s*:.*", re.IGNORECASE
)
_UNDERSCORES = re.compile(r"_{20,}")
_MOBILE_SIGNATURE = re.compile(
    r"(?:Sent from my|Sent from (?:Mail|Outlook|Yahoo Mail) for|Get Outlook for|Von meinem"
    r"|Envoyé de mon|Enviado desde mi|Verzonden vanaf mijn|Inviato da(?:l mio)?)\s.{1,60}",
    re.IGNORECASE,
)
_SIGNATURE_DASHES = ("-- ", "--")  # transports often strip the trailing space of "-- "
_HEADER_LOOKAHEAD = 4
MAX_SCANNED = 200_000  # characters searched for where the history starts: a typed reply fits many times


def _is_attribution(lines: list[str], index: int) -> bool:
    """An attribution line, also when the client wrapped it over two lines."""
    line = lines[index].strip()
    if len(line) > _MAX_ATTRIBUTION or not _ATTRIBUTION_START.match(line):
        return False
    candidates = [line]
    if index + 1 < len(lines):
        candidates.append(f"{line} {lines[index + 1].strip()}")
    return any(
        len(c) <= _MAX_ATTRIBUTION and re.search(r"\d", c) and _ATTRIBUTION.fullmatch(c) for c in candidates
    )


def _next_nonblank(lines: list[str], index: int) -> str:
    """Walks, never copies, the lines: only blank lines lie between two callers' starts and
    their answers, so all calls together read each line at most once."""
    return next((lines[i].strip() for i in range(index + 1, len(lines)) if lines[i].strip()), "")


def _is_header_block(lines: list[str], index: int) -> bool:
    """Outlook's "From: … / Sent: …" block that starts the quoted original."""
    if not _HEADER_FROM.fullmatch(lines[index].strip()):
        return False
    following = lines[index + 1 : index + 1 + _HEADER_LOOKAHEAD]
    return any(_HEADER_SENT.fullmatch(line.strip()) for line in following)


def _is_history_start(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if _SEPARATOR.fullmatch(line):
        return True
    if _UNDERSCORES.fullmatch(line):
        return bool(_HEADER_FROM.fullmatch(_next_nonblank(lines, index)))
    return _is_attribution(lines, index) or _is_header_block(lines, index)


def _new_text(lines: list[str], scanned: int) -> list[str]:
    """The lines before the quoted history or the signature, looked for in the first `scanned`."""
    cut = next(
        (i for i in range(scanned) if lines[i] in _SIGNATURE_DASHES or _is_history_start(lines, i)),
        len(lines),
    )
    return lines[:cut]


def _is_trailing_noise(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(">") or bool(_MOBILE_SIGNATURE.fullmatch(stripped))


def _without_trailing_noise(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and _is_trailing_noise(lines[end - 1]):
        end -= 1
    return lines[:end]


def visible_text(text: str) -> str:
    """The new part of a message, with quoted history and signature looked for in its first
    MAX_SCANNED characters; the whole text (stripped) when nothing else would be left."""
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = normalised.split("\n")
    scanned = min(len(lines), normalised.count("\n", 0, MAX_SCANNED) + 1)  # the lines starting in the cap
    lines = _without_trailing_noise(_new_text(lines, scanned))
    return "\n".join(lines).strip() or normalised.strip()
