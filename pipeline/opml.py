"""OPML in and out of the watchlist: ``newswatch sources import`` and ``sources export``.

The watchlist is a file people keep under version control, so an import edits it the way a person
would: ruamel.yaml reads it as a round trip (comments, key order, quoting, flow or block style and
the file's own indentation are kept) and only appends ``{name, feed}`` entries to ``sources``.
The new file is written next to the old one and moved over it, so a failed write loses nothing.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from core.errors import ConfigurationError
from core.watchlist import SOURCE_KINDS, FeedSource
from sources.opml import OpmlFeed, parse_opml, render_opml

_NAME_LENGTH = 60


@dataclass
class OpmlImport:
    """What an import did: the sources added (name, URL) and the feeds skipped (URL, why)."""

    added: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def import_opml(opml: Path, watchlist: Path) -> OpmlImport:
    """Add every feed of ``opml`` that the watchlist lacks; ConfigurationError for a bad file."""
    feeds = parse_opml(_read_bytes(opml), location=str(opml))
    yaml, document = _load_round_trip(watchlist)
    # A file of comments only has no tree to hang them on: they are kept above what is added.
    preamble = "" if document else _read_bytes(watchlist).decode("utf-8")
    document = document or CommentedMap()
    sources = _sources_of(document, watchlist)
    names = {str(entry.get("name")) for entry in sources if isinstance(entry, dict)}
    known = {
        _url_key(str(entry[kind]))
        for entry in sources
        if isinstance(entry, dict)
        for kind in SOURCE_KINDS
        if entry.get(kind)
    }
    result = OpmlImport()
    for feed in feeds:
        why_not = _why_skipped(feed, known)
        if why_not:
            result.skipped.append((feed.url, why_not))
            continue
        name = _unique_name(_name_for(feed), names)
        sources.append(CommentedMap([("name", name), ("feed", feed.url)]))
        names.add(name)
        known.add(_url_key(feed.url))
        result.added.append((name, feed.url))
    if result.added:
        _write_atomically(watchlist, preamble + _dump(yaml, document))
    return result


def export_opml(watchlist: Path) -> bytes:
    """The feed sources of the watchlist as OPML 2.0, URLs as written in the file.

    ``${VAR}`` and ``${secret:…}`` references stay references: a credential in a feed URL never
    leaves in an exported file. Sitemaps, listing pages, pages and folders are not feeds, so a
    reader could not subscribe to them; they are left out.
    """
    _, document = _load_round_trip(watchlist)
    document = document or CommentedMap()
    feeds = [
        OpmlFeed(url=str(entry["feed"]), title=str(entry.get("name") or entry["feed"]))
        for entry in _sources_of(document, watchlist)
        if isinstance(entry, dict) and entry.get("feed")
    ]
    return render_opml(feeds, title=f"newswatch sources ({watchlist.name})")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc.strerror}") from exc


def _load_round_trip(path: Path) -> tuple[YAML, Any]:
    """The watchlist as ruamel's round-trip tree, and a YAML dumper set to the file's indentation."""
    text = _read_bytes(path).decode("utf-8")
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long query or URL onto two lines
    try:
        _, indent, offset = load_yaml_guess_indent(text)
        document = yaml.load(text)
    except YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc
    # ruamel's guess: ``indent`` is where a list item's keys start, ``offset`` where its dash is.
    offset = offset or 0
    indent = indent or 2
    yaml.indent(mapping=max(indent - offset, 2) if offset else indent, sequence=indent, offset=offset)
    if document is not None and not isinstance(document, dict):
        raise ConfigurationError(f"{path}:1: the watchlist must be a mapping with sources, topics, channels")
    return yaml, document


def _sources_of(document: Any, path: Path) -> Any:
    if document.get("sources") is None:
        document["sources"] = CommentedSeq()
    sources = document["sources"]
    if not isinstance(sources, list):
        raise ConfigurationError(f"{path}: 'sources' must be a list")
    return sources


def _why_skipped(feed: OpmlFeed, known: set[str]) -> str | None:
    if _url_key(feed.url) in known:
        return "already in the watchlist"
    try:
        FeedSource.model_validate({"name": "check", "feed": feed.url})
    except ValidationError as exc:
        return exc.errors()[0]["msg"].removeprefix("Value error, ")
    return None


def _url_key(url: str) -> str:
    """A feed URL as compared for duplicates: scheme and host case-folded, no trailing slash."""
    parts = urlsplit(url.strip())
    if not parts.scheme:
        return url.strip()
    rest = url.strip()[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{rest}".rstrip("/")


def _name_for(feed: OpmlFeed) -> str:
    """A source name from the feed's title (``BBC News - World`` → ``bbc-news-world``), else its host."""
    host = (urlsplit(feed.url).hostname or "").removeprefix("www.")
    return _slug(feed.title or "") or _slug(host) or "feed"


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.casefold()).strip("-_")[:_NAME_LENGTH].strip("-_")


def _unique_name(name: str, taken: set[str]) -> str:
    if name not in taken and name not in SOURCE_KINDS:
        return name
    number = 2
    while f"{name}-{number}" in taken:
        number += 1
    return f"{name}-{number}"


def _dump(yaml: YAML, document: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a file beside ``path``, then rename it over ``path`` (same permissions)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
