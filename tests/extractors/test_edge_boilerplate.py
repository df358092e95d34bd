"""Boilerplate at the edges of a text goes; real paragraphs, even ones that mention it, stay."""

from __future__ import annotations

from extractors.boilerplate import is_boilerplate, strip_boilerplate

BODY = [
    "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border.",
    "Officials said the talks would resume next week after consultations with the armed group.",
]


def test_edges_are_stripped() -> None:
    leading = ["Advertisement", "Listen to this article", "Share on Facebook"]
    trailing = [
        "Related articles",
        "Sign up for our daily newsletter",
        "We use cookies to improve your experience.",
        "Accept all cookies",
        "About the author",
        "Jane Doe",
        "Leave a Reply",
    ]
    assert strip_boilerplate([*leading, *BODY, *trailing]) == BODY


def test_boilerplate_inside_the_text_stays() -> None:
    text = [BODY[0], "Advertisement", BODY[1]]
    assert strip_boilerplate(text) == text


def test_a_long_paragraph_that_mentions_cookies_is_prose() -> None:
    paragraph = (
        "The regulator said on Monday that this website uses cookies in ways that break the law, and it "
        "ordered the publisher to change its consent banner within thirty days or face a fine of up to "
        "four per cent of its annual turnover, the largest penalty the rules allow."
    )
    assert not is_boilerplate(paragraph)
    assert strip_boilerplate([*BODY, paragraph]) == [*BODY, paragraph]


def test_a_sign_off_name_alone_is_kept() -> None:
    assert strip_boilerplate([*BODY, "Jane Doe"]) == [*BODY, "Jane Doe"]


def test_filler_is_boilerplate_at_any_length() -> None:
    assert is_boilerplate("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 10)


def test_disclosures_and_page_furniture_at_the_edges_go() -> None:
    leading = [
        "Products are chosen by our editors. Purchases made through our links may earn us a commission.",
        "Table of Contents",
        "Last updated: April 21, 2025",
        "Image credit: Example Photos/Jane Doe",
    ]
    trailing = ["Back to top", "Oops! Something went wrong while submitting the form."]
    assert strip_boilerplate([*leading, *BODY, *trailing]) == BODY


def test_prose_that_starts_like_furniture_stays() -> None:
    text = ["Home prices rose for the fifth month in a row, the agency said on Monday.", *BODY]
    assert strip_boilerplate(text) == text
    assert not is_boilerplate("Back to the future, the minister said, is not a policy for the port.")
