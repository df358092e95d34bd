"""The run summary: one record built from the outcomes, shown by the CLI and as Prefect artifacts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from core.errors import PipelineError
from pipeline.outcomes import DeliveryReport, NewArticle, SourceOutcome


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What one ingest run did."""

    outcomes: tuple[SourceOutcome, ...]
    delivery: DeliveryReport
    seconds: float
    skipped_sources: tuple[str, ...] = field(default_factory=tuple)  # not due yet

    @property
    def new_articles(self) -> list[NewArticle]:
        """Every article this run stored, source by source."""
        return [article for outcome in self.outcomes for article in outcome.new]

    @property
    def matched_articles(self) -> list[NewArticle]:
        """New articles, and watched pages whose new revision matched a topic for the first time."""
        return [*self.new_articles, *(article for outcome in self.outcomes for article in outcome.revised)]

    @property
    def matches_per_topic(self) -> Counter[str]:
        """How many new articles (and newly matching revisions) matched each topic."""
        return Counter(topic for article in self.matched_articles for topic in article.topics)

    @property
    def failed_sources(self) -> list[SourceOutcome]:
        """Sources that could not be read at all."""
        return [outcome for outcome in self.outcomes if outcome.error]

    @property
    def item_failures(self) -> int:
        """Items (files, pages) that failed inside sources that were read."""
        return sum(len(outcome.failures) for outcome in self.outcomes)

    @property
    def stories(self) -> int:
        """Distinct stories the new articles belong to."""
        return len({article.story_id for article in self.new_articles})

    def headline(self) -> str:
        """One line for logs: counts of what happened."""
        duplicates = sum(o.duplicates for o in self.outcomes)
        matches = sum(self.matches_per_topic.values())
        delivery = self.delivery
        return (
            f"{len(self.outcomes)} source(s), {len(self.new_articles)} new article(s) in {self.stories} "
            f"story(ies), {duplicates} duplicate(s), {matches} match(es), {delivery.sent} alert(s) sent, "
            f"{delivery.retried} retrying, {delivery.dead} dead, "
            f"{len(self.failed_sources)} source(s) failed, {self.item_failures} item(s) failed"
        )

    def markdown(self) -> str:
        """The summary as Markdown for the Prefect UI."""
        topics = [f"- **{topic}**: {count}" for topic, count in self.matches_per_topic.most_common()]
        lines = [
            f"# Ingest summary\n\n{self.headline()} in {self.seconds:.1f} s.\n",
            "## Matches per topic\n",
            *(topics or ["- none"]),
            "\n## Sources\n\n| source | new | duplicates | unchanged | failed items | error |",
            "|---|---|---|---|---|---|",
        ]
        for o in self.outcomes:
            row = (o.source, len(o.new), o.duplicates, o.unchanged, len(o.failures), o.error or "")
            lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
        failures = [f for o in self.outcomes for f in o.failures]
        if failures:
            lines.append("\n## Failed items\n")
            lines += [f"- `{f.location}`: {f.reason} — {f.message}" for f in failures]
        return "\n".join(lines)

    def article_rows(self) -> list[dict[str, str]]:
        """One row per new article for the artifact table; web articles get a linked headline."""
        return [
            {
                "title": _linked(article.title, article.location),
                "outlet": article.site_name or "",
                "published": article.published.isoformat(timespec="minutes") if article.published else "",
                "topics": ", ".join(article.topics),
                "story": str(article.story_id),
                "location": article.location,
            }
            for article in self.new_articles
        ]


def raise_if_every_source_failed(summary: RunSummary) -> None:
    """PipelineError naming each source's error when every polled source failed (none polled: fine)."""
    if summary.outcomes and len(summary.failed_sources) == len(summary.outcomes):
        errors = "; ".join(f"{o.source}: {o.error}" for o in summary.failed_sources)
        raise PipelineError(f"every source failed: {errors}")


def _linked(title: str, location: str) -> str:
    """A Markdown link for http(s) locations; the title alone for files."""
    if location.startswith(("http://", "https://")):
        safe = title.replace("[", "(").replace("]", ")")
        return f"[{safe}]({location})"
    return title
