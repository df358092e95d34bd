"""Story vectors and similarity, calibrated on the seed pair and two related fictional reports."""

from __future__ import annotations

import json
import math

import pytest

from topics.stories import DEFAULT_MIN_SIMILARITY, MAX_TERMS, best_story, similarity, story_terms

Report = tuple[str | None, str]  # (title, text), as the fixtures in conftest.py give them


def vector(report: Report) -> dict[str, float]:
    return story_terms(*report)


def test_story_terms_is_a_compact_normalised_json_vector(seed_001: Report) -> None:
    terms = vector(seed_001)
    assert 0 < len(terms) <= MAX_TERMS
    assert math.isclose(math.sqrt(sum(w * w for w in terms.values())), 1.0, abs_tol=1e-4)
    assert json.loads(json.dumps(terms)) == terms


def test_story_terms_drop_stop_words_and_filler_keep_numbers() -> None:
    terms = story_terms(None, "The envoy said on Thursday, according to Reuters, that Resolution 1701 holds.")
    assert set(terms) == {"envoy", "resolution", "1701", "holds"}


def test_story_terms_weight_the_title_up() -> None:
    terms = story_terms("Truce", "Truce and envoy")
    assert terms["truce"] > terms["envoy"]


def test_story_terms_glue_compounds_so_spellings_meet() -> None:
    assert "ceasefire" in story_terms(None, "a cease-fire")
    hyphenated, glued = story_terms(None, "cease-fire in Lebanon"), story_terms(None, "ceasefire in Lebanon")
    assert similarity(hyphenated, glued) > 0.6


def test_empty_text_gives_an_empty_vector_and_zero_similarity() -> None:
    assert story_terms(None, "") == {}
    assert story_terms(None, "the said of") == {}
    assert similarity({}, story_terms(None, "Lebanon")) == 0.0


def test_similarity_is_a_symmetric_cosine_in_unit_range(seed_000: Report, seed_001: Report) -> None:
    a, b = vector(seed_000), vector(seed_001)
    assert similarity(a, b) == pytest.approx(similarity(b, a))
    assert similarity(a, a) == pytest.approx(1.0, abs=1e-4)
    assert 0.0 <= similarity(a, b) <= 1.0


def test_seed_reports_are_one_story(seed_000: Report, seed_001: Report) -> None:
    assert similarity(vector(seed_000), vector(seed_001)) >= DEFAULT_MIN_SIMILARITY + 0.1  # measured 0.49


def test_related_subject_is_another_story(seed_000: Report, seed_001: Report, gaza_talks: Report) -> None:
    gaza = vector(gaza_talks)
    for seed in (seed_000, seed_001):
        assert similarity(vector(seed), gaza) <= DEFAULT_MIN_SIMILARITY - 0.15  # measured 0.11, 0.15


def test_related_event_is_less_similar_than_the_rewrite(
    seed_000: Report, seed_001: Report, lebanon_truce_27nov: Report
) -> None:
    """Close to the threshold (0.30 and 0.38): the time window, not the text, keeps them apart."""
    later = vector(lebanon_truce_27nov)
    rewrite = similarity(vector(seed_000), vector(seed_001))
    assert similarity(vector(seed_000), later) < DEFAULT_MIN_SIMILARITY
    assert similarity(vector(seed_001), later) < rewrite - 0.05


def test_best_story_picks_the_seed_story(seed_000: Report, seed_001: Report, gaza_talks: Report) -> None:
    candidates = [(7, vector(gaza_talks)), (3, vector(seed_000))]
    assert best_story(vector(seed_001), candidates, min_similarity=DEFAULT_MIN_SIMILARITY) == 3
    assert best_story(vector(seed_001), candidates[:1], min_similarity=DEFAULT_MIN_SIMILARITY) is None


def test_best_story_takes_the_highest_and_first_on_ties() -> None:
    same = story_terms(None, "envoy truce Lebanon")
    close = story_terms(None, "envoy truce Beirut")
    assert best_story(same, [(1, close), (2, same), (3, same)], min_similarity=0.3) == 2
    assert best_story(same, [(1, close)], min_similarity=similarity(same, close)) == 1
    assert best_story(same, [], min_similarity=0.3) is None
