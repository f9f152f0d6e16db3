"""The fixed-window limiter on moto: exact counts, per subject and window, and a limit of zero."""

from __future__ import annotations

import uuid

from chalicelib.desk.base import ratelimit

HOUR = 3600
NOON = 1_900_000_800.0  # a whole hour: the window starts here


def test_a_limit_admits_exactly_that_many_uses_per_window():
    subject = f"{uuid.uuid4().hex}@customer.test"
    uses = [ratelimit.allow("test", subject, 3, HOUR, now=NOON + n) for n in range(5)]
    assert uses == [True, True, True, False, False]
    assert ratelimit.allow("test", subject, 3, HOUR, now=NOON + HOUR) is True  # the next window


def test_subjects_are_counted_apart_and_without_case():
    subject = f"{uuid.uuid4().hex}@customer.test"
    assert ratelimit.allow("test", subject, 1, HOUR, now=NOON) is True
    assert ratelimit.allow("test", subject.upper(), 1, HOUR, now=NOON) is False
    assert ratelimit.allow("test", f"other.{subject}", 1, HOUR, now=NOON) is True


def test_a_limit_of_zero_admits_nobody():
    subject = f"{uuid.uuid4().hex}@customer.test"
    assert ratelimit.allow("test", subject, 0, HOUR, now=NOON) is False
