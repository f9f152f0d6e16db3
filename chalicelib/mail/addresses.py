"""The parts of an address as received: the one place that says where the domain and a plus tag start.

The domain follows the last `@`: a quoted local part may hold one (`"x@y"@example.com`). A plus tag
(RFC 5233 subaddress, `support+42@`) follows the first `+` of the local part outside a leading quoted
string, so `a+b+c` is `a` tagged `b+c`. Case is left as written: callers compare lower-cased values.
"""

from __future__ import annotations


def split_address(address: str) -> tuple[str, str]:
    """(local part, domain), split at the last `@`; without an `@`, ("", address), as a bare domain."""
    local, _, domain = address.rpartition("@")
    return local, domain


def plus_parts(address: str) -> tuple[str, str | None, str]:
    """(local part without its tag, the tag or None when it has none, domain)."""
    local, domain = split_address(address)
    quoted_end = local.find('"', 1) + 1 if local.startswith('"') else 0
    plus = local.find("+", quoted_end)
    if plus < 0:
        return local, None, domain
    return local[:plus], local[plus + 1 :], domain


def without_plus_tag(address: str) -> str:
    """The mailbox the address reaches: `ann+x@example.com` → `ann@example.com`; no `@`: as it is."""
    if "@" not in address:
        return address
    base, _, domain = plus_parts(address)
    return f"{base}@{domain}"
