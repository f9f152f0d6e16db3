"""local/README.md lists the app's schedules exactly as the code registers them."""

from __future__ import annotations

import re
from pathlib import Path

from local.schedules import app_schedules

README = Path(__file__).resolve().parents[2] / "local" / "README.md"


def test_the_local_readme_gives_every_schedule_its_real_expression():
    from app import app

    documented = dict(re.findall(r"^\| `(\w+)` \| `((?:cron|rate)\([^`]*\))` \|", README.read_text(), re.M))
    assert documented == {s.name: s.expression for s in app_schedules(app)}
