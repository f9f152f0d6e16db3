"""Help-center rules: addresses, field checks, summaries, title search and request suggestions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.help_center.article_rules import (
    MAX_SLUG,
    MAX_SUGGESTIONS,
    ArticleFields,
    ArticleSummary,
    checked,
    is_slug,
    search,
    slug_for,
    suggestions,
    summary_of,
    title_words,
)


def article(title: str, slug: str = "") -> ArticleSummary:
    return ArticleSummary(slug or slug_for(title), title, "", "", title_words(title))


ARTICLES = [
    article("How do I reset my password?"),
    article("Shipping times to Europe"),
    article("Cancel or change an order"),
    article("Refunds and returns"),
    article("Two-factor authentication"),
]


def test_slugs_are_readable_ascii_and_never_empty():
    assert slug_for("How do I reset my password?") == "how-do-i-reset-my-password"
    assert slug_for("Crème brûlée  &  Äpfel") == "creme-brulee-apfel"
    assert slug_for("???") == slug_for("日本語") == "article"
    assert slug_for("New") == "new-article"  # /articles/new is the editor


@given(st.text(max_size=300))
def test_every_title_gives_a_slug_the_router_accepts(title):
    slug = slug_for(title)
    assert is_slug(slug) and len(slug) <= MAX_SLUG and not slug.endswith("-")


def test_paths_that_are_not_slugs_are_refused():
    for bad in ("", "../etc", "A-Upper", "-dash", "x" * 200, "a b", "a%2Fb"):
        assert not is_slug(bad)


def test_fields_are_trimmed_and_checked_by_name():
    fields = checked(ArticleFields("  Reset   your password ", " Body \n", "  Account ", "published"))
    assert (fields.title, fields.body, fields.category) == ("Reset your password", "Body", "Account")
    for args, field in [
        (("", "b", "", "draft"), "title"),
        (("t" * 151, "b", "", "draft"), "title"),
        (("t", "b", "c" * 61, "draft"), "category"),
        (("t", "b" * 60_001, "", "draft"), "body"),
        (("t", "  ", "", "published"), "body"),
        (("t", "b", "", "live"), "state"),
    ]:
        with pytest.raises(InvalidRequest) as refused:
            checked(ArticleFields(*args))
        assert refused.value.details["field"] == field
    assert checked(ArticleFields("t", "", "", "draft")).body == ""  # a draft may be empty


def test_summaries_are_plain_text_and_short():
    body = (
        "# Title\n\nClick **Reset** on [the sign-in page](https://x.test).\n\n![shot](https://i.test/a.png)"
    )
    assert summary_of(body) == "Title Click Reset on the sign-in page."
    assert summary_of("Open **My orders**, set `max_items` to _5_.") == "Open My orders, set max_items to 5."
    long = summary_of("word " * 200)
    assert long.endswith(" …") and len(long) <= 182


def test_search_needs_every_query_word_as_a_title_word_start():
    assert [a.title for a in search(ARTICLES, "pass")] == ["How do I reset my password?"]
    assert [a.title for a in search(ARTICLES, "reset PASSWORDS")] == []  # "passwords" starts no word
    assert [a.title for a in search(ARTICLES, "Réset password")] == ["How do I reset my password?"]
    assert search(ARTICLES, "reset shipping") == []
    assert search(ARTICLES, "how") == []  # a question word alone finds nothing, not everything
    assert search(ARTICLES, "  ") == ARTICLES


def test_suggestions_rank_by_title_words_found_in_the_request():
    request = "Hello, I forgot my passwords and cannot reset it. Also when will my order ship?"
    found = suggestions(ARTICLES, request)
    assert [a.title for a in found] == ["How do I reset my password?", "Cancel or change an order"]
    assert suggestions(ARTICLES, "Hi, how are you? What do you do?") == []


@given(st.text(max_size=2000))
def test_never_more_than_three_suggestions_and_each_shares_a_word(request):
    found = suggestions(ARTICLES * 3, request)
    assert len(found) <= MAX_SUGGESTIONS
    assert all(a in ARTICLES for a in found)
