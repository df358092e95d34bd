"""An alert as channels get it: the message made of what the outbox holds for a claimed alert.

Every report of the story is named (a per-article alert leads with its own report, the others
follow, oldest first), each with a link and a snippet of its text around its first match in the
body. "matched:" names the words the lead report matched, as it writes them (``cease-fire``,
``negotiations`` for ``negotiat*``), not the query's terms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.records import AlertMessage, ClaimedAlert, OutboxReport, StoryArticle, TermHit, web_link

SNIPPET_CHARS = 240


def alert_message(alert: ClaimedAlert) -> AlertMessage:
    """The message of ``alert``, naming every report of its story known now."""
    reports = list(alert.reports)
    if alert.kind == "article":
        reports.sort(key=lambda report: report.article_id != alert.article_id)
    title = reports[0].title if alert.kind == "article" and reports else alert.story_title
    shown = tuple(story_article(report, alert.matched_terms) for report in reports)
    return AlertMessage(
        alert_id=alert.alert_id,
        topic=alert.topic,
        channel=alert.channel,
        kind=alert.kind,
        story_id=alert.story_id,
        story_title=title,
        matched_terms=matched_words(shown) or alert.matched_terms,
        articles=shown,
        maybe_sent=alert.maybe_sent,
        done_recipients=alert.done_recipients,
        follows=alert.follows,
        shown_outlets=alert.shown_outlets,
        shown_at=alert.shown_at,
    )


def matched_words(articles: Sequence[StoryArticle]) -> tuple[str, ...]:
    """The words the alert shows as matched: the lead report's, else the first matching report's."""
    return next((article.matched for article in articles if article.matched), ())


def story_article(report: OutboxReport, terms: Sequence[str]) -> StoryArticle:
    """One report as an alert shows it: its outlet, times, link, snippet and matched words."""
    return StoryArticle(
        report.title,
        report.location,
        report.site_name,
        report.published,
        first_seen=report.first_seen,
        link=web_link(report.canonical_url, report.location),
        snippet=snippet(report.text, terms, anchor=first_match(report.text, report.hits)),
        matched=written_forms(report.hits),
    )


def written_forms(hits: Sequence[TermHit]) -> tuple[str, ...]:
    """Each matched term once, as the report writes it (its body's form before its title's)."""
    forms: dict[str, str] = {}
    for hit in sorted(hits, key=lambda h: h.field != "text"):
        if hit.found:
            forms.setdefault(hit.term, " ".join(hit.found.split()))
    unique: dict[str, str] = {}
    for form in forms.values():
        unique.setdefault(form.casefold(), form)
    return tuple(unique.values())


def first_match(text: str, hits: Sequence[TermHit]) -> int | None:
    """The character offset of the first match in the body (title matches aside), when known."""
    offsets = [
        hit.offset
        for hit in hits
        if hit.field == "text" and hit.offset is not None and text[hit.offset :].startswith(hit.found)
    ]
    return min(offsets, default=None)


def snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS, *, anchor: int | None = None) -> str:
    """About ``width`` characters of ``text`` around ``anchor`` (a character offset), else around
    the first of ``terms`` found; cut at word boundaries, whitespace folded."""
    words = list(re.finditer(r"\S+", text))
    flat = " ".join(word.group(0) for word in words)
    first = _flat_offset(words, anchor) if anchor is not None else _first_term(flat, terms)
    start = max(0, (first or 0) - width // 3)
    if start:
        start = flat.find(" ", start) + 1 or start
    end = min(len(flat), start + width)
    if end < len(flat):
        end = flat.rfind(" ", start, end) if flat.rfind(" ", start, end) > start else end
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def _flat_offset(words: list[re.Match[str]], offset: int) -> int:
    """Where ``offset`` of the text lies once its whitespace is folded to single spaces."""
    position = 0
    for word in words:
        if word.end() > offset:
            return position + max(0, offset - word.start())
        position += len(word.group(0)) + 1
    return position


def _first_term(flat: str, terms: Sequence[str]) -> int | None:
    """The offset of the first of ``terms`` in ``flat`` (spaces and hyphens may vary, ``*`` ends a stem)."""
    first = None
    for term in terms:
        letters = [re.escape(ch) for ch in term.rstrip("*") if not ch.isspace() and ch != "-"]
        found = re.search(r"[\s\-]?".join(letters), flat, re.IGNORECASE) if letters else None
        if found and (first is None or found.start() < first):
            first = found.start()
    return first
