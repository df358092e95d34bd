"""The one-pass matcher agrees with a brute-force evaluation of the same queries.

Queries and texts are generated at random from a small vocabulary whose words overlap
("cease", "fire", "ceasefire", "secur", "security"), so joined forms, wildcards across tokens,
stemming, NEAR distances, scopes, filters and exclusions all get exercised. The reference below
shares only the parser and ``tokenize``/``stem`` with the matcher: it looks for every term by
trying every run of tokens, and evaluates the tree by plain recursion.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from core.errors import QuerySyntaxError
from core.records import TermHit
from topics.matcher import TopicDefinition, compile_topic, compile_topics
from topics.query import And, Filter, Near, Node, Not, Or, Phrase, Scope, Term
from topics.text import FUNCTION_WORDS, stem, stemming_language, tokenize

WORDS = (  # noqa: SIM905 (one line of words reads better than a column of strings)
    "cease fire ceasefire border secur security securities public school schools tax taxes cut "
    "cuts immigrant immigration gaza lebanon talk talks un 1701 negotiat negotiations policy police "
    "put in putin the rapist therapist a part apart on line online to get together"
).split()
SEPARATORS = (" ", " ", " ", "-", "'s ", ", ", " \u2013 ")
SOURCES = ("Reuters", "AP News", "")
LANGS = ("en", "en-GB", "fr", "")


@dataclass(frozen=True)
class Article:
    title: str
    text: str
    source: str
    lang: str


# The reference evaluation -------------------------------------------------------------------


def reference_spans(
    term: Term | Phrase, tokens: list[str], stemming: bool, lang: str = "en"
) -> list[tuple[int, int]]:
    """Every (start, end) run of ``tokens`` that the term matches, tried one by one, stemmed
    per the article's language as the matcher stems."""
    language = stemming_language(lang)
    stemmed = "".join(stem(t, language) for t in term.tokens)
    spans = []
    for start in range(len(tokens)):
        for end in range(start, len(tokens)):
            words = tokens[start : end + 1]
            run, stems = "".join(words), "".join(stem(t, language) for t in words) if stemming else ""
            if term.prefix:
                before = len("".join(tokens[start:end]))
                same = before < len(term.joined) <= len(run) and run.startswith(term.joined)
                glue = same and same_words(term, words, False)
            else:
                glue = run == term.joined and same_words(term, words, False)
                glue = glue or (stemming and stems == stemmed and same_words(term, words, language))
            if glue:
                spans.append((start, end))
            if len(run) > len(term.joined) and len(stems) > len(stemmed):
                break  # both only grow with more tokens: no longer run can match
    return spans


def same_words(term: Term | Phrase, words: list[str], stemmed: str | bool) -> bool:
    """Neither side splits a function word off the other's word ("put in" vs Putin); ``stemmed``
    is the stemming language when the pieces compare stemmed."""

    def boundaries(pieces: list[str]) -> tuple[set[int], set[int]]:
        shown = [stem(p, stemmed) for p in pieces] if isinstance(stemmed, str) else pieces
        every, function = set(), set()
        for i in range(len(pieces) - 1):
            offset = sum(len(p) for p in shown[: i + 1])
            every.add(offset)
            if pieces[i] in FUNCTION_WORDS or pieces[i + 1] in FUNCTION_WORDS:
                function.add(offset)
        return every, function

    run_every, run_function = boundaries(words)
    term_every, term_function = boundaries(list(term.tokens))
    return run_function <= term_every and term_function <= run_every


def reference_near(leaf: Near, tokens: list[str], stemming: bool, lang: str) -> bool:
    left = reference_spans(leaf.left, tokens, stemming, lang)
    right = reference_spans(leaf.right, tokens, stemming, lang)
    for a_start, a_end in left:
        for b_start, b_end in right:
            between = b_start - a_end - 1 if b_start > a_end else a_start - b_end - 1
            if between <= leaf.distance:
                return True
    return False


def reference_filter(leaf: Filter, article: Article) -> bool:
    if leaf.field == "lang":
        lang = article.lang.lower()
        return lang == leaf.value or lang.startswith(leaf.value + "-")
    words, wanted = tokenize(article.source), leaf.value.split()
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words)))


def reference_holds(node: Node, article: Article, stemming: bool, fields: tuple[str, ...]) -> bool:
    if isinstance(node, And):
        return all(reference_holds(n, article, stemming, fields) for n in node.operands)
    if isinstance(node, Or):
        return any(reference_holds(n, article, stemming, fields) for n in node.operands)
    if isinstance(node, Not):
        return not reference_holds(node.operand, article, stemming, fields)
    if isinstance(node, Scope):
        return reference_holds(node.operand, article, stemming, (node.field,))
    if isinstance(node, Filter):
        return reference_filter(node, article)
    texts = {"title": article.title, "text": article.text}
    if isinstance(node, Near):
        return any(reference_near(node, tokenize(texts[f]), stemming, article.lang) for f in fields)
    return any(reference_spans(node, tokenize(texts[f]), stemming, article.lang) for f in fields)


def reference_hits(node: Node, article: Article, stemming: bool) -> tuple[TermHit, ...]:
    """First occurrence per (term as written, field) of the terms not under a NOT, in query order."""
    found: dict[tuple[str, str], TermHit] = {}
    for term in positive_terms(node):
        for name, text in (("title", article.title), ("text", article.text)):
            spans = reference_spans(term, tokenize(text), stemming, article.lang)
            if spans:
                found.setdefault((term.text, name), TermHit(term.text, name, spans[0][0]))
    return tuple(found.values())


def positive_terms(node: Node, negated: bool = False) -> list[Term | Phrase]:
    if isinstance(node, Term | Phrase):
        return [] if negated else [node]
    if isinstance(node, Near):
        return [] if negated else [node.left, node.right]
    if isinstance(node, Filter):
        return []
    if isinstance(node, Not):
        return positive_terms(node.operand, not negated)
    if isinstance(node, Scope):
        return positive_terms(node.operand, negated)
    return [term for n in node.operands for term in positive_terms(n, negated)]


# Random queries and articles ----------------------------------------------------------------


def random_text(rng: random.Random, most: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(0, most))]
    return "".join(word + rng.choice(SEPARATORS) for word in words)


def random_term(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(WORDS) + ("*" if rng.random() < 0.25 else "")
    if kind < 0.6:
        return f"{rng.choice(WORDS)}-{rng.choice(WORDS)}"
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
    return f'"{words}{"*" if rng.random() < 0.3 else ""}"'


def random_query(rng: random.Random, depth: int = 0) -> str:
    kind = rng.random()
    if depth >= 2 or kind < 0.35:
        return random_term(rng)
    if kind < 0.45:
        return f"{random_term(rng)} NEAR/{rng.randint(1, 4)} {random_term(rng)}"
    if kind < 0.55:
        return f"{rng.choice(('title', 'text'))}:({random_query(rng, depth + 1)})"
    if kind < 0.6:
        return rng.choice(("source:reuters", "source:news", "lang:en", "lang:fr"))
    if kind < 0.7:
        return f"{rng.choice(('NOT ', '-'))}{random_query(rng, depth + 1)}"
    operator = rng.choice((" AND ", " OR ", " "))
    parts = [random_query(rng, depth + 1) for _ in range(rng.randint(2, 3))]
    return "(" + operator.join(parts) + ")"


def random_topics(rng: random.Random, count: int) -> list[TopicDefinition]:
    topics: list[TopicDefinition] = []
    while len(topics) < count:
        query = random_query(rng)
        exclude = (random_term(rng),) if rng.random() < 0.2 else ()
        try:
            compile_topic("probe", query, exclude=exclude)
        except QuerySyntaxError:  # e.g. "un*" (too short a stem) or a query that is only NOT
            continue
        topics.append(TopicDefinition(f"t{len(topics)}", query, rng.random() < 0.4, exclude))
    return topics


@pytest.mark.parametrize("seed", range(10))
def test_matcher_agrees_with_the_reference_on_random_queries(seed: int) -> None:
    rng = random.Random(seed)
    topics = random_topics(rng, 50)
    matcher = compile_topics(topics)
    trees = [compile_topic(t.name, t.query, exclude=t.exclude).tree for t in topics]
    matched_somewhere = 0
    for _ in range(20):
        article = Article(random_text(rng, 4), random_text(rng, 25), rng.choice(SOURCES), rng.choice(LANGS))
        found = {
            hit.topic: hit.hits
            for hit in matcher.match(
                title=article.title, text=article.text, source=article.source, lang=article.lang
            )
        }
        for topic, tree in zip(topics, trees, strict=True):
            expected = reference_holds(tree, article, topic.stemming, ("title", "text"))
            assert (topic.name in found) == expected, (topic, article)
            if expected:
                assert found[topic.name] == reference_hits(tree, article, topic.stemming), (topic, article)
        matched_somewhere += len(found)
    assert matched_somewhere > 20  # the generator produces matches, not only misses
