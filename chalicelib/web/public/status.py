"""The customer's private pages: `/t/<token>` (status, thread, reply, close) and `/s/<token>/<rating>`
(the satisfaction survey; its comment posts to `/s/<token>`). The signed token in the path is the
customer's key (a revoked or expired one opens nothing, desk.portal.portal.ticket_for); the forms also carry
a token signed over it, so a page of another site cannot post in the customer's name."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from chalice import Blueprint, Response

from chalicelib.desk.base.errors import Forbidden, InvalidRequest, TooMany
from chalicelib.desk.base.signing import sign, verify
from chalicelib.desk.portal import links, portal
from chalicelib.web import params
from chalicelib.web.pages.render import redirect
from chalicelib.web.pages.routing import FORM_TYPES, form_pairs
from chalicelib.web.public.render import guarded, public_page, source_ip

blueprint = Blueprint(__name__)
FORM_PURPOSE = "customer-page-form"


@blueprint.route("/t/{token}", methods=["GET"])
def status_page(token: str) -> Response:
    closed_here = params.query(blueprint.current_request).get("closed") == "1"
    return guarded(lambda: _status(token, survey=closed_here), "/t/")


@blueprint.route("/t/{token}/reply", methods=["POST"], content_types=FORM_TYPES)
def reply(token: str) -> Response:
    def answer() -> Response:
        form, ip = _form(token), source_ip(blueprint.current_request)
        try:
            portal.reply(token, form.get("message", ""), form.get("key", ""), ip)
        except (InvalidRequest, TooMany) as error:
            return _status(token, error.status, error=error.message, draft=form.get("message", ""))
        return redirect(f"/t/{quote(token)}#latest")

    return guarded(answer, "/t/reply")


@blueprint.route("/t/{token}/close", methods=["POST"], content_types=FORM_TYPES)
def close(token: str) -> Response:
    def answer() -> Response:
        _form(token)
        portal.close(token)
        # Solved by the customer, so no agent's reply or solved notice carries the survey: the page
        # they are on asks it instead, once.
        return redirect(f"/t/{quote(token)}?closed=1#survey")

    return guarded(answer, "/t/close")


@blueprint.route("/s/{token}/{rating}", methods=["GET"])
def rate(token: str, rating: str) -> Response:
    def answer() -> Response:
        ticket = portal.rate(token, rating)
        form_token = _form_token(token)
        return public_page(
            "public/survey.html", ticket=ticket, token=token, form_token=form_token, saved=False
        )

    return guarded(answer, "/s/")


@blueprint.route("/s/{token}", methods=["POST"], content_types=FORM_TYPES)
def comment(token: str) -> Response:
    def answer() -> Response:
        form = _form(token, links.SURVEY)
        ticket = portal.comment(token, form.get("comment", ""))
        return public_page("public/survey.html", ticket=ticket, token=token, saved=True, form_token="")

    return guarded(answer, "/s/comment")


def _status(token: str, status: int = 200, *, survey: bool = False, **extra: Any) -> Response:
    """The status page; `survey`: just closed by the customer, so it asks how it went (unless rated)."""
    ticket = portal.ticket_for(token)
    asking = survey and ticket.status == "solved" and ticket.csat_rating is None
    return public_page(
        "public/status.html",
        status,
        ticket=ticket,
        status_words=portal.STATUS_WORDS.get(ticket.status, ticket.status),
        thread=portal.public_thread(ticket),
        token=token,
        form_token=_form_token(token),
        form_key=secrets.token_urlsafe(16),  # one per page view: the same form sent twice is one reply
        survey={r: links.survey_url(ticket, r) for r in portal.RATINGS} if asking else None,
        **{"error": "", "draft": "", **extra},
    )


def _form_token(token: str) -> str:
    return sign(FORM_PURPOSE, token)


def _form(token: str, purpose: str = links.STATUS) -> dict[str, str]:
    """The posted form of a usable link (else the page that link shows), proven to come from its page."""
    portal.ticket_for(token, purpose)
    form = dict(form_pairs(params.raw_body(blueprint.current_request)))
    if not verify(FORM_PURPOSE, token, form.get("form_token", "")):
        raise Forbidden("This form did not come from your request's page; please open the link again.")
    return form
