"""The headline of a page: its <h1> or a meta title, without the site's name.

Pages name themselves in several places (JSON-LD headline, og:title, twitter:title, <title>, the
<h1>); the meta titles often carry the site's name ("Beirut talks stall | Example News").
"""

from __future__ import annotations

import html
import re
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from extractors import jsonld
from extractors.datelines import parse_day

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|\u2013|\u2014|\u2022|\u00b7|::|\u00bb|~|/)\s+")
# A title's parts after its first may also be cut at a colon ("Example Blog: Envoy meets premier").
_PART_SEPARATORS = re.compile(rf"{_TITLE_SEPARATORS.pattern}|\s*:\s+")
_SUFFIX_MAX_WORDS = 6
_MIN_HOST_LABEL = 3
_SECOND_LEVEL = frozenset({"com", "co", "org", "net", "gov", "edu", "ac"})
# A title loses at most this many parts at its end ("Headline | Section | Site").
_MAX_SUFFIXES = 2
# A page's only <h1> is its headline when it has this many words (shorter ones are often a logo).
_MIN_SOLE_HEADING_WORDS = 3
# An <h1> this short that shares no word with the meta titles names the site or a section.
_MAX_LABEL_WORDS = 4
_MAX_CHROME_WORDS = 3
# Off articles, a sole <h1> is the title when this share of its words is in a meta title too:
# a product's name is, a service page's slogan is not.
_ALIKE = 0.5
_TEXT_AND_BREAKS = etree.XPath(".//text() | .//br")
_BYLINE_WORDS = re.compile(r"\b(?:posted|published|updated)\b")
# A number that is not a year (a comment count), or the name of a section.
_TAG_WORDS = re.compile(r"\b(?!(?:19|20)\d\d\b)\d+\b|\bblog\b|\bnews\b")


def meta_titles(tree: lxml_html.HtmlElement, ld: dict[str, Any], metas: dict[str, str]) -> list[str]:
    """The distinct titles the page declares: JSON-LD headline, og:title, twitter:title, <title>."""
    titles = [
        jsonld.text_of(ld.get("headline")),
        metas.get("og:title"),
        metas.get("twitter:title"),
        " ".join(tree.findtext(".//title", default="").split()),
        metas.get("title"),
    ]
    return [html.unescape(title) for title in dict.fromkeys(titles) if title]  # some pages escape twice


def headings(tree: lxml_html.HtmlElement) -> list[str]:
    """The texts of the page's <h1> elements, in order, a line break read as a space ("Top MBA
    Programs<br>Your guide" is "Top MBA Programs Your guide", not "ProgramsYour")."""
    texts = (" ".join(heading_text(h1).split()) for h1 in tree.iterfind(".//h1"))
    return [text for text in texts if 0 < len(text) <= 300]


def heading_text(element: lxml_html.HtmlElement) -> str:
    """The text of the heading ``element``, a space for each <br> in it."""
    return "".join(node if isinstance(node, str) else " " for node in _TEXT_AND_BREAKS(element))


def normalise_title(text: str) -> str:
    """``text`` as lower-case words, for comparing titles that differ in case, spacing or punctuation."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def choose_title(
    meta_titles: list[str],
    headings: list[str],
    site_name: str | None,
    *,
    article: bool = True,
    host: str | None = None,
) -> str | None:
    """The headline the reader sees, without the site's name.

    The page's only <h1>, unless it names the site or a section, and, off articles, unless it is a
    slogan that shares few words with the meta titles; else an <h1> that a meta title starts with,
    or holds as whole parts (its first parts before a separator, or those after a colon), unless
    that <h1> names the site; else the first meta title. An <h1> that holds a whole meta title plus
    chrome (a date, "Posted by …", "Blog:", a comment count) gives way to that meta title.
    """
    titles = _untruncated([strip_site_suffix(title, site_name, host=host) for title in meta_titles])
    names = _site_keys(site_name, host)
    distinct = _distinct(headings)
    sole = distinct[0] if len(distinct) == 1 else None
    headline = sole and _is_headline(sole, meta_titles, titles, site_name)
    if sole and headline and (article or _names_alike(sole, titles)):
        return _without_chrome(strip_site_suffix(sole, site_name, host=host), titles)
    for heading in distinct:
        wanted = normalise_title(heading)
        starts = any(_starts_title(normalise_title(title), wanted) for title in meta_titles)
        part = any(_is_part_of(title, wanted) for title in meta_titles) and not _names_site(heading, names)
        if wanted and ((len(wanted.split()) >= 2 and starts) or part):
            return strip_site_suffix(heading, site_name, host=host)
    if titles:
        return titles[0]
    return headings[0] if headings else None


def _distinct(headings: list[str]) -> list[str]:
    """``headings`` without repeats, a repeat being the same words in another case (pages often
    print their headline twice, for the desktop and the mobile layout)."""
    seen: dict[str, str] = {}
    for heading in headings:
        seen.setdefault(normalise_title(heading), heading)
    return list(seen.values())


def _untruncated(titles: list[str]) -> list[str]:
    """``titles`` with each one that another continues ("… Solutions (Including" and "… Solutions
    (Including One Trick)") replaced by the longer: a meta title cut to a length limit."""
    whole = []
    for title in titles:
        cut = title.rstrip(".\u2026 ")
        longer = [other for other in titles if _continues(other, cut)]
        whole.append(max(longer, key=len) if longer else title)
    return whole


def _continues(title: str, start: str) -> bool:
    """``title`` goes on with more words where ``start``, a title of three words or more, stops
    (not with a separator and a site's name: "Science : NPR" does not continue "Science")."""
    rest = title[len(start) :]
    return (
        len(start.split()) >= _MIN_SOLE_HEADING_WORDS
        and title.startswith(start)
        and rest[:1] == " "
        and (rest[1:2].isalnum() or rest[1:2] in "([")
    )


def _names_alike(heading: str, titles: list[str]) -> bool:
    """Most of ``heading``'s words are in one of ``titles`` (a product's name, not a slogan)."""
    words = set(normalise_title(heading).split())
    return any(len(words & set(normalise_title(title).split())) >= _ALIKE * len(words) for title in titles)


def _is_headline(heading: str, meta_titles: list[str], titles: list[str], site_name: str | None) -> bool:
    """``heading`` can be a headline: three words or more, and not the site's or a section's name
    (the site name, the suffix that stripping removed from a meta title, a few words sharing none
    with the meta titles, or a few words beside a meta title whose headline is twice as long)."""
    words = normalise_title(heading)
    if len(words.split()) < _MIN_SOLE_HEADING_WORDS or words == normalise_title(site_name or ""):
        return False
    for full, cut in zip(meta_titles, titles, strict=True):
        if normalise_title(full).endswith(words) and not normalise_title(cut).endswith(words):
            return False
    if _is_dwarfed(words, titles):
        return False
    known = set(" ".join(normalise_title(title) for title in meta_titles).split())
    return not known or len(words.split()) > _MAX_LABEL_WORDS or bool(set(words.split()) & known)


def _is_dwarfed(words: str, titles: list[str]) -> bool:
    """``words``, a heading of a few words, stands beside a meta title whose headline (its first
    part, before any separator) is twice as long: it is a topic or section label ("Toddler Sleep
    Training"), the meta title the headline."""
    count = len(words.split())
    heads = (_TITLE_SEPARATORS.split(title)[0] for title in titles)
    return count <= _MAX_LABEL_WORDS and any(
        len(normalise_title(head).split()) >= 2 * count for head in heads
    )


def _without_chrome(heading: str, titles: list[str]) -> str:
    """The meta title that ``heading`` holds with chrome around it (see ``_is_chrome``), else ``heading``."""
    wanted = normalise_title(heading)
    for title in titles:
        words = normalise_title(title)
        if len(words.split()) < _MIN_SOLE_HEADING_WORDS or words == wanted or words not in wanted:
            continue
        before, _, after = f" {wanted} ".partition(f" {words} ")
        if _is_chrome(before) and _is_chrome(after):
            return title
    return heading


def _is_chrome(words: str) -> bool:
    """Words glued to a headline by the page's layout: none, a date, a byline, a short tag with a number."""
    words = words.strip()
    if not words or parse_day(words) is not None or _BYLINE_WORDS.search(words):
        return True
    return len(words.split()) <= _MAX_CHROME_WORDS and bool(_TAG_WORDS.search(words))


def _is_part_of(title: str, heading: str) -> bool:
    """``heading`` (normalised) is ``title``'s first parts, cut at a separator ("Climate Change |
    Economic Research Service"), or the first parts after a colon ("Example Blog: Envoy meets
    premier", "Shop.com: Blue kettle : Kitchen")."""
    _label, colon, after = title.partition(": ")
    return _starts_with_parts(_TITLE_SEPARATORS.split(title)[:-1], heading) or (
        bool(colon) and _starts_with_parts(_PART_SEPARATORS.split(after), heading)
    )


def _starts_with_parts(parts: list[str], heading: str) -> bool:
    """``heading`` (normalised) is the first one or more of ``parts``, joined."""
    return any(normalise_title(" ".join(parts[:end])) == heading for end in range(1, len(parts) + 1))


def _starts_title(title: str, heading: str) -> bool:
    """``title`` is ``heading`` and a suffix; not a site name followed by a longer headline."""
    return title.startswith(heading) and len(title.split()) <= 2 * len(heading.split())


# "Headline via @ConsumerReports", "Headline (via @AP)", "Headline | @Reuters": a share button's
# or a social feed's credit, not part of the headline.
_SOCIAL_SUFFIX = re.compile(
    r"(?:\s*[|\u2013\u2014\u00b7:-])?\s*(?:\(\s*via\s+@[\w.]+\s*\)|\bvia\s+@[\w.]+|(?<=[|\u2013\u2014\u00b7-])\s*@[\w.]+)\s*$",
    re.IGNORECASE,
)


def without_social_suffix(title: str) -> str:
    """``title`` without a trailing social credit ("via @ConsumerReports", "| @AP"); unchanged when
    that would leave nothing."""
    stripped = _SOCIAL_SUFFIX.sub("", title).strip()
    return stripped or title


def strip_site_suffix(title: str, site_name: str | None, *, host: str | None = None) -> str:
    """``title`` without the parts that name the site: " | Site name" at the end (or "Site name | "
    at the start), told by ``site_name`` (og:site_name, the publisher) or the ``host`` ("Bread
    Dad" on breaddad.com), and a section before it ("Headline | Opinion | Site"). A short last
    part goes too though nothing names it: a brand or a section more often than a subtitle."""
    names = _site_keys(site_name, host)
    bounds = [(found.start(), found.end()) for found in _TITLE_SEPARATORS.finditer(title)]
    starts, ends = [0, *(end for _, end in bounds)], [*(start for start, _ in bounds), len(title)]
    parts = [title[start:end] for start, end in zip(starts, ends, strict=True)]
    first = 0
    while first < len(parts) - 1 and _compact(parts[first]) in names and _word_count(parts[first + 1 :]) >= 3:
        first += 1  # "Daily Example - Envoy meets premier", "Example | Example.com - Envoy meets premier"
    if first:
        return title[starts[first] :].strip()
    last = len(parts)
    for _ in range(_MAX_SUFFIXES):
        if last == 1:
            break
        tail, head = parts[last - 1], parts[: last - 1]
        short = _word_count([tail]) <= _SUFFIX_MAX_WORDS and _word_count(head) >= 3
        if not (_names_site(tail, names) or short):
            break
        last -= 1
    return title[: ends[last - 1]].strip()


def _site_keys(site_name: str | None, host: str | None) -> list[str]:
    """The site's names as compact keys: "Daily Example" -> "dailyexample", and the host's own
    label ("www.breaddad.com" -> "breaddad"; "news.bbc.co.uk" -> "bbc")."""
    labels = (host or "").lower().split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]  # bbc.co.uk: the site is the label before the public suffix
    own = labels[-2] if len(labels) >= 2 else ""
    domain = _compact(".".join(labels[-2:])) if own else ""  # "Example.com" names the site too
    keys = (_compact(site_name or ""), own if len(own) >= _MIN_HOST_LABEL else "", domain)
    return [key for key in keys if key]


def _names_site(part: str, keys: list[str]) -> bool:
    """``part`` of a title is the site's name (or holds it, as in "Blog | Example News")."""
    key = _compact(part)
    return bool(key) and any(key == site or site in key or (key in site and len(key) >= 4) for site in keys)


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _word_count(parts: list[str]) -> int:
    return sum(len(normalise_title(part).split()) for part in parts)
