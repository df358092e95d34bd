"""Dates printed beside the headline: "Published March 4, 2025", "Updated: 12 Nov 2025", "03/10/2023".

Pages print their date in a line just before or after the headline, and that line is what a
reader takes for the article's date; the structured metadata may be missing, or be the time a
template was last rebuilt. Only the few text nodes around the headline are read, never the body at
large, so a year mentioned in the text is never taken for the date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from extractors.dates import MONTHS, local_day
from extractors.nearby import Line, is_elsewhere

# A dateline is a short line; a longer text node is a paragraph that merely mentions a date.
MAX_DATELINE_CHARS = 80
# A date before the headline (a breadcrumb, a kicker) counts as this many text nodes further away.
PRECEDING_PENALTY = 3
# The words before a date that say what it is; they may sit in the text node before it.
MAX_LABEL_CHARS = 40
_YEAR = r"(?:19|20)\d{2}"
_ONE_DAY = timedelta(days=1)
# A month name, longest first so "september" is not read as "sep"; not followed by a letter.
_MONTH = (
    "(?:" + "|".join(re.escape(name) for name in sorted(MONTHS, key=len, reverse=True)) + r")(?![^\W\d_])"
)
# Month before the day ("Nov 3, 2024"), after it ("3 November 2024", "4. März 2025", "4 de marzo de
# 2025", "04-ago-2021"), or numbers only ("2024-11-03", "03/10/2023", "10.03.2023").
_DATE = re.compile(
    rf"\b(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>{_YEAR})\b"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th|er|\.)?(?:\s+(?:of\s+|de\s+)?|\s*-\s*)(?P<m2>{_MONTH})"
    rf"\.?(?:,?\s+(?:de\s+)?|\s*-\s*)(?P<y2>{_YEAR})\b"
    rf"|\b(?P<y3>{_YEAR})(?P<sep3>[-/.])(?P<m3>[01]?\d)(?P=sep3)(?P<d3>[0-3]?\d)\b"
    rf"|\b(?P<a>\d{{1,2}})(?P<sep>[/.\-])(?P<b>\d{{1,2}})(?P=sep)(?P<y4>{_YEAR})\b",
    re.IGNORECASE,
)
_UPDATED = re.compile(
    r"\b(?:updated|modified|reviewed|revised|edited|refreshed|aktualisiert|geändert|mis à jour"
    r"|mise à jour|actualizado|actualizada|aggiornato|atualizado|atualizada|bijgewerkt)\b",
    re.IGNORECASE,
)
# A label that names the publication ends right before the date: "Posted on", "First published:",
# "Veröffentlicht am"; "the study, published online" in a sentence is not a label.
_PUBLISHED_WORD = (
    r"\b(?:published|posted|post\s+(?:date|time)|publish\s+date|publication\s+date|date\s+(?:published|posted)"
    r"|veröffentlicht|erschienen|publié|publiée|publicado|publicada|pubblicato|gepubliceerd|geplaatst)"
)
# The words of such a label, anywhere in a text.
PUBLISHED_WORDS = re.compile(_PUBLISHED_WORD, re.IGNORECASE)
_PUBLISHED = re.compile(
    rf"{_PUBLISHED_WORD}(?:\s+(?:on|at|am|le|el|em|il|op))?\s*[:\-\u2013\u2014]?\s*$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Dateline:
    """A date printed near the headline, and whether its label calls it an update or the publication."""

    day: date
    updated: bool
    distance: int  # text nodes from the headline; negative before it
    labelled: bool = False  # "Published", "Posted", "First published" …
    swappable: bool = False  # written in numbers that read as another day too (03/10/2023)


def find_datelines(lines: list[Line], *, day_first: bool = False) -> list[Dateline]:
    """The dates in the short ``lines`` around the headline, nearest first.

    ``day_first`` reads an ambiguous 03/10/2023 as 3 October (most of the world) rather than
    March 10 (the United States); 25/10/2023 and 10.03.2023 are unambiguous either way. Month
    names are read in English, German, French, Spanish, Italian, Portuguese and Dutch. A
    ``<time>`` is dated by its text, the day its readers see (its ``datetime`` is often the UTC
    instant); its ``datetime`` decides how to read an ambiguous 03/10/2023, and dates a ``<time>``
    whose text is no date.
    """
    found: list[Dateline] = []
    for index, line in enumerate(lines):
        across = index == 0 or (lines[index - 1].distance < 0 < line.distance)
        previous = "" if across else lines[index - 1].text  # a label never reaches across the headline
        dates = list(_dates_in(line, previous, day_first))
        if dates and is_elsewhere(line.holder):
            continue  # a related story's date
        for day, label, swappable in dates:
            updated = bool(_UPDATED.search(label))
            labelled = not updated and bool(_PUBLISHED.search(label))
            found.append(Dateline(day, updated, line.distance, labelled, swappable))
    return sorted(_with_updated_pairs(found), key=_remoteness)


def _with_updated_pairs(found: list[Dateline]) -> list[Dateline]:
    """``found`` (in page order) with each unlabelled date that an "Updated" date follows labelled
    as the publication ("March 3, 2025 · Updated March 5, 2025"): the page prints its article's two
    dates side by side."""
    following = [*found[1:], None]  # the last date has none after it
    return [
        replace(line, labelled=True) if _is_followed_by_update(line, after) else line
        for line, after in zip(found, following, strict=False)
    ]


def _is_followed_by_update(line: Dateline, after: Dateline | None) -> bool:
    """``after`` is an "Updated" date in the same text node as the unlabelled ``line`` or the next."""
    unlabelled = not (line.updated or line.labelled)
    return after is not None and after.updated and unlabelled and 0 <= after.distance - line.distance <= 1


def _remoteness(line: Dateline) -> int:
    return line.distance if line.distance > 0 else PRECEDING_PENALTY - line.distance


def choose_datelines(lines: list[Dateline]) -> tuple[Dateline | None, Dateline | None]:
    """The publication dateline (the nearest labelled "Published", else the nearest not labelled as
    an update) and the nearest update dateline."""
    labelled = next((line for line in lines if line.labelled), None)
    published = labelled or next((line for line in lines if not line.updated), None)
    updated = next((line for line in lines if line.updated), None)
    return published, updated


def as_known_day(line: Dateline, known: list[date | None]) -> Dateline:
    """``line`` read with day and month the other way round (03/10/2023 as 10 March rather than
    3 October) when it is written in numbers only and that reading is a day the page states
    elsewhere (in its URL, its metadata or a ``<time datetime>``); else ``line`` as read."""
    if not line.swappable:
        return line
    swapped = date(line.day.year, line.day.day, line.day.month)
    return replace(line, day=swapped) if line.day not in known and swapped in known else line


def parse_day(text: str, *, day_first: bool = False) -> date | None:
    """The first calendar date written in ``text`` ("Nov 3, 2024", "3 November 2024", "2024-11-03",
    "4. März 2025", "4 de marzo de 2025", "04-ago-2021")."""
    found = _DATE.search(text)
    return _to_day(found, day_first) if found else None


def _dates_in(line: Line, previous: str, day_first: bool) -> Iterator[tuple[date, str, bool]]:
    """Each date in one short text node, the words before it (its label), and whether it is
    written in numbers that read as another day too."""
    text = line.text
    if len(text) > MAX_DATELINE_CHARS:
        return
    stated = _time_element_day(line)
    start = 0
    for found in _DATE.finditer(text):
        day = _to_day(found, day_first, stated)
        label = text[start : found.start()]
        if not label.strip() and start == 0 and not _DATE.search(previous):
            # the label often sits in its own element: <b>Updated</b> <span>…
            label = previous[-MAX_LABEL_CHARS:]
        if day is not None:
            yield day, label, _is_swappable(found)
        start = found.end()
    if stated is not None and start == 0:  # a <time datetime> whose text is no date ("Tuesday")
        yield stated, "" if _DATE.search(previous) else previous[-MAX_LABEL_CHARS:], False


def _is_swappable(found: re.Match[str]) -> bool:
    """``found`` is written in numbers whose day and month could be either way round (03/10/2023)."""
    first, second = found["a"], found["b"]
    return bool(first and second) and first != second and max(int(first), int(second)) <= 12


def _time_element_day(line: Line) -> date | None:
    """The day a ``<time datetime>`` holding ``line`` states in its attribute; None for other lines."""
    holder = line.holder
    if not isinstance(holder.tag, str) or holder.tag.lower() != "time":
        return None
    return local_day(holder.get("datetime"))


def _to_day(found: re.Match[str], day_first: bool, hint: date | None = None) -> date | None:
    """The day ``found`` writes; an ambiguous 03/10/2023 is read as ``hint`` says when it is one of
    its two readings (give or take the day a time zone makes), else as ``day_first`` says."""
    parts = found.groupdict()
    try:
        if parts["m1"]:
            return date(int(parts["y1"]), MONTHS[parts["m1"].lower()], int(parts["d1"]))
        if parts["m2"]:
            return date(int(parts["y2"]), MONTHS[parts["m2"].lower()], int(parts["d2"]))
        if parts["y3"]:
            return date(int(parts["y3"]), int(parts["m3"]), int(parts["d3"]))
        first, second, year = int(parts["a"]), int(parts["b"]), int(parts["y4"])
        if hint is not None and max(first, second) <= 12:
            day_first = abs(date(year, second, first) - hint) <= _ONE_DAY
        if parts["sep"] == "." or first > 12 or (day_first and second <= 12):
            first, second = second, first
        return date(year, first, second)
    except (ValueError, KeyError):
        return None
