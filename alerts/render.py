"""Turn an alert into words: headline, why it matched, the story line, every report.

Channel-neutral pieces live here (times in the channel's zone, the story line, where the
matched terms sit in a snippet); each channel encodes them for its sink (Slack mrkdwn, HTML,
plain text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from core.records import AlertMessage, StoryArticle

MAX_NEW_REPORTS = 5  # an update lists at most this many of the reports new since the last message


def render_text(message: AlertMessage) -> str:
    """A plain-text alert (or digest): topic, story headline, why it matched, every known report."""
    if message.kind == "digest":
        return render_digest_text(message)
    if message.kind == "update":
        return render_update_text(message)
    count = len(message.articles)
    outlets = "1 report" if count == 1 else f"{count} reports"
    lines = [
        f"[{message.topic}] {message.story_title}",
        f"  matched: {', '.join(message.matched_terms) or '-'}  ·  {outlets}",
    ]
    lines.extend(f"  - {describe_article(article)}" for article in message.articles)
    return "\n".join(lines)


def render_update_text(message: AlertMessage, zone: str = "UTC") -> str:
    """A plain-text story update: how far the story has spread, and the reports new since."""
    lines = [
        f"[{message.topic}] story update: {message.story_title}",
        f"  {update_line(message, zone)}  ·  matched: {', '.join(message.matched_terms) or '-'}",
    ]
    lines.extend(f"  + {describe_article(article)}" for article in message.new_articles[:MAX_NEW_REPORTS])
    return "\n".join(lines)


def update_line(message: AlertMessage, zone: str) -> str:
    """``now reported by 5 outlets, up from 2 at 09:14`` (what the previous message said, and when)."""
    now = story_line(message, zone).replace("reported by", "now reported by", 1)
    if message.shown_outlets is None or message.shown_at is None:
        return now
    local = message.shown_at.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    return f"{now}; up from {message.shown_outlets} at {local}"


def render_digest_text(message: AlertMessage, zone: str = "UTC") -> str:
    """A plain-text digest: one section per topic, one entry per story."""
    lines = [f"newswatch digest: {len(message.items)} stor{'y' if len(message.items) == 1 else 'ies'}"]
    for topic, items in group_by_topic(message.items):
        lines.append(f"\n[{topic}]")
        for item in items:
            lines.append(f"  * {item.story_title} ({story_line(item, zone)})")
            lines.extend(f"    - {describe_article(article)}" for article in item.articles[:5])
    return "\n".join(lines)


def describe_article(article: StoryArticle) -> str:
    """``Title — site, 2024-11-01 — location`` with the parts that are known."""
    parts = [article.title]
    if article.publisher:
        parts.append(article.publisher)
    if article.published:
        parts.append(article.published.strftime("%Y-%m-%d %H:%M UTC"))
    return " — ".join(parts) + f"\n    {article.location}"


def group_by_topic(items: Iterable[AlertMessage]) -> list[tuple[str, list[AlertMessage]]]:
    """Digest items grouped by topic (in first-seen order), stories in order within each."""
    groups: dict[str, list[AlertMessage]] = {}
    for item in items:
        groups.setdefault(item.topic, []).append(item)
    return list(groups.items())


def local_time(moment: datetime, zone: str) -> str:
    """``2024-11-01 09:12 CET``: the moment in the channel's time zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def story_line(message: AlertMessage, zone: str) -> str:
    """``reported by 4 outlets since 09:12`` (with the date when it was not today in ``zone``)."""
    count = message.outlets
    outlets = "1 outlet" if count == 1 else f"{count} outlets"
    since = message.since
    if since is None:
        return f"reported by {outlets}"
    local = since.astimezone(ZoneInfo(zone))
    newest = max((a.first_seen for a in message.articles if a.first_seen), default=since)
    same_day = newest.astimezone(ZoneInfo(zone)).date() == local.date()
    shown = local.strftime("%H:%M") if same_day else local.strftime("%Y-%m-%d %H:%M")
    return f"reported by {outlets} since {shown}"


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern for the matched terms; hyphens and spaces inside a word may vary.

    ``ceasefire`` also finds *cease-fire* and *cease fire*, as the matcher folds them; a term
    ending in ``*`` (a query's wildcard) finds the words it begins.
    """
    parts = []
    for term in sorted({t for t in terms if t.strip("* ")}, key=len, reverse=True):
        letters = [re.escape(ch) for ch in term.rstrip("*") if not ch.isspace() and ch != "-"]
        parts.append(r"[\s\-]?".join(letters) + (r"\w*" if term.endswith("*") else ""))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def highlight(text: str, terms: Iterable[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_matched_term) segments, for bolding in any markup."""
    pattern = term_pattern(terms)
    if pattern is None or not text:
        return [(text, False)] if text else []
    segments: list[tuple[str, bool]] = []
    position = 0
    for found in pattern.finditer(text):
        if found.start() > position:
            segments.append((text[position : found.start()], False))
        segments.append((found.group(0), True))
        position = found.end()
    if position < len(text):
        segments.append((text[position:], False))
    return segments


def subject_line(message: AlertMessage, prefix: str = "") -> str:
    """A one-line subject: ``[prefix] Topic: headline`` or a digest's summary."""
    if message.kind == "digest":
        topics = ", ".join(topic for topic, _ in group_by_topic(message.items))
        body = f"digest: {len(message.items)} new stor{'y' if len(message.items) == 1 else 'ies'} ({topics})"
    elif message.kind == "update":
        body = f"{message.topic}: {message.story_title} (update: {message.outlets} outlets)"
    else:
        body = f"{message.topic}: {message.story_title}"
    return f"{prefix} {body}".strip() if prefix else body
