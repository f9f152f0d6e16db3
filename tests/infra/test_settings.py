"""The deployment config fails fast, naming the wrong field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chalicelib.config import Settings
from infra.settings import FIELDS, InfraConfigError, load, parse
from infra.synth import INFRA_DIR, main
from tests.infra.conftest import CONFIG

VIP = {
    "name": "vip",
    "mailboxes": ["billing@example.com"],
    "targets": {"urgent": {"first_response": 30}},
    "calendar": {"time_zone": "Europe/Berlin"},
    "escalation": {"raise_priority": True, "escalation_team": "Billing"},
}


def test_valid_config_derives_names_and_domains():
    settings = parse(CONFIG)
    assert settings.prefix == "helpdesk-test-"
    assert settings.mail_domains == ("example.com", "eu.example.com")
    assert settings.mailboxes_env == (
        "support@example.com=Support,billing@example.com=Billing,help@eu.example.com=Europe"
    )
    assert settings.public_url == "https://help.example.com"  # the root: the app's links are root-relative


def test_optional_fields_default_to_what_the_code_assumes():
    settings = parse({key: value for key, value in CONFIG.items() if key != "auto_close_days"})
    assert settings.auto_close_days == Settings.auto_close_days
    assert settings.outbound_tls == "optional"  # a customer's server without TLS still gets the reply
    assert settings.sla_policies == ""  # chalicelib's default policy
    assert settings.inbound_reserved_concurrency == 10
    assert settings.signing_key_parameter == "/helpdesk-test/signing-key"


def test_sla_policies_pass_through_as_given_once_the_code_accepts_them():
    settings = parse({**CONFIG, "sla_policies": [VIP], "auto_close_days": 10, "outbound_tls": "require"})
    assert json.loads(settings.sla_policies) == [VIP]
    assert (settings.auto_close_days, settings.outbound_tls) == (10, "require")


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
        ({"web_domain": None}, "'web_domain' is missing"),
        (
            {"web_domain": "https://help.example.com/"},
            "web_domain 'https://help.example.com/' is not a domain",
        ),
        ({"public_url": "https://help.example.com"}, "unknown field(s) public_url"),
        ({"auto_close_days": 0}, "'auto_close_days' must be a whole number 1-365"),
        ({"auto_close_days": "4"}, "'auto_close_days' must be a whole number"),
        ({"outbound_tls": "always"}, "'outbound_tls' must be one of optional, require"),
        ({"sla_policies": "{}"}, "'sla_policies' must be a list"),
        ({"sla_policies": ["vip"]}, "sla_policies[0] must be an object"),
        ({"sla_policies": [VIP, {"teams": ["Support"]}]}, "sla_policies[1]: policy: name is required"),
        (
            {"sla_policies": [{**VIP, "warn_at": 2}]},
            "sla_policies[0]: policy vip: warn_at must be a fraction",
        ),
        (
            {"sla_policies": [{**VIP, "targets": {"urgent": {"first_response": -5}}}]},
            "sla_policies[0]: policy vip: targets.urgent.first_response must be a positive",
        ),
        (
            {"sla_policies": [{**VIP, "calendar": {"time_zone": "Mars/Olympus"}}]},
            "sla_policies[0]: policy vip: .*time_zone 'Mars/Olympus'",
        ),
        (
            {"sla_policies": [{**VIP, "escalation": {"escalation_team": "Tier 2"}}]},
            "sla_policies[0].escalation.escalation_team 'Tier 2' is not the team of any mailbox "
            "(Billing, Europe, Support)",
        ),
        ({"colour": "blue"}, "unknown field(s) colour"),
        ({"inbound_reserved_concurrency": -1}, "'inbound_reserved_concurrency' must be a whole number 0-100"),
        ({"inbound_reserved_concurrency": 500}, "whole number 0-100"),
        ({"inbound_reserved_concurrency": True}, "'inbound_reserved_concurrency' must be a whole number"),
    ],
)
def test_invalid_config_names_the_field(change, message):
    raw = {key: value for key, value in {**CONFIG, **change}.items() if value is not None}
    escaped = re.escape(message).replace(re.escape(".*"), ".*")
    with pytest.raises(InfraConfigError, match=escaped):
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


def test_example_config_is_valid_and_names_every_field():
    raw = json.loads((INFRA_DIR / "helpdesk.example.json").read_text())
    assert set(raw) == FIELDS  # a team copying it sees every setting there is
    assert parse(raw).stage == "prod"


def test_deploy_guide_documents_every_field():
    guide = (INFRA_DIR.parent / "docs" / "DEPLOY.md").read_text()
    assert {field for field in FIELDS if f"| `{field}` |" not in guide} == set()
