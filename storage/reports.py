"""Read-only summaries of what was matched, for digests and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from storage.models import Story, Topic, TopicMatch


@dataclass(frozen=True, slots=True)
class TopicStory:
    """A story that matched a topic in a period, with how many of its reports matched."""

    topic: str
    story_id: int
    title: str
    reports: int
    first_match: datetime


def topic_stories_since(*, session: Session, since: datetime) -> list[TopicStory]:
    """Every (topic, story) with matches since ``since``: by topic, then newest story first."""
    first_match = func.min(TopicMatch.created_at)
    rows = session.execute(
        select(col(Topic.name), col(Story.id), col(Story.title), func.count(col(TopicMatch.id)), first_match)
        .join(Topic, col(Topic.id) == col(TopicMatch.topic_id))
        .join(Story, col(Story.id) == col(TopicMatch.story_id))
        .where(col(TopicMatch.created_at) >= since)
        .group_by(col(Topic.name), col(Story.id), col(Story.title))
        .order_by(Topic.name, first_match.desc())
    ).all()
    return [
        TopicStory(topic, story_id, title, reports, first) for topic, story_id, title, reports, first in rows
    ]
