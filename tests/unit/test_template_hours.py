"""{{hours.open_now}} and {{hours.next_open}}: the team's calendar, in its own zone (item 6)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.desk.mail_out.customer_mail import hours_values
from chalicelib.desk.setup import mail_templates
from chalicelib.sla.calendar import calendar_from_config

BERLIN = calendar_from_config(
    {
        "time_zone": "Europe/Berlin",
        "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 8, 10, 0, tzinfo=UTC), {"hours.open_now": "yes", "hours.next_open": "now"}),
        # Friday 18:30 in Berlin: back on Monday at 09:00 CET.
        (
            datetime(2026, 12, 11, 17, 30, tzinfo=UTC),
            {"hours.open_now": "no", "hours.next_open": "Monday 14 December at 09:00 CET"},
        ),
        # Summer time: the zone's own abbreviation.
        (
            datetime(2026, 7, 1, 5, 0, tzinfo=UTC),
            {"hours.open_now": "no", "hours.next_open": "Wednesday 1 July at 09:00 CEST"},
        ),
    ],
)
def test_hours_in_the_calendar_zone(now: datetime, expected: dict[str, str]):
    assert hours_values(BERLIN, now) == expected


def test_templates_may_use_the_hours_and_the_out_of_hours_one_does():
    assert mail_templates.check("acknowledgement", "Open now: {{hours.open_now}}, next {{hours.next_open}}")
    assert "{{hours.next_open}}" in mail_templates.DEFAULTS["out_of_hours"]
    text = mail_templates.render(
        "out_of_hours",
        {},
        {"hours.next_open": "Monday 14 December at 09:00 CET", "team.name": "Support", "ticket.number": "7"},
    )
    assert "We are back Monday 14 December at 09:00 CET" in text
