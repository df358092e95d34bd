"""Match every compiled topic against an article in one pass over its tokens.

``compile_topics`` parses every query once and gathers the terms of all topics into lookup
tables: the joined forms of terms and phrases (``cease-fire`` -> ``ceasefire``), the wildcard
stems by length (``negotiat*``, ``"border secur*"`` -> ``bordersecur``), every proper prefix of
both, and, for topics with stemming, the stemmed joined forms and their prefixes.
``TopicMatcher.match`` walks each field's tokens once: at every token it extends a run of
tokens while the concatenation is a prefix of some term (so ``cease fire``, ``cease-fire`` and
``ceasefire`` all meet ``ceasefire``, and token boundaries are respected), recording exact
terms and the wildcard stems the run reaches. A run that splits a word of the term, or a term
that splits a word of the run, next to a function word does not count ("put in" is not Putin).
A stemmed topic's term matches where its joined form or its stemmed form occurs, stemmed in
the article's language (topics.text.stemming_language): a term has a stemmed key per language
(``~fr:negoci``), and an article is stemmed in its own only. A topic's ``aliases`` are queries
that stand in for its query in articles of their language (``lang:fr AND (alias OR …)``). Only topics
with at least one term found (plus topics that filters or NOT could satisfy) are then evaluated
on the hits, so the cost per article hardly depends on the number of topics. A topic's hits name
every positive term found, with its field and the token position of its first occurrence there.

A topic described in words (``like:``) matches an article whose stored embedding has a cosine
of at least ``min_similarity`` with the closest of its descriptions (topics.semantic); with a
query too, both must hold. Its hit names that description and the score. The descriptions are
embedded when the topics are compiled, and only then is the model loaded.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate

import numpy as np

from core.records import SimilarityHit, TermHit, TopicHit
from core.watchlist import DEFAULT_MIN_SIMILARITY
from topics.query import (
    FIELDS,
    And,
    Filter,
    Leaf,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Scope,
    Term,
    evaluate,
    leaves,
    parse_query,
)
from topics.text import FUNCTION_WORDS, STEMMED_LANGUAGES, stem, stemming_language, token_spans, tokenize

LOGGER = logging.getLogger(__name__)

Span = tuple[int, int]  # first and last token position of an occurrence
Occurrences = dict[str, dict[str, list[Span]]]  # key -> field -> spans


@dataclass(frozen=True, slots=True)
class TopicDefinition:
    """A topic as the watchlist declares it: a query (optional stemming, excluded queries), a
    description in words (``like``, with ``min_similarity``), or both."""

    name: str
    query: str | None
    stemming: bool = False
    exclude: tuple[str, ...] = ()
    like: tuple[str, ...] = ()
    min_similarity: float = DEFAULT_MIN_SIMILARITY
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (language, queries) pairs

    @property
    def shown(self) -> str:
        """The topic as a person reads it: its query, and its descriptions."""
        described = " | ".join(self.like)
        parts = [self.query or "", f"like: {described}" if described else ""]
        return " AND ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class CompiledTopic:
    """A topic's name, its query as written, its syntax tree, positive terms and options."""

    name: str
    query: str | None
    tree: Node | None  # None: described in words only
    positive: tuple[Term | Phrase, ...]
    stemming: bool = False
    # Lookup keys of each term of ``tree``, by the term as written (its text fixes its tokens and
    # whether it is a wildcard, so equal texts have equal keys): a str hashes once, and, unlike a
    # table keyed by ``id()``, a compiled topic stays valid after a pickle round trip.
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    like: tuple[str, ...] = ()
    likeness: np.ndarray | None = None  # unit vectors of ``like``, one row each
    min_similarity: float = DEFAULT_MIN_SIMILARITY

    def similarity(self, embedding: bytes | None) -> SimilarityHit | None:
        """The closest description and its cosine with the article, when at least ``min_similarity``."""
        if self.likeness is None or embedding is None:
            return None
        from topics.semantic import dequantize

        scores = self.likeness @ dequantize(embedding)
        best = int(np.argmax(scores))
        score = float(scores[best])
        return SimilarityHit(self.like[best], round(score, 4)) if score >= self.min_similarity else None


@dataclass
class _Space:
    """The lookup sets of one token space: the tokens as folded, or their stems."""

    joined: set[str] = field(default_factory=set)  # terms' joined forms
    prefixes: set[str] = field(default_factory=set)  # proper prefixes of those and of wildcard stems
    # The joins of a term's first words (not all): the only runs that may grow across a
    # function word, since a term never glues one onto a word (see _Presence._same_words).
    bounded: set[str] = field(default_factory=set)


@dataclass
class _Tables:
    plain: _Space = field(default_factory=_Space)
    stemmed: dict[str, _Space] = field(default_factory=dict)  # by stemming language
    wildcards: dict[int, set[str]] = field(default_factory=dict)  # stems by length


@dataclass(frozen=True, slots=True)
class TopicMatcher:
    """Every tracked topic, compiled; ``match`` is safe to call from several threads."""

    topics: tuple[CompiledTopic, ...]
    tables: _Tables
    triggers: dict[str, tuple[int, ...]]  # lookup key -> indexes of topics that use it
    always: tuple[int, ...]  # topics that may match without any term (by filters or NOT)
    described: tuple[int, ...] = ()  # topics with ``like``: judged on the article's embedding

    @property
    def semantic(self) -> bool:
        """Whether any topic is described in words, so articles need an embedding."""
        return bool(self.described)

    def match(
        self,
        *,
        title: str | None,
        text: str,
        source: str | None = None,
        lang: str | None = None,
        embedding: bytes | None = None,
    ) -> list[TopicHit]:
        """The topics the article matches, in topic order, each with its hits; [] when none does.

        A topic with ``like`` needs the article's ``embedding``; without one it does not match.
        """
        fields = {"title": tokenize(title or ""), "text": tokenize(text)}
        found = _scan(fields, self.tables, stemming_language(lang))
        meta = {"source": " ".join(tokenize(source or "")), "lang": (lang or "").casefold()}
        candidates = {i for key in found for i in self.triggers.get(key, ())} | set(self.always)
        similar = {}
        for i in self.described:
            hit = self.topics[i].similarity(embedding)
            if hit is not None:
                similar[i] = hit
                candidates.add(i)
        hits: list[TopicHit] = []
        written = _WrittenForms({"title": title or "", "text": text})
        for i in sorted(candidates):
            topic = self.topics[i]
            if topic.like and i not in similar:
                continue  # the description must hold, whatever the query says
            present = _Presence(found, fields, meta, topic.keys)
            if topic.tree is None or evaluate(topic.tree, present):
                hits.append(TopicHit(topic.name, present.hits(topic.positive, written), similar.get(i)))
        return hits

    def occurrences(
        self, topic: str, *, title: str | None, text: str, lang: str | None = None
    ) -> dict[str, list[Span]]:
        """Every (first, last) token span of ``topic``'s positive terms, by field, in text order.

        What a highlighter marks; raises KeyError for an unknown topic.
        """
        compiled = next((t for t in self.topics if t.name == topic), None)
        if compiled is None:
            raise KeyError(topic)
        if compiled.tree is None:
            return {name: [] for name in FIELDS}
        fields = {"title": tokenize(title or ""), "text": tokenize(text)}
        present = _Presence(_scan(fields, self.tables, stemming_language(lang)), fields, {}, compiled.keys)
        spans: dict[str, set[Span]] = {name: set() for name in FIELDS}
        for term in compiled.positive:
            for name, found in present.spans(term, None).items():
                spans[name].update(found)
        return {name: sorted(found) for name, found in spans.items()}


def compile_topics(topics: Iterable[tuple[str, str] | TopicDefinition]) -> TopicMatcher:
    """A matcher for ``(name, query)`` pairs or definitions; raises QuerySyntaxError for a bad query."""
    definitions = [t if isinstance(t, TopicDefinition) else TopicDefinition(*t) for t in topics]
    compiled = tuple(_compile_definition(d) for d in definitions)
    tables, triggers, always = _Tables(), dict[str, list[int]](), []
    for i, topic in enumerate(compiled):
        if topic.tree is None:
            continue
        for term in _terms(topic.tree):
            for key in topic.keys[term.text]:
                _register(tables, key, term.tokens)
        keys = {key for term_keys in topic.keys.values() for key in term_keys}
        for key in keys:
            triggers.setdefault(key, []).append(i)
        if _may_hold_without_terms(topic.tree) is not False:
            always.append(i)
    described = tuple(i for i, topic in enumerate(compiled) if topic.like)
    LOGGER.debug("compiled %d topics, %d distinct terms", len(compiled), len(triggers))
    return TopicMatcher(
        compiled, tables, {k: tuple(v) for k, v in triggers.items()}, tuple(always), described
    )


def _compile_definition(definition: TopicDefinition) -> CompiledTopic:
    """A definition's query compiled (when it has one) and its descriptions embedded."""
    if definition.query is None:
        if not definition.like:
            raise ValueError(f"topic {definition.name!r} has neither a query nor a description")
        compiled = CompiledTopic(definition.name, None, None, ())
    else:
        compiled = compile_topic(
            definition.name,
            definition.query,
            stemming=definition.stemming,
            exclude=definition.exclude,
            aliases=definition.aliases,
        )
    if not definition.like:
        return compiled
    from topics.semantic import embed

    return dataclasses.replace(
        compiled,
        like=definition.like,
        likeness=embed(definition.like),
        min_similarity=definition.min_similarity,
    )


def compile_topic(
    name: str,
    query: str,
    *,
    stemming: bool = False,
    exclude: Sequence[str] = (),
    aliases: Sequence[tuple[str, Sequence[str]]] = (),
) -> CompiledTopic:
    """One topic, parsed, its aliases ORed in for their languages (``lang:fr AND (…)``) and its
    exclusions ANDed in as NOT; raises QuerySyntaxError."""
    tree = parse_query(query)
    stand_ins: list[Node] = [
        And((Filter("lang", lang.casefold(), 0), Or(tuple(parse_query(alias) for alias in queries))))
        for lang, queries in aliases
        if queries
    ]
    if stand_ins:
        tree = Or((tree, *stand_ins))
    excluded = [parse_query(item) for item in exclude]
    if excluded:
        tree = And((tree, Not(excluded[0] if len(excluded) == 1 else Or(tuple(excluded)), 0)))
    positive = tuple(t for leaf, negated in leaves(tree) if not negated for t in _sides(leaf))
    keys = {term.text: _keys(term, stemming) for term in _terms(tree)}
    return CompiledTopic(name, query, tree, positive, stemming, keys)


def _may_hold_without_terms(node: Node) -> bool | None:
    """Whether ``node`` holds when no term occurs: True, False, or None when the filters decide.

    Three-valued (Kleene) logic with every filter unknown, so a topic such as
    ``Gaza OR lang:ar`` is evaluated on every article, not only on those that mention Gaza.
    """
    if isinstance(node, Filter):
        return None
    if isinstance(node, Term | Phrase | Near):
        return False
    if isinstance(node, Scope):
        return _may_hold_without_terms(node.operand)
    if isinstance(node, Not):
        inner = _may_hold_without_terms(node.operand)
        return None if inner is None else not inner
    values = [_may_hold_without_terms(operand) for operand in node.operands]
    decisive = isinstance(node, Or)  # True decides an OR, False decides an AND
    if decisive in values:
        return decisive
    return None if None in values else not decisive


def _sides(leaf: Leaf) -> tuple[Term | Phrase, ...]:
    if isinstance(leaf, Near):
        return (leaf.left, leaf.right)
    if isinstance(leaf, Filter):
        return ()
    return (leaf,)


def _terms(tree: Node) -> list[Term | Phrase]:
    return [term for leaf, _ in leaves(tree) for term in _sides(leaf)]


def _keys(term: Term | Phrase, stemming: bool) -> tuple[str, ...]:
    """The lookup keys of a term: ``*`` + prefix for a wildcard, else its joined form and, with
    stemming, ``~`` + its stemmed form too (stemming adds variants: "health care" still meets
    "healthcare", whose stem differs from the stems of "health" and "care" joined)."""
    if term.prefix:
        return ("*" + term.joined,)
    if stemming:
        stems = {
            f"~{lang}:" + "".join(stem(token, lang) for token in term.tokens) for lang in STEMMED_LANGUAGES
        }
        return (term.joined, *sorted(stems))
    return (term.joined,)


def _register(tables: _Tables, key: str, words: Sequence[str]) -> None:
    """Adds a term's lookup key, its prefixes and its word-bounded prefixes to the tables."""
    lang, joined = _split_key(key)
    space = tables.stemmed.setdefault(lang, _Space()) if lang else tables.plain
    if key.startswith("*"):
        tables.wildcards.setdefault(len(joined), set()).add(joined)
    else:
        space.joined.add(joined)
    space.prefixes.update(joined[:end] for end in range(1, len(joined)))
    pieces = [stem(word, lang) for word in words] if lang else words
    space.bounded.update("".join(pieces[:count]) for count in range(1, len(pieces)))


def _split_key(key: str) -> tuple[str | None, str]:
    """The stemming language of a lookup key (None for a plain or wildcard key) and its text."""
    if key.startswith("~"):
        lang, _, joined = key[1:].partition(":")
        return lang, joined
    return None, key.lstrip("*")


def _scan(fields: dict[str, list[str]], tables: _Tables, lang: str = "en") -> Occurrences:
    """Every occurrence of every compiled term in the fields, by lookup key and field."""
    found: Occurrences = {}
    lengths = sorted(tables.wildcards)
    for name, tokens in fields.items():
        record = partial(_add, found, name)
        _runs(tokens, tokens, tables.plain, (tables.wildcards, lengths), "", record)
        space = tables.stemmed.get(lang)
        if space is not None and space.joined:
            stemmed = [stem(token, lang) for token in tokens]
            _runs(stemmed, tokens, space, ({}, []), f"~{lang}:", record)
    return found


def _runs(
    tokens: list[str],
    words: list[str],
    space: _Space,
    wildcards: tuple[dict[int, set[str]], list[int]],
    tag: str,
    record: Callable[[str, Span], None],
) -> None:
    """Records each run of tokens that concatenates to a term, or starts with a wildcard's stem.

    A run grows token by token while its concatenation is a proper prefix of some term or stem,
    and across a function word (``words`` are the tokens as folded) only when it is a term's
    first words; a wildcard of length L matches the run whose last token reaches L letters.
    """
    stems, lengths = wildcards
    longest = lengths[-1] if lengths else 0
    joined, prefixes, bounded = space.joined, space.prefixes, space.bounded
    count = len(tokens)
    for start, token in enumerate(tokens):
        run, end, before = token, start, 0
        while True:
            if run in joined:
                record(tag + run, (start, end))
            if before < longest:  # a few distinct lengths: a loop beats two bisections
                for length in lengths:
                    if length > len(run):
                        break
                    if length > before and run[:length] in stems[length]:
                        record("*" + run[:length], (start, end))
            end += 1
            if end >= count or run not in prefixes:
                break
            if (words[end - 1] in FUNCTION_WORDS or words[end] in FUNCTION_WORDS) and run not in bounded:
                break
            before = len(run)
            run += tokens[end]


def _add(found: Occurrences, name: str, key: str, span: Span) -> None:
    found.setdefault(key, {}).setdefault(name, []).append(span)


class _Presence:
    """Answers ``evaluate``'s questions for one topic from the scan's occurrences."""

    def __init__(
        self,
        found: Occurrences,
        fields: dict[str, list[str]],
        meta: dict[str, str],
        keys: dict[str, tuple[str, ...]],
    ) -> None:
        self.found, self.fields, self.meta, self.keys = found, fields, meta, keys

    def __call__(self, leaf: Leaf, fields: tuple[str, ...] | None) -> bool:
        if isinstance(leaf, Filter):
            return _filter_holds(leaf, self.meta)
        if isinstance(leaf, Near):
            return self._near(leaf, fields)
        return bool(self.spans(leaf, fields))

    def spans(self, term: Term | Phrase, fields: tuple[str, ...] | None) -> dict[str, list[Span]]:
        """Where ``term`` occurs, by field, in text order; fields without an occurrence left out."""
        spans: dict[str, list[Span]] = {}
        single = len(term.tokens) == 1
        for key in self.keys[term.text]:
            for name, found in self.found.get(key, {}).items():
                if fields is None or name in fields:
                    kept = [
                        span
                        for span in found
                        if (single and span[0] == span[1]) or self._same_words(term, key, name, span)
                    ]
                    if kept and name in spans:  # found by both the joined and the stemmed form
                        spans[name] = sorted(set(spans[name] + kept))
                    elif kept:
                        spans[name] = kept
        return spans

    def _same_words(self, term: Term | Phrase, key: str, name: str, span: Span) -> bool:
        """Whether neither the run nor the term splits a function word off the other's word."""
        start, end = span
        words = self.fields[name][start : end + 1]
        lang, _ = _split_key(key)
        run_bounds, term_bounds = _bounds(words, lang), _bounds(term.tokens, lang)
        if run_bounds == term_bounds:
            return True  # word for word, as most phrase matches are
        return _function_bounds(words, run_bounds) <= set(term_bounds) and _function_bounds(
            term.tokens, term_bounds
        ) <= set(run_bounds)

    def _near(self, leaf: Near, fields: tuple[str, ...] | None) -> bool:
        left, right = self.spans(leaf.left, fields), self.spans(leaf.right, fields)
        for name in left.keys() & right.keys():
            for a_start, a_end in left[name]:
                for b_start, b_end in right[name]:
                    if max(b_start - a_end, a_start - b_end) - 1 <= leaf.distance:
                        return True
        return False

    def hits(self, positive: Iterable[Term | Phrase], written: _WrittenForms) -> tuple[TermHit, ...]:
        """One hit per found term and field, at its first occurrence, in query order, with the
        words as the article writes them there and their character offset."""
        found: dict[tuple[str, str], TermHit] = {}
        for term in positive:
            spans = self.spans(term, None)
            for name in FIELDS:
                if name in spans and (term.text, name) not in found:
                    first = spans[name][0]
                    words, offset = written.at(name, first)
                    found[term.text, name] = TermHit(term.text, name, first[0], words, offset)
        return tuple(found.values())


class _WrittenForms:
    """The words of each field as written, located by token span (token offsets computed once)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def at(self, name: str, span: Span) -> tuple[str, int | None]:
        """The text of tokens ``span`` in field ``name`` and its offset; ("", None) when unknown."""
        if name not in self._spans:
            self._spans[name] = token_spans(self.texts.get(name, ""))
        spans = self._spans[name]
        first, last = span
        if last >= len(spans):
            return "", None
        start, end = spans[first][0], spans[last][1]
        return self.texts[name][start:end], start


def _bounds(words: Sequence[str], lang: str | None) -> list[int]:
    """The offsets in the joined words (or joined stems) where one word ends and the next starts."""
    pieces = [stem(word, lang) for word in words] if lang else words
    return list(accumulate(len(piece) for piece in pieces[:-1]))


def _function_bounds(words: Sequence[str], bounds: list[int]) -> set[int]:
    """The bounds next to a function word ("put | in"): spacing folding never glues over them."""
    return {
        offset
        for i, offset in enumerate(bounds)
        if words[i] in FUNCTION_WORDS or words[i + 1] in FUNCTION_WORDS
    }


def _filter_holds(leaf: Filter, meta: dict[str, str]) -> bool:
    value = meta.get(leaf.field, "")
    if leaf.field == "lang":
        return value == leaf.value or value.startswith(leaf.value + "-")
    return f" {leaf.value} " in f" {value} "
