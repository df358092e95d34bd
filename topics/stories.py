"""Story similarity for online clustering: weighted term vectors and their cosine.

``story_terms`` turns an article into a compact, JSON-serialisable vector (folded tokens, no
stop words or news-reporting filler, title terms weighted up, the top ``MAX_TERMS`` kept,
L2-normalised). ``best_story`` picks the story whose articles are most similar to a new one.
Dash-joined words also count as one glued token ("cease-fire" -> "ceasefire"), so a rewrite
that spells a compound differently still shares it.

Ingest clusters with ``topics.clustering.StoryIndex`` (story profiles, the join model of
``topics.joining``, near duplicates; threshold in ``StorySettings.join_threshold``).
``similarity`` and ``best_story`` below compare single articles; their
``DEFAULT_MIN_SIMILARITY`` (the plain-cosine baseline of ``benchmarks.stories``) was calibrated
on the two seed reports (one story: 0.49), a report
on a related subject (Gaza hostage talks: 0.11-0.15), a related but different event (the
27 November 2024 Lebanon ceasefire: 0.30-0.38, kept apart by the time window) and the BASIL and
ECB+ development sets: at 0.35 online clustering scores a B-cubed F1 of 0.97 on BASIL (best)
and a B-cubed precision of 0.94 on ECB+, whose topics pair look-alike events.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from topics.text import compounds, tokenize

DEFAULT_MIN_SIMILARITY = 0.35
MAX_TERMS = 60
TITLE_WEIGHT = 2.0
_DIGITS = 6  # rounding of stored weights: enough for cosine, short in JSON

_ENGLISH = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
may might must shall us upon via per within without across among amid around toward towards
since though although however whether yet still even ever much many well back get got make
made one two three new first last next like including include includes another would've
"""
_NEWS_FILLER = """
said says say saying told tell tells according reported reports reporting report reporter
reporters statement statements added adding asked comment comments commented spokesman
spokeswoman spokesperson official officials source sources news press agency reuters ap afp
associated cnn bbc times post journal wire update updated breaking read more image photo
video caption file copyright rights reserved email share click subscribe
today yesterday tomorrow tonight week weeks weekend month months year years day days
monday tuesday wednesday thursday friday saturday sunday morning afternoon evening night
mr mrs ms dr percent time people
"""
STOP_WORDS = frozenset(_ENGLISH.split() + _NEWS_FILLER.split())
LEAD_CHARS = 300
# A capitalised word, with what opens a sentence (an end mark or a quote, then up to two spaces)
# when that comes right before it.
_NAME = re.compile(r"([.!?\n\"\u201c|]\s{0,2})?\b([A-Z][a-z][\w'\u2019-]*)")


def story_terms(title: str | None, text: str, *, words: Sequence[str] | None = None) -> dict[str, float]:
    """The article's L2-normalised term weights, at most ``MAX_TERMS``; {} when it has no terms.

    ``words`` may pass ``tokenize(text)`` when the caller has it already.
    """
    weights = {term: 1.0 + math.log(count) for term, count in _counts(text, words).items()}
    for term, count in _counts(title or "").items():
        weights[term] = weights.get(term, 0.0) + TITLE_WEIGHT * (1.0 + math.log(count))
    top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:MAX_TERMS]
    norm = math.sqrt(sum(weight * weight for _, weight in top))
    if norm == 0.0:
        return {}
    return {term: round(weight / norm, _DIGITS) for term, weight in top}


def salient_entities(title: str | None, text: str) -> frozenset[str]:
    """Folded words of capitalised names in the headline and the lead (not sentence-initial).

    They name who and where the event is about ("Klitschko stops Thompson"); a story that has
    never mentioned them is probably a look-alike event (``topics.joining`` weighs that).
    Empty when the lead holds no such name.
    """
    lead = f"{title}\n{text[:LEAD_CHARS]}" if title else text[:LEAD_CHARS]
    return frozenset(name_words(lead))


def name_words(text: str) -> list[str]:
    """Folded words of the capitalised names in ``text`` that do not open it, a line or a sentence."""
    found: list[str] = []
    for name in _NAME.finditer(text):
        opening, word = name.groups()
        if opening or name.start() == 0:
            continue
        tokens = [word.casefold()] if word.isascii() and word.isalpha() else tokenize(word)
        found.extend(t for t in tokens if len(t) > 2 and t not in STOP_WORDS)
    return found


def _counts(text: str, words: Sequence[str] | None = None) -> Counter[str]:
    """How often each kept term occurs in ``text``: words and dash-joined compounds."""
    counts = Counter(tokenize(text) if words is None else words)
    counts.update(compounds(text))
    for term in [term for term in counts if not _keep(term)]:  # per distinct term: a third of the calls
        del counts[term]
    return counts


def _keep(term: str) -> bool:
    """Whether ``term`` carries meaning: not a stop word, and no single letter or digit."""
    return len(term) > 1 and term not in STOP_WORDS


def similarity(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """The cosine of two ``story_terms`` vectors, in [0, 1]; 0.0 when either is empty."""
    if len(b) < len(a):
        a, b = b, a
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    norms = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    if norms == 0.0:
        return 0.0
    return min(1.0, max(0.0, dot / norms))


def best_story(
    terms: Mapping[str, float],
    candidates: Iterable[tuple[int, Mapping[str, float]]],
    *,
    min_similarity: float,
) -> int | None:
    """The story id of the most similar candidate at or above ``min_similarity``, else None.

    ``candidates`` are per-article vectors tagged with their story id, so a story is as close as
    its closest article. Ties go to the candidate seen first.
    """
    best_id: int | None = None
    best_score = min_similarity
    for story_id, vector in candidates:
        score = similarity(terms, vector)
        if score > best_score or (best_id is None and score >= best_score):
            best_id, best_score = story_id, score
    return best_id
