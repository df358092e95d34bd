"""Local files and folders as sources.

A folder is read recursively for ``.txt``, ``.html`` and ``.htm`` files. The cursor remembers
each stored file's size and modification time, so an unchanged file is not read again; a file
that failed is not in the cursor and is retried on the next run. Paths that leave the folder
(symlinks out of it), non-regular files (FIFOs, devices), unreadable, empty, oversized and
binary files become ``SourceFailure`` records; the read goes on.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from core.errors import FetchError
from core.reasons import FailureReason
from core.records import Document, SourceFailure, SourceRead

LOGGER = logging.getLogger(__name__)
MEDIA_TYPES = {".txt": "text/plain", ".html": "text/html", ".htm": "text/html"}
MAX_FILE_BYTES = 10 * 1024 * 1024
_SNIFF_BYTES = 8192


def read_files(source: str, root: Path, cursor: dict[str, object]) -> SourceRead:
    """New and changed documents under ``root`` (a folder or one file), with failures recorded.

    Raises FetchError (reason ``source_missing``) when ``root`` itself does not exist: that is
    a failure of the whole source, not of one item.
    """
    if not root.exists():
        raise FetchError(f"{root} does not exist", location=str(root), reason=FailureReason.SOURCE_MISSING)
    documents: list[Document] = []
    failures: list[SourceFailure] = []
    next_cursor: dict[str, object] = {}
    unchanged = 0
    for path in _candidates(root):
        try:
            signature = _signature(path, root)
            if cursor.get(str(path)) == signature:
                next_cursor[str(path)] = signature
                unchanged += 1
                continue
            documents.append(_read_document(source, path))
            next_cursor[str(path)] = signature
        except FetchError as exc:
            failures.append(SourceFailure(source, str(path), exc.reason, str(exc)))
    return SourceRead(source, tuple(documents), tuple(failures), next_cursor, unchanged)


def _candidates(root: Path) -> Iterator[Path]:
    """Files with a known suffix, in a stable order; hidden files and folders are skipped."""
    if not root.is_dir():
        yield root
        return
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and Path(name).suffix.lower() in MEDIA_TYPES:
                yield Path(folder) / name


def _signature(path: Path, root: Path) -> list[int]:
    """``[size, mtime_ns]`` of a regular file inside ``root``; FetchError for anything else."""
    location = str(path)
    try:
        resolved = path.resolve(strict=True)
        info = resolved.stat()
    except OSError as exc:
        raise FetchError(
            f"cannot open {path}: {exc.strerror}", location=location, reason=FailureReason.FILE_UNREADABLE
        ) from exc
    inside = root.resolve() if root.is_dir() else root.resolve().parent
    if not resolved.is_relative_to(inside):
        raise FetchError(
            f"{path} points outside {inside}", location=location, reason=FailureReason.FILE_ACCESS_DENIED
        )
    if not stat.S_ISREG(info.st_mode):
        raise FetchError(
            f"{path} is not a regular file", location=location, reason=FailureReason.FILE_ACCESS_DENIED
        )
    if info.st_size > MAX_FILE_BYTES:
        raise FetchError(
            f"{path} is {info.st_size} bytes, over the {MAX_FILE_BYTES}-byte limit",
            location=location,
            reason=FailureReason.FILE_TOO_LARGE,
        )
    return [info.st_size, info.st_mtime_ns]


def _read_document(source: str, path: Path) -> Document:
    """The file's bytes as a Document; FetchError when unreadable, empty or binary."""
    location = str(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise FetchError(
            f"cannot read {path}: {exc.strerror}", location=location, reason=FailureReason.FILE_UNREADABLE
        ) from exc
    if not content.strip():
        raise FetchError(f"{path} is empty", location=location, reason=FailureReason.FILE_EMPTY)
    if _looks_binary(content[:_SNIFF_BYTES]):
        raise FetchError(
            f"{path} holds binary data, not text", location=location, reason=FailureReason.BINARY_CONTENT
        )
    media_type = MEDIA_TYPES[path.suffix.lower()]
    return Document(source, location, content, media_type, datetime.now(UTC))


def _looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters; UTF-16 text with a BOM is not binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\x1b")
    return controls > len(head) * 0.1
