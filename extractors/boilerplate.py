"""Site boilerplate at the edges of an article's text: share prompts, newsletter sign-ups, cookie
notices, "Related articles", "Advertisement", comment forms, author boxes, avatar captions, filler.

Only the start and the end of a text are stripped, one whole paragraph at a time, so a real
paragraph is never cut; a long paragraph is boilerplate only when it is filler text. A short
name-like line ("Liyana Parker") goes only when it sits among such boilerplate: on its own it
may be the author's sign-off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Written in lower case: they are matched against the lower-cased paragraph.
_BOILERPLATE = tuple(
    re.compile(pattern)
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
        r"^(share( this( article| story| post| page)?)?|tweet|print|email this|follow us\b.*)\s*:?$",
        r"^(share|post|click to share) (on|to|via) "
        r"(facebook|twitter|x|linkedin|whatsapp|reddit|email|pinterest)",
        r"^(related( articles| posts| stories| content| reading)?|read more|read next|more from\b.*|"
        r"you may also like|you might also like|recommended( for you)?|most (read|popular)|"
        r"trending( now)?)\s*:?$",
        r"^(read more|related|see also|also read|read also|more)\s*:",
        r"^(tags?|topics?|categories|category|filed under|posted in)\s*:",
        r"^(©|\(c\)\s|copyright\b)",
        r"all rights reserved\.?$",
        r"^(advertisement|advertising|sponsored( content)?|ad|story continues below( advertisement)?|"
        r"article continues below( advertisement)?|scroll to continue( with content)?)$",
        r"^skip to (main )?content$",
        r"^(listen to this article|\d+ min(ute)?s? read)\b",
        # newsletters, cookies, author boxes
        r"^(sign up|subscribe)\b.{0,60}\b(newsletter|inbox|updates|alerts)\b",
        r"\b(our|the) newsletter\b.{0,40}\b(sign up|subscribe|delivered)\b",
        r"^get (the latest|our best|breaking news)\b.{0,60}\b(inbox|email|newsletter)\b",
        r"\b(we|this (web)?site) uses? cookies\b",
        r"^(accept( all)?( cookies)?|reject( all)?|cookie (settings|preferences|policy)|"
        r"manage (cookies|consent))$",
        r"^(about the author|view all posts by\b.*|more (articles|posts|stories) (by|from)\b.*)$",
        r"^view (the )?author('s)? (page|profile)$",
        # affiliate disclosures, page furniture, form messages
        r"\b(may|might|could) earn (us )?(a |an )?(small )?(affiliate )?commission\b",
        r"^(table of contents|contents|in this article|jump to|on this page|back to top|back to \w+|"
        r"you are here:?|home)$",
        r"^(last )?(updated|modified|reviewed)( on)?:? \w+ \d{1,2},? \d{4}$",
        r"^(image|photo|picture) (credit|source)s?:",
        r"^oops! something went wrong\b",
        r"^thank you! your submission has been received",
        r"\bnecessary cookies are absolutely essential\b",
    )
)
# The same patterns in two: those anchored at the start, tried only there, and the others, tried
# only when one of their words occurs (a case-insensitive alternation that starts with \b is
# tried at every position of the text: slow, and this runs on every block of every page).
_AT_START = re.compile("|".join(f"(?:{p.pattern})" for p in _BOILERPLATE if p.pattern.startswith("^")))
_ANYWHERE = re.compile("|".join(f"(?:{p.pattern})" for p in _BOILERPLATE if not p.pattern.startswith("^")))
_ANYWHERE_WORDS = (
    "email address", "required fields", "logged in", "signed in", "lorem", "dolor", "consectetur",
    "reserved", "newsletter", "cookies", "commission",
)  # fmt: skip
# An avatar caption is a short line naming an avatar ("newsmaker Avatar", "Avatar photo").
_AVATAR = re.compile(r"\bavatars?\b")
_MAX_CAPTION_WORDS = 6
# Two to four capitalised words, as a commenter's or author's name is printed.
_NAME_WORD = r"[A-Z][\w'\u2019.\-]*"
_NAME = re.compile(rf"^{_NAME_WORD}(?: (?:{_NAME_WORD}|de|da|van|von|bin|al|el|la|le)){{1,3}}$")
_MAX_NAME_CHARS = 40


_FILLER = re.compile(r"\blorem ipsum\b|\bdolor sit amet\b|\bconsectetur adipiscing\b")
# A paragraph longer than this is prose, whatever phrase it contains (unless it is filler text).
MAX_BOILERPLATE_WORDS = 40


def is_boilerplate(paragraph: str) -> bool:
    """True when ``paragraph`` is a share prompt, sign-up, cookie notice, comment line, caption or filler."""
    text = " ".join(paragraph.lower().split())
    words = text.count(" ") + 1
    if words <= _MAX_CAPTION_WORDS and "avatar" in text and _AVATAR.search(text):
        return True
    if ("lorem" in text or "dolor" in text or "consectetur" in text) and _FILLER.search(text):
        return True
    if words > MAX_BOILERPLATE_WORDS:
        return False
    return _AT_START.match(text) is not None or _matches_anywhere(text)


def _matches_anywhere(text: str) -> bool:
    for word in _ANYWHERE_WORDS:
        if word in text:
            return _ANYWHERE.search(text) is not None
    return False


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


def strip_leading_boilerplate(paragraphs: Sequence[str]) -> list[str]:
    """``paragraphs`` without the leading run of boilerplate (names are kept: they may be the byline)."""
    start = 0
    while start < len(paragraphs) and is_boilerplate(paragraphs[start]):
        start += 1
    return list(paragraphs[start:])


def strip_boilerplate(paragraphs: Sequence[str]) -> list[str]:
    """``paragraphs`` without boilerplate runs at the start and at the end; [] if all of it is."""
    return strip_trailing_boilerplate(strip_leading_boilerplate(paragraphs))
