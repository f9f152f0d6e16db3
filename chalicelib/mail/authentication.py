"""Whether a received mail's From address is authenticated, from what SES found (pure code).

SPF judges the envelope sender, which whoever sends a mail picks freely, so it proves nothing about
the From an agent sees. Two things do: DMARC passing (it checks the From domain itself), or a DKIM
signature that passed and was made by the From's domain. SES reports both twice: as receipt verdicts
in the Lambda event (which a sender cannot write) and in the `Authentication-Results` header it puts
on top of every mail it receives, which names the domains (`dkim=pass header.i=@example.com;
dmarc=pass header.from=example.com`). A mail's own Authentication-Results headers are whatever its
sender wrote, so only the topmost one, and only when its authserv-id is SES's, is read; the
verdicts must agree with it.

DKIM alignment is "the From domain is the signing domain or below it" (`mail.example.com` signed by
`example.com` aligns; the reverse does not): stricter than DMARC's relaxed alignment, which needs
the public suffix list, and never fooled by a signer on a shared parent. A From on one of our own
domains counts only with DMARC passing: our domains publish DMARC, and a mail "from a colleague"
is the first thing a forger tries.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from chalicelib.mail.addresses import split_address

SES_AUTHSERV_ID = "amazonses.com"
HEADER = "authentication-results"


@dataclass(frozen=True)
class Result:
    """One `method=result` of an Authentication-Results header, with its properties
    (`header.i` → `@example.com`)."""

    method: str
    result: str
    properties: Mapping[str, str] = field(default_factory=dict)


def parse(value: str) -> tuple[str, tuple[Result, ...]]:
    """The authserv-id and the results of one Authentication-Results value (RFC 8601).

    Comments are dropped and quoted strings kept whole, so text a sender chose (an envelope address
    SES quotes, say) cannot start a result of its own. Anything unreadable is left out.
    """
    statements = _statements(value)
    if not statements[0]:
        return "", ()
    results = []
    for tokens in statements[1:]:
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        properties = {}
        for token in tokens[1:]:
            name, equals, content = token.partition("=")
            if equals:
                properties[name.lower()] = content
        results.append(Result(method.partition("/")[0].lower(), result.lower(), properties))
    return statements[0][0].lower(), tuple(results)


def ses_header(headers: Iterable[tuple[str, str]]) -> str:
    """The value of the Authentication-Results header SES added: the topmost one, when SES's
    authserv-id starts it; "" otherwise (a lower one, or one by anyone else, was in the mail as sent)."""
    for name, value in headers:
        if name.lower() == HEADER:
            return value if parse(value)[0] == SES_AUTHSERV_ID else ""
    return ""


def authenticated(
    from_address: str, verdicts: Mapping[str, str], ses_results: str, own_domains: Collection[str]
) -> bool:
    """Whether `from_address` is proven to have sent the mail: DMARC passed for its domain, or (not
    on our own domains) a DKIM signature by its domain or a parent domain passed. `verdicts` are SES's
    receipt verdicts ({"dmarc": "PASS", ...}), `ses_results` the value `ses_header` found."""
    domain = _domain(split_address(from_address)[1])
    if "@" not in from_address or not domain:
        return False
    _, results = parse(ses_results)
    passed = [r for r in results if r.result == "pass"]
    if verdicts.get("dmarc") == "PASS" and any(
        r.method == "dmarc" and _domain(r.properties.get("header.from", "")) == domain for r in passed
    ):
        return True
    if any(within(domain, _domain(own)) for own in own_domains):
        return False
    return verdicts.get("dkim") == "PASS" and any(
        r.method == "dkim" and (signer := _signer(r)) != "" and within(domain, signer) for r in passed
    )


def within(domain: str, parent: str) -> bool:
    """Whether `domain` is `parent` or a subdomain of it (both lower-case)."""
    return bool(parent) and (domain == parent or domain.endswith(f".{parent}"))


def _signer(result: Result) -> str:
    """The signing domain of a DKIM result: `header.d`, else the domain of `header.i` (the AUID,
    which is the signing domain or below it)."""
    if "header.d" in result.properties:
        return _domain(result.properties["header.d"])
    return _domain(split_address(result.properties.get("header.i", ""))[1])


def _domain(value: str) -> str:
    """A domain as DNS compares it: lower-case, no trailing dot, an IDN in its ASCII form."""
    value = value.strip().rstrip(".").lower()
    try:
        return value.encode("idna").decode("ascii")
    except UnicodeError:
        return value


def _statements(value: str) -> list[list[str]]:
    """The `;`-separated statements of a header value, each as its whitespace-separated tokens,
    in one pass: comments (nested, with quoted pairs) removed, quoted strings unquoted and kept whole."""
    statements: list[list[str]] = [[]]
    token: list[str] = []
    depth = 0
    quoted = escaped = False

    def end_token() -> None:
        if token:
            statements[-1].append("".join(token))
            token.clear()

    for char in value:
        if escaped:
            escaped = False
            if not depth:
                token.append(char)
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            if char == '"':
                quoted = False
            else:
                token.append(char)
        elif depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
        elif char == '"':
            quoted = True
        elif char == "(":
            depth = 1
            end_token()
        elif char == ";":
            end_token()
            statements.append([])
        elif char.isspace():
            end_token()
        else:
            token.append(char)
    end_token()
    return statements
