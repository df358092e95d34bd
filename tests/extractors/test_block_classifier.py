"""The tree ensemble that keeps or drops blocks: its arithmetic, its file, and the text it picks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lxml import html

from extractors.classifier import MODEL_PATH, TreeEnsemble, load_model, save_model
from extractors.features import FEATURE_NAMES
from extractors.maintext import article_paragraphs, classified_text, content_blocks


def _stump() -> TreeEnsemble:
    """One tree: feature 1 <= 0.5 -> -2.0, else +2.0; and a second tree that is a single leaf of 0.5."""
    return TreeEnsemble(
        features=("a", "b"),
        feature=np.asarray([1, 0, 0, 0], dtype=np.int32),
        threshold=np.asarray([0.5, np.inf, np.inf, np.inf], dtype=np.float32),
        left=np.asarray([1, 1, 2, 3], dtype=np.int32),
        right=np.asarray([2, 1, 2, 3], dtype=np.int32),
        value=np.asarray([0.0, -2.0, 2.0, 0.5]),
        roots=np.asarray([0, 3], dtype=np.int32),
        depth=1,
        cutoff=0.5,
    )


def test_probabilities_are_the_sigmoid_of_the_leaves_summed_over_trees() -> None:
    rows = np.asarray([[9.0, 0.5], [9.0, 0.6], [0.0, -1.0]], dtype=np.float32)
    expected = 1 / (1 + np.exp(-np.asarray([-1.5, 2.5, -1.5])))
    assert np.allclose(_stump().probabilities(rows), expected)
    assert _stump().probabilities(np.zeros((0, 2), dtype=np.float32)).shape == (0,)


def test_a_model_survives_its_json_file(tmp_path) -> None:
    path = tmp_path / "model.json.gz"
    save_model(_stump(), path)
    loaded = TreeEnsemble.from_json(json.loads(__import__("gzip").decompress(path.read_bytes())))
    rows = np.asarray([[0.0, 0.2], [0.0, 0.9]], dtype=np.float32)
    assert np.array_equal(loaded.probabilities(rows), _stump().probabilities(rows))
    assert loaded.features == ("a", "b") and loaded.depth == 1
    with pytest.raises(ValueError, match="not a newswatch-trees"):
        TreeEnsemble.from_json({"format": "something else"})


def test_the_shipped_model_reads_the_features_the_code_computes() -> None:
    model = load_model()
    assert model.features == FEATURE_NAMES, "retrain: python -m benchmarks.train_blocks"
    assert 0.0 < model.cutoff < 1.0
    assert MODEL_PATH.stat().st_size < 1_000_000


def test_the_numpy_ensemble_agrees_with_lightgbm() -> None:
    lightgbm = pytest.importorskip("lightgbm", reason="the train extra is not installed")
    from benchmarks.train_blocks import to_ensemble

    generator = np.random.default_rng(3)
    rows = generator.normal(size=(400, 5)).astype(np.float32)
    labels = rows[:, 0] + rows[:, 1] * rows[:, 2] > 0.3
    model = lightgbm.LGBMClassifier(n_estimators=30, num_leaves=15, verbose=-1, n_jobs=1)
    model.fit(rows, labels)
    ensemble = to_ensemble(model)
    assert np.allclose(ensemble.probabilities(rows), model.predict_proba(rows)[:, 1], atol=1e-9)


ARTICLE = """<html><head><title>Truce holds in the south | Example News</title></head><body>
<header class="site-header"><nav class="main-menu"><ul>
<li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article class="article-body">
<h1>Truce holds in the south</h1>
<p class="byline">By Jane Doe</p>
{paragraphs}
</article>
<aside class="related-articles"><h3>Related</h3><ul>
<li><a href="/a">Markets rally as oil prices fall</a></li>
<li><a href="/b">Storm warning for the coast</a></li>
<li><a href="/c">Election results in the capital</a></li></ul></aside></main>
<footer class="site-footer"><p>Copyright 2024 Example News. All rights reserved.</p>
<ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy policy</a></li></ul></footer>
</body></html>"""
SENTENCES = (
    "Families returned to villages near the border on Thursday as the truce entered its second week.",
    "Officials said that roads had been cleared and that schools would reopen once repairs were done.",
    "Aid agencies warned, however, that many homes were damaged and that winter was coming quickly.",
    "The agreement, brokered by two envoys, calls for a withdrawal of forces within sixty days.",
    "Residents interviewed in the market said they hoped the calm would last beyond the holidays.",
)


def test_the_article_paragraphs_are_kept_and_the_page_furniture_dropped() -> None:
    page = ARTICLE.format(paragraphs="".join(f"<p>{sentence}</p>" for sentence in SENTENCES))
    text = classified_text(html.fromstring(page), title="Truce holds in the south")
    assert text is not None
    for sentence in SENTENCES:
        assert sentence in text
    for furniture in ("Politics", "Markets rally", "Privacy policy", "All rights reserved"):
        assert furniture not in text


def test_a_paragraph_printed_twice_is_kept_once_and_short_repeats_stay() -> None:
    lines = ["Truce holds in the south", SENTENCES[0], "Photo: AP", SENTENCES[1], SENTENCES[0], "Photo: AP"]
    paragraphs = article_paragraphs(lines, "Truce holds in the south")
    assert paragraphs == [SENTENCES[0], "Photo: AP", SENTENCES[1], "Photo: AP"]


def test_a_page_whose_content_is_sure_drops_its_doubtful_blocks_and_an_unsure_page_keeps_them() -> None:
    words = np.asarray([200.0, 10.0, 10.0])
    sure_page = np.asarray([0.97, 0.65, 0.3])
    assert content_blocks(sure_page, words, 0.5).tolist() == [True, False, False]
    unsure_page = np.asarray([0.8, 0.65, 0.45])
    assert content_blocks(unsure_page, words, 0.5).tolist() == [True, True, True]
    nothing_likely = np.asarray([0.3, 0.2, 0.1])
    assert not content_blocks(nothing_likely, words, 0.5).any()
