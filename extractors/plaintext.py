"""The plain-text cleaner: a saved report's text to an article.

It reads what saved reports carry around the body: a ``date YYYY-MM-DD`` header (alone on its
line or in front of the first sentence), a headline (printed once or twice, then a blank line)
and trailing site boilerplate. A date is only ever taken from such a header, never from the
body, where years such as "2006" are history, not the publication date.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from core.dates import to_utc
from core.records import ExtractedArticle
from extractors.boilerplate import is_boilerplate, strip_boilerplate
from extractors.metadata import complete_article

LOGGER = logging.getLogger(__name__)

HEADER_SOURCE = "header"
MAX_HEADLINE_CHARS = 200
MAX_HEADLINE_WORDS = 30
_DATE_HEADER = re.compile(
    r"^\s*(?:date|dated|published)\s*:?\s*"
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
    r"(?=\s|$)\s*",
    re.IGNORECASE,
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# A paragraph ends at a line that ends a sentence or is short (a caption, a name, a heading);
# a line break after a long line that stops mid-sentence is a hard wrap.
_PARAGRAPH_END = re.compile(r"""[.!?:*]["'\u201d\u2019)\]]*$|[\u201d"]$""")
MIN_WRAPPED_LINE_CHARS = 40
_HEADLINE_END = re.compile(r"[.,;:]$")


def extract_text(text: str, *, location: str) -> ExtractedArticle | None:
    """The article in a plain-text report; None when nothing but headers and boilerplate is left."""
    lines = _normalise_lines(text)
    published, lines = take_date_header(lines)
    title, lines = take_headline(lines)
    if published is None:
        published, lines = take_date_header(lines)
    paragraphs = strip_boilerplate(split_paragraphs(lines))
    if not paragraphs:
        LOGGER.info("no article text in %s", location)
        return None
    article = ExtractedArticle(
        location=location,
        title=title,
        title_derived=False,
        text="\n\n".join(paragraphs),
        published=published,
        published_source=HEADER_SOURCE if published else None,
    )
    return complete_article(article)


def _normalise_lines(text: str) -> list[str]:
    """The lines of ``text`` without invisible characters and trailing blanks (\\r\\n and \\r read as \\n)."""
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [line.rstrip() for line in text.split("\n")]


def take_date_header(lines: list[str]) -> tuple[datetime | None, list[str]]:
    """The date of a ``date YYYY-MM-DD`` header on the first non-blank line, and the lines without it.

    Returns (None, lines) unchanged when that line has no such header or its date is impossible.
    """
    index = _first_filled(lines)
    if index is None:
        return None, lines
    found = _DATE_HEADER.match(lines[index])
    published = _header_date(found) if found else None
    if found is None or published is None:
        return None, lines
    rest = lines[index][found.end() :]
    kept = [rest] if rest.strip() else []
    return published, lines[:index] + kept + lines[index + 1 :]


def _header_date(found: re.Match[str]) -> datetime | None:
    """The UTC time a date-header match names (midnight when it has no time); None if impossible."""
    stamp = found.group("date") + "T" + (found.group("time") or "00:00") + (found.group("zone") or "")
    try:
        return to_utc(datetime.fromisoformat(stamp))
    except ValueError:
        LOGGER.info("impossible date in header: %r", found.group(0))
        return None


def take_headline(lines: list[str]) -> tuple[str | None, list[str]]:
    """The headline at the top of ``lines`` and the lines after it; (None, lines) when there is none.

    A headline is the first line when the next non-blank line repeats it, or when it is a short
    line without closing punctuation followed by a blank line and more text.
    """
    first = _first_filled(lines)
    if first is None or not _could_be_headline(lines[first]):
        return None, lines
    headline = " ".join(lines[first].split())
    second = _first_filled(lines, first + 1)
    if second is not None and " ".join(lines[second].split()) == headline:
        return headline, lines[second + 1 :]
    followed_by_blank = first + 1 < len(lines) and not lines[first + 1].strip()
    if followed_by_blank and second is not None and not _HEADLINE_END.search(headline):
        return headline, lines[first + 1 :]
    return None, lines


def _could_be_headline(line: str) -> bool:
    """True when ``line`` is short enough for a headline and is not boilerplate or a date header."""
    text = line.strip()
    return (
        len(text) <= MAX_HEADLINE_CHARS
        and len(text.split()) <= MAX_HEADLINE_WORDS
        and not is_boilerplate(text)
        and _DATE_HEADER.match(text) is None
    )


def split_paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs: blank lines separate them, and so does a line break after a sentence's end."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        text = " ".join(line.split())
        if text:
            current.append(text)
        if current and (not text or _ends_paragraph(text)):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _ends_paragraph(line: str) -> bool:
    """True when no hard wrap follows ``line``: it ends a sentence or is too short to be wrapped."""
    return len(line) < MIN_WRAPPED_LINE_CHARS or _PARAGRAPH_END.search(line) is not None


def _first_filled(lines: list[str], start: int = 0) -> int | None:
    """The index of the first non-blank line at or after ``start``; None when all are blank."""
    return next((index for index in range(start, len(lines)) if lines[index].strip()), None)
