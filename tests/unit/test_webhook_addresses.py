"""The SSRF guard (desk.webhooks.addresses): which URLs and addresses a webhook may reach."""

from __future__ import annotations

import ipaddress

import pytest

from chalicelib.desk.webhooks.addresses import RefusedUrl, Target, checked_address, parse_target, refusal

REFUSED = {
    # IPv4
    "0.0.0.0": "an unspecified address",
    "0.1.2.3": "an unspecified address",
    "127.0.0.1": "a loopback address",
    "127.255.255.254": "a loopback address",
    "10.0.0.1": "a private address",
    "10.255.255.255": "a private address",
    "172.16.0.1": "a private address",
    "172.31.255.255": "a private address",
    "192.168.1.1": "a private address",
    "100.64.0.1": "a shared (CGNAT) address",
    "100.127.255.254": "a shared (CGNAT) address",
    "169.254.169.254": "the cloud metadata service",
    "169.254.0.1": "a link-local address",
    "169.254.170.2": "a link-local address",  # the ECS task metadata endpoint
    "192.0.0.8": "a reserved address",
    "192.0.2.1": "a documentation address",
    "198.51.100.7": "a documentation address",
    "203.0.113.9": "a documentation address",
    "198.18.0.1": "a reserved address",
    "224.0.0.1": "a multicast address",
    "239.255.255.250": "a multicast address",
    "240.0.0.1": "a reserved address",
    "255.255.255.255": "a reserved address",
    # IPv6
    "::": "an unspecified address",
    "::1": "a loopback address",
    "::ffff:127.0.0.1": "an IPv4-mapped address",
    "::ffff:8.8.8.8": "an IPv4-mapped address",  # mapped public ones too: no IPv4 by the back door
    "::ffff:169.254.169.254": "an IPv4-mapped address",
    "::127.0.0.1": "an IPv4-compatible address",
    "64:ff9b::a00:1": "a NAT64 address",
    "2002:a00:1::": "a 6to4 address",
    "2001:0:4136:e378::1": "a Teredo address",
    "2001:db8::1": "a documentation address",
    "100::1": "a discard address",
    "fd00:ec2::254": "the cloud metadata service",
    "fd12:3456::1": "a unique-local address",
    "fc00::1": "a unique-local address",
    "fe80::1": "a link-local address",
    "febf::1": "a link-local address",
    "fec0::1": "a site-local address",
    "ff02::1": "a multicast address",
    "ff05::2": "a multicast address",
}
ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "2a00:1450::1",
]


@pytest.mark.parametrize(("address", "reason"), sorted(REFUSED.items()))
def test_refused_addresses_name_their_reason(address, reason):
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ALLOWED)
def test_public_unicast_addresses_are_allowed(address):
    assert refusal(ipaddress.ip_address(address)) is None


def test_loopback_only_where_allowed_and_nothing_else_with_it():
    assert refusal(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert refusal(ipaddress.ip_address("::1"), allow_loopback=True) is None
    for other in ("10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "fd00:ec2::254", "0.0.0.0"):
        assert refusal(ipaddress.ip_address(other), allow_loopback=True) is not None, other


def test_https_urls_parse_into_what_is_sent():
    assert parse_target("https://Hooks.Example.COM/in?x=1") == Target(
        "https", "hooks.example.com", 443, "/in?x=1"
    )
    assert parse_target("https://hooks.example.com:8443") == Target("https", "hooks.example.com", 8443, "/")
    assert parse_target("https://[2606:4700:4700::1111]/h").host_header == "[2606:4700:4700::1111]"
    assert parse_target("https://hooks.example.com:8443/").host_header == "hooks.example.com:8443"
    assert parse_target("https://hooks.example.com/").host_header == "hooks.example.com"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hooks.example.com/", "https://"),
        ("ftp://hooks.example.com/", "https://"),
        ("hooks.example.com/in", "https://"),
        ("https://user:pw@hooks.example.com/", "user name or password"),
        ("https://hooks.example.com:99999/", "port"),
        ("https:///path", "no host"),
        ("https://hooks.example.com/a b", "spaces"),
        ("https://127.0.0.1/", "loopback"),
        ("https://[::1]/", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://10.1.2.3/", "private"),
        ("https://[::ffff:10.0.0.1]/", "IPv4-mapped"),
        ("", "1 to"),
        ("https://x.example/" + "a" * 2000, "1 to"),
    ],
)
def test_refused_urls_say_why(url, words):
    with pytest.raises(RefusedUrl, match=words):
        parse_target(url)


def test_http_only_to_loopback_and_only_where_allowed():
    assert parse_target("http://127.0.0.1:8080/hook", allow_loopback=True).scheme == "http"
    assert parse_target("http://localhost:8080/hook", allow_loopback=True).port == 8080
    with pytest.raises(RefusedUrl, match="https://"):
        parse_target("http://127.0.0.1:8080/hook")
    with pytest.raises(RefusedUrl, match="https://"):
        parse_target("http://hooks.example.com/", allow_loopback=True)
    with pytest.raises(RefusedUrl, match="private"):
        parse_target("https://10.0.0.1/", allow_loopback=True)


def resolver(*answers: str):
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return list(answers)

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


def test_a_name_is_resolved_once_and_its_first_checked_address_returned():
    resolve = resolver("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    target = parse_target("https://hooks.example.com/in")
    assert checked_address(target, resolve) == ipaddress.ip_address("93.184.215.14")
    assert resolve.asked == [("hooks.example.com", 443)]


@pytest.mark.parametrize(
    "answers",
    [
        ("127.0.0.1",),  # a name pointing home
        ("93.184.215.14", "10.0.0.5"),  # one bad address among good ones is enough
        ("169.254.169.254",),
        ("fd00:ec2::254",),
        ("::ffff:192.168.0.1",),
        ("fe80::1%eth0",),  # a scoped link-local answer
        ("100.64.1.1",),
    ],
)
def test_a_name_resolving_to_any_refused_address_is_refused(answers):
    with pytest.raises(RefusedUrl, match="resolves to"):
        checked_address(parse_target("https://rebind.example.com/"), resolver(*answers))


def test_a_name_that_does_not_resolve_is_refused():
    def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(RefusedUrl, match="does not resolve"):
        checked_address(parse_target("https://nowhere.example/"), failing)
    with pytest.raises(RefusedUrl, match="does not resolve"):
        checked_address(parse_target("https://nowhere.example/"), resolver())


def test_a_literal_is_not_resolved_and_localhost_must_resolve_to_loopback():
    resolve = resolver("8.8.8.8")
    assert checked_address(parse_target("https://1.1.1.1/"), resolve) == ipaddress.ip_address("1.1.1.1")
    assert resolve.asked == []
    local = parse_target("http://localhost:9/", allow_loopback=True)
    assert checked_address(local, resolver("127.0.0.1", "::1"), allow_loopback=True).is_loopback
    with pytest.raises(RefusedUrl):
        checked_address(local, resolver("93.184.215.14"), allow_loopback=True)
