"""Help-center articles in the agent app: the list, the editor with its preview, and "make an
article" from a reply on a ticket. Every agent may write and publish; drafts stay internal."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.desk.base.errors import Conflict, InvalidRequest
from chalicelib.desk.help_center import article_rules, articles
from chalicelib.desk.help_center.article_rules import ArticleFields
from chalicelib.models import Article
from chalicelib.web import params
from chalicelib.web.markdown import to_html
from chalicelib.web.pages.queues import sidebar
from chalicelib.web.pages.render import redirect
from chalicelib.web.pages.routing import Context, page
from chalicelib.web.params import ticket_number

blueprint = Blueprint(__name__)


@page(blueprint, "/articles")
def overview(context: Context) -> Response:
    return context.render("articles.html", articles=articles.for_agents(), **sidebar(context.session.agent))


@page(blueprint, "/articles/new")
def new(context: Context) -> Response:
    return _editor(context, None, ArticleFields(title="", body="", category="", state="draft"))


@page(blueprint, "/articles", methods=("POST",))
def create(context: Context) -> Response:
    fields = _posted(context)
    try:
        article = articles.create(context.session.agent, article_rules.checked(fields))
    except InvalidRequest as error:
        return _editor(context, None, fields, 400, error=error)
    return redirect(f"/articles/{article.slug}")


@page(blueprint, "/articles/{slug}")
def edit(context: Context, slug: str) -> Response:
    article = articles.get(slug)
    fields = ArticleFields(article.title, article.body, article.category or "", article.state)
    return _editor(context, article, fields)


@page(blueprint, "/articles/{slug}", methods=("POST",))
def save(context: Context, slug: str) -> Response:
    """Save (or publish, unpublish) as of the version the agent opened; nothing typed is lost."""
    fields, version = _posted(context), params.form_number(context.form.get("version", ""))
    opened = -1 if version is None else version  # a form without it cannot be current
    try:
        if context.form.get("delete"):
            articles.delete(slug, opened)
            return redirect("/articles")
        article = articles.save(slug, opened, article_rules.checked(fields))
    except (InvalidRequest, Conflict) as error:
        return _editor(context, articles.get(slug), fields, error.status, error=error)
    return redirect(f"/articles/{article.slug}")


@page(blueprint, "/tickets/{number}/article", methods=("POST",))
def from_reply(context: Context, number: str) -> Response:
    article = articles.draft_from_reply(
        context.session.agent, ticket_number(number), context.form.get("message", "")
    )
    return redirect(f"/articles/{article.slug}")


def _posted(context: Context) -> ArticleFields:
    """The form as typed (checked only when saved), so an error page shows it back unchanged."""
    form = context.form
    state = "published" if form.get("state") == "published" else "draft"
    return ArticleFields(form.get("title", ""), form.get("body", ""), form.get("category", ""), state)


def _editor(
    context: Context, article: Article | None, fields: ArticleFields, status: int = 200, **extra: Any
) -> Response:
    return context.render(
        "article_edit.html",
        status,
        remote_images=True,  # an article's own images (https) show in the preview as they will publicly
        article=article,
        fields=fields,
        preview=to_html(fields.body),
        **{"error": None, **extra},
        **sidebar(context.session.agent),
    )
