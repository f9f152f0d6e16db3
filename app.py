"""The Chalice app: creates `app` and registers the blueprints. Nothing else lives here."""

from chalice import Chalice

from chalicelib.handlers.inbound import blueprint as inbound_handlers
from chalicelib.web.api import blueprint as api_routes

app = Chalice(app_name="helpdesk")
app.register_blueprint(api_routes)
app.register_blueprint(inbound_handlers)
