"""The help center: agents write articles (draft, then published), customers read and search the
published ones, and a new request's acknowledgement suggests the ones whose titles match it.

Lists, search and suggestions read the `state_updated` index, which holds titles, categories and
summaries but no bodies: one small Query, not cached, so a published article is live at once.
An article's address (`/help/<slug>`) comes from its first title and never changes. Edits are
conditional on the version the agent opened, so two agents never overwrite each other.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError

from chalicelib.desk.base.errors import Conflict, InvalidRequest, NotFound
from chalicelib.desk.base.transactions import condition_failed
from chalicelib.desk.help_center import article_rules
from chalicelib.desk.help_center.article_rules import ArticleFields, ArticleSummary
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.records import utcnow
from chalicelib.desk.ticket.tickets import get_ticket
from chalicelib.mail.threading import bare_subject
from chalicelib.models import Article, Ledger, Message, write_transaction

NUMBERED_SLUGS = 5  # `title`, `title-2` … `title-5`, then a random suffix
NOT_FOUND = "This article does not exist."


def for_agents() -> list[Article]:
    """Drafts first, then published articles, each newest change first (titles, no bodies)."""
    return [
        a
        for state in ("draft", "published")
        for a in Article.state_index.query(state, scan_index_forward=False)
    ]


def get(slug: str) -> Article:
    """Any article, draft or published (agents)."""
    if not article_rules.is_slug(slug):
        raise NotFound(NOT_FOUND)
    try:
        return Article.get(slug)
    except Article.DoesNotExist:
        raise NotFound(NOT_FOUND) from None


def published_article(slug: str) -> Article:
    """A published article; a draft is as absent to customers as a missing one."""
    article = get(slug)
    if article.state != "published":
        raise NotFound(NOT_FOUND)
    return article


def published(query: str = "") -> list[ArticleSummary]:
    """Published articles whose titles match the query's words (all for an empty query)."""
    return article_rules.search(_published(), query)


def suggestions(request_text: str) -> list[ArticleSummary]:
    """The published articles a request's words point to, best first (at most three)."""
    return article_rules.suggestions(_published(), request_text)


def create(agent: AgentProfile, fields: ArticleFields) -> Article:
    return _insert(agent, fields, source=None)


def draft_from_reply(agent: AgentProfile, number: int, message_key: str) -> Article:
    """A draft article from an agent's reply on a ticket the agent can see; the same reply always
    gives the same draft (a double click, or a second agent, opens the one already made)."""
    ticket = get_ticket(agent, number)
    try:
        message = Message.get(number, message_key)
    except Message.DoesNotExist:
        raise NotFound(f"ticket #{number} has no such message") from None
    if message.kind != "reply" or message.automatic:
        raise InvalidRequest("Only an agent's reply can become an article.")
    existing = _drafted_from(_source(number, message_key))
    if existing is not None:
        return existing
    text = (message.visible_text or message.body_text or "").strip()[: article_rules.MAX_BODY]
    title = bare_subject(ticket.subject)[: article_rules.MAX_TITLE] or f"From ticket #{number}"
    fields = article_rules.checked(ArticleFields(title=title, body=text, category="", state="draft"))
    return _insert(agent, fields, source=_source(number, message_key))


def save(slug: str, version: int, fields: ArticleFields) -> Article:
    """Change an article as of the version the agent opened; Conflict when someone saved since."""
    article = get(slug)
    if article.version != version:
        raise _changed(article)
    _apply(article, fields)
    article.updated_at = utcnow()
    try:
        article.save()  # conditional on the version read above (VersionAttribute)
    except PutError as error:
        if condition_failed(error):
            raise _changed(get(slug)) from None
        raise
    return article


def delete(slug: str, version: int) -> None:
    """Delete a draft (a published article is unpublished first: nobody removes a live page by accident)."""
    article = get(slug)
    if article.state != "draft":
        raise InvalidRequest("Unpublish the article before deleting it.")
    if article.version != version:
        raise _changed(article)
    try:
        article.delete()  # conditional on the version read above
    except DeleteError as error:
        if condition_failed(error):
            raise _changed(get(slug)) from None
        raise
    if article.source:  # the reply may become an article again
        Ledger(key=_marker_key(article.source)).delete(add_version_condition=False)


def _published() -> tuple[ArticleSummary, ...]:
    return tuple(
        ArticleSummary(
            slug=a.slug,
            title=a.title,
            category=a.category or "",
            summary=a.summary or "",
            words=frozenset(a.words or ()),
        )
        for a in Article.state_index.query("published", scan_index_forward=False)
    )


def _insert(agent: AgentProfile, fields: ArticleFields, source: str | None) -> Article:
    """Write a new article under the first free slug its title gives, with the marker of the reply
    it came from (if any) in the same transaction."""
    at = utcnow()
    for slug in _candidate_slugs(article_rules.slug_for(fields.title)):
        article = Article(slug=slug, author=agent.email, source=source, created_at=at, updated_at=at)
        _apply(article, fields)
        marker = Ledger(key=_marker_key(source), ref=slug) if source else None
        try:
            with write_transaction() as transaction:
                if marker is not None:
                    transaction.save(marker, condition=Ledger.key.does_not_exist())
                transaction.save(article, condition=Article.slug.does_not_exist())
        except TransactWriteError as error:
            if marker is not None and condition_failed(error, 0):
                drafted = _drafted_from(source or "")
                if drafted is None:
                    raise Conflict("This reply was just turned into an article; please try again.") from None
                return drafted
            if condition_failed(error, -1):
                continue  # the slug is taken: try the next one
            raise
        return article
    raise Conflict("Could not find a free address for this title; change it a little.")


def _candidate_slugs(base: str) -> Iterator[str]:
    yield base
    for n in range(2, NUMBERED_SLUGS + 1):
        yield f"{base}-{n}"
    yield f"{base}-{secrets.token_hex(3)}"


def _apply(article: Article, fields: ArticleFields) -> None:
    article.title, article.body, article.category, article.state = (
        fields.title,
        fields.body,
        fields.category,
        fields.state,
    )
    article.summary = article_rules.summary_of(fields.body)
    article.words = set(article_rules.title_words(fields.title)) or None


def _drafted_from(source: str) -> Article | None:
    """The article already made from this reply, if it still exists (a marker left without its
    article is removed, so the reply can become an article again)."""
    try:
        marker = Ledger.get(_marker_key(source))
    except Ledger.DoesNotExist:
        return None
    try:
        return Article.get(marker.ref or "")
    except Article.DoesNotExist:
        marker.delete(add_version_condition=False)
        return None


def _source(number: int, message_key: str) -> str:
    return f"{number}#{message_key}"


def _marker_key(source: str) -> str:
    return f"article-from#{source}"


def _changed(article: Article) -> Conflict:
    return Conflict(
        "Someone saved this article since you opened it: the editor shows your text, not theirs.",
        current_version=article.version,
    )
