"""Site boilerplate that trails an article's text: comment forms, avatar captions, filler, names.

Only the end of a text is stripped, one whole paragraph at a time, so a real paragraph is never
cut. A short name-like line ("Liyana Parker") goes only when it sits among such boilerplate: on
its own it may be the author's sign-off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_BOILERPLATE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # comment forms
        r"^(leave|post|add|write|submit) a (reply|comment|response)\b",
        r"^(cancel reply|reply|comments?|\d+ (comments?|responses?|replies)|post comment|submit( comment)?)$",
        r"your email address will not be published",
        r"required fields are marked",
        r"^save my name, email",
        r"^(name|e-?mail|website|comment)\s*\*?$",
        r"you must be (logged|signed) in to (post|comment|reply)",
        r"^(log|sign) in to (reply|comment)",
        # filler text
        r"\blorem ipsum\b",
        r"\bdolor sit amet\b",
        r"\bconsectetur adipiscing\b",
        # sharing, navigation and legal footers
        r"^(share( this( article| story)?)?|tweet|print|email this|follow us\b.*)$",
        r"^(related( articles| posts| stories)?|read more|more from\b.*|you may also like)$",
        r"^(tags?|categories|category|filed under|posted in)\s*:",
        r"^(©|\(c\)\s|copyright\b)",
        r"all rights reserved\.?$",
        r"^advertisement$",
    )
)
# An avatar caption is a short line naming an avatar ("newsmaker Avatar", "Avatar photo").
_AVATAR = re.compile(r"\bavatars?\b", re.IGNORECASE)
_MAX_CAPTION_WORDS = 6
# Two to four capitalised words, as a commenter's or author's name is printed.
_NAME_WORD = r"[A-Z][\w'\u2019.\-]*"
_NAME = re.compile(rf"^{_NAME_WORD}(?: (?:{_NAME_WORD}|de|da|van|von|bin|al|el|la|le)){{1,3}}$")
_MAX_NAME_CHARS = 40


def is_boilerplate(paragraph: str) -> bool:
    """True when ``paragraph`` is a comment form line, avatar caption, filler or site footer."""
    text = " ".join(paragraph.split())
    if _AVATAR.search(text) and len(text.split()) <= _MAX_CAPTION_WORDS:
        return True
    return any(pattern.search(text) for pattern in _BOILERPLATE)


def looks_like_name(paragraph: str) -> bool:
    """True when ``paragraph`` is a short line of two to four capitalised words and nothing else."""
    text = " ".join(paragraph.split())
    return len(text) <= _MAX_NAME_CHARS and _NAME.match(text) is not None


def strip_trailing_boilerplate(paragraphs: Sequence[str]) -> list[str]:
    """``paragraphs`` without the trailing run of boilerplate (and names among it); [] if all of it is."""
    start = len(paragraphs)
    seen_boilerplate = False
    while start > 0:
        paragraph = paragraphs[start - 1]
        if is_boilerplate(paragraph):
            seen_boilerplate = True
        elif not looks_like_name(paragraph):
            break
        start -= 1
    if not seen_boilerplate:
        return list(paragraphs)
    return list(paragraphs[:start])
