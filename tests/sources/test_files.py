"""Local files and folders: what is read, what is skipped, and why a file fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import FetchError
from sources.files import MAX_FILE_BYTES, read_files


def _write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _reasons(read) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {Path(f.location).name: f.reason for f in read.failures}


def test_reads_text_and_html_files_recursively_in_a_stable_order(tmp_path: Path) -> None:
    _write(tmp_path, "b.txt", b"second report")
    _write(tmp_path, "a.html", b"<p>first</p>")
    _write(tmp_path, "sub/c.htm", b"<p>third</p>")
    _write(tmp_path, "notes.md", b"ignored: not a supported suffix")
    _write(tmp_path, ".hidden.txt", b"ignored: hidden")
    read = read_files("local", tmp_path, {})
    assert [(Path(d.location).name, d.media_type) for d in read.documents] == [
        ("a.html", "text/html"),
        ("b.txt", "text/plain"),
        ("c.htm", "text/html"),
    ]
    assert read.failures == () and read.unchanged == 0
    assert all(d.source == "local" and d.retrieved_at.tzinfo is not None for d in read.documents)


def test_unchanged_files_are_skipped_by_the_cursor_and_changed_ones_read_again(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.txt", b"one")
    _write(tmp_path, "b.txt", b"two")
    cursor = read_files("local", tmp_path, {}).cursor
    first.write_bytes(b"one, edited")
    again = read_files("local", tmp_path, cursor)
    assert [Path(d.location).name for d in again.documents] == ["a.txt"]
    assert again.unchanged == 1


def test_broken_files_are_recorded_with_a_reason_and_the_rest_is_read(tmp_path: Path) -> None:
    _write(tmp_path, "good.txt", b"a real report")
    _write(tmp_path, "empty.txt", b"  \n")
    _write(tmp_path, "image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    with open(tmp_path / "huge.txt", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    read = read_files("local", tmp_path, {})
    assert [Path(d.location).name for d in read.documents] == ["good.txt"]
    assert _reasons(read) == {
        "empty.txt": "file_empty",
        "image.html": "binary_content",
        "dangling.txt": "file_unreadable",
        "huge.txt": "file_too_large",
    }
    assert all(Path(location).name == "good.txt" for location in read.cursor)


def test_paths_leaving_the_folder_and_special_files_are_refused(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside", "secret.txt", b"not for newswatch")
    root = tmp_path / "watched"
    root.mkdir()
    (root / "escape.txt").symlink_to(outside)
    os.mkfifo(root / "pipe.txt")
    read = read_files("local", root, {})
    assert read.documents == ()
    assert _reasons(read) == {"escape.txt": "file_access_denied", "pipe.txt": "file_access_denied"}


def test_a_single_file_source_reads_that_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "one.txt", b"the only report")
    read = read_files("single", path, {})
    assert [d.content for d in read.documents] == [b"the only report"]


def test_a_missing_source_fails_as_a_whole(tmp_path: Path) -> None:
    with pytest.raises(FetchError) as caught:
        read_files("gone", tmp_path / "nope", {})
    assert caught.value.reason == "source_missing"
