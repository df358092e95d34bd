"""Bytes from the web to text: BOM, then the Content-Type charset, then the document's own
declaration (``<meta charset>``, ``<?xml encoding?>``), then detection; never an exception.

A declared charset that does not fit the bytes (cp1252 bytes labelled UTF-8) is skipped, not
obeyed: the next rule decides, and the last resort replaces what cannot be decoded.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

LOGGER = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16-LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_PARAM_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", re.IGNORECASE)
_IN_DOCUMENT = (
    re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.IGNORECASE),
    re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE),
)
# The web reads these labels as windows-1252 (WHATWG Encoding).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}
_SNIFF_BYTES = 4096
_LATIN_GUESSES = frozenset(
    {
        "cp1250",
        "cp1252",
        "cp1254",
        "cp1257",
        "iso8859-1",
        "iso8859-2",
        "iso8859-4",
        "iso8859-9",
        "iso8859-13",
        "iso8859-15",
    }
)


def decode_text(content: bytes, content_type: str = "") -> str:
    """The text of ``content``; undecodable bytes become U+FFFD, never an exception."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, errors="replace")
    for label in (header_charset(content_type), document_charset(content)):
        codec = codec_name(label)
        if codec is None:
            continue
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            LOGGER.info("content does not fit its declared charset %s", codec)
    return _detect(content)


def header_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type, if any."""
    found = _PARAM_CHARSET.search(content_type or "")
    return found.group(1) if found else None


def document_charset(content: bytes) -> str | None:
    """The charset the document declares in its first bytes (XML declaration or meta), if any."""
    head = content[:_SNIFF_BYTES]
    for pattern in _IN_DOCUMENT:
        found = pattern.search(head)
        if found:
            return found.group(1).decode("ascii")
    return None


def codec_name(label: str | None) -> str | None:
    """Python's codec for a charset label (after the web's aliases); None when unknown."""
    if not label:
        return None
    label = label.strip().lower()
    try:
        return codecs.lookup(_ALIASES.get(label, label)).name
    except LookupError:
        return None


def _detect(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(content[: 64 * 1024]).best()
    codec = codec_name(best.encoding) if best is not None else None
    if codec is None or codec in _LATIN_GUESSES:
        # Short Western text cannot tell cp1250 from cp1252; the web's default (WHATWG) decides.
        codec = "cp1252"
    return content.decode(codec, errors="replace")
