"""Story term vectors: weighted, folded terms of an article, and their cosine.

``story_terms`` turns an article into a compact, JSON-serialisable vector (folded tokens, no
stop words or news-reporting filler, title terms weighted up, the top ``MAX_TERMS`` kept,
L2-normalised). Dash-joined words also count as one glued token ("cease-fire" -> "ceasefire"),
so a rewrite that spells a compound differently still shares it.

Ingest clusters with ``topics.clustering.StoryIndex``, which compares a report's vector with each
candidate story's centroid; ``similarity`` is the same cosine for two single vectors (a story of
one report has the report's vector as its centroid). Measured on the seed reports: the rewrite
0.49, a report on a related subject (Gaza hostage talks) 0.11-0.15, a related but different
event (the 27 November 2024 Lebanon ceasefire) 0.30-0.38, which the story window keeps apart.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from topics.text import compounds, tokenize

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
