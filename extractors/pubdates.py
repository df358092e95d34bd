"""When a page was published and last modified, weighed from every place that states it.

Publication, in order of trust:

1. JSON-LD ``datePublished``, the publication meta tags, microdata (provenance "json-ld", "meta"),
   unless a dateline printed right beside the headline, or labelled "Published" / "Posted" near
   it, or a ``<time pubdate>`` anywhere, is two days or more *earlier*: a structured date later
   than the printed one is the time a site's template or CMS last rebuilt the page; or two days
   or more *later*, when the page states a modification date that the dateline is not either:
   the page shows neither structured date, and the publication one is an import's or a template's;
2. the dateline beside the headline, when it is not labelled as an update ("byline"); one labelled
   "Published" comes before an unlabelled one; dates in lists of related stories do not count;
3. a ``<time datetime>`` in the article's header ("byline"), one outside lists of related stories
   first, looked up only when reached; then a dateline labelled "Published" / "Posted", or
   printed right before an "Updated" one ("December 3, 2025. Updated: December 7, 2025"),
   anywhere on the page outside such lists ("byline"), looked up only when reached;
4. a dateline labelled "Updated …" when the page states no other date: the page was public by then
   ("byline"; it is the modification time as well);
5. the date in the URL ("url").

A dateline labelled "Updated" never replaces a structured publication date: a report first
published in June and revised in December was published in June, and that is what tells a new
report from an old one. It becomes the modification time when the metadata has none.

Each date keeps the calendar day of the page's own time zone: the day written in the value, or,
when a structured time is within a day of the day the headline or the URL prints, that printed day
(the time was written in UTC for a page whose readers were hours behind or ahead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from extractors.datelines import Dateline, choose_datelines
from extractors.dates import local_day, parse_date

BYLINE, URL = "byline", "url"
# A printed date this much earlier than the structured one means the structured one is a rebuild...
REBUILD_GAP = timedelta(days=2)
# ...when it is printed this close to the headline (text nodes before, after it); further away it
# may be a related article's date or a table's.
CLOSE_BEFORE, CLOSE_AFTER = 4, 10


@dataclass(frozen=True, slots=True)
class Dated:
    """A point in time (UTC), where the page stated it, and its calendar day on the page."""

    moment: datetime
    source: str
    day: date


def publication(
    stated: Dated | None,
    lines: list[Dateline],
    *,
    header_time: Callable[[], str | None] = lambda: None,
    labelled_anywhere: Callable[[], date | None] = lambda: None,
    url_day: date | None = None,
    modified_day: date | None = None,
) -> Dated | None:
    """The publication date of a page, ``stated`` being its structured one (see ``first_dated`` and
    the module's docstring); None when it states none."""
    printed, update = choose_datelines(lines)
    if stated is not None:
        if printed is not None and _outweighs(printed, stated.day, modified_day):
            return _from_day(printed.day, BYLINE)
        return _with_page_day(stated, [printed.day if printed else None, url_day])
    if printed is not None:
        return _from_day(printed.day, BYLINE)
    in_header = first_dated([(header_time(), BYLINE)])
    if in_header is not None:
        return in_header
    labelled = labelled_anywhere()
    if labelled is not None:
        return _from_day(labelled, BYLINE)
    if update is not None:
        return _from_day(update.day, BYLINE)
    return _from_day(url_day, URL) if url_day else None


def modification(stated: Dated | None, lines: list[Dateline]) -> Dated | None:
    """The last modification: ``stated`` (structured metadata), else a dateline labelled "Updated";
    None if neither."""
    if stated is not None:
        return stated
    _printed, update = choose_datelines(lines)
    return _from_day(update.day, BYLINE) if update else None


def first_dated(candidates: Iterable[tuple[str | None, str]]) -> Dated | None:
    """The first of (value, provenance) ``candidates`` that is a plausible date; None if none is."""
    for value, source in candidates:
        moment = parse_date(value)
        if moment is not None:
            return Dated(moment, source, local_day(value) or moment.date())
    return None


def _outweighs(printed: Dateline, stated: date, modified: date | None) -> bool:
    """The trusted ``printed`` dateline, not labelled as an update, dates the page rather than the
    ``stated`` publication day: it is two days or more earlier (the structured date is a rebuild's),
    or two days or more later and the page states a ``modified`` day that it is not (so it is no
    revision date printed without its label; the structured date is an import's or a template's)."""
    if not _is_trusted(printed):
        return False
    earlier = printed.day <= stated - REBUILD_GAP
    later = printed.day >= stated + REBUILD_GAP
    return earlier or (later and modified is not None and printed.day != modified)


def _is_trusted(line: Dateline) -> bool:
    """``line`` is the page's own dateline: labelled "Published", or printed close to the headline."""
    return line.labelled or -CLOSE_BEFORE <= line.distance <= CLOSE_AFTER


def _from_day(day: date, source: str) -> Dated:
    return Dated(datetime(day.year, day.month, day.day, tzinfo=UTC), source, day)


def _with_page_day(stated: Dated, printed_days: list[date | None]) -> Dated:
    """``stated`` with the day the page prints, when that is the same moment seen from another zone."""
    utc_day = stated.moment.date()
    if stated.day != utc_day:
        return stated  # the value carried its own offset: its day is the page's day
    for day in printed_days:
        if day is not None and day != stated.day and abs(day - utc_day) <= timedelta(days=1):
            return Dated(stated.moment, stated.source, day)
    return stated
