"""Author names from bylines and metadata: no "By", no dates, no job titles, no duplicates.

``byline_names`` reads the byline printed near the headline: a line that starts "By", "Written
by", "Author:" (the names follow, in the same line or the next), or a name inside an element the
page marks as its author's (class "author" or "byline", rel="author", a link to /author/…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml.html import HtmlElement

from extractors.datelines import parse_day
from extractors.nearby import Line

_PREFIX = re.compile(r"^(?:(?:written|posted|published|reported|words|story|text|article)\s+)?by[:\s]+", re.I)
_SEPARATORS = re.compile(
    r"\s*(?:;|\||\n|&|\u00b7|\u2022|\band\b|\bund\b|\bet\b|\by\b|,)\s*|\s+[-\u2013\u2014]\s+", re.IGNORECASE
)
_EMAIL = re.compile(r"\S+@\S+")
_DATE_TAIL = re.compile(
    r"\s*(?:[-\u2013\u2014|,]\s*)?(?:updated|published|posted|on)?\s*(?:\d{1,2}\s+)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d.*$|\s*\d{4}-\d{2}-\d{2}.*$",
    re.IGNORECASE,
)
# Parts that are a credential or a role, not a name.
_CREDENTIAL = re.compile(r"^(?:Ph\.?\s?D\.?|M\.?D\.?|Jr\.?|Sr\.?|[A-Z]{2,6}(?:-[A-Z0-9]+)?(?:\s\d+)?)$")
_ROLE = re.compile(
    r"\b(?:editor|writer|reporter|correspondent|contributor|columnist|author|director|manager|"
    r"expert|officer|founder|ceo|head of|producer|analyst|journalist|editorial|min(?:ute)?s? read)\b",
    re.IGNORECASE,
)
# Words that a byline's label, a date or a link carries, never a name.
_NOT_NAME_WORDS = frozenset(
    (
        "by",
        "written",
        "authored",
        "researched",
        "reviewed",
        "published",
        "updated",
        "posted",
        "sponsored",
        "article",
        "articles",
        "authors",
        "guide",
        "get",
        "find",
        "touch",
        "released",
        "our",
        "your",
        "this",
        "from",
        "on",
        "in",
        "at",
        "of",
        "share",
        "follow",
        "view",
        "all",
        "posts",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    )
)
# Alone, these name an account or a desk, not a person ("admin" is WordPress's first user).
_ACCOUNT_NAMES = frozenset({"staff", "team", "admin", "administrator", "webmaster", "editor", "guest"})
MAX_NAME_CHARS = 60


def choose_authors(
    structured: list[tuple[str, bool]],
    meta_names: list[str],
    byline: tuple[str, ...],
    site_names: Iterable[str | None],
) -> tuple[str, ...]:
    """People before organisations: the JSON-LD authors typed as people (not the site itself), else
    the byline printed near the headline, else the author meta tags, else the organisation named as
    author. ``structured`` holds (name, is an organisation) pairs."""
    sites = {_compact(site) for site in site_names if site}
    people = clean_authors(name for name, organisation in structured if not organisation)
    people = tuple(name for name in people if _compact(name) not in sites)
    return people or byline or clean_authors(meta_names) or clean_authors(name for name, _ in structured)


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def clean_authors(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct author names from raw author strings ("By A and B", "A, Staff Writer"), in order."""
    names: list[str] = []
    for value in values:
        text = _DATE_TAIL.sub("", " ".join(_EMAIL.sub(" ", value).split()))
        for part in _SEPARATORS.split(_PREFIX.sub("", text)):
            name = _PREFIX.sub("", part.strip(" .:-\u2013\u2014@")).strip()
            if _is_name(name):
                names.append(name)
    return tuple(dict.fromkeys(names))


def _is_name(text: str) -> bool:
    if not text or len(text) > MAX_NAME_CHARS or text.startswith(("http://", "https://")):
        return False
    if not re.search(r"[^\W\d_]", text) or re.search(r"\d", text) or len(text.split()) > 6:
        return False
    words = text.casefold().split()
    if any(word in _NOT_NAME_WORDS for word in words) or (len(words) == 1 and words[0] in _ACCOUNT_NAMES):
        return False
    return _CREDENTIAL.match(text) is None and _ROLE.search(text) is None


# How far from the headline a byline is looked for (text nodes after it, before it).
BYLINE_AFTER, BYLINE_BEFORE = 12, 4
# Ancestors of a text looked at for an author marking (class, rel, itemprop, a link to /author/).
_AUTHOR_ANCESTORS = 3
_BYLINE_LABEL = re.compile(
    r"^(?:(?:written|posted|published|reported|words|story|text|article|recipe|interview)\s+)?by\b\s*:?\s*"
    r"|^(?:authors?|writers?|contributors?)\s*[:\-]\s*|^(?:authors?|writers?)$",
    re.IGNORECASE,
)
_BY_AFTER_DATE = re.compile(r"\s+by\s+", re.IGNORECASE)
_CONNECTORS = frozenset({"and", "&", ",", "with", "und", "et", "y"})
_AUTHOR_MARK = re.compile(r"author|byline|writer|contributor", re.IGNORECASE)
_AUTHOR_LINK = re.compile(r"/(?:authors?|people|staff|contributors?|writers?|profiles?|team)/", re.IGNORECASE)


def byline_names(lines: list[Line]) -> tuple[str, ...]:
    """The author names printed near the headline (nearest byline first); () when there is none."""
    window = [line for line in lines if -BYLINE_BEFORE <= line.distance <= BYLINE_AFTER]
    for index in sorted(range(len(window)), key=lambda i: _remoteness(window[i])):
        rest, last = _after_label(window, index)
        names = clean_authors([rest]) if rest and len(rest) <= 2 * MAX_NAME_CHARS else ()
        if not names and rest is None:
            names, last = _marked_name(window[index]), index
        if names:
            return names + _more_names(window, last)
    return ()


def _remoteness(line: Line) -> int:
    return line.distance if line.distance > 0 else 2 - line.distance


def _after_label(window: list[Line], index: int) -> tuple[str | None, int]:
    """The text after a byline label in ``window[index]`` ("By Jane Doe"), or the next line when
    the label stands alone ("Written by" + "Jane Doe"), and the index of the line it ends in;
    (None, index) when the line has no label."""
    text = window[index].text
    label = _BYLINE_LABEL.match(text)
    if label is None:
        parts = _BY_AFTER_DATE.split(text, maxsplit=1)
        if len(parts) != 2 or parse_day(parts[0]) is None:  # "January 20th, 2025 by JWU"
            return None, index
        return parts[1], index
    rest = text[label.end() :]
    if not rest.strip() and index + 1 < len(window):
        return window[index + 1].text, index + 1
    return rest, index


def _marked_name(line: Line) -> tuple[str, ...]:
    """The name in ``line`` when the page marks the element holding it as its author's."""
    if len(line.text) > MAX_NAME_CHARS or not _is_marked(line.holder):
        return ()
    names = clean_authors([line.text])
    return names if len(names) == 1 and names[0][:1].isupper() else ()


def _is_marked(element: HtmlElement | None) -> bool:
    for _ in range(_AUTHOR_ANCESTORS):
        if element is None:
            return False
        marks = " ".join(element.get(key, "") for key in ("class", "id", "rel", "itemprop"))
        if _AUTHOR_MARK.search(marks) or _AUTHOR_LINK.search(element.get("href", "")):
            return True
        element = element.getparent()
    return False


def _more_names(window: list[Line], last: int) -> tuple[str, ...]:
    """Further authors joined by "and", "&" or a comma, in the lines after ``window[last]``."""
    names: list[str] = []
    position = last + 1
    while position + 1 < len(window) and window[position].text.strip(" ,").lower() in _CONNECTORS:
        found = clean_authors([window[position + 1].text])
        if len(found) != 1 or len(window[position + 1].text) > MAX_NAME_CHARS:
            break
        names.append(found[0])
        position += 2
    return tuple(names)
