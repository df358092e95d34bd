"""Match compiled topic queries against an article's title and text.

``compile_topics`` parses every query once; ``TopicMatcher.match`` tokenises the article once
per call and looks each distinct term up once, however many topics share it. A topic's hits
name every positive term (one not under NOT) found in the article, with the field and the token
position of its first occurrence there; an article that a NOT excludes gets no hit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from core.records import TermHit, TopicHit
from topics.index import TokenIndex
from topics.query import Leaf, Node, evaluate, leaves, parse_query
from topics.text import tokenize

LOGGER = logging.getLogger(__name__)

FIELDS = ("title", "text")


@dataclass(frozen=True, slots=True)
class CompiledTopic:
    """A topic's name, its query as written, its syntax tree and its positive terms."""

    name: str
    query: str
    tree: Node
    positive: tuple[Leaf, ...]


@dataclass(frozen=True, slots=True)
class TopicMatcher:
    """Every tracked topic, compiled; ``match`` is safe to call from several threads."""

    topics: tuple[CompiledTopic, ...]

    def match(self, *, title: str | None, text: str) -> list[TopicHit]:
        """The topics the article matches, in topic order, each with its hits; [] when none does."""
        article = _Article.build(title, text)
        found: list[TopicHit] = []
        for topic in self.topics:
            if evaluate(topic.tree, article.contains):
                found.append(TopicHit(topic=topic.name, hits=article.hits(topic.positive)))
        return found


def compile_topics(topics: Iterable[tuple[str, str]]) -> TopicMatcher:
    """A matcher for ``(name, query)`` pairs; raises QuerySyntaxError for the first bad query."""
    compiled = tuple(compile_topic(name, query) for name, query in topics)
    LOGGER.debug("compiled %d topics", len(compiled))
    return TopicMatcher(compiled)


def compile_topic(name: str, query: str) -> CompiledTopic:
    """One topic, parsed; raises QuerySyntaxError when its query does not parse."""
    tree = parse_query(query)
    positive = tuple(leaf for leaf, negated in leaves(tree) if not negated)
    return CompiledTopic(name=name, query=query, tree=tree, positive=positive)


class _Article:
    """One article's fields, indexed, with a per-call cache of term lookups."""

    def __init__(self, fields: dict[str, TokenIndex]) -> None:
        self.fields = fields
        self.cache: dict[str, dict[str, tuple[int, ...]]] = {}

    @classmethod
    def build(cls, title: str | None, text: str) -> _Article:
        """The article's title (when there is one) and text, tokenised and indexed."""
        sources = {"title": title or "", "text": text}
        return cls({field: TokenIndex.build(tokenize(sources[field])) for field in FIELDS})

    def positions(self, leaf: Leaf) -> dict[str, tuple[int, ...]]:
        """Token positions of ``leaf`` per field; fields where it does not occur are left out."""
        joined = leaf.joined
        if joined not in self.cache:
            found = {field: index.positions(joined) for field, index in self.fields.items()}
            self.cache[joined] = {field: hits for field, hits in found.items() if hits}
        return self.cache[joined]

    def contains(self, leaf: Leaf) -> bool:
        """Whether ``leaf`` occurs in the title or the text."""
        return bool(self.positions(leaf))

    def hits(self, positive: Iterable[Leaf]) -> tuple[TermHit, ...]:
        """One hit per found term and field, at its first occurrence, in query order."""
        found: dict[tuple[str, str], TermHit] = {}
        for leaf in positive:
            for field, positions in self.positions(leaf).items():
                found.setdefault((leaf.text, field), TermHit(leaf.text, field, positions[0]))
        return tuple(found.values())
