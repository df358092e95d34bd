"""Turn an alert into words: one headline line, the story's reports, and why it matched."""

from __future__ import annotations

from core.records import AlertMessage, StoryArticle


def render_text(message: AlertMessage) -> str:
    """A plain-text alert: topic, story headline, why it matched, and every known report."""
    count = len(message.articles)
    outlets = "1 report" if count == 1 else f"{count} reports"
    lines = [
        f"[{message.topic}] {message.story_title}",
        f"  matched: {', '.join(message.matched_terms) or '-'}  ·  {outlets}",
    ]
    lines.extend(f"  - {describe_article(article)}" for article in message.articles)
    return "\n".join(lines)


def describe_article(article: StoryArticle) -> str:
    """``Title — site, 2024-11-01 — location`` with the parts that are known."""
    parts = [article.title]
    if article.site_name:
        parts.append(article.site_name)
    if article.published:
        parts.append(article.published.strftime("%Y-%m-%d %H:%M UTC"))
    return " — ".join(parts) + f"\n    {article.location}"
