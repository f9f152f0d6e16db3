"""DynamoDB tables built from the PynamoDB models, so every key and index the code queries exists."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


@dataclass(frozen=True)
class IndexSpec:
    """One GSI as the model declares it; `projection` is DynamoDB's Projection object."""

    name: str
    hash_key: tuple[str, str]
    range_key: tuple[str, str] | None
    projection: dict[str, object]


@dataclass(frozen=True)
class TableSpec:
    """One model's table as the code sees it: short name, keys, GSIs and TTL attribute."""

    short_name: str
    hash_key: tuple[str, str]
    range_key: tuple[str, str] | None
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: str | None
    stream: str | None = None  # the model's `Meta.stream_view_type` (messages: the ticket event stream)


def _keys(key_schema: list[dict[str, str]], types: dict[str, str]) -> tuple[tuple[str, str], ...]:
    ordered = sorted(key_schema, key=lambda key: key["KeyType"] != "HASH")
    return tuple((key["AttributeName"], types[key["AttributeName"]]) for key in ordered)


def table_specs() -> tuple[TableSpec, ...]:
    """Read `chalicelib.models.ALL_MODELS`; table names lose whatever prefix this process runs with."""
    from chalicelib.config import settings
    from chalicelib.models import ALL_MODELS, TTL_ATTRIBUTES

    prefix = settings().table_prefix
    specs = []
    for model in ALL_MODELS:
        schema = model._get_schema()
        types = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
        hash_key, *range_key = _keys(schema["key_schema"], types)
        indexes = []
        for index in sorted(schema.get("global_secondary_indexes", []), key=lambda i: i["index_name"]):
            if index["projection"]["ProjectionType"] not in ("ALL", "INCLUDE"):
                raise ValueError(f"{model.__name__}.{index['index_name']}: KEYS_ONLY indexes are not built")
            index_hash, *index_range = _keys(index["key_schema"], types)
            indexes.append(
                IndexSpec(
                    index["index_name"],
                    index_hash,
                    index_range[0] if index_range else None,
                    index["projection"],
                )
            )
        if schema.get("local_secondary_indexes"):
            raise ValueError(f"{model.__name__}: local secondary indexes are not built")
        specs.append(
            TableSpec(
                short_name=model.Meta.table_name.removeprefix(prefix),
                hash_key=hash_key,
                range_key=range_key[0] if range_key else None,
                indexes=tuple(indexes),
                ttl_attribute=TTL_ATTRIBUTES.get(model),
                stream=getattr(model.Meta, "stream_view_type", None),
            )
        )
    return tuple(specs)


def _attribute(key: tuple[str, str]) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key[0], type=_TYPES[key[1]])


class Tables(Construct):
    """On-demand (no idle cost), point-in-time-recoverable, encrypted at rest, kept on stack deletion."""

    def __init__(self, scope: Construct, construct_id: str, *, prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, dynamodb.Table] = {}
        self.specs = {spec.short_name: spec for spec in table_specs()}
        for spec in self.specs.values():
            table = dynamodb.Table(
                self,
                spec.short_name.title(),
                table_name=f"{prefix}{spec.short_name}",
                partition_key=_attribute(spec.hash_key),
                sort_key=_attribute(spec.range_key) if spec.range_key else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                encryption=dynamodb.TableEncryption.DEFAULT,  # AWS-owned key: encrypted, no KMS charge
                time_to_live_attribute=spec.ttl_attribute,
                stream=dynamodb.StreamViewType(spec.stream) if spec.stream else None,
                removal_policy=RemovalPolicy.RETAIN,
            )
            for index in spec.indexes:
                included = index.projection.get("NonKeyAttributes")
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attribute(index.hash_key),
                    sort_key=_attribute(index.range_key) if index.range_key else None,
                    projection_type=dynamodb.ProjectionType(index.projection["ProjectionType"]),
                    non_key_attributes=list(included) if included else None,
                )
            self.by_name[spec.short_name] = table

    def index_arns(self, short_name: str) -> list[str]:
        """Each GSI of a table by name: Query permission on exactly the indexes that exist."""
        table = self.by_name[short_name]
        return [f"{table.table_arn}/index/{index.name}" for index in self.specs[short_name].indexes]
