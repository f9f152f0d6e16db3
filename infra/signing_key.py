"""The signing key's SSM parameter, made and rotated with the deployer's credentials (docs/DEPLOY.md).

CloudFormation cannot create a SecureString parameter, so `make deploy` runs this before and after
`cdk deploy`:

- `ensure CONFIG` (before): creates `/helpdesk-<stage>/signing-key` when it is missing, holding the
  key an earlier release kept in the counters table (item `signing-key`), so links already in
  customers' mailboxes keep working; on a new deployment, a random key.
- `forget-table-key CONFIG` (after): deletes that table item once the parameter exists. The
  functions deployed now read the parameter; the key should not stay where every function reads.

`rotate CONFIG` (`make rotate-key`) writes a new random version: functions sign with it within
minutes (desk.base.signing), and links signed with the version before keep working until the next one.
Standard tier (free), encrypted with the account's `aws/ssm` key.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

LEGACY_ITEM = "signing-key"  # the counters-table item releases before the SSM parameter kept the key in
DESCRIPTION = "Help desk signing key (CSRF tokens, customer links); each version is one key"


def parameter_name(stage: str) -> str:
    """The parameter the stage's functions read (`HELPDESK_SIGNING_KEY_PARAMETER`)."""
    return f"/helpdesk-{stage}/signing-key"


def new_key() -> str:
    return secrets.token_urlsafe(48)


def create_parameter(ssm: Any, name: str, key: str) -> bool:
    """Create the SecureString holding `key` unless the parameter exists; True if this call made it.
    Never overwrites: a second deployer racing this one keeps the first one's key."""
    try:
        ssm.put_parameter(Name=name, Value=key, Type="SecureString", Tier="Standard", Description=DESCRIPTION)
    except ssm.exceptions.ParameterAlreadyExists:
        return False
    return True


def ensure(ssm: Any, dynamodb: Any, name: str, counters_table: str) -> str:
    """The parameter exists afterwards; says whether it was `kept`, `copied` from the table or `created`."""
    try:
        ssm.get_parameter(Name=name)
        return "kept"
    except ssm.exceptions.ParameterNotFound:
        pass
    legacy = _legacy_key(dynamodb, counters_table)
    if not create_parameter(ssm, name, legacy or new_key()):
        return "kept"
    return "copied" if legacy else "created"


def forget_table_key(ssm: Any, dynamodb: Any, name: str, counters_table: str) -> bool:
    """Delete the counters-table key once the parameter holds the key; True if there was one."""
    ssm.get_parameter(Name=name)  # ParameterNotFound: keep the table's key, it is the only copy
    try:
        old = dynamodb.delete_item(
            TableName=counters_table, Key={"key": {"S": LEGACY_ITEM}}, ReturnValues="ALL_OLD"
        )
    except dynamodb.exceptions.ResourceNotFoundException:
        return False
    return "Attributes" in old


def rotate(ssm: Any, name: str) -> int:
    """A new random key as the parameter's next version; returns that version (the new key id)."""
    ssm.get_parameter(Name=name)  # ParameterNotFound: rotating is for a deployed desk (`ensure` first)
    answer = ssm.put_parameter(Name=name, Value=new_key(), Type="SecureString", Overwrite=True)
    return int(answer["Version"])


def _legacy_key(dynamodb: Any, counters_table: str) -> str | None:
    try:
        item = dynamodb.get_item(
            TableName=counters_table, Key={"key": {"S": LEGACY_ITEM}}, ConsistentRead=True
        ).get("Item")
    except dynamodb.exceptions.ResourceNotFoundException:
        return None  # the first deployment: no table yet
    return item["secret"]["S"] if item and "secret" in item else None


def main(argv: list[str]) -> int:
    """`python -m infra.signing_key ensure|forget-table-key|rotate [config.json]`."""
    import boto3

    from infra.settings import InfraConfigError, load

    commands = ("ensure", "forget-table-key", "rotate")
    if not argv or argv[0] not in commands or len(argv) > 2:
        print(f"usage: python -m infra.signing_key {'|'.join(commands)} [config.json]", file=sys.stderr)
        return 2
    try:
        config = load(Path(argv[1] if len(argv) > 1 else "infra/helpdesk.json"))
    except InfraConfigError as error:
        print(error, file=sys.stderr)
        return 1
    ssm, dynamodb = boto3.client("ssm"), boto3.client("dynamodb")
    name, table = parameter_name(config.stage), f"{config.prefix}counters"
    try:
        if argv[0] == "ensure":
            print(f"signing key {name} ({ssm.meta.region_name}): {ensure(ssm, dynamodb, name, table)}")
        elif argv[0] == "forget-table-key":
            gone = forget_table_key(ssm, dynamodb, name, table)
            print(f"signing key item in {table}: {'deleted' if gone else 'none'}")
        else:
            print(f"signing key {name}: now version {rotate(ssm, name)}")
    except ssm.exceptions.ParameterNotFound:
        print(f"signing key {name} does not exist: run `make deploy` first", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
