"""Ingestion throughput in-process next to the parse-only rate for the same corpus."""

from __future__ import annotations

import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mail"
ROUNDS = 3


def corpus() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]


def _unique(raw: bytes, tag: str) -> bytes:
    """The same mail under a new Message-ID, so each round is new mail rather than a duplicate."""
    return f"Message-ID: <bench-{tag}@bench.test>\r\n".encode() + raw


def report() -> None:
    from bench.operations import stored
    from chalicelib.mail.parse import parse_mail

    mails = corpus()
    batch = [_unique(raw, f"{r}-{i}") for r in range(ROUNDS) for i, raw in enumerate(mails)]
    started = time.perf_counter()
    for raw in batch:
        parse_mail(raw)
    parse_rate = len(batch) / (time.perf_counter() - started)
    jobs = [stored(raw) for raw in batch]  # storing the raw mail is SES's work: not timed
    started = time.perf_counter()
    for job in jobs:
        job()
    ingest_rate = len(batch) / (time.perf_counter() - started)
    print(f"\n## Ingestion ({len(mails)} corpus mails x {ROUNDS} rounds, moto in-process, one thread)")
    print(f"parse only        {parse_rate:8.1f} mails/s")
    print(f"full ingestion    {ingest_rate:8.1f} mails/s")
    print(f"ratio             {parse_rate / ingest_rate:8.1f} x  (parse rate / ingestion rate)")
