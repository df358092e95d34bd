"""OPML subscription lists: bytes in, feeds out, and feeds back to OPML 2.0 bytes.

Parsed with the standard library's expat, as sitemaps are (no external entities or DTDs are
fetched; expat ≥ 2.4.1 refuses billion-laughs expansions). Outlines may nest to any depth (a
reader's folders); every outline with an ``xmlUrl`` is a feed, whatever its ``type`` says,
because readers disagree on it (``rss``, ``atom``, none). Nothing here reads or writes files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree

from core.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed of an OPML file: its URL, its title (or None) and the folders it sits in."""

    url: str
    title: str | None
    folders: tuple[str, ...] = ()


def parse_opml(content: bytes, *, location: str) -> tuple[OpmlFeed, ...]:
    """Every feed of an OPML document, in document order; ConfigurationError when it is not OPML."""
    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, ValueError) as exc:
        raise ConfigurationError(f"{location}: not well-formed XML: {exc}") from exc
    if root.tag != "opml" or root.find("body") is None:
        raise ConfigurationError(f"{location}: not an OPML file (<{root.tag}> without <body>)")
    return tuple(_feeds(root.find("body"), ()))


def _feeds(parent: ElementTree.Element | None, folders: tuple[str, ...]) -> list[OpmlFeed]:
    found: list[OpmlFeed] = []
    for outline in parent.iterfind("outline") if parent is not None else ():
        title = _title(outline)
        url = (outline.get("xmlUrl") or "").strip()
        if url:
            found.append(OpmlFeed(url=url, title=title, folders=folders))
        found.extend(_feeds(outline, (*folders, title) if title and not url else folders))
    return found


def _title(outline: ElementTree.Element) -> str | None:
    """``title`` if given, else ``text`` (OPML 2.0 requires ``text``; many readers write both)."""
    for attribute in ("title", "text"):
        value = " ".join((outline.get(attribute) or "").split())
        if value:
            return value
    return None


def render_opml(feeds: list[OpmlFeed], *, title: str, now: datetime | None = None) -> bytes:
    """An OPML 2.0 document listing ``feeds``, each in its folders (nested outlines)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = ElementTree.SubElement(root, "body")
    folders: dict[tuple[str, ...], ElementTree.Element] = {(): body}
    for feed in feeds:
        parent = _folder(folders, feed.folders)
        name = feed.title or feed.url
        ElementTree.SubElement(parent, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _folder(
    folders: dict[tuple[str, ...], ElementTree.Element], path: tuple[str, ...]
) -> ElementTree.Element:
    if path not in folders:
        parent = _folder(folders, path[:-1])
        folders[path] = ElementTree.SubElement(parent, "outline", text=path[-1], title=path[-1])
    return folders[path]
