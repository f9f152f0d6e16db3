"""PynamoDB models: one table per kind of item, every list served by a key or an index.

PynamoDB reads `Meta.table_name` when a class is created, so this module reads settings on import.
app.py imports it (through the blueprints), also when Chalice packages the app: the names it reads
then are the packaging environment's, and never used, since every AWS call happens in a request.
It creates no client and reads no AWS on import.

Tables (all on-demand; the stage's prefix before each name):
- tickets    number → ticket; indexes for each API filter (status, team+status, team, assignee,
             requester, all), each sorted by `updated_at` (requester: `created_at`), one per queue
             view sorted by `sla_sort`, and the sparse `counted_updated` for the sidebar's counts.
- messages   ticket number + time-ordered key → customer mail, agent reply, note or event. Its
             DynamoDB Stream (NEW_IMAGE) is the ticket event stream (chalicelib.desk.events); the
             sparse `feed_key` index lists those events by UTC day for `GET /api/events`.
- threads    Message-ID → ticket number. Every id we receive or send, so replies find their ticket;
             its conditional put is also what makes ingestion idempotent.
- contacts   customer address → name and counts.
- agents     agent address → name, role, teams, time zone, the Cognito `sub`.
- counters   the `Ledger`: the ticket-number counter, rate-limit windows (TTL), claims (digest per
             team and day), guards (an SLA alert once) and markers (article drafted from a reply).
- tags       tag + ticket number → nothing more: the per-tag views.
- search     subject word + ticket number: search without a Scan.
- directory  the desk's editable setup in one partition: teams, mailboxes, canned replies, mail
             templates, branding.
- articles   help-center article slug → title, Markdown body, category, draft or published.
- api_keys   one partition: SHA-256 of an API key's secret → its name, role, teams, last use, revocation.
- webhooks   the admins' webhook endpoints, in one partition (desk.webhooks.endpoints).
- webhook_deliveries  endpoint + time-ordered key → one delivery and its attempts (TTL).
- notifications  agent + key → the agent's in-app notifications (TTL), their exact unread counter,
             their preferences, and per ticket the notification mail's batching window.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.constants import NUMBER
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.config import settings

_settings = settings()


class IntegerAttribute(Attribute[int]):
    """A DynamoDB number holding a whole number (ticket numbers, counts, versions of a link, epoch
    seconds): NumberAttribute is typed float, and reads any stored number back as JSON would."""

    attr_type = NUMBER

    def serialize(self, value: int) -> str:
        return str(int(value))

    def deserialize(self, value: str) -> int:
        return int(value)


def _text_list(null: bool = False) -> ListAttribute[str]:
    """A list of strings: PynamoDB types ListAttribute(of=UnicodeAttribute) as a list of attributes."""
    return cast("ListAttribute[str]", ListAttribute(of=UnicodeAttribute, null=null))


class _Meta:
    region = _settings.region
    billing_mode = "PAY_PER_REQUEST"


def _index(name: str, hash_key: str, range_key: str, text_range: bool = False) -> type[GlobalSecondaryIndex]:
    """A GSI projecting all attributes, named after the attributes it is keyed on."""

    class Meta:
        index_name = name
        projection = AllProjection()

    attrs = {
        "Meta": Meta,
        hash_key: UnicodeAttribute(hash_key=True),
        range_key: UnicodeAttribute(range_key=True) if text_range else UTCDateTimeAttribute(range_key=True),
    }
    return type(f"{name.title().replace('_', '')}Index", (GlobalSecondaryIndex,), attrs)


StatusIndex = _index("status_updated", "status", "updated_at")
TeamStatusIndex = _index("team_status_updated", "team_status", "updated_at")
TeamIndex = _index("team_updated", "team", "updated_at")
AssigneeIndex = _index("assignee_updated", "assignee", "updated_at")
RequesterIndex = _index("requester_created", "requester_email", "created_at")
AllTicketsIndex = _index("scope_updated", "scope", "updated_at")
# Queue views (chalicelib.desk.ticket.queue_keys): each view is one key of one of these, sorted by `sla_sort`
# (earliest SLA due first, then oldest waiting; finished work has no due time, so it is by time).
QueueIndex = _index("queue_sla", "queue", "sla_sort", text_range=True)
TeamQueueIndex = _index("team_queue_sla", "team_queue", "sla_sort", text_range=True)
AssigneeQueueIndex = _index("assignee_queue_sla", "assignee_queue", "sla_sort", text_range=True)
UnassignedIndex = _index("unassigned_sla", "unassigned", "sla_sort", text_range=True)
# Sparse: `due_scope` is set only while a ticket has a due date and still needs work
# (chalicelib.desk.ticket.queue_keys.due_scope), so "due today" and "overdue" are one bounded Query.
DueIndex = _index("due_date", "due_scope", "due_date", text_range=True)


class CountedIndex(GlobalSecondaryIndex):
    """Every ticket a sidebar view counts (sparse: `counted` is set only while it is in one), with
    just what the counting needs: one Query gives every view's count (chalicelib.desk.ticket.queues)."""

    class Meta:
        index_name = "counted_updated"
        projection = IncludeProjection(["status", "team", "assignee"])

    counted = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class Ticket(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("tickets")

    number = IntegerAttribute(hash_key=True)
    subject = UnicodeAttribute()
    status = UnicodeAttribute()
    priority = UnicodeAttribute()
    requester_email = UnicodeAttribute()
    requester_name = UnicodeAttribute(null=True)
    participants = UnicodeSetAttribute(null=True)
    mailbox = UnicodeAttribute()
    team = UnicodeAttribute()
    team_status = UnicodeAttribute()
    assignee = UnicodeAttribute(null=True)
    tags = _text_list(null=True)
    created_at = UTCDateTimeAttribute()
    # Written only through chalicelib.desk.ticket.sla.touch, which keeps `sla_sort` in step with it.
    updated_at = UTCDateTimeAttribute()
    # The customer's latest Message-ID and the id chain, for In-Reply-To/References of replies.
    last_inbound_message_id = UnicodeAttribute(null=True)
    references = _text_list(null=True)
    follow_up_of = IntegerAttribute(null=True)
    merged_into = IntegerAttribute(null=True)  # set (with status closed) when merged into that ticket
    # The customer's satisfaction answer (desk.portal.portal.rate): one per ticket, changed by a later click.
    csat_rating = UnicodeAttribute(null=True)  # "good" | "bad"
    csat_comment = UnicodeAttribute(null=True)
    csat_at = UTCDateTimeAttribute(null=True)
    # Carried in the customer's signed links (desk.portal.links): bumped to revoke every link made before.
    link_version = IntegerAttribute(default=0)
    # Time rules (desk.rules.timed): the ids of those that ran in this pending stretch, valid while
    # the ticket's version is still `time_rules_version` (any other write moves it: a new stretch).
    time_rules = _text_list(null=True)
    time_rules_version = IntegerAttribute(null=True)
    scope = UnicodeAttribute(default="ticket")
    # SLA clock (chalicelib.sla.clock.SlaState as a map), its version (timers of older versions are
    # stale) and the earliest running due time (NO_SLA_DUE when none runs) for SLA-first queues.
    sla = MapAttribute(null=True)
    sla_version = IntegerAttribute(default=0)
    # Written by the timer state machine only: the sla_version at which it warned / breached, so a
    # timer started again (after a restart or a retry) neither repeats an alert nor skips the next.
    sla_warned_first_response = IntegerAttribute(null=True)
    sla_warned_next_response = IntegerAttribute(null=True)
    sla_warned_resolution = IntegerAttribute(null=True)
    sla_breached_first_response = IntegerAttribute(null=True)
    sla_breached_next_response = IntegerAttribute(null=True)
    sla_breached_resolution = IntegerAttribute(null=True)
    sla_due_at = UTCDateTimeAttribute(null=True)
    # "<sla_due_at ISO>#<updated_at ISO>": the queue views' sort key (desk.ticket.queue_keys.queue_order).
    sla_sort = UnicodeAttribute(null=True)
    # Queue view keys, derived from status, team and assignee by desk.ticket.queue_keys.view_keys.
    queue = UnicodeAttribute(null=True)
    team_queue = UnicodeAttribute(null=True)
    assignee_queue = UnicodeAttribute(null=True)
    unassigned = UnicodeAttribute(null=True)
    counted = UnicodeAttribute(null=True)  # "ticket" while a sidebar view counts it, else absent
    # Follow-ups (chalicelib.desk.follow_up): pending until `snoozed_until`, when the timer of
    # `snooze_version` opens it again (any other status change clears it, so that timer does nothing);
    # a due date ("YYYY-MM-DD"), its reminder timer's `due_version` and the due index's key.
    snoozed_until = UTCDateTimeAttribute(null=True)
    snooze_version = IntegerAttribute(default=0)
    due_date = UnicodeAttribute(null=True)
    due_version = IntegerAttribute(default=0)
    due_scope = UnicodeAttribute(null=True)
    version = VersionAttribute()

    status_index = StatusIndex()
    team_status_index = TeamStatusIndex()
    team_index = TeamIndex()
    assignee_index = AssigneeIndex()
    requester_index = RequesterIndex()
    all_index = AllTicketsIndex()
    queue_index = QueueIndex()
    team_queue_index = TeamQueueIndex()
    assignee_queue_index = AssigneeQueueIndex()
    unassigned_index = UnassignedIndex()
    counted_index = CountedIndex()
    due_index = DueIndex()


class AttachmentRef(MapAttribute):
    id = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = IntegerAttribute()
    s3_key = UnicodeAttribute()
    content_id = UnicodeAttribute(null=True)
    inline = BooleanAttribute(default=False)


class FeedIndex(GlobalSecondaryIndex):
    """Every ticket event (history item but merge copies) by UTC day, in time order: the
    integrations' `GET /api/events` walks it day by day (chalicelib.desk.events.feed). Only what
    an event is made of is projected, not the bodies."""

    class Meta:
        index_name = "feed_key"
        projection = IncludeProjection(
            [
                "kind",
                "from_email",
                "from_name",
                "visible_text",
                "channel",
                "event",
                "automatic",
                "opens_ticket",
                "mentions",
                "created_at",
            ]
        )

    feed_day = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)


class Message(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("messages")
        # The ticket event stream: every INSERT is one event (chalicelib.handlers.ticket_events).
        stream_view_type = "NEW_IMAGE"

    ticket_number = IntegerAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # "<created_at ISO>#<random>", so a Query is oldest first
    kind = UnicodeAttribute()  # customer | reply | note | event
    from_email = UnicodeAttribute(null=True)
    from_name = UnicodeAttribute(null=True)
    to = _text_list(null=True)
    cc = _text_list(null=True)
    subject = UnicodeAttribute(null=True)
    body_text = UnicodeAttribute(null=True)
    body_html = UnicodeAttribute(null=True)
    visible_text = UnicodeAttribute(null=True)
    # Bodies too large for the item live in S3 under this key; the item keeps a preview.
    body_s3_key = UnicodeAttribute(null=True)
    attachments = ListAttribute(of=AttachmentRef, null=True)
    message_id = UnicodeAttribute(null=True)
    ses_message_id = UnicodeAttribute(null=True)
    raw_s3_key = UnicodeAttribute(null=True)
    # customer messages: "email", "web" (the request form, the status page), or "phone"/"web"/"api"
    # for one an agent or integration logged for the customer (POST /api/tickets)
    channel = UnicodeAttribute(null=True)
    verdicts = MapAttribute(null=True)
    # Mail whose From is not authenticated (no DMARC pass, no DKIM signature of its domain): it may be forged.
    unverified_sender = BooleanAttribute(null=True)
    event = MapAttribute(null=True)
    automatic = BooleanAttribute(default=False)  # sent by the help desk itself (acknowledgements)
    merged_from = IntegerAttribute(null=True)  # copied here when that ticket was merged into this one
    # The customer message a ticket was opened with (desk.ticket.opening): the "ticket.created" event.
    opens_ticket = BooleanAttribute(null=True)
    # A note's mentioned agents, by agent id (their email): a rename keeps them (desk.notifications.mentions).
    mentions = _text_list(null=True)
    # "<UTC day of key>" on every item but merge copies (which are no new event): the feed index.
    feed_day = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    feed_index = FeedIndex()

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        """Every write of a message (save, transaction, batch) serializes it here: so `feed_day`
        is derived in this one place and no writer can leave an event out of the feed."""
        self.feed_day = None if self.merged_from is not None else self.key[:10]
        return super().serialize(null_check=null_check)


class ThreadIndex(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("threads")

    message_id = UnicodeAttribute(hash_key=True)
    ticket_number = IntegerAttribute()
    direction = UnicodeAttribute()  # in | out
    created_at = UTCDateTimeAttribute()


class Contact(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("contacts")

    email = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(null=True)
    ticket_count = IntegerAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()


class AgentDirectoryIndex(GlobalSecondaryIndex):
    """All agents by address: the admin page and assignee lists, without a Scan."""

    class Meta:
        index_name = "scope_email"
        projection = AllProjection()

    scope = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(range_key=True)


class Agent(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("agents")

    email = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    role = UnicodeAttribute(default="agent")  # agent | admin
    teams = _text_list(null=True)
    active = BooleanAttribute(default=True)
    time_zone = UnicodeAttribute(default="UTC")
    # The Cognito user's `sub` (stored at invite): sign-ins are matched on it, never on the address
    # alone. Rows from before it was kept get it at their first sign-in (desk.setup.agents._bind).
    sub = UnicodeAttribute(null=True)
    # "Away until" (epoch seconds) and a note for colleagues: away agents get no assignments and no
    # notification mail; they are back by themselves once the time has passed (no job clears it).
    away_until = IntegerAttribute(null=True)
    away_note = UnicodeAttribute(null=True)
    # When auto-assignment may pick them, in their time zone (desk.setup.working_hours; None: Mon-Fri 9-17).
    working_hours = UnicodeAttribute(null=True)
    scope = UnicodeAttribute(default="agent")  # constant: every agent in one index partition
    directory_index = AgentDirectoryIndex()


class Ledger(Model):
    """One keyed entry per thing the desk must count or claim once: the ticket-number counter,
    rate-limit windows, digest claims, SLA alert guards, article-from-reply markers. Each is written
    conditionally; `expires_at` is the table's TTL attribute. (The table is still `counters`.)"""

    class Meta(_Meta):
        table_name = _settings.table_name("counters")

    key = UnicodeAttribute(hash_key=True)
    value = IntegerAttribute(default=0)
    ref = UnicodeAttribute(null=True)  # what a record points at (`article-from#…`: the draft's slug)
    expires_at = IntegerAttribute(null=True)
    version = VersionAttribute()


class TagLink(Model):
    """Tag → ticket, written in the same transaction as the ticket's tags: the per-tag queue."""

    class Meta(_Meta):
        table_name = _settings.table_name("tags")

    tag = UnicodeAttribute(hash_key=True)
    number = IntegerAttribute(range_key=True)


class SearchTerm(Model):
    """Normalised subject word → ticket, written with the ticket: search without a Scan."""

    class Meta(_Meta):
        table_name = _settings.table_name("search")

    word = UnicodeAttribute(hash_key=True)
    number = IntegerAttribute(range_key=True)


class DirectoryEntry(Model):
    """The desk's editable setup in one partition, read with one Query: teams, mailboxes, canned replies."""

    class Meta(_Meta):
        table_name = _settings.table_name("directory")

    scope = UnicodeAttribute(hash_key=True, default="desk")
    # "<kind>#<name>", kind: team | mailbox | canned | template | brand | assignment (team → mode) |
    # rules (one item: the list)
    key = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    name = UnicodeAttribute()  # team name | mailbox address | canned reply title
    team = UnicodeAttribute(null=True)  # mailbox: the team its mail goes to
    body = UnicodeAttribute(null=True)  # canned: the reply text with {{placeholders}}


class ArticleStateIndex(GlobalSecondaryIndex):
    """Articles by state (draft | published), last changed first: the agents' list, the public help
    center, its title search and the acknowledgement's suggestions, without reading any body."""

    class Meta:
        index_name = "state_updated"
        projection = IncludeProjection(["title", "category", "summary", "words"])

    state = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class Article(Model):
    """A help-center article (chalicelib.desk.help_center.articles); `words` and `summary` derive from it."""

    class Meta(_Meta):
        table_name = _settings.table_name("articles")

    slug = UnicodeAttribute(hash_key=True)  # its address, /help/<slug>; kept when the title changes
    title = UnicodeAttribute()
    body = UnicodeAttribute()  # Markdown, rendered safely on display (chalicelib.web.markdown)
    category = UnicodeAttribute(default="")
    state = UnicodeAttribute()  # draft | published
    summary = UnicodeAttribute(default="")  # the body's first words, for lists
    words = UnicodeSetAttribute(null=True)  # searchable title words (chalicelib.desk.base.words)
    author = UnicodeAttribute()
    source = UnicodeAttribute(null=True)  # "<ticket number>#<message key>" of a reply turned into it
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()
    state_index = ArticleStateIndex()


class ApiKey(Model):
    """An integration's API key (chalicelib.desk.setup.api_keys): only the SHA-256 of its secret is kept.

    One partition (`scope`): a request's key is one GetItem, the admin's list one Query; a desk has
    a few dozen keys, far below what one partition serves.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("api_keys")

    scope = UnicodeAttribute(hash_key=True, default="key")
    key_hash = UnicodeAttribute(range_key=True)  # hex SHA-256 of the whole secret: also the key's id
    name = UnicodeAttribute()
    role = UnicodeAttribute()  # agent | lead | admin, as an agent's
    teams = _text_list(null=True)
    prefix = UnicodeAttribute()  # the secret's first characters, shown so an admin recognises it
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_used_at = UTCDateTimeAttribute(null=True)  # written at most once per api_keys.LAST_USED_EVERY
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)


class WebhookEndpoint(Model):
    """An HTTPS endpoint an admin registered (chalicelib.desk.webhooks.endpoints); all in one partition."""

    class Meta(_Meta):
        table_name = _settings.table_name("webhooks")

    scope = UnicodeAttribute(hash_key=True, default="webhook")
    id = UnicodeAttribute(range_key=True)
    url = UnicodeAttribute()
    events = _text_list()  # the event types it is sent (desk.events.EventType values)
    include_notes = BooleanAttribute(default=False)  # internal events too
    enabled = BooleanAttribute(default=True)
    secret = UnicodeAttribute()  # the HMAC key of its signatures (desk.webhooks.signature)
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    failing_since = UTCDateTimeAttribute(null=True)  # first failure since its last success
    disabled_reason = UnicodeAttribute(null=True)


class WebhookDelivery(Model):
    """One delivery of one event to one endpoint, with each attempt (desk.webhooks.log); TTL `expires_at`."""

    class Meta(_Meta):
        table_name = _settings.table_name("webhook_deliveries")

    endpoint = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # "<created ISO>#<delivery id>": a Query is oldest first
    delivery_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    ticket_number = IntegerAttribute()
    body = UnicodeAttribute()  # the JSON sent, kept for a resend
    status = UnicodeAttribute()  # delivered | retrying | failed | skipped
    attempts = ListAttribute(null=True)  # maps {at, status_code | error, duration_ms}, oldest first
    attempt_count = IntegerAttribute(default=0)
    resend_of = UnicodeAttribute(null=True)  # the delivery id an admin resent
    created_at = UTCDateTimeAttribute()
    expires_at = IntegerAttribute(null=True)


class Notification(Model):
    """One agent's notifications in one partition (chalicelib.desk.notifications): keys
    `n#<sortable time>#<event id>` (in-app notifications, newest last; TTL), `unread` (the exact
    count, `tally`), `prefs` (what the agent turned off, `off`) and `mail#<ticket>` (the mail
    batching window: `window_until`, the `pending` lines, whether a flush is `queued`)."""

    class Meta(_Meta):
        table_name = _settings.table_name("notifications")

    agent = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    ticket_number = IntegerAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    event_type = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    actor_name = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    read = BooleanAttribute(null=True)
    tally = IntegerAttribute(null=True)  # `unread`: the count; `mail#…`: the version
    off = UnicodeSetAttribute(null=True)
    window_until = IntegerAttribute(null=True)
    pending = _text_list(null=True)
    queued = BooleanAttribute(null=True)
    expires_at = IntegerAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    Ticket,
    Message,
    ThreadIndex,
    Contact,
    Agent,
    Ledger,
    TagLink,
    SearchTerm,
    DirectoryEntry,
    Article,
    ApiKey,
    WebhookEndpoint,
    WebhookDelivery,
    Notification,
)
TTL_ATTRIBUTES: dict[type[Model], str] = {
    Ledger: "expires_at",
    WebhookDelivery: "expires_at",
    Notification: "expires_at",
}


@functools.cache
def _connection() -> Connection:
    return Connection(region=_settings.region)


def write_transaction() -> TransactWrite:
    """A TransactWriteItems across tables: all of its writes happen, or none."""
    return TransactWrite(connection=_connection())
