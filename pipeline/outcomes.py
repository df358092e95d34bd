"""What the pipeline's steps report back: plain records for the summary, the CLI and artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.records import SourceFailure


@dataclass(frozen=True, slots=True)
class NewArticle:
    """A report stored by this run, as the summary and the artifacts show it."""

    title: str
    location: str
    site_name: str | None
    published: datetime | None
    story_id: int
    topics: tuple[str, ...]


@dataclass(slots=True)
class SourceOutcome:
    """What ingesting one source did."""

    source: str
    new: list[NewArticle] = field(default_factory=list)
    revised: list[NewArticle] = field(default_factory=list)  # watched pages whose new text matched anew
    duplicates: int = 0
    near_duplicates: int = 0  # stored, flagged as copies of an earlier report
    unchanged: int = 0
    failures: list[SourceFailure] = field(default_factory=list)
    alerts_enqueued: int = 0
    error: str | None = None  # the whole source failed

    @property
    def matches(self) -> int:
        """How many (article, topic) matches this source produced."""
        return sum(len(article.topics) for article in (*self.new, *self.revised))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    requeued: int = 0
    held: int = 0  # put back for a digest (quiet hours, digest channels)

    def line(self) -> str:
        """One line for logs and the delivery artifact."""
        return f"{self.sent} sent, {self.retried} to retry, {self.dead} dead, {self.requeued} re-queued"
