"""A page cut into text blocks: the runs of text between block-level tags, in document order.

Each block keeps what a reader's eye and a classifier need to tell content from boilerplate:
its words, how many of them are link text, the tag that holds it, the tags and the class/id
words of its ancestors (as bit masks), and its place in the page. Elements that never hold
visible text (scripts, styles, forms' controls, SVG) are skipped whole.

    <div class="post"><p>One <a>two</a></p>tail</div>  ->  Block("One two", tag p), Block("tail", tag div)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from lxml import etree
from lxml.html import HtmlElement
from numpy.typing import NDArray

# Elements whose text is never shown as page text. (Not <button> nor <dialog>: a stray open
# <button> in a header makes the parser nest the whole page inside it.)
SKIPPED_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
        "canvas", "select", "option", "textarea", "input", "head", "title", "meta", "link",
        "audio", "video", "source", "track", "map", "area",
    }
)  # fmt: skip
# Elements that flow inside a line of text; every other element starts a new block.
INLINE_TAGS = frozenset(
    {
        "a", "span", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "abbr",
        "cite", "code", "q", "time", "font", "label", "kbd", "var", "big", "tt", "ins", "del",
        "bdi", "bdo", "data", "dfn", "wbr", "nobr", "img", "picture", "strike", "samp", "acronym", "br",
    }
)  # fmt: skip

# Ancestor tags worth knowing, one bit each.
ANCESTOR_TAGS = (
    "article", "main", "header", "footer", "nav", "aside", "form", "li", "table", "figure",
    "blockquote", "a", "h1", "h2", "h3", "section", "dl", "pre", "label", "address", "button",
    "dialog", "code",
)  # fmt: skip
_TAG_BIT = {tag: 1 << index for index, tag in enumerate(ANCESTOR_TAGS)}
_TAG_BIT.update({"ul": _TAG_BIT["li"], "ol": _TAG_BIT["li"], "h4": _TAG_BIT["h3"], "h5": _TAG_BIT["h3"]})
_TAG_BIT["h6"] = _TAG_BIT["h3"]
_LINK_BIT = _TAG_BIT["a"]

# Words in class and id attributes (and roles) that hint at what an element holds. An attribute
# is cut into words ("entry-content", "articleBody", "comment_list" -> entry content article body
# comment list) and a word gives a hint when it starts with one of these.
HINT_PATTERNS = {
    "content": r"article|content|entry|story|post|body|prose|main|blog|news|richtext|rte$",
    "comment": r"comment|disqus|repl(y|ies)|respond|discussion|forum|thread",
    "navigation": r"nav|menu|breadcrumb|pagination|pager|toc$|skip|jump|tabs?$",
    "sidebar": r"sidebar|aside|widget|rail|secondary",
    "frame": r"footer|header|masthead|banner|topbar|copyright|legal",
    "share": r"share|social|sharing|facebook|twitter|whatsapp|linkedin|pinterest|follow",
    "related": r"related|recommend|popular|trending|readmore|more$|similar|also|next|prev|teaser|card|"
    r"list|feed|latest|stream|carousel|slider",
    "promo": r"ads?$|advert|promo|sponsor|dfp|gpt|affiliate|commercial|partner|outbrain|taboola",
    "signup": r"newsletter|subscri|signup|cta$|paywall|regist|login|modal|popup|overlay|cookie|consent|gdpr",
    "media": r"caption|credit|figure|image|img$|photo|gallery|video|media|thumb|embed|player|icon|logo|"
    r"avatar",
    "meta": r"byline|author|meta|date|time|info|dateline|tags?$|categor|label|badge|kicker|eyebrow|bio$",
    "hidden": r"hidden|hide|visually|offscreen|invisible|collapsed?$|sr$|none$",
    "heading": r"title|headline|heading|hed$|dek$|subtitle|standfirst|summary|lede|lead$|intro|excerpt",
}
HINTS = tuple(HINT_PATTERNS)
_HINT_RES = tuple((1 << index, re.compile(HINT_PATTERNS[name])) for index, name in enumerate(HINTS))
# Class strings and their words repeat within and across pages: their bits are remembered.
_CAMEL_CASE = re.compile(r"([a-z])([A-Z])")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_HINTS_CACHE: dict[str, int] = {}
_SIGNATURE_CACHE: dict[str, str] = {}
_DIGITS_AND_PARITY = re.compile(r"\d+|\b(?:odd|even|first|last|alt)\b")
_WORD_CACHE: dict[str, int] = {}
_CACHE_SIZE = 50_000
_HINT_ATTRIBUTES = frozenset({"class", "id", "role"})
_HIDDEN_ATTRIBUTES = frozenset({"hidden", "aria-hidden"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Blocks that count as paragraphs for the main container's score.
_PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "div", "section", "article", "td", "dd"})
_MIN_PARAGRAPH_CHARS = 25
# A page with fewer words outside <noscript> is read again with them.
_MIN_PAGE_WORDS = 50


class Node:
    """An element during and after the walk: its masks, and the totals of the text below it."""

    __slots__ = (
        "best_above",
        "best_group",
        "block_level",
        "depth",
        "end_block",
        "first_block",
        "group",
        "hidden",
        "hints",
        "holder",
        "link_words",
        "near_hints",
        "own_hints",
        "paragraph_words",
        "parent",
        "score",
        "signature",
        "tag",
        "tags",
        "words",
    )  # fmt: skip

    def __init__(
        self, tag: str, own_hints: int, hidden: bool, parent: Node | None, signature: str = ""
    ) -> None:
        self.tag = tag
        self.signature = signature or tag  # tag and class: what its repeated siblings share
        self.group: Group | None = None
        self.best_group: Group | None = None
        self.block_level = tag not in INLINE_TAGS
        self.own_hints = own_hints
        self.parent = parent
        self.first_block = self.end_block = self.words = self.link_words = self.paragraph_words = 0
        self.score = 0.0  # how much paragraph text sits right below it (readability's content score)
        self.best_above = -1.0  # the highest score of this node and its ancestors (-1: not known yet)
        if parent is None:
            self.tags, self.hints, self.near_hints = _TAG_BIT.get(tag, 0), own_hints, own_hints
            self.hidden, self.depth = hidden, 0
            self.holder: Node | None = self if self.block_level else None
            return
        self.tags = parent.tags | _TAG_BIT.get(tag, 0)
        self.hints = parent.hints | own_hints
        grandparent = parent.parent
        self.near_hints = own_hints | parent.own_hints | (grandparent.own_hints if grandparent else 0)
        self.hidden = hidden or parent.hidden
        self.depth = parent.depth + 1
        self.holder = self if self.block_level else parent.holder

    @property
    def block_parent(self) -> Node | None:
        """The nearest block-level ancestor."""
        return self.parent.holder if self.parent is not None else None

    def best_score_above(self) -> float:
        """The highest ``score`` among this node and its ancestors."""
        if self.best_above < 0:
            chain = []
            node: Node | None = self
            while node is not None and node.best_above < 0:
                chain.append(node)
                node = node.parent
            best = node.best_above if node is not None else 0.0
            for item in reversed(chain):
                best = max(best, item.score)
                item.best_above = best
        return self.best_above

    def largest_group_above(self) -> Group | None:
        """The repeated group with the most words that this node or one of its ancestors belongs to."""
        if self.best_group is None:
            chain = []
            node: Node | None = self
            while node is not None and node.best_group is None:
                chain.append(node)
                node = node.parent
            best = _NO_GROUP if node is None or node.best_group is None else node.best_group
            for item in reversed(chain):
                group = item.group
                if group is not None and group.count > 1 and group.words > best.words:
                    best = group
                item.best_group = best
        return self.best_group if self.best_group is not _NO_GROUP else None


@dataclass(slots=True)
class Group:
    """Siblings with the same tag and class (posts of a thread, items of a list), and their text."""

    count: int = 0
    words: int = 0
    link_words: int = 0


_NO_GROUP = Group()


@dataclass(slots=True)
class Block:
    """One run of text between block-level tags."""

    text: str
    words: int
    link_words: int
    holder: Node  # the block-level element that holds the text

    @property
    def tag(self) -> str:
        return self.holder.tag

    @property
    def depth(self) -> int:
        return self.holder.depth

    @property
    def near_hints(self) -> int:
        """HINTS of the holder and its two nearest ancestors."""
        return self.holder.near_hints


@dataclass(slots=True)
class Page:
    """A page's blocks and its main container: the element with the most paragraph text right below it."""

    blocks: list[Block]
    main: Node | None
    words: int
    best_score: float  # the highest content score of any element

    def word_counts(self) -> NDArray[np.float64]:
        """Each block's number of words, in page order."""
        return np.asarray([block.words for block in self.blocks], dtype=np.float64)


def page_blocks(tree: HtmlElement) -> Page:
    """The text blocks of ``tree`` in document order (blank runs dropped), and its main container.

    A page whose text is all in ``<noscript>`` (a script-built page's version for crawlers, as
    Discourse serves its threads) is read with its ``<noscript>`` elements.
    """
    body = tree.find("body")
    root = body if body is not None else tree
    walk = _Walk(SKIPPED_TAGS)
    walk.run(root)
    if sum(block.words for block in walk.blocks) < _MIN_PAGE_WORDS and root.find(".//noscript") is not None:
        walk = _Walk(SKIPPED_TAGS - {"noscript"})
        walk.run(root)
    main = walk.best[1]
    return Page(walk.blocks, main, sum(block.words for block in walk.blocks), walk.top_score)


class _Walk:
    """One pass over the elements: a stack of open nodes, and the text of the block being built."""

    def __init__(self, skipped: frozenset[str]) -> None:
        self.skipped = skipped
        self.blocks: list[Block] = []
        self.stack: list[Node] = []
        self.parts: list[str] = []
        self.link_words = 0
        self.best: tuple[float, Node | None] = (0.0, None)
        self.top_score = 0.0
        self.groups: dict[tuple[int, str], Group] = {}

    def run(self, root: HtmlElement) -> None:
        stack, parts, skipped = self.stack, self.parts, self.skipped
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, element in walker:
            if event == "start":
                tag = element.tag
                if tag.__class__ is not str or tag in skipped:  # comments' tag is a function
                    walker.skip_subtree()
                    stack.append(_SKIPPED)
                    continue
                node = _open(element, tag, stack[-1] if stack else None)
                if node.block_level and parts:
                    self.flush()
                node.first_block = len(self.blocks)
                stack.append(node)
                text = element.text
                if text:
                    self.add(text, node)
            else:
                node = stack[-1]
                if node.block_level and parts:
                    self.flush()
                stack.pop()
                if node is not _SKIPPED:
                    self.close(node)
                if node.tag == "br":
                    parts.append(" ")
                tail = element.tail
                if tail and stack:
                    self.add(tail, stack[-1])
        if parts:
            self.flush()

    def add(self, text: str, node: Node) -> None:
        self.parts.append(text)
        if node.tags & _LINK_BIT:
            self.link_words += len(text.split())

    def flush(self) -> None:
        """Close the block being built (when it holds any text) under the innermost block-level element."""
        split = "".join(self.parts).split()
        link_words = self.link_words
        self.parts.clear()
        self.link_words = 0
        holder = self.stack[-1].holder if self.stack else None
        if not split or holder is None:
            return
        text, words = " ".join(split), len(split)
        link_words = min(link_words, words)
        self.blocks.append(Block(text, words, link_words, holder))
        holder.words += words
        holder.link_words += link_words
        if holder.tag in _PARAGRAPH_TAGS and len(text) >= _MIN_PARAGRAPH_CHARS and link_words * 2 < words:
            holder.paragraph_words += words
            _credit(holder, 1.0 + text.count(",") + min(len(text) // 100, 3))

    def close(self, node: Node) -> None:
        """Pass the node's totals to its parent, and keep it if it is the best main container yet."""
        node.end_block = len(self.blocks)
        parent = node.parent
        if parent is not None:
            parent.words += node.words
            parent.link_words += node.link_words
            parent.paragraph_words += node.paragraph_words
            if node.words and node.block_level:
                self.join_group(node, parent)
        score = node.score
        if score > 0 and node.words:
            self.top_score = max(self.top_score, score)
            value = score * (1.0 - node.link_words / node.words)
            if value > self.best[0]:
                self.best = (value, node)

    def join_group(self, node: Node, parent: Node) -> None:
        """Count ``node`` with its siblings of the same tag and class (a parent outlives the walk's
        use of its id: its text-holding children keep it alive)."""
        key = (id(parent), node.signature)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group()
        group.count += 1
        group.words += node.words
        group.link_words += node.link_words
        node.group = group


def _open(element: HtmlElement, tag: str, parent: Node | None) -> Node:
    """The walk's record of ``element``: its class/id hints and whether it is hidden."""
    items = element.items()
    if not items:
        return Node(tag, 0, False, parent)
    words, hidden, signature = [], False, tag
    for name, value in items:
        if name in _HINT_ATTRIBUTES:
            words.append(value)
            if name == "class":
                signature = _signature(tag, value)
        elif name in _HIDDEN_ATTRIBUTES:
            hidden = hidden or name == "hidden" or value == "true"
        elif name == "style" and _HIDDEN_STYLE.search(value):
            hidden = True
    return Node(tag, _hints_of(" ".join(words)) if words else 0, hidden, parent, signature)


def _signature(tag: str, classes: str) -> str:
    """The tag and the class without digits: "post-123 even" and "post-124 odd" are alike."""
    key = f"{tag} {classes}"
    signature = _SIGNATURE_CACHE.get(key)
    if signature is None:
        signature = f"{tag} {_DIGITS_AND_PARITY.sub('', classes)}"
        if len(_SIGNATURE_CACHE) > _CACHE_SIZE:
            _SIGNATURE_CACHE.clear()
        _SIGNATURE_CACHE[key] = signature
    return signature


def _hints_of(words: str) -> int:
    """The HINTS bits of an element's class, id and role."""
    bits = _HINTS_CACHE.get(words)
    if bits is None:
        bits = 0
        for word in _WORD_SPLIT.split(_CAMEL_CASE.sub(r"\1 \2", words).lower()):
            if word:
                bits |= _word_hints(word)
        if len(_HINTS_CACHE) > _CACHE_SIZE:
            _HINTS_CACHE.clear()
        _HINTS_CACHE[words] = bits
    return bits


def _word_hints(word: str) -> int:
    bits = _WORD_CACHE.get(word)
    if bits is None:
        bits = 0
        for bit, pattern in _HINT_RES:
            if pattern.match(word):
                bits |= bit
        if len(_WORD_CACHE) > _CACHE_SIZE:
            _WORD_CACHE.clear()
        _WORD_CACHE[word] = bits
    return bits


def _credit(holder: Node, score: float) -> None:
    """Readability's rule: a paragraph scores for its parent, and half as much for its grandparent."""
    parent = holder.block_parent
    if parent is None:
        return
    parent.score += score
    grandparent = parent.block_parent
    if grandparent is not None:
        grandparent.score += score / 2


# Stands on the stack for a skipped element: not a block of its own, so text around it flows on.
_SKIPPED = Node("", 0, False, None)
_SKIPPED.block_level = False
