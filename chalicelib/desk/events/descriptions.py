"""The one line an agent (or an integration) reads for a change in a ticket's history (no I/O).

Here, below the ticket package, so that an event read from the stream or the feed index is
described exactly as the thread shows it, without the stored `body_text` being read or projected.
"""

from __future__ import annotations

# What a rule did, by the history event's type ("rule": its mails and notifications).
_BY_RULE = {
    "status": "set status {to}",
    "priority": "set priority {to}",
    "assignee": "assigned {to}",
    "team": "moved to team {to}",
    "tags": "set tags [{to}]",
}
_RULE_ACTIONS = {
    "send_template": "sent the mail template {to}",
    "send_canned": "sent the canned reply {to}",
    "notify_agent": "notified {to}",
    "notify_team": "notified team {to}",
}


def _when(value: str | None) -> str:
    """A stored instant (fixed-width UTC) as "2026-12-09 08:00 UTC"; a date stays a date."""
    if not value:
        return "nobody"
    return f"{value[:10]} {value[11:16]} UTC" if len(value) > 10 else value


def describe_event(event: dict[str, str]) -> str:
    """The one line for a history event map ({"type", "from", "to", ...}); a change a rule made
    names it ({"rule": "Outage", ...}: "Rule 'Outage' set priority urgent")."""
    kind, old, new = event["type"], event.get("from") or "nobody", event.get("to") or "nobody"
    if "rule" in event:
        pattern = _RULE_ACTIONS.get(event.get("action", ""), "") if kind == "rule" else _BY_RULE.get(kind, "")
        done = pattern.format(to=event.get("to", "")) or kind
        failed = f" (not sent: {event['failed']})" if event.get("failed") else ""
        return f"Rule '{event['rule']}' {done}{failed}"
    metric = event.get("metric", "").replace("_", " ")
    labels = {
        "status": f"Status changed from {old} to {new}",
        "priority": f"Priority changed from {old} to {new}",
        "assignee": f"Assigned to {new} by {event['by'].replace('_', ' ')}"
        if event.get("by")
        else f"Assignee changed from {old} to {new}",
        "team": f"Moved from team {old} to {new}",
        "tags": f"Tags changed from [{event.get('from', '')}] to [{event.get('to', '')}]",
        "follow_up": f"Follow-up of closed ticket #{event.get('to')}",
        "sla_warning": f"SLA warning: the {metric} target is close",
        "sla_breach": f"SLA breached: the {metric} target was missed",
        "notified": f"SLA {event.get('alert', '')} ({metric}) mailed to {event.get('to', '')}",
        "merged": f"Merged into #{event['to']}" if event.get("to") else f"#{old} merged into this ticket",
        "customer_solved": f"Marked solved by the customer on the status page (was {old})",
        "links_revoked": "Customer links revoked: the status and survey links mailed so far open nothing",
        "opened": f"Opened for {event.get('to')} ({event.get('channel')}); mailed to them below",
        "snoozed": f"Snoozed until {_when(event.get('to'))}"
        + (f" (was until {_when(event.get('from'))})" if event.get("from") else ""),
        "woke": (
            f"Woke up early: no longer snoozed until {_when(event.get('until'))}"
            if event.get("early")
            else f"Woke up: snoozed until {_when(event.get('until'))}"
        ),
        "due_date": (
            f"Due date cleared (was {event.get('from')})"
            if not event.get("to")
            else f"Due date set to {event.get('to')}"
            + (f" (was {event['from']})" if event.get("from") else "")
        ),
        "due_reminder": f"Reminder: due today ({event.get('to')})",
        "follow_up_mailed": f"{event.get('about', '')} mailed to {event.get('to', '')}",
        "csat": f"The customer rated the support {new}" + (f" (was {old})" if event.get("from") else ""),
    }
    return labels.get(kind, kind)
