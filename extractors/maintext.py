"""The main text of a page: its text blocks, each kept or dropped by the block classifier.

    tree ──page_blocks──> blocks ──block_features──> rows ──TreeEnsemble──> p(content) ──> text

One walk over the parsed page, one pass of the model over all blocks: no second extractor runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from lxml.html import HtmlElement
from numpy.typing import NDArray

from extractors.blocks import page_blocks
from extractors.boilerplate import strip_boilerplate
from extractors.classifier import TreeEnsemble, load_model
from extractors.features import FEATURE_NAMES, block_features

_MIN_REPEAT_WORDS = 3
# A page's cutoff runs from _LOWEST_CUTOFF (none of its likely content is sure) to
# _LOWEST_CUTOFF + _CUTOFF_RISE (all of it is): see content_blocks.
_SURE = 0.9
_LOWEST_CUTOFF = 0.4
_CUTOFF_RISE = 0.3


def classified_text(
    tree: HtmlElement,
    *,
    title: str | None = None,
    body: str | None = None,
    declared_article: bool = False,
    model: TreeEnsemble | None = None,
) -> str | None:
    """The content blocks of ``tree``, one per line, in page order; None when no block is content."""
    model = model or load_model()
    if model.features != FEATURE_NAMES:
        raise ValueError("the block model was trained on other features: retrain it")
    page = page_blocks(tree)
    rows = block_features(page, title=title, body=body, declared_article=declared_article)
    keep = content_blocks(model.probabilities(rows), page.word_counts(), model.cutoff)
    lines = [block.text for block, kept in zip(page.blocks, keep, strict=True) if kept]
    return "\n".join(lines) or None


def content_blocks(
    probabilities: NDArray[np.float64], words: NDArray[np.float64], likely: float
) -> NDArray[np.bool_]:
    """Which blocks are content, by a cutoff set for the page: the larger the share of the words of
    its likely content (probability >= ``likely``) that is sure (>= _SURE), the higher the cutoff.
    A page whose article stands out drops its doubtful blocks (a related list, an author box); a
    page where little is sure keeps more of what is likely."""
    likely_words = float(words[probabilities >= likely].sum())
    sure_share = float(words[probabilities >= _SURE].sum()) / likely_words if likely_words else 0.0
    return probabilities >= _LOWEST_CUTOFF + _CUTOFF_RISE * sure_share


def article_paragraphs(lines: Sequence[str], title: str | None) -> list[str]:
    """The kept blocks as paragraphs: without a first one that repeats the title, without a
    paragraph printed a second time, and without boilerplate runs at the start and the end."""
    paragraphs = _first_copies(" ".join(line.split()) for line in lines if line.strip())
    if paragraphs and title and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    return strip_boilerplate(paragraphs)


def _first_copies(paragraphs: Iterable[str]) -> list[str]:
    """``paragraphs`` without the repeats of an earlier one of ``_MIN_REPEAT_WORDS`` or more words
    (pages that print their text twice, for two layouts, or quote a post in each reply)."""
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        if paragraph in seen:
            continue
        if paragraph.count(" ") + 1 >= _MIN_REPEAT_WORDS:
            seen.add(paragraph)
        kept.append(paragraph)
    return kept
