from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.mail.compose import HeaderInjectionError, compose
from chalicelib.mail.message import Address, OutboundMail
from chalicelib.mail.parse import parse_mail

SUPPORT = Address("support@example.com", "ACME Support")
CUSTOMER = Address("jane@example.org", "Jane")
BASE_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


def outbound(**changes) -> OutboundMail:
    values = {
        "from_": SUPPORT,
        "to": (CUSTOMER,),
        "subject": "Re: Printer [#5]",
        "text": "Hello Jane",
        "message_id": "<helpdesk.5.abc@example.com>",
    }
    return OutboundMail(**{**values, **changes})


def header_names(raw: bytes) -> list[str]:
    return [name.lower() for name in BytesParser(policy=policy.default).parsebytes(raw)]


def test_plain_reply_round_trips():
    mail = outbound(
        reply_to=Address("support+5@example.com"),
        cc=(Address("boss@example.org", "Boss"),),
        in_reply_to="<CAF=abc@mail.gmail.com>",
        references=("<first@x.org>", "<CAF=abc@mail.gmail.com>"),
        auto_submitted="auto-replied",
        text="Hello Jane,\nthe printer is fixed.\n\nGrüße",
    )
    raw = compose(mail)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = parse_mail(raw)
    assert parsed.from_ == SUPPORT
    assert parsed.to == (CUSTOMER,)
    assert parsed.cc == (Address("boss@example.org", "Boss"),)
    assert parsed.reply_to == (Address("support+5@example.com"),)
    assert parsed.subject == "Re: Printer [#5]"
    assert parsed.message_id == "<helpdesk.5.abc@example.com>"
    assert parsed.in_reply_to == ("<CAF=abc@mail.gmail.com>",)
    assert parsed.references == ("<first@x.org>", "<CAF=abc@mail.gmail.com>")
    assert parsed.headers["auto-submitted"] == "auto-replied"
    assert parsed.text == "Hello Jane,\nthe printer is fixed.\n\nGrüße"
    assert parsed.html is None
    assert parsed.defects == ()
    assert abs(parsed.date - datetime.now(UTC)) < timedelta(minutes=1)
    assert set(header_names(raw)) == BASE_HEADERS | {
        "cc",
        "reply-to",
        "in-reply-to",
        "references",
        "auto-submitted",
    }


def test_html_alternative():
    raw = compose(outbound(html="<p>Hello <b>Jane</b></p>"))
    parsed = parse_mail(raw)
    assert parsed.text == "Hello Jane"
    assert parsed.html == "<p>Hello <b>Jane</b></p>"
    assert parsed.headers["content-type"].startswith("multipart/alternative")


@pytest.mark.parametrize("name", ['Doe, "Johnny" Jr.', "Jürgen Groß", "a\\b", "André, Ltd. <x@y>", "山田"])
def test_display_names_survive(name):
    parsed = parse_mail(compose(outbound(to=(Address("jane@example.org", name),))))
    assert parsed.to == (Address("jane@example.org", name),)


def test_long_references_are_folded_between_ids_not_encoded():
    ids = tuple(f"<{'x' * 90}.{n}@example.com>" for n in range(5))
    raw = compose(outbound(references=ids, in_reply_to=ids[-1], message_id=f"<{'y' * 100}@example.com>"))
    assert b"=?" not in raw.split(b"\r\n\r\n")[0]
    parsed = parse_mail(raw)
    assert parsed.references == ids
    assert parsed.in_reply_to == (ids[-1],)


def test_idn_domain_is_encoded():
    parsed = parse_mail(compose(outbound(to=(Address("jane@bücher.de"),))))
    assert parsed.to == (Address("jane@xn--bcher-kva.de"),)


@pytest.mark.parametrize(
    "email",
    [
        "",
        "jane",
        "jane@",
        "@example.org",
        "a@b@c",
        "jane doe@example.org",
        "jane@example.org\r\nBcc: x@y",
        "jane@example.org\n",
        "ja\x00ne@example.org",
        "<jane@example.org>",
        "jane@exa mple.org",
        "jürgen@x.de",
        "jane@example.org,evil@x.org",
        "jane@-",
        "jane@[1.2.3.4]",
    ],
)
@pytest.mark.parametrize("field", ["from_", "to", "cc", "reply_to"])
def test_bad_addresses_raise(email, field):
    address = Address(email, "Name")
    value = (address,) if field in ("to", "cc") else address
    with pytest.raises(HeaderInjectionError) as raised:
        compose(outbound(**{field: value}))
    assert raised.value.field == {"from_": "From", "to": "To", "cc": "Cc", "reply_to": "Reply-To"}[field]


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("jö@exämple.com", "non-ASCII"),
        ('"a b"@x.com', "quoted"),
        ("x@[1.2.3.4]", "IP address literal"),
        ("a@my_host.example.com", "not a valid host name"),
        ("a" * 65 + "@x.com", "longer than"),
    ],
)
def test_unmailable_addresses_are_refused_with_the_reason(email, reason):
    with pytest.raises(HeaderInjectionError, match=reason) as raised:
        compose(outbound(cc=(Address(email),)))
    assert raised.value.field == "Cc"


@pytest.mark.parametrize(
    "value", ["abc@x", "<a@x>\r\nBcc: e@x", "<a b@x>", "<a@x><b@x>", "<>", "<a\x7f@x>", "<é@x.com>"]
)
@pytest.mark.parametrize("field", ["message_id", "in_reply_to", "references"])
def test_bad_ids_raise(value, field):
    with pytest.raises(HeaderInjectionError) as raised:
        compose(outbound(**{field: (value,) if field == "references" else value}))
    assert raised.value.field == {"message_id": "Message-ID", "in_reply_to": "In-Reply-To"}.get(
        field, "References"
    )


def test_bad_auto_submitted_raises():
    with pytest.raises(HeaderInjectionError):
        compose(outbound(auto_submitted="auto-replied\r\nBcc: x@y"))


def test_header_injection_error_is_a_value_error():
    assert issubclass(HeaderInjectionError, ValueError)


def test_subject_and_names_fold_control_characters():
    mail = outbound(
        subject="Hi\r\nBcc: evil@x.org\x00\u2028end", from_=Address("support@example.com", "A\nB")
    )
    raw = compose(mail)
    assert "bcc" not in header_names(raw)
    parsed = parse_mail(raw)
    assert parsed.subject == "Hi Bcc: evil@x.org end"
    assert parsed.from_ == Address("support@example.com", "A B")


@given(
    subject=st.text(max_size=200),
    name=st.text(max_size=60),
    email=st.text(max_size=40),
    message_id=st.text(max_size=40),
    text=st.text(max_size=300),
)
@settings(max_examples=200, deadline=None)
def test_no_field_can_inject_a_header(subject, name, email, message_id, text):
    fields = {"subject": subject, "text": text, "cc": (Address("cc@example.org", name),)}
    for extra in ({"to": (Address(email, name),)}, {"message_id": message_id}, {"references": (message_id,)}):
        try:
            raw = compose(outbound(**fields, **extra))
        except HeaderInjectionError:
            continue
        names = header_names(raw)
        assert sorted(names) == sorted(
            BASE_HEADERS | {"cc"} | ({"references"} if "references" in extra else set())
        )
        parsed = parse_mail(raw)
        assert parsed.subject == " ".join(parsed.subject.split())
