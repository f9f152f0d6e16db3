"""Raw MIME in, ParsedMail out: whatever arrives, the help desk gets a ticket with readable text.

Every repair (a charset that lied, broken base64, a header without an address) is noted in
ParsedMail.defects instead of raising; the raw message stays in S3 for anything this misses.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from chalicelib.mail.message import Address, Attachment, ParsedMail
from chalicelib.mail.quotes import visible_text
from chalicelib.mail.sanitize import html_to_text, sanitize_html, text_to_html
from chalicelib.mail.threading import message_ids, normalise_message_id
from chalicelib.mail.wire import MAX_ADDRESS_LENGTH

# Labels mail clients use that Python does not know, or knows as a narrower charset than senders mean.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso8859-8",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "iso-8859-1": "cp1252",  # as browsers do: "latin-1" mail routinely carries cp1252 quotes
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
}
# What unlabelled (or mislabelled) bytes may be written in, most used in mail first: charset-normalizer
# ranks readings by how messy they look, and a short subject often reads cleanly in several of them.
_DETECTABLE = (
    "cp1252",
    "cp1251",
    "koi8_r",
    "cp1250",
    "gb18030",
    "big5",
    "cp949",
    "cp932",
    "euc_jp",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp874",
    "koi8_u",
    "iso8859_2",
)
_EXTENSIONS = {
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/ms-tnef": "dat",
    "application/octet-stream": "bin",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "text/plain": "txt",
    "text/html": "html",
    "text/calendar": "ics",
    "message/rfc822": "eml",
    "message/delivery-status": "txt",
    "text/rfc822-headers": "txt",
}
_BODY_TYPES = frozenset({"text/plain", "text/html"})
_MAX_DEPTH = 20
_MAX_FILENAME = 200
MAX_SUBJECT = 1000  # characters; a subject is one line of a queue, and it is stored on every message
MAX_ADDRESSES = 100  # per address header; the raw mail keeps the rest
_MAX_ADDRESS_HEADER = 32_768  # characters of one address header read (a hundred long addresses fit)
_MAX_NAME = 200  # characters of a display name
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ESCAPED_BYTE = re.compile(r"[\udc80-\udcff]")
_HEADER_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_QUOTED_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')  # a quoted local part may hold spaces
_FILENAME_RESERVED = re.compile(r'[<>:"|?*]')
_ADDR_TOKEN = re.compile(r"[^\s<>,;:\"()\[\]]+")  # split, then test for "@": a search for x+@x+ backtracks
_FORWARD_MARKER = "---------- Forwarded message ----------"


def _codec(charset: str | None) -> str | None:
    """Python's codec name for a declared charset, or None when it is missing or unknown."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    try:
        return codecs.lookup(_CHARSET_ALIASES.get(name, name)).name
    except (LookupError, ValueError):
        return None


@functools.cache
def _one_byte_per_character(codec: str) -> bool:
    """Whether the codec reads every byte as a character of its own (latin-1, cp1252, KOI8-R...):
    text in such a charset almost never happens to be valid UTF-8 with non-ASCII characters."""
    return len(bytes(range(256)).decode(codec, "replace")) == 256


def _detected_codec(data: bytes) -> str | None:
    """The charset these bytes read most cleanly in, by charset-normalizer; ties go to the charset
    most mail is written in. Imported here: only mail whose bytes fit no label pays for it."""
    from charset_normalizer import from_bytes

    def preference(name: str) -> int:
        return _DETECTABLE.index(name) if name in _DETECTABLE else len(_DETECTABLE)

    readings = [
        (m.chaos, -m.coherence, min(map(preference, m.could_be_from_charset)), m)
        for m in from_bytes(data, cp_isolation=list(_DETECTABLE))
    ]
    if not readings:
        return None
    best = min(readings, key=lambda reading: reading[:3])[3]
    return min(best.could_be_from_charset, key=preference)


def _codecs_to_try(data: bytes, declared: str | None) -> Iterator[str]:
    """Valid UTF-8 first unless a multi-byte charset is declared (UTF-8 mail labelled latin-1 is
    common; the reverse reading is next to impossible), then the label, UTF-8, detection, cp1252."""
    eight_bit = not data.isascii()
    if eight_bit and (declared is None or _one_byte_per_character(declared)):
        yield "utf-8"
    if declared:
        yield declared
    yield "utf-8"
    detected = _detected_codec(data) if eight_bit else None
    if detected:
        yield detected
    yield "cp1252"


def _decoded(data: bytes, charset: str | None) -> tuple[str, str, str | None]:
    """Text from bytes, the codec that read them, and a note when the declared charset was overridden."""
    declared = _codec(charset)
    tried: set[str] = set()
    for codec in _codecs_to_try(data, declared):
        if codec in tried:
            continue
        tried.add(codec)
        try:
            text = data.decode(codec)
        except (ValueError, LookupError):
            continue
        if codec == declared or not charset:
            return text, codec, None
        return text, codec, _charset_note(charset, declared, codec, declared_failed=declared in tried)
    note = _charset_note(charset, declared, "latin-1", declared_failed=True) if charset else None
    return data.decode("latin-1"), "latin-1", note


def _decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text from bytes and a note when the declared charset had to be overridden; never raises."""
    text, _, note = _decoded(data, charset)
    return text, note


def _charset_note(charset: str | None, declared: str | None, used: str, *, declared_failed: bool) -> str:
    if declared is None:
        problem = "unknown charset"
    elif declared_failed:
        problem = "bytes not valid in declared charset"
    else:
        problem = "UTF-8 text labelled with charset"
    return f"{problem} {charset!r}; decoded as {used}"


def _decode_base64(data: bytes) -> tuple[bytes, bool]:
    """Decode what can be decoded (stray characters dropped, padding and a partial quantum fixed)
    and tell whether anything needed repair."""
    compact = b"".join(data.split())
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", compact)
    cleaned = cleaned[: len(cleaned) - (len(cleaned) % 4 == 1)]
    padded = cleaned + b"=" * (-len(cleaned) % 4)
    return base64.b64decode(padded), padded != compact


def _word_bytes(kind: str, payload: str) -> bytes:
    """Bytes of one RFC 2047 encoded word, repairing bad base64 padding and stray characters."""
    if kind in "bB":
        return _decode_base64(payload.encode("ascii", "ignore"))[0]
    return binascii.a2b_qp(payload.encode("utf-8", "replace"), header=True)


def _decode_words(value: str) -> str:
    """Decode RFC 2047 words; adjacent words of one charset are joined first, since some encoders
    split a multi-byte character across two words."""
    pieces: list[str | tuple[bytes, str]] = []
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        previous = pieces[-1] if pieces else None
        charset, data = match.group(1).split("*")[0].lower(), _word_bytes(match.group(2), match.group(3))
        if isinstance(previous, tuple) and not between.strip():
            if previous[1] == charset:
                pieces[-1] = (previous[0] + data, charset)
            else:
                pieces.append((data, charset))
        else:
            pieces.extend((between, (data, charset)))
        position = match.end()
    pieces.append(value[position:])
    return "".join(p if isinstance(p, str) else _decode_bytes(*p)[0] for p in pieces)


def _eight_bit(value: str) -> bytes | None:
    """The bytes of a header that arrived with raw 8-bit bytes (the parser keeps them as surrogate
    escapes), or None for a plain ASCII one."""
    if not _ESCAPED_BYTE.search(value):
        return None
    return value.encode("utf-8", "surrogateescape")


def _unescape_8bit(value: str, label: str | None = None) -> str:
    """Raw 8-bit header bytes as text: UTF-8 where valid (most of it), else the charset the mail
    labels its text with (one client wrote both), else detected."""
    data = _eight_bit(value)
    return value if data is None else _decode_bytes(data, label)[0]


def _subparts(part: Message) -> list[Message] | None:
    """The parts a multipart (or message/rfc822) part holds as the parser built them; None for a leaf,
    whose payload is its body text."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return None
    return [child for child in payload if isinstance(child, Message)]


def _text_charset(part: Message) -> str | None:
    """The charset a part (or its first text part) declares: the label for its unlabelled headers.
    Without recursion, as in `_Walker._flattened`: hostile mail nests deeper than Python recurses."""
    pending = [part]
    while pending:
        piece = pending.pop()
        charset = piece.get_content_charset() if piece.get_content_maintype() == "text" else None
        if charset:
            return charset
        children = _subparts(piece)
        if children is not None:
            pending.extend(reversed(children))
    return None


def _strip_controls(text: str) -> str:
    """Header text without control characters: whitespace ones become spaces, the rest go."""
    return _HEADER_CONTROL.sub(lambda m: " " if m.group() in "\t\r\n" else "", text)


def _decode_header(value: str) -> str:
    """A header value as display text: unfolded, encoded words decoded, control characters gone."""
    return _strip_controls(_decode_words(_FOLD.sub("", _unescape_8bit(str(value))))).strip()


def _clean_body(text: str) -> str:
    return _BODY_CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _raw_headers(part: Message) -> list[tuple[str, str]]:
    values = [(name.lower(), _FOLD.sub("", str(value))) for name, value in part.raw_items()]
    if not any(_ESCAPED_BYTE.search(value) for _, value in values):
        return values
    label = _text_charset(part)
    return [(name, _unescape_8bit(value, label)) for name, value in values]


def _first_raw(part: Message, name: str) -> str | None:
    return next((value for key, value in _raw_headers(part) if key == name), None)


@dataclass(frozen=True)
class _Segment:
    """One piece of body in reading order; a part has text, HTML or (alternatives) both."""

    text: str | None
    html: str | None


def _render_text(segments: list[_Segment]) -> str:
    texts = (s.text if s.text is not None else html_to_text(s.html or "") for s in segments)
    return "\n\n".join(t.strip("\n") for t in texts if t.strip())


def _render_html(segments: list[_Segment]) -> str:
    return "\n".join(s.html if s.html is not None else text_to_html(s.text or "") for s in segments)


def _has_html(segments: list[_Segment]) -> bool:
    return any(s.html is not None for s in segments)


def _defect_note(defect: object) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(defect).__name__.removesuffix("Defect")).lower()
    return f"malformed MIME: {words}"


def _safe_filename(name: str, content_type: str, index: int) -> str:
    """A display/download name that cannot traverse paths, hide characters or spoof an extension."""
    base = re.split(r"[/\\]", name)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Zl", "Zp"})
    base = " ".join(_FILENAME_RESERVED.sub("_", base).split()).strip(" .")
    if len(base) > _MAX_FILENAME:
        stem, dot, extension = base.rpartition(".")
        keep = f"{dot}{extension}" if dot and len(extension) <= 16 else ""
        base = (stem if keep else base)[: _MAX_FILENAME - len(keep)] + keep
    return base or f"attachment-{index}.{_EXTENSIONS.get(content_type, 'bin')}"


class _Walker:
    """Walks the MIME tree once, returning body segments and collecting attachments and defects."""

    def __init__(self, room: int) -> None:
        self.attachments: list[Attachment] = []
        self.defects: list[str] = []
        self._room = room  # bytes the attachments may still take: together never more than the mail
        self._inside_attached_message = False

    def walk(self, part: Message, depth: int = 0) -> list[_Segment]:
        segments = self._dispatch(part, depth)
        # after decoding: the payload decoders register their defects on the part while they run
        self.defects.extend(_defect_note(d) for d in part.defects)
        return segments

    def _dispatch(self, part: Message, depth: int) -> list[_Segment]:
        if depth > _MAX_DEPTH:
            self.defects.append(f"MIME nesting deeper than {_MAX_DEPTH} levels: the rest read flat")
            return self._flattened(part)
        content_type = part.get_content_type()
        children = _subparts(part)
        if content_type == "message/rfc822" and children:
            return self._message(part, children[0], depth)
        if content_type == "multipart/alternative" and children is not None:
            return self._alternative(children, depth)
        if content_type.startswith("multipart/") and children is not None:
            return [segment for child in children for segment in self.walk(child, depth + 1)]
        return self._leaf(part, _leaf_type(part))

    def _flattened(self, part: Message) -> list[_Segment]:
        """Every leaf below `part` in reading order, without recursion: past the depth limit the
        structure is ignored, not the text and files the customer sent."""
        segments: list[_Segment] = []
        pending = [part]
        while pending:
            current = pending.pop()
            children = _subparts(current)
            container = (
                current.get_content_maintype() == "multipart"
                or current.get_content_type() == "message/rfc822"
            )
            if container and children is not None:
                pending.extend(reversed(children))
            else:
                segments += self._leaf(current, _leaf_type(current))
        return segments

    def _content(self, part: Message) -> bytes:
        """Decoded content of a leaf part, or the serialised body of a structured one (delivery status).

        Base64 is decoded here because the stdlib returns the undecoded text when the length is wrong.
        """
        if part.is_multipart():
            return re.split(rb"\r?\n\r?\n", part.as_bytes(), maxsplit=1)[-1]
        payload = part.get_payload()
        if (_first_raw(part, "content-transfer-encoding") or "").strip().lower() == "base64" and isinstance(
            payload, str
        ):
            content, repaired = _decode_base64(payload.encode("ascii", "ignore"))
            self.defects.extend(["invalid base64 repaired"] if repaired else [])
            return content
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else b""

    def _alternative(self, children: list[Message], depth: int) -> list[_Segment]:
        """The best plain and the richest HTML alternative, merged into one segment."""
        walked = [self.walk(child, depth + 1) for child in children]
        plain = next((s for s in walked if any(x.text is not None for x in s) and _render_text(s)), None)
        rich = next((s for s in reversed(walked) if _has_html(s)), None)
        if plain is None and rich is None:
            return []
        text = _render_text(plain if plain is not None else rich or [])
        return [_Segment(text, _render_html(rich) if rich is not None else None)]

    def _message(self, part: Message, inner: Message, depth: int) -> list[_Segment]:
        """An attached message shows inline; sent as a file it is downloadable as one too, once: the
        messages attached inside it are in its bytes already (stored again per level, ten nested
        forwards made a 1.4 MB mail 14.6 MB of attachments)."""
        if part.get_content_disposition() != "attachment" or self._inside_attached_message:
            return self._forward(inner, depth)
        self._attach(part, "message/rfc822", "attachment", part.get_filename())
        self._inside_attached_message = True
        try:
            return self._forward(inner, depth)
        finally:
            self._inside_attached_message = False

    def _forward(self, inner: Message, depth: int) -> list[_Segment]:
        """An attached message is content the customer sent us: show it after a forward header."""
        segments = self.walk(inner, depth + 1)
        fields = [(label, _first_raw(inner, label.lower())) for label in ("From", "Date", "Subject", "To")]
        header = "\n".join([_FORWARD_MARKER, *(f"{label}: {_decode_header(v)}" for label, v in fields if v)])
        text = f"{header}\n\n{_render_text(segments)}".strip()
        html = text_to_html(header) + "\n" + _render_html(segments) if _has_html(segments) else None
        return [_Segment(text, html)]

    def _leaf(self, part: Message, content_type: str) -> list[_Segment]:
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if content_type in _BODY_TYPES and disposition != "attachment" and not filename:
            text, note = _decode_bytes(self._content(part), part.get_content_charset())
            self.defects.extend([note] if note else [])
            text = _clean_body(text)
            return [_Segment(None, text) if content_type == "text/html" else _Segment(text, None)]
        self._attach(part, content_type, disposition, filename)
        return []

    def _attach(
        self, part: Message, content_type: str, disposition: str | None, filename: str | None
    ) -> None:
        content_id = (_first_raw(part, "content-id") or "").strip().strip("<>").strip() or None
        name = _safe_filename(_decode_header(filename or ""), content_type, len(self.attachments) + 1)
        inline = content_id is not None and disposition != "attachment"
        content = self._content(part)
        if len(content) > self._room:
            self.defects.append(
                f"attachment {name!r} ({len(content)} bytes) not stored: a mail's stored attachments "
                "are capped at the mail's own size; it is in the raw mail"
            )
            return
        self._room -= len(content)
        self.attachments.append(Attachment(name, content_type, content, content_id, inline))


def _leaf_type(part: Message) -> str:
    """The type a part without subparts is read as: a multipart without a usable boundary is text."""
    content_type = part.get_content_type()
    return "text/plain" if content_type.startswith("multipart/") else content_type


def _address_text(value: str, field: str, defects: list[str]) -> str:
    """An address header without control characters (a NUL must not hide the address), cut after
    the last whole address that fits _MAX_ADDRESS_HEADER."""
    text = _strip_controls(value)
    if len(text) <= _MAX_ADDRESS_HEADER:
        return text
    defects.append(f"{field} header longer than {_MAX_ADDRESS_HEADER} characters cut")
    cut = text.rfind(",", 0, _MAX_ADDRESS_HEADER)
    return text[: cut if cut > 0 else _MAX_ADDRESS_HEADER]


def _addresses(values: list[str], field: str, defects: list[str]) -> tuple[Address, ...]:
    """Addresses with an '@', lower-cased, at most MAX_ADDRESSES; a regex scan rescues headers
    getaddresses gives up on (or recurses too deep in: nested comments)."""
    texts = [_address_text(value, field, defects) for value in values]
    try:
        pairs = getaddresses(texts)
    except RecursionError:
        pairs = []
    if not any("@" in email for _, email in pairs):
        pairs = [("", token) for text in texts for token in _ADDR_TOKEN.findall(text) if "@" in token[1:-1]]
    found: dict[str, Address] = {}
    for name, raw_email in pairs:
        email = raw_email.strip().lower()
        if len(email) > MAX_ADDRESS_LENGTH:
            defects.append(f"{field} address longer than {MAX_ADDRESS_LENGTH} characters ignored")
        elif "@" in email and not re.search(r"\s", _QUOTED_STRING.sub("", email)):
            found.setdefault(email, Address(email, _display_name(name)))
    if len(found) > MAX_ADDRESSES:
        defects.append(f"{field} lists {len(found)} addresses; the first {MAX_ADDRESSES} kept")
    return tuple(found.values())[:MAX_ADDRESSES]


def _display_name(value: str) -> str:
    return " ".join(_decode_header(value).split())[:_MAX_NAME]


def _sender(values: list[str], defects: list[str]) -> Address | None:
    if not values:
        defects.append("no From header")
        return None
    found = _addresses(values[:1], "From", defects)
    if found:
        return found[0]
    defects.append("From header has no usable address")
    return Address("", _display_name(values[0]))


def _date(value: str | None, defects: list[str]) -> datetime | None:
    if not value:
        defects.append("no Date header")
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        defects.append(f"unparseable Date {value[:80]!r}")
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _subject(value: str, defects: list[str]) -> str:
    subject = " ".join(value.split())
    if len(subject) > MAX_SUBJECT:
        defects.append(f"Subject longer than {MAX_SUBJECT} characters cut")
    return subject[:MAX_SUBJECT]


def _mail(
    message: Message,
    defects: list[str],
    *,
    text: str,
    html: str | None,
    visible: str,
    attachments: tuple[Attachment, ...],
    body_defects: Iterable[str] = (),
) -> ParsedMail:
    """The ParsedMail of `message`'s header block and the body given; the header's defects are
    added to `defects`, and come before the body's."""
    raw_headers = _raw_headers(message)
    eight_bit = [data for _, value in message.raw_items() if (data := _eight_bit(str(value)))]
    label = _text_charset(message) if eight_bit else None
    used = {_decoded(data, label)[1] for data in eight_bit}
    if used:
        names = ", ".join(sorted("UTF-8" if codec == "utf-8" else codec for codec in used))
        defects.append(f"raw 8-bit characters in headers decoded as {names}")
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        headers.setdefault(name, _decode_header(value))
    values = {name: [v for k, v in raw_headers if k == name] for name in ("from", "to", "cc", "reply-to")}
    message_id = normalise_message_id(headers.get("message-id"))
    if message_id is None:
        defects.append("no usable Message-ID")
    return ParsedMail(
        message_id=message_id,
        in_reply_to=message_ids(headers.get("in-reply-to")),
        references=message_ids(headers.get("references")),
        from_=_sender(values["from"], defects),
        reply_to=_addresses(values["reply-to"], "Reply-To", defects),
        to=_addresses(values["to"], "To", defects),
        cc=_addresses(values["cc"], "Cc", defects),
        subject=_subject(headers.get("subject", ""), defects),
        date=_date(headers.get("date"), defects),
        headers=headers,
        text=text,
        html=html,
        visible_text=visible,
        attachments=attachments,
        defects=tuple(dict.fromkeys([*defects, *body_defects])),
    )


def _parse(raw: bytes, policy: email_policy.Policy, defects: list[str]) -> ParsedMail:
    message = BytesParser(policy=policy).parsebytes(raw)
    walker = _Walker(len(raw))
    segments = walker.walk(message)
    text = _render_text(segments)
    return _mail(
        message,
        defects,
        text=text,
        html=sanitize_html(_render_html(segments)).strip() if _has_html(segments) else None,
        visible=visible_text(text),
        attachments=tuple(walker.attachments),
        body_defects=walker.defects,
    )


def _unparseable(raw: bytes, defects: list[str]) -> ParsedMail:
    """Last resort when both parsers fail (MIME nested past Python's recursion limit): the header
    block still parses on its own, and the body is kept as text so an agent still sees something."""
    body = re.split(rb"\r?\n\r?\n", bytes(raw), maxsplit=1)[-1]
    text = _clean_body(_decode_bytes(body, None)[0]).strip()
    message = BytesHeaderParser(policy=email_policy.compat32).parsebytes(raw)
    return _mail(message, defects, text=text, html=None, visible=text, attachments=())


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse with the modern email policy, falling back to compat32 where it raises on malformed input."""
    defects: list[str] = []
    for policy in (email_policy.default, email_policy.compat32):
        try:
            return _parse(raw, policy, list(defects))
        except Exception as error:  # the stdlib header parsers have raised on hostile input before
            defects.append(f"parser failed ({type(error).__name__}); retried with a more lenient policy")
    return _unparseable(raw, defects)
