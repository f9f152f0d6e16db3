"""The Chalice app: creates `app`, registers its middleware and the blueprints. Nothing else lives here."""

from chalice import Chalice

from chalicelib.handlers.inbound import blueprint as inbound_handlers
from chalicelib.handlers.notifications import blueprint as notification_handlers
from chalicelib.handlers.schedules import blueprint as scheduled_handlers
from chalicelib.handlers.sla import blueprint as sla_handlers
from chalicelib.handlers.ticket_events import blueprint as ticket_event_handlers
from chalicelib.handlers.webhooks import blueprint as webhook_handlers
from chalicelib.observability import lambda_context
from chalicelib.web.api import blueprint as api_routes
from chalicelib.web.pages.admin import blueprint as admin_pages
from chalicelib.web.pages.articles import blueprint as article_pages
from chalicelib.web.pages.availability import blueprint as availability_pages
from chalicelib.web.pages.notifications import blueprint as notification_pages
from chalicelib.web.pages.queues import blueprint as queue_pages
from chalicelib.web.pages.reports import blueprint as report_pages
from chalicelib.web.pages.rules import blueprint as rule_pages
from chalicelib.web.pages.security import blueprint as security_pages
from chalicelib.web.pages.signin import blueprint as signin_pages
from chalicelib.web.pages.ticket import blueprint as ticket_pages
from chalicelib.web.pages.webhooks import blueprint as webhook_pages
from chalicelib.web.public.form import blueprint as request_form_pages
from chalicelib.web.public.help import blueprint as help_center_pages
from chalicelib.web.public.status import blueprint as customer_link_pages

app = Chalice(app_name="helpdesk")
app.register_middleware(lambda_context)  # every function: routes and event handlers
app.register_blueprint(api_routes)
app.register_blueprint(signin_pages)
app.register_blueprint(security_pages)
app.register_blueprint(availability_pages)
app.register_blueprint(queue_pages)
app.register_blueprint(report_pages)
app.register_blueprint(ticket_pages)
app.register_blueprint(admin_pages)
app.register_blueprint(webhook_pages)
app.register_blueprint(notification_pages)
app.register_blueprint(rule_pages)
app.register_blueprint(article_pages)
app.register_blueprint(request_form_pages)
app.register_blueprint(customer_link_pages)
app.register_blueprint(help_center_pages)
app.register_blueprint(inbound_handlers)
app.register_blueprint(sla_handlers)
app.register_blueprint(scheduled_handlers)
app.register_blueprint(ticket_event_handlers)
app.register_blueprint(webhook_handlers)
app.register_blueprint(notification_handlers)
