"""Where a webhook may be sent (the SSRF guard): pure rules on URLs and IP addresses.

A webhook URL is chosen by an admin, but what its name resolves to is chosen by whoever runs its
DNS, and changes: so the URL is checked when it is registered (a clear error) and again at every
delivery, where the name is resolved once, every address it resolves to is checked, and the
connection goes to the checked address (no second lookup a rebinding DNS could answer
differently). Only https to public unicast addresses; the local runtime (and the in-process
tests) may also reach loopback over http, because their receivers listen on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 2000

_v4, _v6 = ipaddress.IPv4Network, ipaddress.IPv6Network
# (network, why it is refused); the first match names the reason. Python's `is_global` is the
# catch-all after these, for the special-purpose blocks not listed.
REFUSED: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (_v4("169.254.169.254/32"), "the cloud metadata service"),
    (_v6("fd00:ec2::254/128"), "the cloud metadata service"),
    (_v4("0.0.0.0/8"), "an unspecified address"),
    (_v4("127.0.0.0/8"), "a loopback address"),
    (_v4("10.0.0.0/8"), "a private address"),
    (_v4("172.16.0.0/12"), "a private address"),
    (_v4("192.168.0.0/16"), "a private address"),
    (_v4("100.64.0.0/10"), "a shared (CGNAT) address"),
    (_v4("169.254.0.0/16"), "a link-local address"),
    (_v4("192.0.0.0/24"), "a reserved address"),
    (_v4("192.0.2.0/24"), "a documentation address"),
    (_v4("198.51.100.0/24"), "a documentation address"),
    (_v4("203.0.113.0/24"), "a documentation address"),
    (_v4("198.18.0.0/15"), "a reserved address"),
    (_v4("224.0.0.0/4"), "a multicast address"),
    (_v4("240.0.0.0/4"), "a reserved address"),
    (_v6("::/128"), "an unspecified address"),
    (_v6("::1/128"), "a loopback address"),
    (_v6("::ffff:0:0/96"), "an IPv4-mapped address"),
    (_v6("::/96"), "an IPv4-compatible address"),
    (_v6("64:ff9b::/96"), "a NAT64 address"),
    (_v6("64:ff9b:1::/48"), "a NAT64 address"),
    (_v6("2002::/16"), "a 6to4 address"),
    (_v6("2001::/32"), "a Teredo address"),
    (_v6("2001:db8::/32"), "a documentation address"),
    (_v6("100::/64"), "a discard address"),
    (_v6("fc00::/7"), "a unique-local address"),
    (_v6("fe80::/10"), "a link-local address"),
    (_v6("fec0::/10"), "a site-local address"),
    (_v6("ff00::/8"), "a multicast address"),
)
LOOPBACK = (_v4("127.0.0.0/8"), _v6("::1/128"))


class RefusedUrl(ValueError):
    """The URL or an address it resolves to may not be called; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL's parts: the name to send as SNI and Host, and what to request."""

    scheme: str  # https (http only to loopback, where allowed)
    host: str  # lower-case name or IP literal, without brackets
    port: int
    path: str  # path and query, at least "/"

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


def refusal(address: IPAddress, allow_loopback: bool = False) -> str | None:
    """Why a connection to `address` is refused, or None when it may be made."""
    if allow_loopback and any(
        address in network for network in LOOPBACK if network.version == address.version
    ):
        return None
    for network, reason in REFUSED:
        if network.version == address.version and address in network:
            return reason
    if not address.is_global:
        return "not a public address"
    return None


def parse_target(url: str, allow_loopback: bool = False) -> Target:
    """The parts of a webhook URL, refused unless it is https (or, where allowed, http to loopback).

    Refused too: credentials in the URL (they would be sent to whoever the name points at) and a
    literal address that `refusal` refuses. A name is checked once resolved (`checked_address`).
    """
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise RefusedUrl(f"the URL must be 1 to {MAX_URL_LENGTH} characters")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise RefusedUrl("the URL may not contain spaces or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        host, port = (parts.hostname or "").lower().rstrip("."), parts.port
    except ValueError:
        raise RefusedUrl("the URL's port is not a number from 1 to 65535") from None
    if scheme not in ("https", "http"):
        raise RefusedUrl("the URL must start with https://")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("the URL may not carry a user name or password")
    if not host:
        raise RefusedUrl("the URL names no host")
    if port == 0:
        raise RefusedUrl("the URL's port is not a number from 1 to 65535")
    literal = _literal(host)
    if scheme == "http" and not (
        allow_loopback and (host == "localhost" or (literal and _loopback(literal)))
    ):
        raise RefusedUrl("the URL must start with https://")
    if literal is not None and (reason := refusal(literal, allow_loopback)):
        raise RefusedUrl(f"{host} is {reason}")
    path = parts.path or "/"
    return Target(
        scheme=scheme,
        host=host,
        port=port or (443 if scheme == "https" else 80),
        path=f"{path}?{parts.query}" if parts.query else path,
    )


Resolver = Callable[[str, int], Iterable[str]]


def checked_address(target: Target, resolve: Resolver, allow_loopback: bool = False) -> IPAddress:
    """The address to connect to: the name resolved once, and refused when ANY of its addresses
    is (a name answering one public and one private address could be steered to either)."""
    literal = _literal(target.host)
    if literal is not None:
        found: list[IPAddress] = [literal]
    else:
        try:
            found = list(
                dict.fromkeys(
                    ipaddress.ip_address(a.split("%")[0]) for a in resolve(target.host, target.port)
                )
            )
        except OSError as error:
            raise RefusedUrl(f"{target.host} does not resolve: {error}") from None
    if not found:
        raise RefusedUrl(f"{target.host} does not resolve")
    for address in found:
        if reason := refusal(address, allow_loopback):
            raise RefusedUrl(f"{target.host} resolves to {address}, {reason}")
    if target.scheme == "http" and not all(_loopback(a) for a in found):
        raise RefusedUrl("the URL must start with https://")
    return found[0]


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _loopback(address: IPAddress) -> bool:
    return any(address in network for network in LOOPBACK if network.version == address.version)
