"""The deployment config fails fast, naming the wrong field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.settings import InfraConfigError, load, parse
from infra.synth import INFRA_DIR, main
from tests.infra.conftest import CONFIG


def test_valid_config_derives_names_and_domains():
    settings = parse(CONFIG)
    assert settings.prefix == "helpdesk-test-"
    assert settings.mail_domains == ("example.com", "eu.example.com")
    assert settings.mailboxes_env == (
        "support@example.com=Support,billing@example.com=Billing,help@eu.example.com=Europe"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stage": None}, "'stage' is missing"),
        ({"stage": "Prod"}, "stage 'Prod'"),
        ({"domain": "not a domain"}, "is not a domain name"),
        ({"mailboxes": {}}, "at least one address"),
        ({"mailboxes": {"support@other.org": "Support"}}, "not at 'example.com'"),
        ({"mailboxes": {"support+x@example.com": "Support"}}, "not a plain address"),
        ({"mailboxes": {"support@example.com": ""}}, "is not a team name"),
        ({"alarm_email": "nobody"}, "alarm_email"),
        ({"raw_mail_retention_days": 0}, "raw_mail_retention_days"),
        ({"public_url": "http://desk.example.com"}, "https://"),
        ({"sla_policies": "{}"}, "sla_policies"),
        ({"colour": "blue"}, "unknown field(s) colour"),
    ],
)
def test_invalid_config_names_the_field(change, message):
    raw = {key: value for key, value in {**CONFIG, **change}.items() if value is not None}
    with pytest.raises(
        InfraConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")
    ):
        parse(raw)


def test_missing_file_points_to_the_example(tmp_path: Path):
    with pytest.raises(InfraConfigError, match=r"helpdesk\.example\.json"):
        load(tmp_path / "helpdesk.json")


def test_synthesis_stops_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "helpdesk.json"
    path.write_text(json.dumps({**CONFIG, "domain": "example"}))
    assert main([str(path)]) == 2
    assert (
        "synthesis stopped: deployment config: domain 'example' is not a domain name"
        in capsys.readouterr().err
    )


def test_example_config_is_valid():
    assert parse(json.loads((INFRA_DIR / "helpdesk.example.json").read_text())).stage == "prod"
