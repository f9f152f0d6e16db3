"""The request form's pure rules: reading and validating fields, upload names and keys, the token."""

from __future__ import annotations

import pytest

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.intake import request_form as rf

OWN = frozenset({"support@example.com"})
GOOD = {"token": "t", "name": "Ada", "email": "ada@example.org", "subject": "Hello", "message": "Hi"}


def form(**fields: str) -> rf.RequestForm:
    return rf.read_form({**GOOD, **fields}.items())


def test_reading_cleans_control_characters_and_folds_one_line_fields():
    read = rf.read_form(
        [
            ("name", "  Ada\r\nBcc: x@y.z "),
            ("subject", "Two\tspaces  here\x00"),
            ("message", " line one\r\nline two\rthree\x07 "),
            ("attachment", "uploads/a"),
            ("attachment", "uploads/a"),
            ("attachment", " "),
            ("website", " "),
            ("name", "ignored second value"),
        ]
    )
    assert read.name == "Ada Bcc: x@y.z"
    assert read.subject == "Two spaces here"
    assert read.message == "line one\nline two\nthree"
    assert read.attachments == ("uploads/a",)
    assert read.honeypot == ""


def test_a_good_form_has_no_errors():
    assert rf.validate(form(), OWN) == {}


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": ""}, "name", "your name"),
        ({"name": "x" * 101}, "name", "100 characters"),
        ({"email": ""}, "email", "our answer goes there"),
        ({"email": "ada@"}, "email", "does not look like"),
        ({"email": "ada@localhost"}, "email", "does not look like"),
        ({"email": "a b@example.org"}, "email", "does not look like"),
        ({"email": "Support@Example.com"}, "email", "your own email address"),
        ({"subject": ""}, "subject", "a subject"),
        ({"subject": "s" * 151}, "subject", "150 characters"),
        ({"message": "   "}, "message", "describe your request"),
        ({"message": "m" * 20_001}, "message", "20,001 characters"),
    ],
)
def test_each_field_error_says_what_to_do(fields, field, words):
    errors = rf.validate(form(**fields), OWN)
    assert list(errors) == [field]
    assert words in errors[field]


def test_too_many_attachments_is_an_error_of_the_attachments_field():
    many = rf.RequestForm(**{**GOOD, "attachments": tuple(f"k{i}" for i in range(rf.MAX_FILES + 1))})
    assert "at most 5 files" in rf.validate(many, OWN)["attachments"]


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ada\\report.pdf", "report.pdf"),
        ("März Rechnung.pdf", "März Rechnung.pdf"),
        ('a"b<c>|d;.png', "a_b_c_d_.png"),
        ("\x00\x1f.", "attachment"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_safe_filenames_have_no_path_and_keep_their_extension(given, safe):
    assert rf.safe_filename(given) == safe


def test_only_allowed_types_and_sizes_may_be_uploaded():
    assert rf.content_type_for("Report.PDF") == "application/pdf"
    for refused in ("setup.exe", "run.sh", "page.html", "image.svg", "macro.docm", "noextension"):
        assert rf.content_type_for(refused) is None
        assert "cannot be attached" in rf.upload_error(refused, 10)
    assert rf.upload_error("a.pdf", rf.MAX_FILE_BYTES) is None
    assert "larger than 10 MB" in rf.upload_error("a.pdf", rf.MAX_FILE_BYTES + 1)
    assert "empty" in rf.upload_error("a.pdf", 0)


def test_upload_keys_belong_to_their_form_only():
    key = rf.upload_key("f" * 32, "../My file.pdf")
    assert key.startswith("uploads/" + "f" * 32 + "/") and key.endswith("/My file.pdf")
    assert rf.uploaded_filename(key, "f" * 32) == "My file.pdf"
    assert rf.uploaded_filename(key, "e" * 32) is None
    nonce = key.split("/")[2]
    for forged in (
        f"uploads/{'f' * 32}/{nonce}/../../attachments/x.pdf",
        f"uploads/{'f' * 32}/{nonce}",
        f"uploads/{'f' * 32}/short/x.pdf",
        f"inbound/{'f' * 32}/{nonce}/x.pdf",
    ):
        assert rf.uploaded_filename(forged, "f" * 32) is None


def test_form_tokens_verify_for_a_day_and_resist_tampering():
    token = rf.issue_token(now=1_700_000_000)
    owner = rf.form_id(token, now=1_700_000_000 + 3600)
    assert len(owner) == 32 and owner in token
    assert rf.form_id(token, now=1_700_000_000 + rf.TOKEN_MAX_AGE_SECONDS) == owner
    with pytest.raises(InvalidRequest, match="more than a day"):
        rf.form_id(token, now=1_700_000_000 + rf.TOKEN_MAX_AGE_SECONDS + 1)
    with pytest.raises(InvalidRequest, match="more than a day"):
        rf.form_id(token, now=1_700_000_000 - rf.CLOCK_SKEW_SECONDS - 1)
    issued, form, signature = token.split(".", 2)
    other = rf.issue_token(now=1_700_000_000).split(".", 2)
    for forged in (
        f"{format(1_700_000_000 + 86_400, 'x')}.{form}.{signature}",  # extended lifetime
        f"{issued}.{other[1]}.{signature}",  # another form's id
        f"{issued}.{form}.{other[2]}",  # another form's signature
        f"{issued}.{form}.2{signature[1:]}",  # another key's
        token[:-1],
        "",
    ):
        with pytest.raises(InvalidRequest, match="could not verify"):
            rf.form_id(forged, now=1_700_000_000)
