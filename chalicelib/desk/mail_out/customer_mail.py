"""The text of every mail a customer gets: the admin's templates, filled for one ticket, and the
footer every such mail ends with (the private status page link and the desk's branding)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.desk.help_center.article_rules import ArticleSummary
from chalicelib.desk.portal import links
from chalicelib.desk.setup import branding, directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.setup.canned import placeholder_values, ticket_values
from chalicelib.desk.setup.mail_templates import render
from chalicelib.desk.ticket import sla
from chalicelib.desk.ticket.records import utcnow
from chalicelib.models import Ticket
from chalicelib.origin import public_url
from chalicelib.sla.calendar import BusinessCalendar, is_open, next_open


def acknowledgement_text(ticket: Ticket, articles: list[ArticleSummary]) -> str:
    """The acknowledgement, with the help-center articles that may answer the request already."""
    return _render("acknowledgement", ticket, None, {"help.suggestions": suggestions_text(articles)})


def suggestions_text(articles: list[ArticleSummary]) -> str:
    if not articles:
        return ""
    lines = ["While you wait, these articles from our help center may answer your question:"]
    lines += [f"  {article.title}: {public_url()}/help/{article.slug}" for article in articles]
    return "\n".join(lines)


def reply_text(ticket: Ticket, agent: AgentProfile, body: str, solving: bool) -> str:
    """The agent's text in the reply template, with the survey when the reply solves the ticket."""
    return _render(
        "reply", ticket, agent, {"message.body": body, "survey": _survey(ticket) if solving else ""}
    )


def solved_text(ticket: Ticket) -> str:
    return _render("solved", ticket, None, {"survey": _survey(ticket)})


def closed_text(ticket: Ticket) -> str:
    return _render("closed", ticket, None, {})


def template_text(name: str, ticket: Ticket) -> str:
    """A template a rule sends by itself (`mail_templates.RULE_TEMPLATES`), with no agent."""
    extra = {"survey": _survey(ticket)} if name == "solved" else {}
    return _render(name, ticket, None, extra)


def hours_values(calendar: BusinessCalendar, now: datetime) -> dict[str, str]:
    """{{hours.open_now}} and {{hours.next_open}} of a calendar at `now`, in its own zone: the zone
    the team works in is the one its customers are told (a customer's own zone is not known)."""
    if is_open(calendar, now):
        return {"hours.open_now": "yes", "hours.next_open": "now"}
    opens = next_open(calendar, now).astimezone(calendar.zone)
    return {"hours.open_now": "no", "hours.next_open": f"{opens:%A} {opens.day} {opens:%B at %H:%M %Z}"}


def footer(ticket: Ticket) -> str:
    """What closes every customer mail: where to follow the request, and the desk's own footer."""
    brand = branding.current()
    lines = [
        "--",
        f"{brand.name}: follow your request #{ticket.number} online",
        links.status_url(ticket),
    ]
    if brand.footer.strip():
        lines += ["", brand.footer.strip()]
    return "\n".join(lines) + "\n"


def _survey(ticket: Ticket) -> str:
    return _render("survey", ticket, None, {}).strip()


def _render(name: str, ticket: Ticket, agent: AgentProfile | None, extra: dict[str, str]) -> str:
    values = placeholder_values(ticket, agent) if agent else ticket_values(ticket)
    values |= {
        "ticket.status_url": links.status_url(ticket),
        "brand.name": branding.current().name,
        "survey.good_url": links.survey_url(ticket, "good"),
        "survey.bad_url": links.survey_url(ticket, "bad"),
        **hours_values(sla.policy(ticket).calendar, utcnow()),
        **extra,
    }
    return render(name, directory.directory().templates, values)
