"""What each Chalice function may touch: the one place a reviewer reads to audit least privilege.

tests/infra checks this map against the code, both ways: each function gets exactly the tables, the
timer, mail, bucket, Cognito and signing-key grants the code reachable from its entry points uses
(an event function's handler; for the two API functions, the views of the routes API Gateway sends
them), so nothing it needs is missing and nothing unused is granted; and the synthesized template's
statements match the map.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.desk.base.storage import (
    ATTACHMENTS_PREFIX,
    BODIES_PREFIX,
    FORMS_PREFIX,
    INBOUND_PREFIX,
    UPLOADS_PREFIX,
)

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
    "api_keys",
    "webhooks",
    "webhook_deliveries",
    "notifications",
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

# What a function may do with a table it only reads (`read_tables`).
READ_ACTIONS = ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query")


@dataclass(frozen=True)
class FunctionAccess:
    name: str  # the Chalice function name
    logical_id: str  # its resource in the template chalice package writes
    tables: tuple[str, ...]
    read_tables: tuple[str, ...] = ()  # READ_ACTIONS only: tables it reads and never writes
    reads: tuple[str, ...] = ()  # bucket prefixes it GETs (presigned links included)
    writes: tuple[str, ...] = ()  # bucket prefixes it PUTs
    sends_mail: bool = True  # SESv2 SendEmail: acknowledgements, replies, notifications, digests
    starts_timers: bool = True  # states:StartExecution on the SLA timer
    # ... on the follow-up timer: snoozing and setting due dates (desk.follow_up) are agents' actions.
    starts_follow_up_timers: bool = False
    manages_agents: bool = False  # Cognito admin calls and SES domain verification (desk.setup.admin)
    consumes_sla_events: bool = False
    # Reads the messages table's stream (the ticket events) and sends what it gave up on to its DLQ.
    consumes_ticket_events: bool = False
    # An alarm on the function's Errors metric; off where failures end in a dead-letter queue that
    # alarms anyway (and the stack stays inside CloudWatch's 10 free alarm metrics).
    alarms_on_errors: bool = True
    fails_to_queue: bool = False  # async invocations that fail twice land in the failure queue
    # Signs or verifies CSRF tokens or customer links: may read the signing key's SSM parameter.
    reads_signing_key: bool = False
    # Webhooks (infra/webhooks.py): receives, deletes and postpones the delivery queue's messages;
    # sends to it (the API's resend; the event consumer's deliveries).
    delivers_webhooks: bool = False
    queues_webhooks: bool = False
    # Notification mail (infra/notifications.py): queues delayed flushes (the event consumer; the
    # flush itself when it came early), and receives and deletes them (the flush function).
    queues_notification_mail: bool = False
    flushes_notification_mail: bool = False
    # Not packaged by chalice on its own: a second function running this one's package (and
    # handler), made by infra/functions.py; API Gateway sends it only the public routes.
    copy_of: str = ""


# What opening a ticket writes, whichever channel (mail, the form): the ticket, its thread and thread
# ids, the contact, the number (counters, also the rate limits), the rules' tags, the search terms;
# the setup and the articles (the acknowledgement's suggestions) it reads.
OPENS_TICKETS = (
    "tickets",
    "messages",
    "threads",
    "contacts",
    "counters",
    "tags",
    "search",
    "directory",
    "articles",
)


FUNCTIONS: tuple[FunctionAccess, ...] = (
    FunctionAccess(
        name="api_handler",
        logical_id="APIHandler",
        # The agents' routes (infra/routes.py: every route not in chalicelib.web.public).
        # contacts: POST /api/tickets opens a ticket for a customer (desk.ticket.opening counts it
        # on the contact); api_keys: every request with an API key reads its key (one GetItem).
        tables=(
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
            "api_keys",
            "webhooks",
            "webhook_deliveries",
            "notifications",  # the bell, the notifications list and settings pages
        ),
        # Agents download attachments and a customer message's original (inbound/ or forms/)
        # through links it signs; a long reply's bodies are kept under bodies/.
        reads=(ATTACHMENTS_PREFIX, BODIES_PREFIX, INBOUND_PREFIX, FORMS_PREFIX),
        writes=(BODIES_PREFIX,),
        manages_agents=True,
        reads_signing_key=True,
        queues_webhooks=True,  # an admin's resend
        starts_follow_up_timers=True,  # snooze, due dates
    ),
    FunctionAccess(
        name="public_handler",
        logical_id="PublicHandler",
        # The customers' routes: the request form opens tickets (contacts, numbers in counters,
        # the per-IP limits too), the status page and survey read and answer them, the help
        # center reads articles; tags: the rules tag a new ticket in its creating write. No Cognito at
        # all; agents only read (auto-assignment: who may take a new ticket), so nothing an anonymous
        # caller could promote itself in.
        tables=OPENS_TICKETS,
        read_tables=("agents",),
        # The request form: presigned POSTs are signed by this role (uploads/), the submit HEADs and
        # copies them to attachments/ and keeps the submission under forms/ (and bodies/ if long).
        reads=(UPLOADS_PREFIX,),
        writes=(UPLOADS_PREFIX, ATTACHMENTS_PREFIX, FORMS_PREFIX, BODIES_PREFIX),
        reads_signing_key=True,
        copy_of="api_handler",
    ),
    FunctionAccess(
        name="inbound_email",
        logical_id="InboundEmail",
        # tags: the rules tag new tickets and replies in their write; agents only read
        # (auto-assignment: who may take a new ticket).
        tables=OPENS_TICKETS,
        read_tables=("agents",),
        reads=(INBOUND_PREFIX,),
        writes=(ATTACHMENTS_PREFIX, BODIES_PREFIX),
        fails_to_queue=True,
        reads_signing_key=True,  # the acknowledgement links to the status page
    ),
    FunctionAccess(
        name="sla_events",
        logical_id="SlaEvents",
        # counters: the once-only guard of each event; agents: who is notified. The notice is sent,
        # not recorded as a ticket message, so no threads. It mails agents only: no customer link.
        # The follow-up timers' events (wake a snoozed ticket, remind of a due date) share its queue
        # and need nothing more.
        tables=("tickets", "messages", "agents", "counters"),
        consumes_sla_events=True,
    ),
    FunctionAccess(
        name="ticket_events",
        logical_id="TicketEvents",
        # The stream's consumer (desk.fan_out): reads each event's ticket, claims each consumer's
        # delivery in counters. Its stream read and its failure queue are their own statements.
        # The consumers (notifications, webhooks) add what they use: notifications reads the agents
        # (directory), their preferences and writes their notifications (notifications), mails
        # from the desk's own address (directory) and queues delayed flushes.
        tables=("tickets", "counters", "webhooks", "notifications", "agents", "directory"),
        starts_timers=False,
        consumes_ticket_events=True,
        queues_webhooks=True,  # desk.webhooks.on_event: one delivery message per matching endpoint
        queues_notification_mail=True,
        # Failures are reported per record and retried by the stream; what is given up on goes to
        # the ticket-event DLQ, whose alarm fires. An unhandled error (a timeout) ends there too.
        alarms_on_errors=False,
    ),
    FunctionAccess(
        name="daily_digest",
        logical_id="DailyDigest",
        # Reads the teams' waiting tickets and mails their leads, claiming each team's day (counters)
        # so a repeated run sends no second digest. The same hourly run carries out the time rules
        # (desk.rules.timed): a pending ticket's template mail is recorded like every sent mail
        # (messages, threads, bodies/), its changes are events, its tags the per-tag links, and
        # the rules' conditions read the customer's contact; a rule's priority moves the SLA timers
        # and its mail carries the signed status link.
        tables=("tickets", "messages", "threads", "contacts", "agents", "directory", "counters", "tags"),
        writes=(BODIES_PREFIX,),
        reads_signing_key=True,
    ),
    FunctionAccess(
        name="auto_close",
        logical_id="AutoClose",
        # Closing stops every SLA clock, so no timer is started.
        tables=("tickets", "messages", "threads", "directory"),
        # The closing notice is recorded like every sent mail: outbound.send_and_record puts a body
        # too large for its item under bodies/.
        writes=(BODIES_PREFIX,),
        starts_timers=False,
        reads_signing_key=True,  # the closing notice links to the status page and the survey
    ),
    FunctionAccess(
        name="webhook_deliveries",
        logical_id="WebhookDeliveries",
        # Its endpoint (fresh) and the deliveries log; agents and directory: the admins it mails
        # when an endpoint is disabled, from the desk's own address. No customer link, no ticket.
        tables=("webhooks", "webhook_deliveries", "agents", "directory"),
        starts_timers=False,
        delivers_webhooks=True,
        # Its handler reports every failure per message (none raises): a timeout or crash brings
        # the batch back and, past maxReceiveCount, to the DLQ, whose alarm is the one to watch.
        # Without its own Errors alarm the stack stays inside CloudWatch's 10 free alarm metrics.
        alarms_on_errors=False,
    ),
    FunctionAccess(
        name="notification_mail",
        logical_id="NotificationMail",
        # A delayed flush of batched notification mail: the window (notifications), whether the
        # agent may still be mailed (agents), the desk's own address (directory). No ticket read.
        tables=("notifications", "agents", "directory"),
        starts_timers=False,
        queues_notification_mail=True,  # an early flush (a window longer than 15 minutes) again
        flushes_notification_mail=True,
        # Failures are redelivered, then end in the flush queue's DLQ, whose alarm fires.
        alarms_on_errors=False,
    ),
)
