"""What each Chalice function may touch: the one place a reviewer reads to audit least privilege.

tests/infra checks this map against the code: the tables each handler's modules can reach, and
the statements in the synthesized template.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.mail import ATTACHMENTS_PREFIX, BODIES_PREFIX, FORMS_PREFIX, INBOUND_PREFIX, UPLOADS_PREFIX

EVERY_TABLE = (
    "tickets",
    "messages",
    "threads",
    "contacts",
    "agents",
    "counters",
    "tags",
    "search",
    "directory",
    "articles",
)
# Enough for PynamoDB gets, queries, saves, updates, deletes and TransactWriteItems (which is
# authorised per item as PutItem/UpdateItem/DeleteItem/ConditionCheckItem). No Scan: no request path scans.
TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)


@dataclass(frozen=True)
class FunctionAccess:
    name: str  # the Chalice function name
    logical_id: str  # its resource in the template chalice package writes
    tables: tuple[str, ...]
    reads: tuple[str, ...] = ()  # bucket prefixes it GETs (presigned links included)
    writes: tuple[str, ...] = ()  # bucket prefixes it PUTs
    sends_mail: bool = True  # SESv2 SendEmail: acknowledgements, replies, notifications, digests
    starts_timers: bool = True  # states:StartExecution on the SLA timer
    manages_agents: bool = False  # Cognito admin calls and SES domain verification (desk.admin)
    consumes_sla_events: bool = False
    fails_to_queue: bool = False  # async invocations that fail twice land in the failure queue


FUNCTIONS: tuple[FunctionAccess, ...] = (
    FunctionAccess(
        name="api_handler",
        logical_id="APIHandler",
        tables=EVERY_TABLE,
        # The request form: presigned POSTs are signed by this role (uploads/), the submit HEADs and
        # copies them to attachments/ and keeps the submission under forms/ (and bodies/ if long).
        reads=(ATTACHMENTS_PREFIX, BODIES_PREFIX, UPLOADS_PREFIX),
        writes=(ATTACHMENTS_PREFIX, BODIES_PREFIX, UPLOADS_PREFIX, FORMS_PREFIX),
        manages_agents=True,
    ),
    FunctionAccess(
        name="inbound_email",
        logical_id="InboundEmail",
        tables=EVERY_TABLE,
        reads=(INBOUND_PREFIX,),
        writes=(ATTACHMENTS_PREFIX, BODIES_PREFIX),
        fails_to_queue=True,
    ),
    FunctionAccess(
        name="sla_events",
        logical_id="SlaEvents",
        tables=("tickets", "messages", "threads", "agents", "counters", "directory"),
        consumes_sla_events=True,
    ),
    FunctionAccess(
        name="daily_digest",
        logical_id="DailyDigest",
        tables=("tickets", "messages", "threads", "agents", "counters", "directory"),
    ),
    FunctionAccess(
        name="auto_close",
        logical_id="AutoClose",
        # counters: the signing key of the status link in the closing mail (desk.signing)
        tables=("tickets", "messages", "threads", "agents", "counters", "directory"),
    ),
)
