"""Help-center articles as values: their address (slug), field rules, list summary, and the word
match behind the public search and the acknowledgement's suggestions. Pure: no I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.base.words import words

STATES = ("draft", "published")
MAX_TITLE = 150
MAX_CATEGORY = 60
MAX_BODY = 60_000  # characters of Markdown: the item stays far below DynamoDB's 400 KB
MAX_SLUG = 60
SUMMARY_CHARS = 180
MAX_SUGGESTIONS = 3
MAX_REQUEST_WORDS = 300  # of a request's text compared with titles: enough for any question
# Words that carry no topic in a question or a title ("How do I …", "Why can't …").
_QUESTION_WORDS = frozenset(
    re.split(
        r"\s+",
        "about after also can cannot could did do does get got how if into just know need over than "
        "that there these they what when where which who why will would",
    )
)
_STEM = 5  # "passwords" and "password" are one word to a match; "reset" and "resetting" too
_RESERVED_SLUGS = frozenset({"new"})  # /articles/new is the editor of a new article
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"[*`~]+|(?<!\w)_+|_+(?!\w)")  # `snake_case` keeps its underscore
_MARKDOWN_NOISE = re.compile(r"[#>|]+|^\s*[-+]\s+|^\s*\d+\.\s+", re.MULTILINE)


@dataclass(frozen=True)
class ArticleFields:
    """What an agent edits, checked."""

    title: str
    body: str
    category: str
    state: str


@dataclass(frozen=True)
class ArticleSummary:
    """An article as lists, search results and suggestions show it (what the state index holds)."""

    slug: str
    title: str
    category: str
    summary: str
    words: frozenset[str]


def checked(fields: ArticleFields) -> ArticleFields:
    """The fields as typed, trimmed, or an InvalidRequest that names the field to fix."""
    title, category, body = (
        " ".join(fields.title.split()),
        " ".join(fields.category.split()),
        fields.body.strip(),
    )
    state = fields.state
    if not title:
        raise InvalidRequest("An article needs a title.", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidRequest(f"The title is longer than {MAX_TITLE} characters.", field="title")
    if len(category) > MAX_CATEGORY:
        raise InvalidRequest(f"The category is longer than {MAX_CATEGORY} characters.", field="category")
    if len(body) > MAX_BODY:
        raise InvalidRequest(f"The article is longer than {MAX_BODY:,} characters.", field="body")
    if state not in STATES:
        raise InvalidRequest("state must be draft or published", field="state")
    if state == "published" and not body:
        raise InvalidRequest("An article needs some text before it is published.", field="body")
    return ArticleFields(title=title, body=body, category=category, state=state)


def slug_for(title: str) -> str:
    """A readable address from the title: `How do I reset my password?` → `how-do-i-reset-my-password`."""
    folded = unicodedata.normalize("NFKD", title.lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:MAX_SLUG].rstrip("-")
    return "article" if not slug else f"{slug}-article" if slug in _RESERVED_SLUGS else slug


def is_slug(value: str) -> bool:
    """Whether a path segment can name an article (anything else is a plain 404)."""
    return bool(re.fullmatch(rf"[a-z0-9][a-z0-9-]{{0,{MAX_SLUG + 8}}}", value))


def summary_of(body: str) -> str:
    """The first words of the Markdown as plain text, for lists and search results."""
    plain = _EMPHASIS.sub("", _MARKDOWN_NOISE.sub(" ", _LINK.sub(r"\1", _IMAGE.sub(" ", body))))
    text = " ".join(plain.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    return text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"


def title_words(title: str) -> frozenset[str]:
    """The words a title is found by: searchable words without question words."""
    return frozenset(w for w in words(title) if w not in _QUESTION_WORDS)


def _stems(found: Iterable[str]) -> set[str]:
    return {word[:_STEM] for word in found}


def search(articles: Iterable[ArticleSummary], query: str) -> list[ArticleSummary]:
    """Articles whose title has every word of the query (a query word may be the start of a title
    word: `pass` finds `password`), in the order given; all of them for an empty query."""
    if not query.strip():
        return list(articles)
    wanted = [w for w in words(query) if w not in _QUESTION_WORDS]
    return [a for a in articles if wanted and all(any(t.startswith(w) for t in a.words) for w in wanted)]


def suggestions(articles: Iterable[ArticleSummary], request: str) -> list[ArticleSummary]:
    """Up to MAX_SUGGESTIONS articles whose title words appear in the request, best first: most
    title words matched, then the largest share of the title matched."""
    asked = _stems(words(request)[:MAX_REQUEST_WORDS])
    scored = []
    for position, article in enumerate(articles):
        title = _stems(article.words)
        matched = len(title & asked)
        if matched:
            scored.append((-matched, -matched / len(title), position, article))
    return [article for *_, article in sorted(scored, key=lambda s: s[:3])[:MAX_SUGGESTIONS]]
