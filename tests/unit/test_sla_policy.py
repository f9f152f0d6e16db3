"""SLA policies: defaults, config parsing with field-naming errors, choosing the policy of a ticket."""

from __future__ import annotations

import pytest

from chalicelib.sla.calendar import default_calendar
from chalicelib.sla.policy import (
    METRICS,
    PRIORITIES,
    Escalation,
    SlaPolicy,
    Targets,
    default_policy,
    policy_for,
    policy_from_config,
)


def test_default_policy_is_tighter_for_higher_priorities():
    policy = default_policy()
    assert policy.warn_at == 0.75
    assert policy.calendar == default_calendar()
    assert policy.escalation == Escalation(notify_team_leads=True, raise_priority=False, escalation_team=None)
    for metric in METRICS:
        minutes = [policy.target(p, metric) for p in PRIORITIES]  # low → urgent
        assert minutes == sorted(minutes, reverse=True)
        assert all(m > 0 for m in minutes)
    assert policy.targets["urgent"] == Targets(first_response=60, next_response=120, resolution=480)


def test_config_overrides_what_it_names_and_keeps_the_rest():
    policy = policy_from_config(
        {
            "name": "VIP",
            "teams": ["Support"],
            "mailboxes": ["VIP@Example.com"],
            "warn_at": 0.5,
            "targets": {"urgent": {"first_response": 15}, "low": {"next_response": None}},
            "calendar": {"time_zone": "Europe/Berlin", "holidays": {"country": "DE", "subdivision": "BY"}},
            "escalation": {"raise_priority": True, "escalation_team": "Tier 2"},
        }
    )
    assert policy.target("urgent", "first_response") == 15
    assert policy.target("urgent", "resolution") == default_policy().target("urgent", "resolution")
    assert policy.target("low", "next_response") is None
    assert policy.targets["normal"] == default_policy().targets["normal"]
    assert policy.warn_at == 0.5
    assert policy.calendar.time_zone == "Europe/Berlin"
    assert policy.escalation == Escalation(
        notify_team_leads=True, raise_priority=True, escalation_team="Tier 2"
    )
    assert policy.teams == frozenset({"Support"})
    assert policy.mailboxes == frozenset({"vip@example.com"})


def test_a_name_is_enough():
    assert policy_from_config({"name": "Billing"}) == SlaPolicy(name="Billing")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "name is required"),
        ({"name": "x", "warn": 0.5}, "unknown field warn"),
        ({"name": "x", "warn_at": 1.5}, "policy x: warn_at"),
        ({"name": "x", "warn_at": 0}, "policy x: warn_at"),
        ({"name": "x", "warn_at": "75%"}, "policy x: warn_at"),
        ({"name": "x", "targets": {"critical": {}}}, "policy x: targets must be an object keyed by"),
        ({"name": "x", "targets": {"high": {"first_reply": 5}}}, "targets.high must be an object"),
        ({"name": "x", "targets": {"high": {"resolution": -5}}}, "targets.high.resolution"),
        ({"name": "x", "targets": {"high": {"resolution": 1.5}}}, "targets.high.resolution"),
        ({"name": "x", "calendar": {"time_zone": "Nowhere"}}, "policy x: calendar.time_zone"),
        ({"name": "x", "calendar": "Europe/Berlin"}, "policy x: calendar must be an object"),
        ({"name": "x", "escalation": {"page": True}}, "policy x: escalation takes"),
        ({"name": "x", "escalation": {"raise_priority": "yes"}}, "policy x: escalation"),
        ({"name": "x", "teams": "Support"}, "policy x: teams must be a list"),
        ({"name": "x", "mailboxes": [""]}, "policy x: mailboxes must be a list"),
    ],
)
def test_bad_config_names_the_field(config, message):
    with pytest.raises(ValueError, match=message):
        policy_from_config(config)


def test_unknown_priority_is_refused():
    with pytest.raises(ValueError, match="unknown priority"):
        default_policy().target("critical", "resolution")


def test_policy_for_prefers_mailbox_then_team_then_catch_all_then_default():
    by_team = SlaPolicy(name="team", teams=frozenset({"Billing"}))
    by_mailbox = SlaPolicy(name="mailbox", mailboxes=frozenset({"vip@example.com"}))
    catch_all = SlaPolicy(name="house")
    policies = [by_team, by_mailbox, catch_all]
    assert policy_for(policies, "Billing", "VIP@example.com").name == "mailbox"
    assert policy_for(policies, "Billing", "billing@example.com").name == "team"
    assert policy_for(policies, "Support", "support@example.com").name == "house"
    assert policy_for([by_team], "Support", "support@example.com") == default_policy()
    assert policy_for([], "Support", "support@example.com") == default_policy()
