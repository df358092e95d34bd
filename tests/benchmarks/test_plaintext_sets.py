"""How the plain-text benchmark builds its saved shapes and scores a cleaner."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.extraction import Page
from benchmarks.plaintext import folders, mean_scores, shingle_prf, words_prf
from benchmarks.plaintext_sets import build, save_as_text

BODY = (
    "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border.",
    "Officials said the talks would continue next week and that both sides would keep talking.",
)
HTML = f"""<html><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="menu"><p>Sections</p><p>Sport</p></div>
<h1>Envoy meets premier in Beirut</h1>
<p>By Jane Doe</p>
<article><p>{BODY[0]}</p><p>{BODY[1]}</p></article>
<div class="share"><p>Share this article</p></div>
<h3>Leave a Reply</h3>
<footer><p>© 2024 Example Media</p></footer>
</body></html>"""


def _page(date: str | None = "2024-11-01T10:00:00") -> Page:
    truth = "\n\n".join(BODY)
    return Page(
        "0001",
        "https://www.example.org/a",
        HTML.encode(),
        "article",
        truth,
        "Envoy meets premier in Beirut",
        None,
        date,
    )


def test_shape_a_is_the_whole_page_one_block_a_line() -> None:
    saved = save_as_text(_page())
    assert saved is not None
    lines = saved.a.splitlines()
    assert lines[:3] == ["Home World", "Sections", "Sport"]
    assert BODY[0] in lines and "© 2024 Example Media" in lines


def test_shape_b_starts_at_the_headline_and_keeps_the_furniture_after_the_body() -> None:
    saved = save_as_text(_page())
    assert saved is not None
    paragraphs = saved.b.strip().split("\n\n")
    assert paragraphs[0] == "Envoy meets premier in Beirut"
    assert "Sections" not in paragraphs
    assert paragraphs[-3:] == ["Share this article", "Leave a Reply", "© 2024 Example Media"]


def test_shape_c_has_the_seeds_header_and_the_headline_twice() -> None:
    saved = save_as_text(_page())
    assert saved is not None
    paragraphs = saved.c.strip().split("\n\n")
    headline = "Envoy meets premier in Beirut"
    assert paragraphs[:4] == ["date 2024-11-01", headline, headline, "By Jane Doe"]
    undated = save_as_text(_page(date=None))
    assert undated is not None and undated.c.startswith(headline)


def test_folders_are_built_outside_the_repository_only(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        build(tmp_path, Path(__file__).parent / "plain")
    assert not (Path(__file__).parent / "plain").exists()


def test_a_parent_folder_is_read_as_its_shapes(tmp_path: Path) -> None:
    for shape in ("b", "a"):
        (tmp_path / shape / "txt").mkdir(parents=True)
    assert folders([tmp_path]) == [tmp_path / "a", tmp_path / "b"]
    assert folders([tmp_path / "a"]) == [tmp_path / "a"]
    with pytest.raises(SystemExit):
        folders([tmp_path / "a" / "txt"])


def test_shingles_and_words_are_clipped_counts() -> None:
    gold = "one two three four five"
    assert shingle_prf(gold, gold) == (1.0, 1.0, 1.0)
    precision, recall, _ = shingle_prf("one two three four five six", gold)
    assert (precision, recall) == (2 / 3, 1.0)
    assert words_prf("one one two", "one two") == (2 / 3, 1.0, 0.8)
    assert shingle_prf("", gold) == (1.0, 0.0, 0.0)
    assert mean_scores([(gold, gold), ("", gold)])["shingle_f1"] == 0.5
