"""Parse time of adversarial mail by size: linear code shows a flat time per MB."""

from __future__ import annotations

import time

SIZES_MB = (1, 5, 20)
_MB = 1_000_000

# Each piece was quadratic (or worse) somewhere before: repeated to fill its share of the mail.
_PLAIN = (
    "_" * 30 + "\n",  # underscore rules: quote stripping copied the rest of the lines for each
    "On 1\n",  # attribution starts
    "".join(">" * depth + " quoted\n" for depth in range(1, 60)),  # deep quoting
)
_HTML = (
    '<a href="https://example.org/x">link ',  # nested links: html_to_text re-joined the text per </a>
    "</a>",
    "<div><b><i>",  # deep nesting: html5ever walks the open elements per tag
    '<p><b title="1">x</p><p><i title="2">y</p>',  # formatting re-opened at every paragraph
)
# At the end, as they swallow the rest: the stdlib HTML parser rescanned to the end for each.
_UNCLOSED = ("<a x ", "<!--")


def _fill(pieces: tuple[str, ...], size: int) -> str:
    unit = "".join(pieces)
    return unit * (size // len(unit))


def hostile_mail(size: int) -> bytes:
    """About `size` bytes: a 5% To header without an address, 45% plain text, 50% HTML (of it 10%
    unclosed tags and comments)."""
    header = "a" * (size // 20)  # no "@": the fallback regex scan runs on it
    return (
        f"From: Hostile <hostile@example.com>\r\nTo: {header}\r\nSubject: hostile\r\n"
        "Message-ID: <hostile@example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"new text\n{_fill(_PLAIN, size * 45 // 100)}\r\n"
        "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"{_fill(_HTML, size * 40 // 100)}{''.join(_fill((piece,), size // 20) for piece in _UNCLOSED)}"
        "\r\n--b--\r\n"
    ).encode()


def report(sizes_mb: tuple[int, ...] = SIZES_MB) -> None:
    from chalicelib.mail.parse import parse_mail

    print("\n## Hostile mail (parse_mail: MIME, addresses, html-to-text, quote stripping, sanitising)")
    print(f"{'size':>8} {'parse':>9} {'per MB':>9}")
    for size_mb in sizes_mb:
        raw = hostile_mail(size_mb * _MB)
        started = time.perf_counter()
        parse_mail(raw)
        elapsed = time.perf_counter() - started
        print(f"{len(raw) / _MB:6.1f}MB {elapsed:8.2f}s {elapsed / (len(raw) / _MB):8.2f}s")


if __name__ == "__main__":
    import sys

    report(tuple(int(size) for size in sys.argv[1:]) or SIZES_MB)
