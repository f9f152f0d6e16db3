"""The public help center: `/help` lists the published articles by category, with a search by title
words (`?q=`), and `/help/<slug>` shows one. A draft, a missing article and a malformed address
all give the same 404 page."""

from __future__ import annotations

from itertools import groupby

from chalice import Blueprint, Response

from chalicelib.desk.help_center import articles
from chalicelib.web import params
from chalicelib.web.markdown import to_html
from chalicelib.web.public.render import guarded, public_page

blueprint = Blueprint(__name__)
MAX_QUERY_CHARS = 200


@blueprint.route("/help", methods=["GET"])
def index() -> Response:
    def answer() -> Response:
        query = params.query(blueprint.current_request).get("q", "")[:MAX_QUERY_CHARS]
        found = articles.published(query)
        ordered = sorted(found, key=lambda a: (not a.category, a.category.lower(), a.title.lower()))
        by_category = [(name, list(group)) for name, group in groupby(ordered, key=lambda a: a.category)]
        return public_page("public/help.html", query=query, found=found, by_category=by_category)

    return guarded(answer, "/help")


@blueprint.route("/help/{slug}", methods=["GET"])
def article(slug: str) -> Response:
    def answer() -> Response:
        shown = articles.published_article(slug)
        # Article images are the authors' own https pictures: they may load, like the brand logo.
        return public_page("public/article.html", remote_images=True, article=shown, body=to_html(shown.body))

    return guarded(answer, "/help/")
