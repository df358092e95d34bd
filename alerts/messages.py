"""An alert as channels get it: the message made of what the outbox holds for a claimed alert.

Every report of the story is named (a per-article alert leads with its own report, the others
follow, oldest first), each with a link and a snippet of its text around the first matched term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.records import AlertMessage, ClaimedAlert, OutboxReport, StoryArticle, web_link

SNIPPET_CHARS = 240


def alert_message(alert: ClaimedAlert) -> AlertMessage:
    """The message of ``alert``, naming every report of its story known now."""
    reports = list(alert.reports)
    if alert.kind == "article":
        reports.sort(key=lambda report: report.article_id != alert.article_id)
    title = reports[0].title if alert.kind == "article" and reports else alert.story_title
    return AlertMessage(
        alert_id=alert.alert_id,
        topic=alert.topic,
        channel=alert.channel,
        kind=alert.kind,
        story_id=alert.story_id,
        story_title=title,
        matched_terms=alert.matched_terms,
        articles=tuple(story_article(report, alert.matched_terms) for report in reports),
        maybe_sent=alert.maybe_sent,
        done_recipients=alert.done_recipients,
        follows=alert.follows,
        shown_outlets=alert.shown_outlets,
        shown_at=alert.shown_at,
    )


def story_article(report: OutboxReport, terms: Sequence[str]) -> StoryArticle:
    """One report as an alert shows it: its outlet, times, link and snippet."""
    return StoryArticle(
        report.title,
        report.location,
        report.site_name,
        report.published,
        first_seen=report.first_seen,
        link=web_link(report.canonical_url, report.location),
        snippet=snippet(report.text, terms),
    )


def snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``text`` around the first matched term, cut at word boundaries."""
    flat = " ".join(text.split())
    first = None
    for term in terms:
        letters = [re.escape(ch) for ch in term if not ch.isspace() and ch != "-"]
        found = re.search(r"[\s\-]?".join(letters), flat, re.IGNORECASE) if letters else None
        if found and (first is None or found.start() < first):
            first = found.start()
    start = max(0, (first or 0) - width // 3)
    if start:
        start = flat.find(" ", start) + 1 or start
    end = min(len(flat), start + width)
    if end < len(flat):
        end = flat.rfind(" ", start, end) if flat.rfind(" ", start, end) > start else end
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
