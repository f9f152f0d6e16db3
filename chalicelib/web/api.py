"""The agent JSON API. Each route parses the request into typed values (chalicelib.web.params),
calls one service, and encodes the answer."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from chalice import Blueprint, Response

from chalicelib.desk import reports
from chalicelib.desk.agent_work import merge, replies, ticket_changes
from chalicelib.desk.assignment import away, hand_back
from chalicelib.desk.base.errors import DeskError, InvalidRequest
from chalicelib.desk.events import event_json, feed
from chalicelib.desk.follow_up import due_dates, snooze
from chalicelib.desk.intake import on_behalf
from chalicelib.desk.portal import revocation
from chalicelib.desk.rules import store as rules_store
from chalicelib.desk.rules import trial
from chalicelib.desk.setup import api_keys, directory
from chalicelib.desk.setup.admin import require_admin
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import tickets
from chalicelib.desk.ticket.records import STATUSES, utcnow
from chalicelib.desk.webhooks import dispatch, endpoints
from chalicelib.observability import logger
from chalicelib.web import auth, params
from chalicelib.web.params import ticket_number
from chalicelib.web.serialize import (
    agent_json,
    api_key_json,
    delivery_json,
    endpoint_json,
    message_json,
    report_json,
    ticket_json,
)

blueprint = Blueprint(__name__)

MAX_REQUEST_BYTES = 512 * 1024
BODY_IS_TEXT = "body must be non-empty text"


def error_response(error: DeskError) -> Response:
    body = {"error": error.code, "message": error.message, **error.details}
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if error.status == 401:  # RFC 9110: a 401 names the scheme it wants
        headers["WWW-Authenticate"] = 'Bearer realm="helpdesk", error="invalid_token"'
    return Response(body=body, status_code=error.status, headers=headers)


def json_route(path: str, methods: list[str], *, agent: bool = True, keys: bool = True) -> Callable[..., Any]:
    """Register a JSON route; agent routes get the verified agent (or, where `keys`, an API key's
    principal) as first argument.

    Every DeskError becomes its JSON error, and anything unexpected a logged JSON 500.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handle(**segments: str) -> Any:
            request = blueprint.current_request
            try:
                if agent:
                    identity = (request.context or {}).get("identity") or {}
                    who = auth.principal(
                        request.headers.get("authorization"),
                        keys=keys,
                        source_ip=str(identity.get("sourceIp") or ""),
                    )
                    return view(who, **segments)
                return view(**segments)
            except DeskError as error:
                return error_response(error)
            except Exception:
                logger.exception("unhandled error", extra={"path": path})
                body = {"error": "internal", "message": "something went wrong; it has been logged"}
                return Response(body=body, status_code=500)

        return blueprint.route(path, methods=methods, content_types=["application/json"])(handle)

    return decorate


def _body() -> dict[str, object]:
    return params.json_object(params.raw_body(blueprint.current_request), MAX_REQUEST_BYTES)


def _query() -> dict[str, str]:
    return params.query(blueprint.current_request)


@json_route("/api/session", methods=["POST"], agent=False)
def sign_in() -> Response:
    """The token, or a 401 whose `error` names the further step (auth.Challenge) and its `session`."""
    body = _body()
    return _session(*auth.sign_in(params.field(body.get("email")), params.field(body.get("password"))))


@json_route("/api/session/challenge", methods=["POST"], agent=False)
def answer_challenge() -> Response:
    """Answer that step: `challenge`, `email`, `session`, and `new_password` or `code`."""
    body = _body()
    step, email, session = (params.field(body.get(name)) for name in ("challenge", "email", "session"))
    answer = params.field(body.get(auth.ANSWER_FIELDS.get(step, "")))
    return _session(*auth.answer_challenge(step, email, session, answer))


def _session(token: str, agent: AgentProfile) -> Response:
    return Response(body={"token": token, "agent": agent_json(agent)}, status_code=200)


@json_route("/api/tickets", methods=["GET"])
def list_tickets(agent: AgentProfile) -> dict[str, Any]:
    query = _query()
    status = params.optional_one_of(query.get("status"), STATUSES, "status")
    sort = params.one_of(query.get("sort") or "updated", tickets.SORTS, "sort")
    limit = params.query_number(query, "limit", 25)
    due = params.optional_one_of(query.get("due"), due_dates.DUE_FILTERS, "due")
    if due:  # the due index: today and overdue in the agent's zone (no other filter applies)
        found = due_dates.list_due(agent, due, cursor=query.get("cursor") or None, limit=limit)
        return {"items": [ticket_json(t) for t in found.items], "next_cursor": found.next_cursor}
    page = tickets.list_tickets(
        agent,
        tickets.TicketFilter(
            status=status,
            team=query.get("team") or None,
            assignee=query.get("assignee") or None,
            requester=query.get("requester") or None,
        ),
        cursor=query.get("cursor") or None,
        limit=limit,
        sort=sort,
    )
    return {"items": [ticket_json(t) for t in page.items], "next_cursor": page.next_cursor}


@json_route("/api/tickets", methods=["POST"])
def open_ticket(agent: AgentProfile) -> Response:
    """Open a ticket for a customer, mailed to them or logged (desk.intake.on_behalf). A repeated
    `Idempotency-Key` (or `external_id`) answers 200 with the ticket the first request opened."""
    idempotency_key = blueprint.current_request.headers.get("idempotency-key")
    opened = on_behalf.open_for_customer(agent, on_behalf.parse_request(_body(), idempotency_key))
    headers: dict[str, str | list[str]] = {"Location": f"/api/tickets/{opened.ticket.number}"}
    if opened.duplicate:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        body=ticket_json(opened.ticket), status_code=200 if opened.duplicate else 201, headers=headers
    )


@json_route("/api/tickets/{number}", methods=["GET"])
def get_ticket(agent: AgentProfile, number: str) -> dict[str, Any]:
    ticket = tickets.get_ticket(agent, ticket_number(number))
    return {**ticket_json(ticket), "messages": [message_json(m) for m in tickets.thread(ticket.number)]}


@json_route("/api/tickets/{number}", methods=["PATCH"])
def update_ticket(agent: AgentProfile, number: str) -> dict[str, Any]:
    body = _body()
    changes = ticket_changes.parse_changes(body, frozenset(directory.directory().teams))
    version = params.version(body.get("version"))
    return ticket_json(ticket_changes.update_ticket(agent, ticket_number(number), version, changes))


@json_route("/api/tickets/{number}/snooze", methods=["POST"])
def snooze_ticket(agent: AgentProfile, number: str) -> dict[str, Any]:
    """Pending until `pick` ("tomorrow", "next_monday": 9:00 in the agent's zone) or `until`."""
    body = _body()
    until = snooze.until_of(agent, body.get("pick"), body.get("until"), utcnow())
    return ticket_json(snooze.snooze(agent, ticket_number(number), until))


@json_route("/api/tickets/{number}/due-date", methods=["PUT"])
def set_due_date(agent: AgentProfile, number: str) -> dict[str, Any]:
    """`{"due_date": "YYYY-MM-DD"}`, or null to clear it."""
    due = due_dates.due_of(_body().get("due_date"))
    return ticket_json(due_dates.set_due_date(agent, ticket_number(number), due))


@json_route("/api/tickets/{number}/merge", methods=["POST"])
def merge_ticket(agent: AgentProfile, number: str) -> dict[str, Any]:
    body = _body()
    version = params.version(body.get("version"))
    into = params.json_int(body.get("into"), "into must be the number of the ticket to merge into")
    target = merge.merge(agent, ticket_number(number), into, version)
    return ticket_json(target)


@json_route("/api/tickets/{number}/revoke-links", methods=["POST"])
def revoke_links(agent: AgentProfile, number: str) -> dict[str, Any]:
    return ticket_json(revocation.revoke_links(agent, ticket_number(number)))


@json_route("/api/tickets/{number}/replies", methods=["POST"])
def post_reply(agent: AgentProfile, number: str) -> Response:
    n, body = ticket_number(number), _body()
    message = replies.reply(
        agent,
        n,
        params.text(body.get("body"), BODY_IS_TEXT),
        status=params.optional_one_of(body.get("status"), replies.REPLY_STATUSES, "status"),
        version=params.optional_version(body.get("version")),
    )
    return Response(body=message_json(message), status_code=201)


@json_route("/api/tickets/{number}/notes", methods=["POST"])
def post_note(agent: AgentProfile, number: str) -> Response:
    n, body = ticket_number(number), _body()
    mentions = body.get("mentions") or []
    if not isinstance(mentions, list) or not all(isinstance(m, str) for m in mentions):
        raise InvalidRequest("mentions must be a list of agent email addresses", field="mentions")
    message = replies.add_note(agent, n, params.text(body.get("body"), BODY_IS_TEXT), mentions)
    return Response(body=message_json(message), status_code=201)


@json_route("/api/reports", methods=["GET"])
def report(agent: AgentProfile) -> dict[str, Any]:
    query = _query()
    found = reports.report(agent, params.period(query), query.get("team") or None)
    return report_json(found)


@json_route("/api/events", methods=["GET"])
def list_events(agent: AgentProfile) -> dict[str, Any]:
    """Ticket events after `since` (a cursor this route returned, or an ISO time), oldest first;
    only the teams' tickets the caller may see; internal notes included (the agents' API)."""
    query = _query()
    page = feed.read_events(
        agent, query.get("since") or None, params.query_number(query, "limit", feed.DEFAULT_LIMIT)
    )
    return {"items": [event_json(event, ticket) for event, ticket in page.events], "next_cursor": page.cursor}


# API keys are managed by a signed-in admin only (an ID token): a leaked key, even an admin's,
# cannot mint itself successors or revoke the keys of others.
@json_route("/api/keys", methods=["GET"], keys=False)
def list_api_keys(agent: AgentProfile) -> dict[str, Any]:
    return {"items": [api_key_json(key) for key in api_keys.list_keys(agent)]}


@json_route("/api/keys", methods=["POST"], keys=False)
def create_api_key(agent: AgentProfile) -> Response:
    """`{name, role, teams}` → the key and its `secret`, which is shown this once."""
    body = _body()
    teams = body.get("teams", [])
    if not isinstance(teams, list) or not all(isinstance(team, str) for team in teams):
        raise InvalidRequest("teams must be a list of team names", field="teams")
    role = params.one_of(body.get("role"), api_keys.ROLES, "role")
    key, secret = api_keys.create_key(agent, params.field(body.get("name")), role, list(teams), utcnow())
    return Response(
        body={**api_key_json(key), "secret": secret}, status_code=201, headers={"Cache-Control": "no-store"}
    )


@json_route("/api/keys/{key_id}/revoke", methods=["POST"], keys=False)
def revoke_api_key(agent: AgentProfile, key_id: str) -> dict[str, Any]:
    return api_key_json(api_keys.revoke_key(agent, key_id, utcnow()))


# Availability: the agent's own "away until" (not an API key's: a key is never assigned), and a
# lead's hand-back of an agent's unfinished tickets.


@json_route("/api/me/away", methods=["PUT"], keys=False)
def set_away(agent: AgentProfile) -> dict[str, Any]:
    """`{until: ISO time (with offset, or wall-clock in the agent's zone), note?}` → the agent."""
    body = _body()
    until = away.parse_until(params.field(body.get("until")), agent.time_zone)
    note = body.get("note") or ""
    if not isinstance(note, str):
        raise InvalidRequest("note must be a string", field="note")
    return agent_json(away.set_away(agent, until, note, utcnow()))


@json_route("/api/me/away", methods=["DELETE"], keys=False)
def clear_away(agent: AgentProfile) -> dict[str, Any]:
    return agent_json(away.clear_away(agent))


@json_route("/api/agents/{email}/hand-back", methods=["POST"])
def hand_back_tickets(agent: AgentProfile, email: str) -> dict[str, Any]:
    """Unassign the agent's unfinished tickets: `{changed: [n], skipped: [{number, reason}]}`."""
    result = hand_back.hand_back(agent, unquote(email), utcnow())
    skipped = [{"number": n, "reason": why} for n, why in result.skipped.items()]
    return {"changed": result.changed, "skipped": skipped}


# Webhooks (admins only: each service checks the role). docs/WEBHOOKS.md describes what is sent.


def _event_types(body: dict[str, object]) -> list[str]:
    events = body.get("events")
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise InvalidRequest("events must be a list of event types", field="events")
    return [str(e) for e in events]


def _flag(body: dict[str, object], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name} must be true or false", field=name)
    return value


@json_route("/api/webhooks", methods=["GET"])
def list_webhooks(agent: AgentProfile) -> dict[str, Any]:
    return {"items": [endpoint_json(e) for e in endpoints.list_endpoints(agent)]}


@json_route("/api/webhooks", methods=["POST"])
def register_webhook(agent: AgentProfile) -> Response:
    """`{url, events, include_notes}` → the endpoint and its `secret`."""
    body = _body()
    endpoint, secret = endpoints.register(
        agent, params.field(body.get("url")), _event_types(body), _flag(body, "include_notes", False)
    )
    return Response(body={**endpoint_json(endpoint), "secret": secret}, status_code=201)


@json_route("/api/webhooks/{endpoint_id}", methods=["PATCH"])
def update_webhook(agent: AgentProfile, endpoint_id: str) -> dict[str, Any]:
    """`{events, include_notes, enabled}`, all three."""
    body = _body()
    endpoint = endpoints.update(
        agent,
        endpoint_id,
        _event_types(body),
        include_notes=_flag(body, "include_notes", False),
        enabled=_flag(body, "enabled", True),
    )
    return endpoint_json(endpoint)


@json_route("/api/webhooks/{endpoint_id}", methods=["DELETE"])
def remove_webhook(agent: AgentProfile, endpoint_id: str) -> Response:
    endpoints.remove(agent, endpoint_id)
    return Response(body="", status_code=204)


@json_route("/api/webhooks/{endpoint_id}/secret", methods=["GET"])
def webhook_secret(agent: AgentProfile, endpoint_id: str) -> dict[str, Any]:
    return {"secret": endpoints.reveal_secret(agent, endpoint_id)}


@json_route("/api/webhooks/{endpoint_id}/secret", methods=["POST"])
def rotate_webhook_secret(agent: AgentProfile, endpoint_id: str) -> dict[str, Any]:
    return {"secret": endpoints.rotate_secret(agent, endpoint_id)}


@json_route("/api/webhooks/{endpoint_id}/deliveries", methods=["GET"])
def list_webhook_deliveries(agent: AgentProfile, endpoint_id: str) -> dict[str, Any]:
    limit = max(1, min(params.query_number(_query(), "limit", 20), 100))
    return {"items": [delivery_json(d) for d in dispatch.deliveries(agent, endpoint_id, limit)]}


@json_route("/api/webhooks/{endpoint_id}/resend", methods=["POST"])
def resend_webhook(agent: AgentProfile, endpoint_id: str) -> Response:
    """`{delivery: <key of a logged delivery>}` → 202 and the new delivery's id."""
    again = dispatch.resend(agent, endpoint_id, params.field(_body().get("delivery")))
    return Response(body={"delivery_id": again.delivery_id, "key": again.key}, status_code=202)


# Rules (admins): the ordered list, each rule's JSON as desk.rules.store keeps it.
def _rule_json(stored: rules_store.StoredRule) -> dict[str, Any]:
    return {**stored.data, "problem": stored.problem or None}


@json_route("/api/rules", methods=["GET"])
def list_rules(agent: AgentProfile) -> dict[str, Any]:
    require_admin(agent)
    return {"items": [_rule_json(s) for s in rules_store.stored()]}


@json_route("/api/rules", methods=["POST"])
def create_rule(agent: AgentProfile) -> Response:
    """A rule (`name, enabled, triggers, match, conditions, actions`) added at the end."""
    rule = rules_store.create(agent, _body())
    return Response(body=rule.to_json(), status_code=201)


@json_route("/api/rules/{rule_id}", methods=["PUT"])
def replace_rule(agent: AgentProfile, rule_id: str) -> dict[str, Any]:
    return rules_store.update(agent, rule_id, _body()).to_json()


@json_route("/api/rules/{rule_id}", methods=["PATCH"])
def enable_rule(agent: AgentProfile, rule_id: str) -> dict[str, Any]:
    """`{enabled}`: switch a rule on or off."""
    rules_store.set_enabled(agent, rule_id, _flag(_body(), "enabled", True))
    return _rule_json(rules_store.get(rule_id))


@json_route("/api/rules/{rule_id}", methods=["DELETE"])
def delete_rule(agent: AgentProfile, rule_id: str) -> Response:
    rules_store.delete(agent, rule_id)
    return Response(body="", status_code=204)


@json_route("/api/rule-order", methods=["PUT"])
def reorder_rules(agent: AgentProfile) -> dict[str, Any]:
    """`{order: [rule id, ...]}`, every rule once."""
    order = _body().get("order")
    if not isinstance(order, list) or not all(isinstance(i, str) for i in order):
        raise InvalidRequest("order must be a list of rule ids", field="order")
    rules_store.reorder(agent, order)
    return {"items": [_rule_json(s) for s in rules_store.stored()]}


@json_route("/api/rules/{rule_id}/test", methods=["POST"])
def test_rule(agent: AgentProfile, rule_id: str) -> dict[str, Any]:
    """Which of the last 50 tickets the stored rule would have matched when they opened."""
    require_admin(agent)
    stored = rules_store.get(rule_id)
    if stored.rule is None:
        raise InvalidRequest(stored.problem)
    result = trial.trial(agent, stored.rule)
    return {"tested": result.tested, "matched": [ticket_json(t) for t in result.matched]}
