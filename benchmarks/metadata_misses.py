"""Title and date misses of newswatch's metadata, page by page, grouped by their likely cause.

    python -m benchmarks.metadata_misses [--data DIR] [--page-type article] [--field title|date|both]

For each page whose title or date does not match the ground truth (scored as
``benchmarks.extraction`` scores them) it prints the page id, the truth, newswatch's answer, its
provenance and the page's candidates (the <h1>s and meta titles; the structured, URL and
printed dates), then a count of misses per cause. The causes are read off the page, so they say
where the answer was available, not why the extractor missed it. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import calendar
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.extraction import DEFAULT_DATA, Page, _norm, date_matches, load_pages, title_matches
from extractors import extract
from extractors.dates import date_from_url, local_day
from extractors.decoding import decode_content
from extractors.pagemeta import json_ld_article, meta_tags
from extractors.titles import headings, meta_titles
from extractors.webpage import parse_html

_LD_DATE = re.compile(r'"(datePublished|dateModified|dateCreated|uploadDate)"\s*:\s*"([^"]+)"')
_MONTH_NAMES = [name.lower() for name in calendar.month_name[1:]]


@dataclass(frozen=True, slots=True)
class Miss:
    """One metadata field that does not match the ground truth on one page."""

    page_id: str
    field: str  # "title" or "date"
    truth: str
    ours: str
    provenance: str
    cause: str
    candidates: str


def find_misses(pages: list[Page], fields: set[str]) -> Iterator[Miss]:
    """The title and date misses on ``pages``, in page order."""
    for page in pages:
        try:
            article = extract(page.html, url=page.url)
        except Exception as exc:  # a broken page is one more miss to look at
            print(f"  newswatch failed on {page.page_id}: {exc!r}", file=sys.stderr)
            article = None
        if "title" in fields and page.title and not title_matches(article and article.title, page.title):
            yield _title_miss(page, article)
        day = _day_of(article)
        if "date" in fields and page.date and not date_matches(day, page.date):
            yield _date_miss(page, article, day)


def _day_of(article: Any) -> date | None:
    if article is None or article.published is None:
        return None
    return article.published_day or article.published.date()  # type: ignore[no-any-return]


def _title_miss(page: Page, article: Any) -> Miss:
    tree = parse_html(decode_content(page.html, location=page.page_id, media_type="text/html"), page.page_id)
    titles = meta_titles(tree, json_ld_article(tree) or {}, meta_tags(tree))
    heads = headings(tree)
    ours = (article.title if article else None) or ""
    provenance = _title_provenance(ours, heads, titles)
    candidates = " || ".join([*(f"h1: {h}" for h in heads[:3]), *(f"meta: {t}" for t in titles)])
    return Miss(
        page.page_id,
        "title",
        page.title or "",
        ours,
        provenance,
        _title_cause(page.title or "", ours, heads, titles),
        candidates,
    )


def _title_provenance(ours: str, heads: list[str], titles: list[str]) -> str:
    """Which candidate the chosen title was taken from, as far as its words tell."""
    got = _norm(ours)
    if not got:
        return "-"
    if any(_norm(heading) == got for heading in heads):
        return "h1"
    if any(_norm(title) == got for title in titles):
        return "meta"
    if any(got in _norm(candidate) for candidate in [*heads, *titles]):
        return "part of a candidate"
    return "derived"


def _title_cause(truth: str, ours: str, heads: list[str], titles: list[str]) -> str:
    want, got = _norm(truth), _norm(ours)
    if not got:
        return "no title"
    if got.startswith(want):
        return "ours has extra words after the truth (suffix kept)"
    if got.endswith(want):
        return "ours has extra words before the truth (prefix, kicker kept)"
    if want.startswith(got) or want.endswith(got):
        return "ours is cut short (over-stripped or truncated)"
    if any(_norm(h) == want for h in heads):
        return "truth is an <h1>, another candidate was chosen"
    if any(_norm(t) == want for t in titles):
        return "truth is a meta title as given"
    if any(want in _norm(t) for t in [*heads, *titles]):
        return "truth is part of a candidate (separator not cut)"
    return "truth is in no candidate"


def _date_miss(page: Page, article: Any, day: date | None) -> Miss:
    text = page.html.decode("utf-8", "replace")
    structured = [f"{name}={value}" for name, value in _LD_DATE.findall(text)][:4]
    url_date = date_from_url(page.url)
    modified = article.modified.date() if article and article.modified else None
    candidates = " || ".join(
        [*structured, f"url={url_date.date() if url_date else '-'}", f"modified={modified or '-'}"]
    )
    provenance = (article.published_source if article else None) or "-"
    cause = _date_cause(page.date or "", day, modified, text, url_date.date() if url_date else None)
    return Miss(page.page_id, "date", page.date or "", str(day or "-"), provenance, cause, candidates)


def _date_cause(truth: str, ours: date | None, modified: date | None, html: str, url_day: date | None) -> str:
    wanted = local_day(truth[:10]) if len(truth) >= 10 else None
    if wanted is None:
        return "truth gives only a month" if truth else "no truth"
    if modified == wanted:
        return "truth is our modified date"
    if ours is not None and abs(ours - wanted) == timedelta(days=1):
        return "one day off (time zone)"
    if url_day == wanted:
        return "truth is the URL's date"
    if not _spelled_in(wanted, html):
        return "truth is not written in the page"
    return "no date found" if ours is None else "truth is written in the page, another date was chosen"


def _spelled_in(day: date, html: str) -> bool:
    """``day`` is written in ``html`` in a common form (ISO, numeric with dots, slashes or dashes, or
    with an English month name, its day maybe an ordinal: "December 15th 2025")."""
    month = _MONTH_NAMES[day.month - 1]
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month:02d}/{day.day:02d}",
        rf"\b0?{day.day}[./-]0?{day.month}[./-]{day.year}",
        rf"\b0?{day.month}[./-]0?{day.day}[./-]{day.year}",
        rf"{month[:3]}\w*\.?\s+0?{day.day}(?:st|nd|rd|th)?\b\D{{0,12}}{day.year}",
        rf"\b0?{day.day}(?:st|nd|rd|th)?\.?\s+(?:de\s+)?{month[:3]}\w*\.?,?\s+(?:de\s+)?{day.year}",
    ]
    return any(re.search(form, html, re.IGNORECASE) for form in forms)


def print_misses(misses: list[Miss]) -> None:
    """Each miss on three lines, then the count of misses per field and cause."""
    for miss in misses:
        print(f"{miss.page_id} {miss.field:<5} [{miss.cause}]")
        print(f"    truth: {miss.truth!r}\n    ours:  {miss.ours!r} ({miss.provenance})")
        print(f"    page:  {miss.candidates[:400]}")
    print()
    for (name, cause), count in sorted(Counter((m.field, m.cause) for m in misses).items()):
        print(f"{count:>5}  {name:<6}{cause}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--page-type", default="article", help="only pages of this type ('' = all)")
    parser.add_argument("--field", choices=("title", "date", "both"), default="both")
    parser.add_argument("--limit", type=int, default=0, help="pages (0 = all)")
    args = parser.parse_args(argv)
    pages = load_pages(args.data, args.limit or None, args.page_type or None)
    fields = {"title", "date"} if args.field == "both" else {args.field}
    misses = list(find_misses(pages, fields))
    print_misses(misses)
    counts = Counter(miss.field for miss in misses)
    print(json.dumps({"pages": len(pages), "misses": dict(counts)}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
