"""Bytes to text: BOMs, declared charsets, UTF-8, the cp1252 fallback, binary detection and text
that was encoded as UTF-8 twice."""

from __future__ import annotations

import codecs

import pytest

from core.errors import ExtractionError
from extractors import extract
from extractors.decoding import declared_charset, decode_content, repair_mojibake, undo_double_encoding

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


def _read_a_byte_per_character(text: str, *, legacy: str) -> str:
    """``text``'s UTF-8 bytes read one character each, as a site that stores UTF-8 as Latin-1 or
    cp1252 shows it (cp1252 has no character for 0x81, 0x8D, 0x8F, 0x90, 0x9D: they stay C1)."""
    return "".join(bytes([byte]).decode(legacy, errors="ignore") or chr(byte) for byte in text.encode())


@pytest.mark.parametrize("legacy", ["latin-1", "cp1252"])
def test_text_encoded_twice_is_read_as_written(legacy: str) -> None:
    misread = _read_a_byte_per_character(TEXT + " \U0001f600", legacy=legacy)
    assert misread != TEXT + " \U0001f600"
    assert decode_content(misread.encode("utf-8"), location="x") == TEXT + " \U0001f600"
    assert undo_double_encoding(misread) == TEXT + " \U0001f600"


def test_a_closing_quote_lost_by_a_strict_cp1252_decoder_is_put_back() -> None:
    misread = TEXT.encode("utf-8").decode("cp1252", errors="replace")  # 0x9D of the closing quote lost
    assert "\ufffd" in misread
    assert undo_double_encoding(misread) == TEXT


@pytest.mark.parametrize(
    "text",
    [
        TEXT,
        "S\u00c3O PAULO",  # a capital with a tilde before a letter
        "CAF\u00c9\u2019s menu",  # an accented capital before cp1252 punctuation
        "\u00c3\u00a9 and \u00c2\u00a9",  # what could be a misread "\u00e9" and "\u00a9", without a telltale
        "odd \u00e2\x80 end",  # a C1 control in no complete sequence
    ],
)
def test_text_written_as_intended_is_left_alone(text: str) -> None:
    assert undo_double_encoding(text) == text
    assert decode_content(text.encode("utf-8"), location="x") == text


def test_a_page_given_as_text_is_read_as_written_too() -> None:
    paragraph = (
        "The envoy\u2019s \u201clast\u201d round of talks in Beirut ended on Friday without an agreement "
        "on the terms of a truce, officials said, and negotiators will meet again next week."
    )
    page = (
        f"<html><head><title>Talks end</title></head><body><article><h1>Talks end</h1><p>{paragraph}</p>"
        "<p>Both sides said they want to avoid a wider war, and the speaker of parliament, who mediates "
        "with the armed group, is expected to meet the envoy again.</p></article></body></html>"
    )
    article = extract(_read_a_byte_per_character(page, legacy="cp1252"), url="https://news.example.com/talks")
    assert article is not None
    assert "The envoy\u2019s \u201clast\u201d round" in article.text


def test_a_title_or_name_encoded_twice_is_read_again() -> None:
    assert repair_mojibake("A DIY Investor\u00e2\u0080\u0099s Guide") == "A DIY Investor\u2019s Guide"
    assert repair_mojibake("Caf\u00c3\u00a9 culture") == "Caf\u00e9 culture"
    assert repair_mojibake("Investor\u00e2\u20ac\u2122s Guide") == "Investor\u2019s Guide"  # read as cp1252
    right = "Caf\u00e9 culture \u2014 D\u00e9j\u00e0 vu"
    assert repair_mojibake(right) == right
    assert repair_mojibake("Z\u00fcrich \u00c2\u00a35") == "Z\u00fcrich \u00c2\u00a35"  # mixed: left alone
