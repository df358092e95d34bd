"""HTML pages through trafilatura: text, title, authors, date from metadata only, canonical URL."""

from __future__ import annotations

from datetime import UTC, datetime

from core.records import Document
from extractors import extract_document, extract_html
from extractors.html import split_authors

PARAGRAPHS = (
    "The talks in Beirut stalled again on Friday, officials said, as negotiators failed to agree on "
    "the terms of a truce that would end more than a year of fighting along the border.",
    "Resolution 1701, adopted in 2006 after a month-long war, remains the basis of any agreement, "
    "diplomats said. Both sides have said they want to avoid a wider war in the region.",
    "The envoy is expected to return to the region next week for a further round of talks with the "
    "government and the speaker of parliament, who mediates with the armed group.",
)
PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Beirut talks stall | Example News</title>
<meta property="og:title" content="Beirut talks stall">
<meta property="og:site_name" content="Example News">
<meta property="og:url" content="https://news.example.com/world/beirut-talks?utm_source=feed&amp;id=7">
<meta name="author" content="Jane Doe and John Smith">
<meta property="article:published_time" content="2024-11-01T08:30:00+02:00">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Beirut talks stall</h1>
{"".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)}
</article>
<section class="comments"><h3>Leave a Reply</h3><p>Your email address will not be published.</p></section>
<footer>Copyright 2019 Example News</footer>
</body></html>"""

PUBLISHED_META = '<meta property="article:published_time" content="2024-11-01T08:30:00+02:00">'
UNDATED_PAGE = PAGE.replace(PUBLISHED_META, "")


def test_page_text_and_metadata() -> None:
    article = extract_html(PAGE, location="https://news.example.com/world/beirut-talks")
    assert article is not None
    assert article.title == "Beirut talks stall"
    assert article.title_derived is False
    assert article.text == "\n\n".join(PARAGRAPHS)
    assert article.authors == ("Jane Doe", "John Smith")
    assert article.published == datetime(2024, 11, 1, 6, 30, tzinfo=UTC)
    assert article.published_source == "meta"
    assert article.site_name == "Example News"
    assert article.canonical_url == "https://news.example.com/world/beirut-talks?id=7"
    assert article.language == "en"
    assert article.word_count > 60


def test_no_date_from_the_body_year() -> None:
    article = extract_html(UNDATED_PAGE, location="/saved/beirut-talks.html")
    assert article is not None
    assert article.published is None
    assert article.published_source is None
    assert "2006" in article.text


def test_html_document_bytes_are_decoded_and_dispatched() -> None:
    document = Document(
        source="test",
        location="https://news.example.com/world/beirut-talks",
        content=PAGE.encode("utf-8"),
        media_type="text/html; charset=utf-8",
        retrieved_at=datetime(2024, 11, 2, tzinfo=UTC),
    )
    article = extract_document(document)
    assert article is not None
    assert article.title == "Beirut talks stall"


def test_page_without_main_text_is_none() -> None:
    page = "<html><head><title>Index</title></head><body><nav><a href='/a'>A</a></nav></body></html>"
    assert extract_html(page, location="https://news.example.com/") is None


def test_split_authors() -> None:
    assert split_authors("Jane Doe; John Smith") == ("Jane Doe", "John Smith")
    assert split_authors("By Jane Doe, John Smith & Ann Lee") == ("Jane Doe", "John Smith", "Ann Lee")
    assert split_authors("Jane Doe; Jane Doe") == ("Jane Doe",)
    assert split_authors(None) == ()
    assert split_authors("Alexandra Anderson") == ("Alexandra Anderson",)


COMMENTS = (
    '<div id="comments" class="comments"><ol class="comment-list">'
    '<li class="comment"><p>Reader one thinks the envoy should have stayed a week longer.</p></li>'
    '<li class="comment"><p>Reader two doubts that the truce will hold beyond the end of the winter.</p></li>'
    "</ol></div>"
)


MORE = (
    "<p>Diplomats from several countries met in Paris earlier in the week to prepare the ground for the "
    "talks, and their proposals were shared with both delegations before the meeting began.</p>"
)


def test_readers_comments_are_left_out_of_a_declared_article() -> None:
    page = PAGE.replace("<footer>", COMMENTS + "<footer>").replace("</article>", MORE + "</article>")
    article_page = page.replace("<head>", '<head><meta property="og:type" content="article">')
    declared = extract_html(article_page, location="https://news.example.com/world/beirut-talks")
    undeclared = extract_html(page, location="https://news.example.com/world/beirut-talks")
    assert declared is not None and undeclared is not None
    assert "Reader one" not in declared.text
    assert "Reader one" in undeclared.text  # a thread's replies may be its content


def test_a_short_declared_article_keeps_its_discussion() -> None:
    page = PAGE.replace("<footer>", COMMENTS + "<footer>")  # under 100 words: a link post
    article_page = page.replace("<head>", '<head><meta property="og:type" content="article">')
    article = extract_html(article_page, location="https://news.example.com/world/beirut-talks")
    assert article is not None
    assert "Reader one" in article.text
