"""Bytes to text: byte-order mark, then UTF-8, then a declared charset, then cp1252.

Valid UTF-8 goes before the declared charset because pages often declare a legacy charset
(iso-8859-1, ascii) for UTF-8 bytes, while text in a legacy charset is almost never valid UTF-8
once it has a non-ASCII byte; the declaration decides the bytes UTF-8 rejects (koi8-r,
shift_jis, windows-1252 …). Decoding never fails on odd bytes: the last resort replaces what
cp1252 cannot map. What is not text at all (NUL characters, many control characters) raises
``ExtractionError`` with reason ``binary_content``; nothing but whitespace raises it with
reason ``file_empty``.

Text that was UTF-8, read once as Latin-1 or cp1252 and written out again as UTF-8 (a site whose
database or template mixes the two: a right quote, bytes E2 80 99, shows as three characters, "â€"
and a trade mark sign) is read back as written: see ``undo_double_encoding``.
"""

from __future__ import annotations

import codecs
import logging
import re

from core.errors import ExtractionError
from core.reasons import FailureReason

LOGGER = logging.getLogger(__name__)

# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.IGNORECASE)
_PARAM_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", re.IGNORECASE)
# The HTML standard reads these labels as windows-1252, and a page cannot declare UTF-16 in-band.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}
_SNIFF_BYTES = 4096
_MAX_CONTROL_RATIO = 0.05
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1b")
FALLBACK_ENCODING = "cp1252"

# A UTF-8 byte read as one character: bytes 0x80-0xFF as Latin-1 reads them (C1 controls for
# 0x80-0x9F) or as cp1252 reads them ("€" for 0x80, "™" for 0x99).
_BYTE_OF_CHAR = {chr(byte): byte for byte in range(0x80, 0x100)} | {
    char: byte for byte in range(0x80, 0xA0) if (char := bytes([byte]).decode("cp1252", errors="ignore"))
}


def _chars_of(low: int, high: int) -> str:
    """A regex class of the characters that stand for bytes ``low`` to ``high``."""
    return "[" + "".join(re.escape(c) for c, byte in _BYTE_OF_CHAR.items() if low <= byte <= high) + "]"


_CONTINUATION = _chars_of(0x80, 0xBF)
# One UTF-8 sequence of two, three or four bytes, each byte read as a character.
_MISREAD_SEQUENCE = re.compile(
    f"{_chars_of(0xC2, 0xDF)}{_CONTINUATION}"
    f"|{_chars_of(0xE0, 0xEF)}{_CONTINUATION}{{2}}"
    f"|{_chars_of(0xF0, 0xF4)}{_CONTINUATION}{{3}}"
)
# Bytes 0x80-0x9F, which the misread of a quote, dash or ellipsis always holds (U+2019 is E2 80 99).
# Read as Latin-1 they are C1 controls, which text written as intended never holds; read as cp1252
# they are punctuation (quotes, dashes, the trade mark sign), which can follow an accented capital
# (an apostrophe after "CAFÉ"), so there only a sequence of three or four characters tells.
_C1_CONTROL = re.compile("[\x80-\x9f]")
# cp1252's characters for bytes 0x80-0x9F: punctuation and a few letters ("Œ", "š").
_CP1252_HIGH = "".join(char for char, byte in _BYTE_OF_CHAR.items() if 0x80 <= byte <= 0x9F and char > "\xff")
_CP1252_PUNCTUATION = re.compile(f"[{re.escape(_CP1252_HIGH)}]")
# A quick scan that clears the common page: a C1 control, or the lead of a three- or four-byte
# sequence (U+00E0-U+00F4) followed by cp1252 punctuation ("â€" of a quote), looked for in the
# text's UTF-8 bytes, where a pattern that starts with a fixed byte is found six times faster.
_QUICK_SCANS = (
    re.compile(rb"\xc2[\x80-\x9f]"),
    re.compile(rb"\xc3[\xa0-\xb4](?:" + b"|".join(re.escape(char.encode()) for char in _CP1252_HIGH) + b")"),
)
# A closing quote (E2 80 9D) misread by a strict cp1252 decoder, which has no character for 0x9D
# and put U+FFFD there: of the five characters that misread could stand for, the only common one.
_LOST_CLOSING_QUOTE = "\u00e2\u20ac\ufffd"


def decode_content(content: bytes, *, location: str, media_type: str = "text/plain") -> str:
    """The text of ``content``; raises ExtractionError (file_empty, binary_content) when it holds none."""
    if not content.strip():
        raise ExtractionError(
            f"{location}: the document is empty", location=location, reason=FailureReason.FILE_EMPTY
        )
    text = _decode(content, media_type)
    if _looks_binary(text):
        raise ExtractionError(
            f"{location}: the document is not text (NUL or control bytes)",
            location=location,
            reason=FailureReason.BINARY_CONTENT,
        )
    if not text.strip():
        raise ExtractionError(
            f"{location}: the document is empty", location=location, reason=FailureReason.FILE_EMPTY
        )
    return undo_double_encoding(text)


def undo_double_encoding(text: str) -> str:
    """``text`` with its UTF-8 sequences that were read a byte per character put back together.

    Only a text that holds a telltale sequence (``_is_telltale``) is changed, so a text that means
    "Ã©" keeps it; a sequence whose bytes are not valid UTF-8 is left as it is.
    """
    data = text.encode("utf-8", "surrogatepass")
    if not any(scan.search(data) for scan in _QUICK_SCANS):
        return text
    if not any(_is_telltale(found.group()) for found in _MISREAD_SEQUENCE.finditer(text)):
        return text
    return _MISREAD_SEQUENCE.sub(_as_written, text.replace(_LOST_CLOSING_QUOTE, "\u201d"))


def _is_telltale(sequence: str) -> bool:
    """Whether ``sequence`` can only be misread UTF-8: it holds a C1 control, or it is three or
    four characters long and holds cp1252 punctuation for a byte of 0x80-0x9F."""
    if _C1_CONTROL.search(sequence):
        return True
    return len(sequence) >= 3 and _CP1252_PUNCTUATION.search(sequence) is not None


def repair_mojibake(text: str) -> str:
    """A short field (a title, a name) read again as UTF-8 when it all reads so from Latin-1 or
    cp1252 ("CafÃ©" is "Café"): a page may encode its metadata twice and not its text.
    Unchanged when it holds no misread sequence or does not read as UTF-8 as a whole."""
    if not _MISREAD_SEQUENCE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


def _as_written(found: re.Match[str]) -> str:
    try:
        return bytes(_BYTE_OF_CHAR[char] for char in found.group()).decode("utf-8")
    except UnicodeDecodeError:
        return found.group()


def _decode(content: bytes, media_type: str) -> str:
    """Decoded by the first encoding that fits: BOM, UTF-8, declared charset, then cp1252."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, errors="replace")
    for candidate in ("utf-8", declared_charset(content, media_type)):
        if candidate is None:
            continue
        try:
            return content.decode(candidate)
        except UnicodeDecodeError:
            LOGGER.debug("content is not valid %s", candidate)
    return content.decode(FALLBACK_ENCODING, errors="replace")


def declared_charset(content: bytes, media_type: str = "") -> str | None:
    """The Python codec name a media-type parameter or the HTML/XML head declares; None if none or unknown."""
    found = _PARAM_CHARSET.search(media_type)
    label = found.group(1) if found else None
    if label is None:
        head = content[:_SNIFF_BYTES]
        match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        label = match.group(1).decode("ascii") if match else None
    return _codec_name(label) if label else None


def _codec_name(label: str) -> str | None:
    """The codec for a charset label, after the HTML standard's aliases; None when Python has none."""
    label = label.strip().lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        LOGGER.info("unknown declared charset %r", label)
        return None


def _looks_binary(text: str) -> bool:
    """True when the start of ``text`` holds a NUL or too many control characters for prose."""
    sample = text[:_SNIFF_BYTES]
    if "\x00" in sample:
        return True
    controls = sum(1 for char in sample if char < " " and char not in _TEXT_CONTROLS)
    return controls > _MAX_CONTROL_RATIO * max(len(sample), 1)
