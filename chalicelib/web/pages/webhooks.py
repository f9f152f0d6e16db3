"""Admin pages for webhooks: the endpoints (register, change, remove, secret) and each one's
deliveries (newest first, with their attempts) with a resend. Every change is a form with CSRF;
every view checks the admin role in the service it calls.

Their own pages rather than a section of /admin: the deliveries are one Query per endpoint, and
the Admin page's request budget (tests/service/test_request_budgets.py) stays as it is.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.setup.admin import require_admin
from chalicelib.desk.webhooks import dispatch, endpoints
from chalicelib.web.pages.queues import sidebar
from chalicelib.web.pages.render import redirect
from chalicelib.web.pages.routing import Context, page

blueprint = Blueprint(__name__)
DELIVERIES_SHOWN = 20


@page(blueprint, "/admin/webhooks")
def overview(context: Context) -> Response:
    return _overview(context)


def _overview(
    context: Context,
    secret: tuple[str, str] | None = None,
    error: InvalidRequest | None = None,
    status: int = 200,
) -> Response:
    """The endpoints; after registering, the new endpoint's secret; after a refused URL, the form
    again with the admin's values and the reason."""
    return context.render(
        "webhooks.html",
        status,
        endpoints=endpoints.list_endpoints(context.session.agent),
        event_types=endpoints.EVENT_TYPES,
        secret=secret,
        error=error,
        form=context.form if error else {},
        chosen=context.form_lists.get("events", []) if error else [],
        **sidebar(context.session.agent),
    )


@page(blueprint, "/admin/webhooks", methods=("POST",))
def register(context: Context) -> Response:
    form = context.form
    try:
        endpoint, secret = endpoints.register(
            context.session.agent,
            form.get("url", ""),
            context.form_lists.get("events", []),
            include_notes=form.get("include_notes") == "1",
        )
    except InvalidRequest as error:
        return _overview(context, error=error, status=400)
    return _overview(context, secret=(endpoint.url, secret))


@page(blueprint, "/admin/webhooks/{endpoint_id}")
def endpoint_page(context: Context, endpoint_id: str) -> Response:
    return _endpoint_page(context, endpoint_id)


def _endpoint_page(context: Context, endpoint_id: str, secret: str | None = None) -> Response:
    actor = context.session.agent
    require_admin(actor)
    return context.render(
        "webhook.html",
        endpoint=endpoints.endpoint_of(endpoints.row(endpoint_id)),
        deliveries=dispatch.deliveries(actor, endpoint_id, DELIVERIES_SHOWN),
        event_types=endpoints.EVENT_TYPES,
        secret=secret,
        **sidebar(actor),
    )


@page(blueprint, "/admin/webhooks/{endpoint_id}/update", methods=("POST",))
def update(context: Context, endpoint_id: str) -> Response:
    form = context.form
    endpoints.update(
        context.session.agent,
        endpoint_id,
        context.form_lists.get("events", []),
        include_notes=form.get("include_notes") == "1",
        enabled=form.get("enabled") == "1",
    )
    return redirect(f"/admin/webhooks/{endpoint_id}")


@page(blueprint, "/admin/webhooks/{endpoint_id}/secret", methods=("POST",))
def secret(context: Context, endpoint_id: str) -> Response:
    """ "Show secret" answers with the page showing it (a POST: never in a cached or logged GET);
    "New secret" replaces it first."""
    actor = context.session.agent
    if context.form.get("rotate"):
        shown = endpoints.rotate_secret(actor, endpoint_id)
    else:
        shown = endpoints.reveal_secret(actor, endpoint_id)
    return _endpoint_page(context, endpoint_id, secret=shown)


@page(blueprint, "/admin/webhooks/{endpoint_id}/resend", methods=("POST",))
def resend(context: Context, endpoint_id: str) -> Response:
    dispatch.resend(context.session.agent, endpoint_id, context.form.get("delivery", ""))
    return redirect(f"/admin/webhooks/{endpoint_id}")


@page(blueprint, "/admin/webhooks/{endpoint_id}/remove", methods=("POST",))
def remove(context: Context, endpoint_id: str) -> Response:
    endpoints.remove(context.session.agent, endpoint_id)
    return redirect("/admin/webhooks")
