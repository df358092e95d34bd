"""The lines around a page's headline: the short texts a reader sees just before and after it,
where pages print their dateline and byline.

The walk is lazy and bounded: it reads at most ``FOLLOWING`` text nodes after the headline and
``PRECEDING`` before it, so a long menu or body is never read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from lxml import etree
from lxml.html import HtmlElement

# Text nodes read after and before the headline: a dateline or byline sits within a few lines.
FOLLOWING = 40
PRECEDING = 12
_SKIPPED = frozenset(
    {"script", "style", "noscript", "template", "svg", "select", "option", "textarea", "button"}
)

# An XPath test: the node sits in a list of other articles (related stories, an <aside>, the
# footer), whose dates and names are not the article's. A class counts when one of its words
# starts with "related" or holds "-related" ("related-posts", "jp-relatedposts"); wider words such
# as "sidebar" also name the layout wrappers that hold the article ("content-sidebar-wrap").
ELSEWHERE = (
    "ancestor-or-self::aside or ancestor-or-self::nav or ancestor-or-self::footer or ancestor-or-self::*"
    "[contains(concat(' ', normalize-space(@class)), ' related') or contains(@class, '-related')]"
)


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank text node near the headline."""

    text: str  # whitespace collapsed
    holder: HtmlElement  # the element the text is in (for text after a closing tag, its parent)
    distance: int  # text nodes from the headline: 1, 2, … after it; -1, -2, … before it


def is_elsewhere(element: HtmlElement) -> bool:
    """``element`` is in a list of other articles, an aside or the footer, not the article (see ELSEWHERE)."""
    return bool(element.xpath(f"boolean({ELSEWHERE})"))


def lines_around(
    headline: HtmlElement, *, following: int = FOLLOWING, preceding: int = PRECEDING
) -> list[Line]:
    """The non-blank text nodes around ``headline``, in document order."""
    before = list(islice(_non_blank(_before(headline)), preceding))
    after = list(islice(_non_blank(_after(headline)), following))
    lines = [Line(text, holder, -index) for index, (text, holder) in enumerate(before, 1)]
    lines.reverse()
    lines += [Line(text, holder, index) for index, (text, holder) in enumerate(after, 1)]
    return lines


def lines_within(element: HtmlElement) -> list[Line]:
    """The non-blank text nodes inside ``element``, in document order, numbered from 1."""
    texts = _non_blank(_texts_within(element))
    return [Line(text, holder, index) for index, (text, holder) in enumerate(texts, 1)]


def _non_blank(texts: Iterator[tuple[str, HtmlElement]]) -> Iterator[tuple[str, HtmlElement]]:
    """The non-blank texts of ``texts``, with runs of whitespace collapsed."""
    for text, holder in texts:
        text = " ".join(text.split())
        if text:
            yield text, holder


def _after(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes after ``element`` (not inside it), in document order."""
    node: HtmlElement | None = element
    while node is not None:
        parent = node.getparent()
        if parent is not None:
            yield node.tail or "", parent
        for sibling in node.itersiblings():
            yield from _texts_within(sibling)
            yield sibling.tail or "", parent
        node = parent


def _before(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes before ``element`` (not its ancestors' own text after it), nearest first."""
    node: HtmlElement | None = element
    while node is not None:
        parent = node.getparent()
        for sibling in node.itersiblings(preceding=True):
            if parent is not None:
                yield sibling.tail or "", parent
            yield from _texts_backwards(sibling)
        if parent is not None and _is_visible(parent):
            yield parent.text or "", parent
        node = parent


def _texts_backwards(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes inside ``element`` from last to first, lazily."""
    if not _is_visible(element):
        return
    for child in reversed(element):
        yield child.tail or "", element
        yield from _texts_backwards(child)
    yield element.text or "", element


def _texts_within(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes inside ``element`` in document order, without scripts, styles and forms."""
    if not _is_visible(element):
        return
    skipping: HtmlElement | None = None
    for event, node in etree.iterwalk(element, events=("start", "end", "comment", "pi")):
        if skipping is not None:
            if event == "end" and node is skipping:
                skipping = None
                yield from _tail(node, element)
        elif event in ("comment", "pi"):
            yield node.tail or "", node.getparent()  # a comment's text is not shown, the text after it is
        elif event == "start":
            if _is_visible(node):
                yield node.text or "", node
            else:
                skipping = node
        else:
            yield from _tail(node, element)


def _tail(node: HtmlElement, top: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    if node is not top:
        yield node.tail or "", node.getparent()


def _is_visible(node: HtmlElement) -> bool:
    tag = node.tag
    return isinstance(tag, str) and tag.lower() not in _SKIPPED
