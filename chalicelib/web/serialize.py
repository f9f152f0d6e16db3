"""Tickets and messages as the JSON the API promises (field names are part of the contract)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.desk.base import storage
from chalicelib.desk.reports import Report
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.setup.api_keys import KeyInfo
from chalicelib.desk.ticket import sla
from chalicelib.desk.ticket.records import utcnow
from chalicelib.desk.webhooks.endpoints import Endpoint
from chalicelib.models import Message, Ticket, WebhookDelivery


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "requester": {"email": ticket.requester_email, "name": ticket.requester_name or ""},
        "participants": sorted(ticket.participants or ()),
        "mailbox": ticket.mailbox,
        "team": ticket.team,
        "assignee": ticket.assignee,
        "tags": list(ticket.tags or ()),
        "follow_up_of": ticket.follow_up_of,
        "merged_into": ticket.merged_into,
        "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at),
        "version": ticket.version,
        "snoozed_until": _time(ticket.snoozed_until),
        "due_date": ticket.due_date,
        "sla": sla.summary(ticket, utcnow()),
        "csat": (
            {"rating": ticket.csat_rating, "comment": ticket.csat_comment, "at": _time(ticket.csat_at)}
            if ticket.csat_rating
            else None
        ),
    }


def message_json(message: Message) -> dict[str, Any]:
    text, html, visible = message.body_text, message.body_html, message.visible_text
    if message.body_s3_key:
        bodies = json.loads(storage.get_object(message.body_s3_key))
        text, html, visible = bodies["text"], bodies["html"], bodies["visible_text"]
    return {
        "id": message.key,
        "kind": message.kind,
        "channel": message.channel or ("email" if message.kind == "customer" else None),
        "from": {"email": message.from_email, "name": message.from_name or ""},
        "to": list(message.to or ()),
        "cc": list(message.cc or ()),
        "subject": message.subject,
        "body_text": text or "",
        "body_html": html,
        "visible_text": visible or "",
        "created_at": _time(message.created_at),
        "message_id": message.message_id,
        "automatic": bool(message.automatic),
        "unverified_sender": bool(message.unverified_sender),
        "merged_from": message.merged_from,
        "mentions": list(message.mentions or ()),
        "event": dict(message.event.as_dict()) if message.event else None,
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "inline": a.inline,
                "content_id": a.content_id,
            }
            for a in message.attachments or ()
        ],
    }


def agent_json(agent: AgentProfile) -> dict[str, Any]:
    return {
        "email": agent.email,
        "name": agent.name,
        "role": agent.role,
        "teams": list(agent.teams),
        "time_zone": agent.time_zone,
        "away_until": _epoch_iso(agent.away_until),  # away while ahead (AgentProfile.is_away)
        "away_note": agent.away_note,
    }


def _epoch_iso(value: int | None) -> str | None:
    return datetime.fromtimestamp(value, UTC).isoformat() if value is not None else None


def api_key_json(key: KeyInfo) -> dict[str, Any]:
    """An API key as admins see it: never its secret."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "role": key.role,
        "teams": list(key.teams),
        "created_at": _time(key.created_at),
        "created_by": key.created_by,
        "last_used_at": _time(key.last_used_at),
        "revoked_at": _time(key.revoked_at),
        "revoked_by": key.revoked_by,
        "active": key.active,
    }


def report_json(report: Report) -> dict[str, Any]:
    figures = report.figures
    return {
        "days": report.days,
        "team": report.team,
        "since": _time(report.since),
        "complete": report.complete,
        "created": figures.created,
        "solved": figures.solved,
        "first_response_minutes": {
            "median": figures.first_response_median,
            "p90": figures.first_response_p90,
        },
        "resolution_minutes": {"median": figures.resolution_median, "p90": figures.resolution_p90},
        "sla": {
            metric: {
                "met": figures.sla_met[metric],
                "breached": figures.sla_breached[metric],
                "attainment": figures.attainment(metric),
            }
            for metric in figures.sla_met
        },
        "csat": {"good": figures.csat_good, "bad": figures.csat_bad, "score": figures.csat_score},
    }


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    """A webhook endpoint as admins see it: never its secret (that has its own route)."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "include_notes": endpoint.include_notes,
        "enabled": endpoint.enabled,
        "created_at": _time(endpoint.created_at),
        "created_by": endpoint.created_by,
        "failing_since": _time(endpoint.failing_since),
        "disabled_reason": endpoint.disabled_reason,
    }


def delivery_json(item: WebhookDelivery) -> dict[str, Any]:
    return {
        "key": item.key,
        "delivery_id": item.delivery_id,
        "event_id": item.event_id,
        "event_type": item.event_type,
        "ticket_number": item.ticket_number,
        "status": item.status,
        "created_at": _time(item.created_at),
        "resend_of": item.resend_of,
        "attempts": list(item.attempts or []),
    }
