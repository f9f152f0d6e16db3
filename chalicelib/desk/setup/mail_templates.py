"""The mails customers get, as templates an admin can edit: acknowledgement, reply, solved, closed,
survey, out of hours, reminder.

Templates use the canned replies' placeholders ({{customer.first_name}}, {{ticket.number}} …) plus a
few of their own, among them the team's opening hours ({{hours.open_now}}, {{hours.next_open}}).
Defaults live here; an admin's version is a directory entry (kind `template`),
read with the rest of the desk's setup. `render` is pure: callers gather the values.
"""

from __future__ import annotations

import re

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.setup.canned import PLACEHOLDER_PATTERN, PLACEHOLDERS, expand

DEFAULTS: dict[str, str] = {
    "acknowledgement": (
        "Hello {{customer.first_name}},\n\n"
        "Thank you for writing to us. We have received your request and opened ticket #{{ticket.number}}:\n\n"
        "    {{ticket.subject}}\n\n"
        "Someone from our {{team.name}} team will answer you by email as soon as possible.\n"
        "To add anything, reply to this message and keep [#{{ticket.number}}] in the subject.\n\n"
        "{{help.suggestions}}\n\n"
        "{{team.name}}"
    ),
    "reply": "{{message.body}}\n\n{{survey}}",
    "solved": (
        "Hello {{customer.first_name}},\n\n"
        'We have marked your request #{{ticket.number}} "{{ticket.subject}}" as solved.\n'
        "If anything is still not right, simply reply to this mail and it opens again.\n\n"
        "{{survey}}\n\n"
        "{{team.name}}"
    ),
    "closed": (
        "Hello {{customer.first_name}},\n\n"
        'Your request #{{ticket.number}} "{{ticket.subject}}" was solved and has now been closed.\n'
        "If you need anything else, simply reply: we will open a new request that links to this one.\n\n"
        "{{team.name}}"
    ),
    "out_of_hours": (
        "Hello {{customer.first_name}},\n\n"
        "Thank you for writing to us. We have received your request and opened ticket #{{ticket.number}}:\n\n"
        "    {{ticket.subject}}\n\n"
        "Our {{team.name}} team is out of office at the moment. We are back {{hours.next_open}} "
        "and will answer you then.\n"
        "To add anything, reply to this message and keep [#{{ticket.number}}] in the subject.\n\n"
        "{{team.name}}"
    ),
    "reminder": (
        "Hello {{customer.first_name}},\n\n"
        'We are waiting for your answer on your request #{{ticket.number}} "{{ticket.subject}}".\n'
        "Simply reply to this mail; if we do not hear from you, we will consider it solved.\n\n"
        "{{team.name}}"
    ),
    "survey": (
        "How would you rate the help you received?\n"
        "  Good, I'm satisfied: {{survey.good_url}}\n"
        "  Bad, I'm unsatisfied: {{survey.bad_url}}"
    ),
}
TITLES = {
    "acknowledgement": "Acknowledgement (a new request)",
    "reply": "Agent reply (wraps the agent's text)",
    "solved": "Solved notice (solved without a reply)",
    "closed": "Closing notice (a solved ticket closed after the waiting days)",
    "survey": "Satisfaction survey (in the solving mail)",
    "out_of_hours": "Out-of-hours acknowledgement (sent by the rule of that name)",
    "reminder": "Reminder (a time rule's mail to a customer whose ticket waits for them)",
}
# The templates a rule may send by itself (reply and survey only exist inside other mails).
RULE_TEMPLATES = ("acknowledgement", "out_of_hours", "reminder", "solved", "closed")
# What templates may use: the canned replies' placeholders and the customer mails' own.
TEMPLATE_PLACEHOLDERS = (
    *PLACEHOLDERS,
    "ticket.status_url",
    "brand.name",
    "message.body",
    "survey",
    "survey.good_url",
    "survey.bad_url",
    "help.suggestions",
    "hours.open_now",  # "yes" or "no": the team's SLA calendar at the time of sending
    "hours.next_open",  # "now", or when it opens next in the calendar zone ("Monday 8 December at 09:00 CET")
)
_BLANK_RUNS = re.compile(r"\n{3,}")
MAX_TEMPLATE_CHARS = 10_000


def render(name: str, custom: dict[str, str], values: dict[str, str]) -> str:
    """Template `name` (the admin's version if any) with `values` filled in; an empty placeholder
    leaves no gap of blank lines behind."""
    text = expand(custom.get(name) or DEFAULTS[name], values)
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


def check(name: str, text: str) -> str:
    """The template as it will be stored; InvalidRequest names an unknown template or placeholder."""
    if name not in DEFAULTS:
        raise InvalidRequest(f"there is no mail template {name!r}")
    text = text.replace("\r\n", "\n").strip()
    if not text or len(text) > MAX_TEMPLATE_CHARS:
        raise InvalidRequest(f"a mail template needs 1 to {MAX_TEMPLATE_CHARS} characters")
    unknown = sorted(set(PLACEHOLDER_PATTERN.findall(text)) - set(TEMPLATE_PLACEHOLDERS))
    if unknown:
        raise InvalidRequest(f"unknown placeholder(s): {', '.join('{{' + u + '}}' for u in unknown)}")
    if name == "reply" and "message.body" not in PLACEHOLDER_PATTERN.findall(text):
        raise InvalidRequest("the reply template must contain {{message.body}}: the agent's text")
    return text
