"""Generic features of a page's text blocks, one row per block, for the block classifier.

Nothing here names a site: the features are the block's text statistics (length, link density,
punctuation), its tag and its ancestors' tags, words in its ancestors' class/id (content,
comment, share, related...), its place in the page and relative to the main container, whether
the publisher's JSON-LD ``articleBody`` holds its words, page-wide shares, and a few statistics
of its neighbours.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
from numpy.typing import NDArray

from extractors.blocks import ANCESTOR_TAGS, HINTS, Block, Group, Node, Page
from extractors.boilerplate import is_boilerplate

_HOLDER_TAGS = (
    ("p",), ("div",), ("li",), ("h1",), ("h2",), ("h3", "h4", "h5", "h6"), ("td", "th"),
    ("blockquote",), ("pre",), ("figcaption", "caption"), ("dt", "dd"), ("section", "article", "main"),
)  # fmt: skip
_OTHER_HOLDER = len(_HOLDER_TAGS)
_HOLDER_INDEX = {tag: index for index, group in enumerate(_HOLDER_TAGS) for tag in group}
_CAPITALISED = re.compile(r"\b[A-Z]")
_TOKEN = re.compile(r"\w+")
# Characters that are common in code and rare in prose.
_CODE_SYMBOLS = "{}[]()<>=;/\\|#$_*&@"
_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|yours)\b", re.IGNORECASE)
# Prompts that ask the reader to act: sign-ups, shop links, contact forms.
_CALL_TO_ACTION = re.compile(
    r"\b(?:click|sign up|subscribe|learn more|check out|contact us|download|register|follow us|join|"
    r"shop now|buy now|book now|get started|free trial|find out more|read more)\b",
    re.IGNORECASE,
)
# A block of prose: at least this many words, few of them links, with a sentence end.
_MIN_PROSE_WORDS = 15
_TERMINAL = frozenset('.!?:"\u201d\u2019)')

# Computed block by block, in this order (see _row).
ROW_FEATURES = (
    "log_words", "link_density", "chars_per_word", "sentence_ends", "commas", "ends_sentence",
    "starts_upper", "digits", "capitalised", "depth", "hidden", "holder_share", "parent_share",
    "parent_link_density", "parent_paragraphs", "score_above", "holder_score", "parent_score",
    "siblings", "is_p", "boilerplate_phrase", "repeated", "body_overlap", "symbols", "second_person",
    "call_to_action", "group_share", "group_count", "group_link_density", "group_item_words",
)  # fmt: skip
# Computed for all blocks at once.
PAGE_FEATURES = (
    "position", "word_position", "in_container", "main_depth", "container_offset",
    "in_container_parent", "is_title", "after_title", "main_share", "page_log_words",
    "page_log_blocks", "declared_article", "has_body", "page_comment_share", "page_content_share",
    "page_article_share", "page_link_density", "container_position", "container_words_after",
    "page_group_share", "page_group_item_words", "prose_before", "prose_after", "after_h1", "h1_offset",
)  # fmt: skip
# Statistics of a block that its neighbours also get, as "prev_*", "next_*", "prev2_*", "next2_*".
_CONTEXT = ("log_words", "link_density", "in_container", "is_p", "sentence_ends")
_OFFSETS = (("prev", -1), ("next", 1), ("prev2", -2), ("next2", 2))

FEATURE_NAMES = (
    *ROW_FEATURES,
    *PAGE_FEATURES,
    *(f"holder_{group[0]}" for group in _HOLDER_TAGS),
    "holder_other",
    *(f"in_{tag}" for tag in ANCESTOR_TAGS),
    *(f"hint_{hint}" for hint in HINTS),
    *(f"near_{hint}" for hint in HINTS),
    *(f"{name}_{column}" for name, _ in _OFFSETS for column in _CONTEXT),
)
_COLUMN = {name: index for index, name in enumerate(FEATURE_NAMES)}


def block_features(
    page: Page, *, title: str | None = None, body: str | None = None, declared_article: bool = False
) -> NDArray[np.float32]:
    """One row of ``FEATURE_NAMES`` per block of ``page``; ``body`` is the JSON-LD articleBody."""
    blocks = page.blocks
    matrix = np.zeros((len(blocks), len(FEATURE_NAMES)), dtype=np.float32)
    if not blocks:
        return matrix
    body_words = frozenset(_TOKEN.findall(body.lower())) if body else None
    counts = Counter(block.text for block in blocks)
    top, total = max(page.best_score, 1.0), max(page.words, 1)
    rows = [_row(block, top, total, counts, body_words) for block in blocks]
    matrix[:, : len(ROW_FEATURES)] = np.asarray(rows, dtype=np.float32)
    _mask_columns(matrix, blocks)
    # Whole numbers, exact in float32: the dtype of the feature matrix the model was trained on.
    words = page.word_counts().astype(np.float32)
    _place_columns(matrix, page, words)
    _title_columns(matrix, blocks, title)
    _prose_columns(matrix, words)
    _heading_columns(matrix)
    _page_columns(matrix, page, words, declared_article, body_words is not None)
    _context_columns(matrix)
    return matrix


def _row(
    block: Block, top: float, total: int, counts: Counter[str], body_words: frozenset[str] | None
) -> tuple[float, ...]:
    """The ROW_FEATURES of one block."""
    text, words, holder = block.text, block.words, block.holder
    parent = holder.parent
    parent_words = parent.words if parent is not None and parent.words else 0
    group = holder.largest_group_above()
    return (
        math.log1p(words),
        block.link_words / words,
        len(text) / words,
        (text.count(". ") + text.count("? ") + text.count("! ") + (text[-1] in ".!?")) / words,
        text.count(",") / words,
        text[-1] in _TERMINAL,
        text[0].isupper(),
        sum(map(text.count, "0123456789")) / len(text),
        len(_CAPITALISED.findall(text)) / words,
        block.depth,
        holder.hidden,
        holder.words / total,
        parent_words / total,
        parent.link_words / parent_words if parent_words else 0.0,  # type: ignore[union-attr]
        parent.paragraph_words / parent_words if parent_words else 0.0,  # type: ignore[union-attr]
        holder.best_score_above() / top,
        holder.score / top,
        parent.score / top if parent is not None else 0.0,
        math.log1p(parent.end_block - parent.first_block) if parent is not None else 0.0,
        holder.tag == "p",
        is_boilerplate(text) if words <= 40 else False,
        counts[text] > 1,
        _overlap(text, body_words),
        sum(map(text.count, _CODE_SYMBOLS)) / len(text),
        len(_SECOND_PERSON.findall(text)) / words,
        _CALL_TO_ACTION.search(text) is not None if words <= 60 else False,
        *(_group_row(group, total) if group is not None else (0.0, 0.0, 0.0, 0.0)),
    )


def _group_row(group: Group, total: int) -> tuple[float, float, float, float]:
    """The block's largest repeated group: its share of the page's words, size, links, item length."""
    return (
        group.words / total,
        math.log1p(group.count),
        group.link_words / group.words,
        math.log1p(group.words / group.count),
    )


def _overlap(text: str, body_words: frozenset[str] | None) -> float:
    """The share of the block's words found in the articleBody; -1 when the page has none."""
    if body_words is None:
        return -1.0
    tokens = _TOKEN.findall(text.lower())
    return sum(token in body_words for token in tokens) / len(tokens) if tokens else 0.0


def _mask_columns(matrix: NDArray[np.float32], blocks: list[Block]) -> None:
    """The holder's tag (one-hot), its ancestors' tags, and the class/id hints (bit masks unpacked)."""
    holder_column = _COLUMN[f"holder_{_HOLDER_TAGS[0][0]}"]
    holder_index = [_HOLDER_INDEX.get(block.holder.tag, _OTHER_HOLDER) for block in blocks]
    matrix[np.arange(len(blocks)), holder_column + np.asarray(holder_index)] = 1.0
    for first, count, masks in (
        (_COLUMN[f"in_{ANCESTOR_TAGS[0]}"], len(ANCESTOR_TAGS), [block.holder.tags for block in blocks]),
        (_COLUMN[f"hint_{HINTS[0]}"], len(HINTS), [block.holder.hints for block in blocks]),
        (_COLUMN[f"near_{HINTS[0]}"], len(HINTS), [block.near_hints for block in blocks]),
    ):
        bits = (np.asarray(masks, dtype=np.int64)[:, None] >> np.arange(count)) & 1
        matrix[:, first : first + count] = bits


def _place_columns(matrix: NDArray[np.float32], page: Page, words: NDArray[np.float32]) -> None:
    """The block's place in the page, and relative to the main container."""
    count = len(page.blocks)
    index = np.arange(count, dtype=np.float32)
    matrix[:, _COLUMN["position"]] = index / count
    matrix[:, _COLUMN["word_position"]] = (np.cumsum(words) - words) / max(page.words, 1)
    main = page.main
    if main is None:
        return
    matrix[:, _COLUMN["main_share"]] = main.words / max(page.words, 1)
    matrix[:, _COLUMN["main_depth"]] = matrix[:, _COLUMN["depth"]] - _depth(main)
    matrix[main.first_block : main.end_block, _COLUMN["in_container"]] = 1.0
    offset = np.where(index < main.first_block, index - main.first_block, 0.0)
    offset = np.where(index >= main.end_block, index - main.end_block + 1, offset)
    matrix[:, _COLUMN["container_offset"]] = offset / count
    inside = slice(main.first_block, main.end_block)
    size = max(main.end_block - main.first_block, 1)
    matrix[:, _COLUMN["container_position"]] = np.where(index < main.first_block, -1.0, 2.0)
    matrix[inside, _COLUMN["container_position"]] = (index[inside] - main.first_block) / size
    after = np.cumsum(words[inside][::-1])[::-1] - words[inside]
    matrix[inside, _COLUMN["container_words_after"]] = after / max(float(words[inside].sum()), 1.0)
    outer = main.block_parent
    if outer is not None:
        matrix[outer.first_block : outer.end_block, _COLUMN["in_container_parent"]] = 1.0


def _depth(node: Node) -> int:
    depth, parent = 0, node.parent
    while parent is not None:
        depth, parent = depth + 1, parent.parent
    return depth


def _prose_columns(matrix: NDArray[np.float32], words: NDArray[np.float32]) -> None:
    """The share of the page's prose (sentences in unlinked blocks of some length) before and after
    each block: the article's text is one run of prose, and what follows its end rarely belongs."""
    prose = (words >= _MIN_PROSE_WORDS) & (matrix[:, _COLUMN["link_density"]] < 0.2)
    prose &= matrix[:, _COLUMN["sentence_ends"]] > 0
    prose_words = np.where(prose, words, 0.0)
    total = float(prose_words.sum())
    if not total:
        return
    before = np.cumsum(prose_words) - prose_words
    matrix[:, _COLUMN["prose_before"]] = before / total
    matrix[:, _COLUMN["prose_after"]] = (total - before - prose_words) / total


def _heading_columns(matrix: NDArray[np.float32]) -> None:
    """Whether each block comes after the page's first <h1>, and how far from it (a share of the
    page's blocks, negative before it); zeros when the page has no <h1>."""
    in_h1 = np.flatnonzero(matrix[:, _COLUMN["in_h1"]])
    if not len(in_h1):
        return
    count = matrix.shape[0]
    offset = np.arange(count, dtype=np.float32) - in_h1[0]
    matrix[:, _COLUMN["after_h1"]] = offset >= 0
    matrix[:, _COLUMN["h1_offset"]] = offset / count


def _title_columns(matrix: NDArray[np.float32], blocks: list[Block], title: str | None) -> None:
    """The first block that repeats the page's title, and every block after it."""
    if not title:
        return
    wanted = _normalise(title)
    for row, block in enumerate(blocks):
        if len(block.text) < 2 * len(title) + 20 and _normalise(block.text) == wanted:
            matrix[row, _COLUMN["is_title"]] = 1.0
            matrix[row:, _COLUMN["after_title"]] = 1.0
            return


def _normalise(text: str) -> str:
    return " ".join(_TOKEN.findall(text.casefold()))


def _page_columns(
    matrix: NDArray[np.float32],
    page: Page,
    words: NDArray[np.float32],
    declared_article: bool,
    has_body: bool,
) -> None:
    """Page-wide values: size, declared type, and the shares of words by kind of ancestor."""
    total = max(page.words, 1)
    matrix[:, _COLUMN["page_log_words"]] = np.log1p(page.words)
    matrix[:, _COLUMN["page_log_blocks"]] = np.log1p(len(page.blocks))
    matrix[:, _COLUMN["declared_article"]] = declared_article
    matrix[:, _COLUMN["has_body"]] = has_body
    for column, source in (
        ("page_comment_share", "hint_comment"),
        ("page_content_share", "hint_content"),
        ("page_article_share", "in_article"),
    ):
        # An elementwise sum, not a dot product: BLAS threads would compete with other workers.
        matrix[:, _COLUMN[column]] = float((words * matrix[:, _COLUMN[source]]).sum()) / total
    matrix[:, _COLUMN["page_link_density"]] = sum(block.link_words for block in page.blocks) / total
    _thread_columns(matrix)


def _thread_columns(matrix: NDArray[np.float32]) -> None:
    """The page's largest group of three or more mostly unlinked siblings: posts of a thread, say."""
    threads = (matrix[:, _COLUMN["group_count"]] >= math.log1p(3)) & (
        matrix[:, _COLUMN["group_link_density"]] < 0.5
    )
    if not threads.any():
        return
    shares = np.where(threads, matrix[:, _COLUMN["group_share"]], -1.0)
    largest = int(shares.argmax())
    matrix[:, _COLUMN["page_group_share"]] = matrix[largest, _COLUMN["group_share"]]
    matrix[:, _COLUMN["page_group_item_words"]] = matrix[largest, _COLUMN["group_item_words"]]


def _context_columns(matrix: NDArray[np.float32]) -> None:
    """The neighbours' statistics beside each block's own (zeros past the page's ends)."""
    own = [_COLUMN[name] for name in _CONTEXT]
    count = matrix.shape[0]
    for name, offset in _OFFSETS:
        if abs(offset) >= count:
            continue
        target = [_COLUMN[f"{name}_{column}"] for column in _CONTEXT]
        if offset < 0:
            matrix[-offset:, target] = matrix[:offset, own]
        else:
            matrix[:-offset, target] = matrix[offset:, own]
