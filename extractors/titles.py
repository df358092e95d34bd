"""The headline of a page: its <h1> or a meta title, without the site's name.

Pages name themselves in several places (JSON-LD headline, og:title, twitter:title, <title>, the
<h1>); the meta titles often carry the site's name ("Beirut talks stall | Example News").
"""

from __future__ import annotations

import re
from typing import Any

from lxml import html as lxml_html

from extractors import jsonld

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|\u2013|\u2014|\u2022|\u00b7|::|\u00bb|~|/)\s+")
_SUFFIX_MAX_WORDS = 6
# A page's only <h1> is its headline when it has this many words (shorter ones are often a logo).
_MIN_SOLE_HEADING_WORDS = 3


def meta_titles(tree: lxml_html.HtmlElement, ld: dict[str, Any], metas: dict[str, str]) -> list[str]:
    """The distinct titles the page declares: JSON-LD headline, og:title, twitter:title, <title>."""
    titles = [
        jsonld.text_of(ld.get("headline")),
        metas.get("og:title"),
        metas.get("twitter:title"),
        " ".join(tree.findtext(".//title", default="").split()),
        metas.get("title"),
    ]
    return [title for title in dict.fromkeys(titles) if title]


def headings(tree: lxml_html.HtmlElement) -> list[str]:
    """The texts of the page's <h1> elements, in order."""
    texts = (" ".join(h1.text_content().split()) for h1 in tree.iterfind(".//h1"))
    return [text for text in texts if 0 < len(text) <= 300]


def normalise_title(text: str) -> str:
    """``text`` as lower-case words, for comparing titles that differ in case, spacing or punctuation."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def choose_title(meta_titles: list[str], headings: list[str], site_name: str | None) -> str | None:
    """The headline the reader sees: the page's only <h1> (of three words or more), else an <h1> a
    meta title starts with, else the best meta title; without the site's suffix in each case."""
    distinct = list(dict.fromkeys(headings))
    if len(distinct) == 1 and len(normalise_title(distinct[0]).split()) >= _MIN_SOLE_HEADING_WORDS:
        return strip_site_suffix(distinct[0], site_name)
    for heading in headings:
        wanted = normalise_title(heading)
        starts = any(_starts_title(normalise_title(title), wanted) for title in meta_titles)
        if wanted and len(wanted.split()) >= 2 and starts:
            return strip_site_suffix(heading, site_name)
    if meta_titles:
        return strip_site_suffix(meta_titles[0], site_name)
    return headings[0] if headings else None


def _starts_title(title: str, heading: str) -> bool:
    """``title`` is ``heading`` and a suffix; not a site name followed by a longer headline."""
    return title.startswith(heading) and len(title.split()) <= 2 * len(heading.split())


def strip_site_suffix(title: str, site_name: str | None) -> str:
    """``title`` without a trailing (or leading) " | Site name" part; unchanged when it has none."""
    site = normalise_title(site_name or "")
    separators = list(_TITLE_SEPARATORS.finditer(title))
    leading = normalise_title(title[: separators[0].start()]) if separators else ""
    if site and leading == site and len(separators) == 1:
        return title[separators[0].end() :].strip()
    for _ in range(2):
        if not separators:
            break
        cut = separators.pop()
        head, last = title[: cut.start()], normalise_title(title[cut.end() :])
        is_site = bool(site) and bool(last) and (last == site or site in last or last in site)
        short = len(last.split()) <= _SUFFIX_MAX_WORDS and len(normalise_title(head).split()) >= 3
        if not (is_site or short):
            break
        title = head
    return title.strip()
