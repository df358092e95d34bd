"""The daily digest's summary: every topic's stories of the period, as Markdown."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr
from sqlmodel import Session

from storage.engine import shared_engine
from storage.models import utcnow
from storage.reports import TopicStory, topic_stories_since


def topic_stories(database_url: SecretStr, hours: int) -> list[TopicStory]:
    """Every (topic, story) matched in the last ``hours``, by topic."""
    with Session(shared_engine(database_url.get_secret_value())) as session:
        return topic_stories_since(session=session, since=utcnow() - timedelta(hours=hours))


def digest_markdown(stories: list[TopicStory], hours: int) -> str:
    """Topics as headings, each with its stories of the period and how many reports matched."""
    lines = [f"# Digest: the last {hours} hours\n"]
    if not stories:
        return lines[0] + "\nNo new report matched a topic."
    current = None
    for story in stories:
        if story.topic != current:
            current = story.topic
            lines.append(f"\n## {current}\n")
        plural = "report" if story.reports == 1 else "reports"
        lines.append(
            f"- **{story.title}** — {story.reports} {plural} (first {story.first_match:%Y-%m-%d %H:%M} UTC)"
        )
    return "\n".join(lines)
