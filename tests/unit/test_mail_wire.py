import pytest

from chalicelib.mail.wire import UnmailableAddress, is_outbound_id, unmailable_reason, wire_address


@pytest.mark.parametrize(
    ("email", "wire"),
    [
        ("jane@example.org", "jane@example.org"),
        ("jane+tag@bücher.de", "jane+tag@xn--bcher-kva.de"),
        ("o'neil@example.org", "o'neil@example.org"),
    ],
)
def test_mailable_addresses_go_out_in_ascii(email, wire):
    assert unmailable_reason(email) is None
    assert wire_address(email) == wire


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("jörg@example.org", "non-ASCII characters (SMTPUTF8)"),
        ('"a b"@example.org', "quoted"),
        ("x@[192.0.2.1]", "IP address literal"),
        ("a@my_host.example.org", "not a valid host name"),
        ("a@" + "b" * 300 + ".org", "longer than"),
        ("no-at-sign", "not an email address"),
        ("", "not an email address"),
    ],
)
def test_unmailable_addresses_say_why(email, reason):
    assert reason in unmailable_reason(email)
    with pytest.raises(UnmailableAddress):
        wire_address(email)


@pytest.mark.parametrize(
    ("message_id", "ok"),
    [("<CA+AbC=x@mail.gmail.com>", True), ("<été@x.org>", False), ("<a b@x>", False), ("a@x", False)],
)
def test_outbound_ids(message_id, ok):
    assert is_outbound_id(message_id) is ok
