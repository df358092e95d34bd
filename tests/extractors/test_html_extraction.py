"""HTML pages: main text, title, authors, date from metadata only, canonical URL."""

from __future__ import annotations

from datetime import UTC, datetime

from core.records import Document
from extractors import extract_document, extract_html
from extractors.webpage import split_authors

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


def test_text_after_a_premature_end_of_the_page_is_read_as_browsers_show_it() -> None:
    closed_early = PAGE.replace("<article>", "</body></html>\n<article>")
    article = extract_html(closed_early, location="https://news.example.com/world/beirut-talks")
    assert article is not None
    assert article.text == "\n\n".join(PARAGRAPHS)


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


def test_readers_comments_below_an_article_are_left_out() -> None:
    page = PAGE.replace("<footer>", COMMENTS + "<footer>").replace("</article>", MORE + "</article>")
    declared_page = page.replace("<head>", '<head><meta property="og:type" content="article">')
    for html in (page, declared_page):
        article = extract_html(html, location="https://news.example.com/world/beirut-talks")
        assert article is not None
        assert "Reader one" not in article.text and "Reader two" not in article.text
        assert article.text.startswith(PARAGRAPHS[0]) and "Diplomats from several countries" in article.text


POSTS = (
    "I have been trying to get the heater in my 2012 van to blow warm air for a week now. The fan "
    "works, but the air stays cold even after a long drive. Any ideas what to check first?",
    "Check the coolant level first. A low level leaves air in the heater core, and the core then "
    "stays cold even when the engine is warm. Bleed the system after topping it up.",
    "If the coolant is fine, the blend door actuator is the usual suspect on that model. You can "
    "hear it clicking behind the glove box when you change the temperature setting.",
    "Thanks, it was the coolant. I topped it up, bled the system as you said, and the heater is "
    "warm again. Marking this as solved.",
)


def test_a_forum_threads_posts_are_its_content() -> None:
    posts = "".join(
        f'<div class="post" id="post-{index}"><div class="post-author"><a href="/u/{index}">user{index}</a>'
        f' <span class="date">Jan {index + 3}, 2024</span></div><div class="post-body"><p>{post}</p></div>'
        '<div class="post-actions"><a href="#">Reply</a> <a href="#">Quote</a></div></div>'
        for index, post in enumerate(POSTS)
    )
    page = (
        "<html><head><title>Van heater blows cold air - Mechanics Forum</title></head><body>"
        '<nav class="forum-nav"><a href="/">Forums</a> <a href="/vans">Vans</a> '
        '<a href="/login">Log in</a></nav>'
        f'<h1>Van heater blows cold air</h1><div class="thread">{posts}</div>'
        '<footer><a href="/terms">Terms</a> <a href="/privacy">Privacy</a></footer></body></html>'
    )
    article = extract_html(page, location="https://forum.example.org/threads/van-heater.123/")
    assert article is not None
    # Every post, in order; a post's author line may come with it (WCXB's forum truth keeps it).
    positions = [article.text.find(post) for post in POSTS]
    assert -1 not in positions and positions == sorted(positions)
    for furniture in ("Forums", "Log in", "Terms", "Privacy", "Reply"):
        assert furniture not in article.text
