"""The labelled story sets as the story benchmark feeds them: reports in time order, folds, scores.

Each JSON line has ``id``, ``story``, ``text`` and optionally ``title``, ``date``, ``outlet`` and
the topic its fold is drawn by (``topic`` in ECB+, ``event`` in newscluster; in BASIL each story
is its own topic). A document becomes a report by the same functions as ingest
(``topics.clustering.story_report``, with the marks the challenger model of
``benchmarks.join_model`` reads); one without a title gets the headline the plain-text
extractor derives, as a saved report would at ingest.

**Feed order.** A set whose documents all have a date is fed in order of publication (ties in
file order), as a feed would bring them; a set without dates (ECB+) is fed in file order, where
the two look-alike events of a topic are interleaved. Undated reports are not held back by the
story window (``topics.profiles.StoryWindow``), as at ingest, so on ECB+ look-alike events
compete on their text alone, which a real feed, where they are months or years apart, never asks.
``dated_by_collection`` gives the view a feed would give: each ECB+ document dated by the
collection it comes from (ECB: news of 2005-2008; ECB+, which added the second event of each
topic: news of 2011-2013, as the years their texts mention show), so the window keeps the
look-alike events of a topic apart, while within a collection every report shares one date and
every topic's event competes with all the others on text.
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.join_model import marked_report
from extractors.plaintext import extract_text
from topics.clustering import StoryReport

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/stories"
DEV_SETS = ("ecbplus-dev", "basil-dev", "newscluster-dev")
FOLDS = 5
TOPIC_FIELDS = ("topic", "event")  # the first a set has; else each story is its own topic
# One outlet as two sets name it (BASIL's short names, newscluster's hosts).
OUTLET_ALIASES = {"nyt": "www.nytimes.com", "fox": "www.foxnews.com", "hpo": "www.huffingtonpost.com"}
WORST = 5  # the gold stories split the most, listed in the alerts-per-story figure
COLLECTION_DATES = {"ecb": datetime(2008, 1, 1, tzinfo=UTC), "ecbplus": datetime(2013, 1, 1, tzinfo=UTC)}


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """A labelled file as clustering sees it, in feed order: reports, gold stories, topics, outlets."""

    name: str
    ids: list[str]
    reports: list[StoryReport]
    gold: list[str]
    topics: list[str]
    outlets: list[str | None]
    view: str = ""  # how a set was re-dated, shown after its name

    def __len__(self) -> int:
        return len(self.reports)

    @property
    def label(self) -> str:
        return f"{self.name}/{self.view}" if self.view else self.name

    def folds(self) -> list[int]:
        """Each document's cross-validation fold, drawn by its topic: a topic is in one fold."""
        return [zlib.crc32(f"{self.name}/{topic}".encode()) % FOLDS for topic in self.topics]

    def subset(self, keep: Sequence[int]) -> LabelledSet:
        """The documents at ``keep``, in the order given."""
        return LabelledSet(
            self.name,
            [self.ids[i] for i in keep],
            [self.reports[i] for i in keep],
            [self.gold[i] for i in keep],
            [self.topics[i] for i in keep],
            [self.outlets[i] for i in keep],
            self.view,
        )


def load(path: Path) -> list[dict[str, Any]]:
    """The documents of a JSON-Lines file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def dev_path(name: str) -> Path:
    """The file of a development set."""
    return CORPUS / f"{name}.jsonl"


def report_of(doc: dict[str, Any]) -> StoryReport:
    """A document as ingest would see it: its title (or the derived headline), text and date."""
    title, text = doc.get("title") or None, doc["text"]
    date = doc.get("date") or None
    published = datetime.fromisoformat(date).replace(tzinfo=UTC) if date else None
    if title is None:
        extracted = extract_text(text, location=str(doc["id"]))
        if extracted is not None:
            title, text = extracted.title, extracted.text
            published = published or extracted.published
    return marked_report(title, text, published)


def labelled_set(path: Path) -> LabelledSet:
    """The documents of ``path`` in feed order (see the module docstring)."""
    docs = load(path)
    reports = [report_of(doc) for doc in docs]
    order = list(range(len(docs)))
    dates = [report.published for report in reports]
    if all(dates):
        order.sort(key=lambda i: (dates[i], i))
    field = next((name for name in TOPIC_FIELDS if all(name in doc for doc in docs)), "story")
    return LabelledSet(
        path.name.removesuffix(".jsonl"),
        [str(docs[i]["id"]) for i in order],
        [reports[i] for i in order],
        [str(docs[i]["story"]) for i in order],
        [str(docs[i][field]) for i in order],
        [_outlet(docs[i].get("outlet")) for i in order],
    )


def from_ecb(data: LabelledSet) -> bool:
    """Whether ``data`` is an undated ECB+ set, whose document ids name their collection."""
    return not data.view and all(doc_id.endswith("ecb") or doc_id.endswith("ecbplus") for doc_id in data.ids)


def dated_by_collection(data: LabelledSet) -> LabelledSet:
    """ECB+ as a feed would bring it (see the module docstring): ECB documents first, dated
    ``COLLECTION_DATES["ecb"]``, then ECB+ documents, dated years later; file order within each."""
    plus = [doc_id.endswith("ecbplus") for doc_id in data.ids]
    order = [i for i in range(len(data)) if not plus[i]] + [i for i in range(len(data)) if plus[i]]
    dated = data.subset(order)
    reports = [
        dataclasses.replace(report, published=COLLECTION_DATES["ecbplus" if plus[i] else "ecb"])
        for i, report in zip(order, dated.reports, strict=True)
    ]
    return dataclasses.replace(dated, reports=reports, view="dated")


def _outlet(name: str | None) -> str | None:
    return OUTLET_ALIASES.get(name, name) if name else None


def scores(gold: Sequence[str], predicted: Sequence[Any]) -> dict[str, Any]:
    """B-cubed precision, recall and F1 of ``predicted`` against ``gold``, the number of stories,
    and alerts per story: for each gold story, how many predicted stories its reports are in
    (the mean, and the ``WORST`` highest)."""
    joint = Counter(zip(gold, predicted, strict=True))
    gold_sizes, predicted_sizes = Counter(gold), Counter(predicted)
    precision = sum(joint[pair] / predicted_sizes[pair[1]] for pair in zip(gold, predicted, strict=True))
    recall = sum(joint[pair] / gold_sizes[pair[0]] for pair in zip(gold, predicted, strict=True))
    precision, recall = precision / len(gold), recall / len(gold)
    alerts = Counter(story for story, _ in joint)
    return {
        "stories": len(predicted_sizes),
        "bcubed_precision": precision,
        "bcubed_recall": recall,
        "bcubed_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "alerts_per_event": {
            "mean": sum(alerts.values()) / len(alerts),
            "worst": sorted(alerts.values(), reverse=True)[:WORST],
        },
    }
