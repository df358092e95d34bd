"""Bytes to text: BOMs, declared charsets, UTF-8, the cp1252 fallback and binary detection."""

from __future__ import annotations

import codecs

import pytest

from core.errors import ExtractionError
from extractors.decoding import declared_charset, decode_content

TEXT = "Beirut\u2019s \u201ccease-fire\u201d talks \u2014 café naïve"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_mark_decides(encoding: str) -> None:
    assert decode_content(TEXT.encode(encoding), location="x") == TEXT


def test_utf8_without_declaration() -> None:
    assert decode_content(TEXT.encode("utf-8"), location="x") == TEXT


def test_cp1252_fallback_never_raises() -> None:
    assert decode_content(TEXT.encode("cp1252"), location="x") == TEXT
    assert decode_content(b"odd \x81 byte", location="x") == "odd \ufffd byte"


def test_html_meta_charset_wins_over_utf8_guess() -> None:
    html = '<html><head><meta charset="koi8-r"></head><body>Привет</body></html>'
    assert decode_content(html.encode("koi8-r"), location="x", media_type="text/html") == html


def test_http_equiv_and_media_type_parameter() -> None:
    head = b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    assert declared_charset(head) == "cp1252"
    assert declared_charset(b"", "text/html; charset=utf-8") == "utf-8"
    assert declared_charset(b'<meta charset="no-such-codec">') is None
    assert declared_charset(b"<p>no declaration</p>") is None


def test_valid_utf8_wins_over_a_wrong_declaration() -> None:
    html = '<meta charset="ascii"><p>naïve</p>'
    assert decode_content(html.encode("utf-8"), location="x") == html


@pytest.mark.parametrize("content", [b"\x00\x01\x02\x03", b"text\x00with a NUL", bytes(range(32)) * 4])
def test_binary_content_raises(content: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        decode_content(content, location="/tmp/blob")
    assert caught.value.reason == "binary_content"
    assert caught.value.location == "/tmp/blob"


@pytest.mark.parametrize("content", [b"", b" \r\n\t ", codecs.BOM_UTF8 + b"  "])
def test_empty_content_raises(content: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        decode_content(content, location="x")
    assert caught.value.reason == "file_empty"
