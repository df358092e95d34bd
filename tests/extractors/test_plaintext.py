"""The plain-text cleaner on variants of what saved reports look like."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import ExtractionError
from core.records import Document
from extractors import extract_document, extract_text
from extractors.boilerplate import is_boilerplate, looks_like_name, strip_trailing_boilerplate

BODY = (
    "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border.\n\n"
    "Officials said the talks would continue next week, and that both sides had agreed to keep "
    "the channel open despite the fighting that began in 2006 and flared again last year."
)


def _document(content: bytes, media_type: str = "text/plain") -> Document:
    return Document(
        source="test",
        location="memory://report.txt",
        content=content,
        media_type=media_type,
        retrieved_at=datetime(2024, 11, 2, tzinfo=UTC),
    )


def test_headline_printed_once_before_a_blank_line() -> None:
    article = extract_text(f"Envoy meets premier in Beirut\n\n{BODY}", location="x")
    assert article is not None
    assert article.title == "Envoy meets premier in Beirut"
    assert article.title_derived is False
    assert article.text == BODY


def test_first_sentence_with_full_stop_is_not_a_headline() -> None:
    text = "The talks went on.\n\n" + BODY
    article = extract_text(text, location="x")
    assert article is not None
    assert article.title_derived is True
    assert article.text.startswith("The talks went on.")


def test_date_header_on_its_own_line() -> None:
    article = extract_text(f"date 2024-11-01\n{BODY}", location="x")
    assert article is not None
    assert article.published == datetime(2024, 11, 1, tzinfo=UTC)
    assert article.published_source == "header"
    assert article.text == BODY


def test_date_header_after_headline_with_colon_and_time() -> None:
    article = extract_text(f"Envoy meets premier\n\nDate: 2024-11-01T14:30+02:00\n\n{BODY}", location="x")
    assert article is not None
    assert article.title == "Envoy meets premier"
    assert article.published == datetime(2024, 11, 1, 12, 30, tzinfo=UTC)
    assert article.text == BODY


def test_impossible_header_date_is_left_in_the_text() -> None:
    article = extract_text(f"date 2024-13-45 {BODY}", location="x")
    assert article is not None
    assert article.published is None
    assert article.text.startswith("date 2024-13-45 The envoy")


def test_no_date_is_taken_from_the_body() -> None:
    text = "On 2024-10-30 the envoy flew to Beirut, as he did in 2006.\n" + BODY
    article = extract_text(text, location="x")
    assert article is not None
    assert article.published is None


def test_single_newline_paragraphs_and_hard_wraps() -> None:
    text = (
        "The envoy met the prime minister in Beirut on Thursday to discuss\n"
        "a truce along the border, officials said.\n"
        "The talks continue next week.\n"
    )
    article = extract_text(text, location="x")
    assert article is not None
    assert article.text == (
        "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border, "
        "officials said.\n\nThe talks continue next week."
    )


@pytest.mark.parametrize(
    "tail",
    [
        "John Doe Avatar\n\nLeave a Comment\n\nYour email address will not be published.\n\nMara Quinn",
        "Avatar photo\n\nPost a reply\n\nRequired fields are marked *\n\nName *\n\nEmail *\n\nWebsite",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        "Share this article\n\nTags: Lebanon, Israel\n\n© 2024 Example Media. All rights reserved.",
        "3 Comments\n\nAda Lovelace\n\nJohn Smith",
    ],
)
def test_trailing_boilerplate_variants_are_stripped(tail: str) -> None:
    article = extract_text(f"Envoy meets premier\n\n{BODY}\n\n{tail}\n", location="x")
    assert article is not None
    assert article.text == BODY


def test_single_newline_boilerplate_is_stripped() -> None:
    tail = "\nnewsmaker Avatar\nLeave a Reply\nSam Rivers\nLorem ipsum dolor sit amet."
    text = BODY.replace("\n\n", "\n") + tail
    article = extract_text(text, location="x")
    assert article is not None
    assert article.text == BODY


def test_name_at_the_end_without_boilerplate_is_kept() -> None:
    article = extract_text(f"{BODY}\n\nJohn Smith", location="x")
    assert article is not None
    assert article.text.endswith("\n\nJohn Smith")


def test_paragraph_mentioning_avatar_is_not_boilerplate() -> None:
    paragraph = "The film Avatar was shown in Beirut cinemas for the first time since the war began in 2006."
    assert not is_boilerplate(paragraph)
    assert strip_trailing_boilerplate([BODY, paragraph]) == [BODY, paragraph]


def test_name_detection() -> None:
    assert looks_like_name("Liyana Parker")
    assert looks_like_name("Ludwig van Beethoven")
    assert not looks_like_name("The talks went on.")
    assert not looks_like_name("Liyana")


@pytest.mark.parametrize(
    "text",
    [
        "newsmaker Avatar\n\nLeave a Reply\n\nYour email address will not be published. "
        "Required fields are marked *\n\nLiyana Parker\n\nLorem ipsum dolor sit amet.",
        "Envoy meets premier\n\nLeave a Reply",
        "date 2024-11-01\n\n",
    ],
)
def test_only_boilerplate_is_no_article(text: str) -> None:
    assert extract_text(text, location="x") is None
    assert extract_document(_document(text.encode())) is None


@pytest.mark.parametrize("content", [b"", b"  \n\n \t", "\ufeff\n".encode()])
def test_empty_document_raises_file_empty(content: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_document(_document(content))
    assert caught.value.reason == "file_empty"
    assert caught.value.location == "memory://report.txt"


def test_nul_bytes_raise_binary_content() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_document(_document(b"PK\x03\x04\x00\x00binary\x00stuff"))
    assert caught.value.reason == "binary_content"


def test_unsupported_media_type_raises() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_document(_document(b"%PDF-1.7", media_type="application/pdf"))
    assert caught.value.reason == "unsupported_media_type"


def test_windows_line_endings_and_media_type_parameters() -> None:
    content = f"Envoy meets premier\r\n\r\n{BODY}".replace("\n\n", "\r\n\r\n").encode()
    article = extract_document(_document(content, media_type="text/plain; charset=utf-8"))
    assert article is not None
    assert article.title == "Envoy meets premier"
    assert article.text == BODY
