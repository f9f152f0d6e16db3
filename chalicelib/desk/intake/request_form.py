"""The public request form's rules, as pure functions: fields, limits, upload keys and the form token.

The form token is the form's CSRF token and its idempotency key at once: `<issued, hex>.<id>.<key
id>.<HMAC>` under a key derived from the deployment's signing key. Only a page we rendered in the
last day carries a valid one; its `id` names the submission (the ticket's idempotency id) and
prefixes the S3 key of every file uploaded for it, so a submission can attach only its own uploads.
"""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.base.signing import SIGNATURE, sign, verify
from chalicelib.desk.base.storage import UPLOADS_PREFIX

MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254
MAX_SUBJECT_CHARS = 150
MAX_MESSAGE_CHARS = 20_000
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 25 * 1024 * 1024
MAX_FILENAME_CHARS = 100
TOKEN_MAX_AGE_SECONDS = 86_400
CLOCK_SKEW_SECONDS = 300  # containers' clocks differ a little: a token from the near future is fine
UPLOAD_CORS_METHODS = ("POST",)  # the bucket's CORS rule: browsers of the desk's origin may POST uploads
UPLOAD_CORS_MAX_AGE_SECONDS = 3600
# What customers may attach, by extension: documents, images, text, archives. Anything that runs
# (executables, scripts, HTML, SVG, macro-enabled Office files) is not on the list.
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".json": "application/json",
    ".eml": "message/rfc822",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
}

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
FORM_PURPOSE = "request-form"
_TOKEN = re.compile(rf"^([0-9a-f]{{1,12}})\.([0-9a-f]{{32}})\.({SIGNATURE})$")
_UNSAFE_FILENAME_CHARS = re.compile(r"[^\w.() -]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class RequestForm:
    """What was posted, cleaned of control characters and surrounding space; nothing else is changed,
    so a form re-rendered after an error shows exactly what the customer typed."""

    token: str = ""
    name: str = ""
    email: str = ""
    subject: str = ""
    message: str = ""
    attachments: tuple[str, ...] = ()  # S3 keys of the files uploaded for this form
    honeypot: str = ""  # a field people never see: whatever fills it is a bot

    @property
    def values(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "subject": self.subject, "message": self.message}


def read_form(pairs: Iterable[tuple[str, str]]) -> RequestForm:
    fields: dict[str, str] = {}
    attachments: list[str] = []
    for name, value in pairs:
        if name == "attachment":
            attachments.append(value.strip())
        elif name not in fields:
            fields[name] = value
    one_line = {key: " ".join(_CONTROL.sub(" ", fields.get(key, "")).split()) for key in ("name", "subject")}
    message = _CONTROL.sub("", fields.get("message", "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    return RequestForm(
        token=fields.get("token", "").strip(),
        name=one_line["name"],
        email=fields.get("email", "").strip(),
        subject=one_line["subject"],
        message=message,
        attachments=tuple(dict.fromkeys(a for a in attachments if a)),
        honeypot=fields.get("website", "").strip(),
    )


def validate(form: RequestForm, own_addresses: Collection[str]) -> dict[str, str]:
    """What is wrong with each field, in words for the customer; empty when the form is fine."""
    problems = {
        "name": _text_problem(
            form.name,
            MAX_NAME_CHARS,
            "Please tell us your name.",
            f"Please shorten your name to {MAX_NAME_CHARS} characters.",
        ),
        "email": _email_problem(form.email, own_addresses),
        "subject": _text_problem(
            form.subject,
            MAX_SUBJECT_CHARS,
            "Please give your request a subject.",
            f"Please shorten the subject to {MAX_SUBJECT_CHARS} characters.",
        ),
        "message": _text_problem(
            form.message,
            MAX_MESSAGE_CHARS,
            "Please describe your request.",
            f"Your message has {len(form.message):,} characters; the limit is {MAX_MESSAGE_CHARS:,}. "
            "Please shorten it or attach the rest as a file.",
        ),
        "attachments": (
            f"Please attach at most {MAX_FILES} files." if len(form.attachments) > MAX_FILES else None
        ),
    }
    return {name: problem for name, problem in problems.items() if problem}


def _text_problem(value: str, limit: int, missing: str, too_long: str) -> str | None:
    """The rule of every required text field: `missing` when empty, `too_long` past `limit` characters."""
    if not value:
        return missing
    return too_long if len(value) > limit else None


def _email_problem(email: str, own_addresses: Collection[str]) -> str | None:
    if not email:
        return "Please enter your email address: our answer goes there."
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email):
        return "This does not look like an email address (for example ada@example.com)."
    if email.lower() in own_addresses:
        return "Please enter your own email address, not ours."
    return None


def safe_filename(filename: str) -> str:
    """A file name fit for an S3 key and a download: no path, no control or odd characters."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", filename))[-1]
    cleaned = _UNSAFE_FILENAME_CHARS.sub("_", _CONTROL.sub("", base)).strip(" .")
    stem, dot, extension = cleaned.rpartition(".")
    if dot and len(extension) <= 10:
        cleaned = f"{stem[: MAX_FILENAME_CHARS - len(extension) - 1]}.{extension}"
    return cleaned[:MAX_FILENAME_CHARS] or "attachment"


def content_type_for(filename: str) -> str | None:
    """The one content type a file of this name may be uploaded as, or None when it is not allowed."""
    _, dot, extension = filename.lower().rpartition(".")
    return ALLOWED_TYPES.get(f".{extension}") if dot else None


def upload_error(filename: str, size: int) -> str | None:
    """Why this file may not be attached, or None."""
    if content_type_for(filename) is None:
        allowed = ", ".join(sorted({ext.lstrip(".") for ext in ALLOWED_TYPES}))
        return f"{filename}: this kind of file cannot be attached (allowed: {allowed})."
    if size <= 0:
        return f"{filename} is empty."
    if size > MAX_FILE_BYTES:
        return f"{filename} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."
    return None


def upload_key(form_id: str, filename: str) -> str:
    """Where a file for this form goes: under the form's id, so only this form can claim it."""
    return f"{UPLOADS_PREFIX}{form_id}/{secrets.token_hex(8)}/{safe_filename(filename)}"


def uploaded_filename(key: str, form_id: str) -> str | None:
    """The file name in an upload key of this form; None for a key of any other form (or forged)."""
    prefix = f"{UPLOADS_PREFIX}{form_id}/"
    if not key.startswith(prefix):
        return None
    nonce, slash, filename = key.removeprefix(prefix).partition("/")
    if not slash or not re.fullmatch(r"[0-9a-f]{16}", nonce) or safe_filename(filename) != filename:
        return None
    return filename


def issue_token(now: float | None = None) -> str:
    issued = format(int(now if now is not None else time.time()), "x")
    form_id = secrets.token_hex(16)
    return f"{issued}.{form_id}.{sign(FORM_PURPOSE, f'{issued}.{form_id}')}"


def form_id(token: str, now: float | None = None) -> str:
    """The submission id of a form token we issued in the last day; InvalidRequest otherwise."""
    match = _TOKEN.match(token)
    if match is None or not verify(FORM_PURPOSE, f"{match[1]}.{match[2]}", match[3]):
        raise InvalidRequest("We could not verify this form. Please check your request and send it again.")
    age = (now if now is not None else time.time()) - int(match[1], 16)
    if not -CLOCK_SKEW_SECONDS <= age <= TOKEN_MAX_AGE_SECONDS:
        raise InvalidRequest("This form was open for more than a day. Please check it and send it again.")
    return match[2]
