"""The deploy-time step that makes the signing key's SSM parameter (infra/signing_key.py), on moto."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.base import signing
from chalicelib.desk.base.signing import FIRST_KEY_ID
from chalicelib.desk.portal import links
from infra import signing_key

COUNTERS = settings().table_name("counters")
OLD_KEY = "the-key-an-older-release-made-in-the-counters-table-48-chars"


@pytest.fixture
def name(request) -> str:
    parameter = f"/helpdesk-step/{request.node.name[:40]}"
    yield parameter
    signing.forget()
    try:
        client("ssm").delete_parameter(Name=parameter)
    except client("ssm").exceptions.ParameterNotFound:
        pass


@pytest.fixture
def old_key_item():
    dynamodb = client("dynamodb")
    dynamodb.put_item(TableName=COUNTERS, Item={"key": {"S": "signing-key"}, "secret": {"S": OLD_KEY}})
    yield
    dynamodb.delete_item(TableName=COUNTERS, Key={"key": {"S": "signing-key"}})


def legacy_link(number: int, monkeypatch) -> str:
    """A status link as an earlier release mailed it: `<number>.<expiry>.<mac>` under the table's key."""
    old = dataclasses.replace(settings(), secret_key=OLD_KEY)
    monkeypatch.setattr(signing, "settings", lambda: old)
    signing.forget()
    mac = signing.sign("customer-link:status", f"{number}.").split(".")[1]
    monkeypatch.undo()
    signing.forget()
    return f"{number}..{mac}"


def test_deploy_step_copies_the_table_key_so_links_already_mailed_keep_working(
    name, old_key_item, monkeypatch
):
    mailed = legacy_link(1042, monkeypatch)
    ssm, dynamodb = client("ssm"), client("dynamodb")
    assert signing_key.ensure(ssm, dynamodb, name, COUNTERS) == "copied"
    stored = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert (stored["Type"], stored["Value"], str(stored["Version"])) == (
        "SecureString",
        OLD_KEY,
        FIRST_KEY_ID,
    )
    own = dataclasses.replace(settings(), signing_key_parameter=name)
    monkeypatch.setattr(signing, "settings", lambda: own)
    signing.forget()
    assert links.verify(mailed, links.STATUS) == links.Link(1042, 0, None)

    assert signing_key.forget_table_key(ssm, dynamodb, name, COUNTERS) is True
    assert "Item" not in dynamodb.get_item(TableName=COUNTERS, Key={"key": {"S": "signing-key"}})
    assert signing_key.ensure(ssm, dynamodb, name, COUNTERS) == "kept"  # the next deploy changes nothing
    assert ssm.get_parameter(Name=name)["Parameter"]["Version"] == 1


def test_deploy_step_makes_a_random_key_for_a_new_deployment(name):
    ssm = client("ssm")
    assert signing_key.ensure(ssm, client("dynamodb"), name, "helpdesk-nosuchstage-counters") == "created"
    value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    assert len(value) >= 64 and value != OLD_KEY


def test_the_table_key_stays_while_no_parameter_holds_it(name, old_key_item):
    ssm, dynamodb = client("ssm"), client("dynamodb")
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        signing_key.forget_table_key(ssm, dynamodb, name, COUNTERS)
    assert "Item" in dynamodb.get_item(TableName=COUNTERS, Key={"key": {"S": "signing-key"}})


def test_rotation_writes_a_new_version_and_keeps_the_one_before(name):
    ssm = client("ssm")
    signing_key.ensure(ssm, client("dynamodb"), name, "helpdesk-nosuchstage-counters")
    first = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    assert signing_key.rotate(ssm, name) == 2
    assert ssm.get_parameter(Name=f"{name}:1", WithDecryption=True)["Parameter"]["Value"] == first
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] != first


def test_make_deploy_runs_the_step_for_the_configs_stage(tmp_path, capsys):
    config = json.loads(Path("infra/helpdesk.example.json").read_text(encoding="utf-8"))
    path = tmp_path / "helpdesk.json"
    path.write_text(json.dumps({**config, "stage": "steptest"}), encoding="utf-8")
    assert signing_key.main(["ensure", str(path)]) == 0
    assert signing_key.main(["rotate", str(path)]) == 0
    assert "/helpdesk-steptest/signing-key" in capsys.readouterr().out
    assert client("ssm").get_parameter(Name="/helpdesk-steptest/signing-key")["Parameter"]["Version"] == 2
    client("ssm").delete_parameter(Name="/helpdesk-steptest/signing-key")
    assert signing_key.main(["rotate", str(path)]) == 1  # nothing to rotate before a deployment
    assert signing_key.main(["bogus"]) == 2
