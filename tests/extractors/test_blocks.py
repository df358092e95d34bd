"""Pages cut into text blocks, and the features the block classifier reads."""

from __future__ import annotations

import numpy as np
from lxml import html

from extractors.blocks import HINTS, page_blocks
from extractors.features import FEATURE_NAMES, block_features

PAGE = """<html><head><title>T</title><script>var x = "not text";</script></head><body>
<nav class="site-nav"><a href="/">Home</a> <a href="/world">World</a></nav>
<button class="menu-toggle">
<article class="entry-content">
<h1>Ceasefire talks resume</h1>
<p>The talks, which <b>resumed</b> on Friday, are <a href="/x">expected</a> to last a week.<br>Officials
said so.</p>
<p>A second paragraph, long enough to count for the container, follows here.</p>
<div class="share-buttons" aria-hidden="true"><a href="/s">Share</a></div>
tail text after the share box
</article>
<section id="comments" class="comment-list"><p>A reader's comment, posted later.</p></section>
<footer style="display: none">Copyright</footer>
</body></html>"""


def _blocks():
    return page_blocks(html.fromstring(PAGE))


def test_blocks_are_the_runs_of_text_between_block_tags_in_page_order() -> None:
    texts = [block.text for block in _blocks().blocks]
    assert texts == [
        "Home World",
        "Ceasefire talks resume",
        "The talks, which resumed on Friday, are expected to last a week. Officials said so.",
        "A second paragraph, long enough to count for the container, follows here.",
        "Share",
        "tail text after the share box",
        "A reader's comment, posted later.",
        "Copyright",
    ]


def test_scripts_are_skipped_and_a_stray_button_does_not_hide_the_page() -> None:
    page = _blocks()
    assert not any("not text" in block.text for block in page.blocks)
    assert page.words == sum(len(block.text.split()) for block in page.blocks)


def test_blocks_know_their_links_holder_and_hidden_ancestors() -> None:
    blocks = {block.text.split()[0]: block for block in _blocks().blocks}
    assert blocks["Home"].link_words == 2 and blocks["Home"].tag == "nav"
    assert blocks["The"].link_words == 1 and blocks["The"].tag == "p"
    assert blocks["tail"].tag == "article"
    assert blocks["Share"].holder.hidden and blocks["Copyright"].holder.hidden
    assert not blocks["The"].holder.hidden


def test_class_and_id_words_become_hints() -> None:
    blocks = {block.text.split()[0]: block for block in _blocks().blocks}

    def hints(name: str) -> set[str]:
        mask = blocks[name].holder.hints
        return {hint for index, hint in enumerate(HINTS) if mask >> index & 1}

    assert "navigation" in hints("Home")
    assert "content" in hints("The")
    assert {"share", "content"} <= hints("Share")
    assert "comment" in hints("A")


def test_the_main_container_is_the_element_with_most_paragraph_text_below_it() -> None:
    page = _blocks()
    assert page.main is not None and page.main.tag == "article"
    inside = [block.text for block in page.blocks[page.main.first_block : page.main.end_block]]
    assert inside[0] == "Ceasefire talks resume" and inside[-1] == "tail text after the share box"


def test_a_page_without_body_text_has_no_blocks() -> None:
    page = page_blocks(html.fromstring("<html><body><script>x()</script> </body></html>"))
    assert page.blocks == [] and page.main is None and page.words == 0
    assert block_features(page).shape == (0, len(FEATURE_NAMES))


def test_features_have_one_row_per_block_and_unique_names() -> None:
    page = _blocks()
    rows = block_features(page, title="Ceasefire talks resume", body=None, declared_article=True)
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert rows.shape == (len(page.blocks), len(FEATURE_NAMES)) and rows.dtype == np.float32
    column = {name: rows[:, index] for index, name in enumerate(FEATURE_NAMES)}
    assert column["link_density"][0] == 1.0
    assert column["is_title"].tolist() == [0, 1, 0, 0, 0, 0, 0, 0]
    assert column["after_title"].tolist() == [0, 1, 1, 1, 1, 1, 1, 1]
    assert column["in_container"].tolist() == [0, 1, 1, 1, 1, 1, 0, 0]
    assert column["hint_comment"][6] == 1.0 and column["hint_comment"][2] == 0.0
    assert column["body_overlap"].tolist() == [-1.0] * 8
    assert column["prev_log_words"][1] == column["log_words"][0]
    assert column["next_log_words"][0] == column["log_words"][1]


def test_articlebody_overlap_is_the_share_of_a_blocks_words_in_it() -> None:
    page = _blocks()
    rows = block_features(page, body="The talks resumed on Friday; they are expected to last a week.")
    overlap = rows[:, FEATURE_NAMES.index("body_overlap")]
    assert overlap[0] == 0.0  # "Home World"
    assert 0.5 < overlap[2] < 1.0


THREAD = """<html><body>
<nav><ul><li><a href="/">Forums</a></li><li><a href="/new">New posts</a></li></ul></nav>
<div class="posts">
<article class="post post-101 odd"><p class="user">alice</p>
<div class="msg">I bought the camera last week and the autofocus hunts in low light; is that normal?</div>
</article>
<article class="post post-102 even"><p class="user">bob</p>
<div class="msg">Yes, update the firmware first: the second release fixed low-light focus for most.</div>
</article>
<article class="post post-103 odd"><p class="user">carol</p>
<div class="msg">Same here, fixed after the update.</div>
</article>
</div></body></html>"""


def test_siblings_alike_but_for_numbers_form_a_group_with_their_text() -> None:
    page = page_blocks(html.fromstring(THREAD))
    rows = block_features(page)
    column = {name: rows[:, index] for index, name in enumerate(FEATURE_NAMES)}
    texts = [block.text.split()[0] for block in page.blocks]
    posts = [texts.index(name) for name in ("alice", "I", "bob", "Yes,", "carol", "Same")]
    post_words = sum(page.blocks[index].words for index in posts)
    assert np.allclose(column["group_share"][posts], post_words / page.words)
    assert np.allclose(column["group_count"][posts], np.log1p(3))
    assert column["group_share"][texts.index("Forums")] < 0.1  # the menu's items are a small group
    assert column["page_group_share"][0] == column["group_share"][posts[0]]


def test_a_page_with_its_text_only_in_noscript_is_read_from_there() -> None:
    thread = THREAD.replace(
        '<div class="posts">', '<div id="app">Loading…</div><noscript><div class="posts">'
    )
    page = page_blocks(html.fromstring(thread.replace("</body>", "</noscript></body>")))
    assert "I bought the camera" in " ".join(block.text for block in page.blocks)
    longer = PAGE.replace(
        "<footer", "<p>" + "More words. " * 30 + "</p><noscript>Enable scripts</noscript><footer"
    )
    article = page_blocks(html.fromstring(longer))
    assert not any("Enable scripts" in block.text for block in article.blocks)


PROSE = """<html><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<h1>Truce holds</h1>
<p>Families returned to villages near the border on Thursday as the truce entered its second week.</p>
<p>Officials said that roads had been cleared, and that schools would reopen once repairs were done.</p>
<p>Aid agencies warned, however, that winter was coming quickly to the hills of the south of the country.</p>
<ul class="related"><li><a href="/a">Markets rally</a></li><li><a href="/b">Storm warning</a></li></ul>
</body></html>"""


def test_blocks_know_the_share_of_the_pages_prose_before_and_after_them() -> None:
    page = page_blocks(html.fromstring(PROSE))
    rows = block_features(page)
    column = {name: rows[:, index] for index, name in enumerate(FEATURE_NAMES)}
    words = [block.words for block in page.blocks]  # nav, h1, three paragraphs, two links
    prose = sum(words[2:5])
    assert np.allclose(column["prose_before"], [0, 0, 0, words[2] / prose, sum(words[2:4]) / prose, 1, 1])
    assert np.allclose(column["prose_after"], [1, 1, sum(words[3:5]) / prose, words[4] / prose, 0, 0, 0])


def test_blocks_know_where_they_stand_from_the_first_h1() -> None:
    rows = block_features(page_blocks(html.fromstring(PROSE)))
    column = {name: rows[:, index] for index, name in enumerate(FEATURE_NAMES)}
    assert column["after_h1"].tolist() == [0, 1, 1, 1, 1, 1, 1]
    assert np.allclose(column["h1_offset"], (np.arange(7) - 1) / 7)
    without_h1 = block_features(page_blocks(html.fromstring(PROSE.replace("h1>", "h2>"))))
    assert not without_h1[:, FEATURE_NAMES.index("after_h1")].any()
    assert not without_h1[:, FEATURE_NAMES.index("h1_offset")].any()
