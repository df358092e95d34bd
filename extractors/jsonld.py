"""Schema.org JSON-LD in a page: the article object (NewsArticle first) and its fields.

Pages embed several JSON-LD blocks (WebSite, Organization, BreadcrumbList, the article, often
inside an ``@graph``); this finds the one that describes the page's article. Malformed blocks
are skipped, never fatal.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterator
from typing import Any

LOGGER = logging.getLogger(__name__)

# Most specific first: a page that has both a NewsArticle and a WebPage is described by the former.
_ARTICLE_TYPES = (
    ("newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle", "liveblogposting"),
    ("article", "blogposting", "techarticle", "scholarlyarticle", "report", "socialmediaposting", "posting"),
    ("webpage", "itempage", "aboutpage", "faqpage", "qapage"),
)
_ORGANISATION_TYPES = frozenset(
    {"organization", "newsmediaorganization", "corporation", "educationalorganization", "localbusiness"}
)
MAX_BLOCK_CHARS = 2_000_000


def find_article(blocks: list[str]) -> dict[str, Any] | None:
    """The JSON-LD object that describes the article (by type priority); None when there is none."""
    objects = [obj for block in blocks for obj in _objects(_load(block))]
    for group in _ARTICLE_TYPES:
        for obj in objects:
            if _types(obj) & set(group):
                return _with_authors_resolved(obj, objects)
    return None


def _with_authors_resolved(article: dict[str, Any], objects: list[dict[str, Any]]) -> dict[str, Any]:
    """``article`` with each author given as a bare {"@id": …} replaced by the object with that id
    elsewhere in the page (Yoast and others put the Person in the @graph)."""
    authors = article.get("author")
    if not authors:
        return article
    by_id = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str) and "name" in obj}
    items = authors if isinstance(authors, list) else [authors]
    return {**article, "author": [_resolved(item, by_id) for item in items]}


def _resolved(item: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    if isinstance(item, dict) and "name" not in item and isinstance(item.get("@id"), str):
        return by_id.get(item["@id"], item)
    return item


def is_article(obj: dict[str, Any] | None) -> bool:
    """True when ``obj`` is typed as an article or a news article (not a mere WebPage)."""
    return obj is not None and bool(_types(obj) & set(_ARTICLE_TYPES[0] + _ARTICLE_TYPES[1]))


def _load(block: str) -> Any:
    if len(block) > MAX_BLOCK_CHARS:
        return None
    text = block.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        LOGGER.debug("malformed JSON-LD block skipped")
        return None


def _objects(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object in ``value``, top-level, in lists and in ``@graph`` (not nested fields)."""
    if depth > 4:
        return
    if isinstance(value, list):
        for item in value:
            yield from _objects(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _objects(value["@graph"], depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def text_of(value: Any) -> str | None:
    """A plain string from a JSON-LD value (a string, a list's first item, an object's name)."""
    if isinstance(value, list):
        value = next((item for item in value if item), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("url") or value.get("@id")
    if isinstance(value, str | int | float) and str(value).strip():
        return " ".join(html.unescape(str(value)).split())
    return None


def names_of(value: Any) -> list[str]:
    """Every name in an author-like value: "A", {"name": "A"}, [{"name": "A"}, "B"]."""
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list):
            names.extend(str(n) for n in name if isinstance(n, str))
        elif isinstance(name, str) and name.strip():
            names.append(html.unescape(name))
    return names


def authors_of(value: Any) -> list[tuple[str, bool]]:
    """Every name in an author-like value, and whether it is typed as an organisation."""
    values = value if isinstance(value, list) else [value]
    found: list[tuple[str, bool]] = []
    for item in values:
        organisation = isinstance(item, dict) and bool(_types(item) & _ORGANISATION_TYPES)
        found.extend((name, organisation) for name in names_of(item))
    return found


def urls_of(value: Any) -> list[str]:
    """Every URL in an image-like value: "u", {"url": "u"}, [{"url": "u"}, "v"]."""
    values = value if isinstance(value, list) else [value]
    urls: list[str] = []
    for item in values:
        url = item.get("url") or item.get("contentUrl") if isinstance(item, dict) else item
        if isinstance(url, str) and url.strip():
            urls.append(url.strip())
    return urls


def keywords_of(value: Any) -> list[str]:
    """Keywords from a comma-separated string or a list of strings."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [" ".join(str(item).split()) for item in items if isinstance(item, str) and item.strip()]
