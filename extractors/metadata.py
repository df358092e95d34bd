"""Metadata normalisation: language, word count, content hash, derived titles, UTC dates, URLs.

Dates are put in UTC by ``core.dates`` (which the feeds and sitemaps of sources/ share).

``complete_article`` is the last step of every extractor: it fills the fields that are computed
from the text, so plain-text and HTML articles are normalised the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import py3langid

from core.dates import to_utc
from core.records import ExtractedArticle
from core.urls import TRACKING_PARAMS
from extractors.titles import without_social_suffix

MIN_LANGUAGE_WORDS = 10
# The language is told from the start of the text: a few thousand characters decide it.
LANGUAGE_SAMPLE_CHARS = 3000
MAX_TITLE_CHARS = 90
_WORD = re.compile(r"\w+(?:['\u2019.\-]\w+)*")
_WHITESPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"""[.!?]["'\u201d\u2019)\]]*(?=\s+["'\u201c\u2018(\[]?[A-Z0-9])""")
_ABBREVIATIONS = frozenset(
    (
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "gen",
        "lt",
        "col",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "rep",
        "sen",
        "gov",
        "pres",
        "prof",
        "jr",
        "sr",
        "vs",
        "no",
        "fig",
        "inc",
        "corp",
        "ltd",
        "co",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    )
)
# A cut title should not end on a word that leads into the part cut off.
_DANGLING_WORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "as",
        "by",
        "for",
        "from",
        "with",
        "and",
        "or",
        "but",
        "that",
        "which",
        "who",
    )
)


def complete_article(article: ExtractedArticle) -> ExtractedArticle:
    """``article`` with language, word count, content hash, a derived title if it had none, UTC dates."""
    title, derived = article.title and without_social_suffix(article.title), article.title_derived
    if not title:
        title, derived = derive_title(article.text), True
    return dataclasses.replace(
        article,
        title=title,
        title_derived=derived if title else False,
        published=to_utc(article.published),
        modified=to_utc(article.modified),
        language=article.language or detect_language(article.text),
        word_count=count_words(article.text),
        content_hash=content_hash(article.text),
    )


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language of ``text``; None when it is too short to tell."""
    if count_words(text) < MIN_LANGUAGE_WORDS:
        return None
    language, _score = py3langid.classify(text[:LANGUAGE_SAMPLE_CHARS])
    return str(language)


def count_words(text: str) -> int:
    """The number of words in ``text`` (a hyphenated or dotted word such as U.S. counts once)."""
    return len(_WORD.findall(text))


def normalise_for_hash(text: str) -> str:
    """``text`` in NFKC, case-folded, with every run of whitespace collapsed to one space."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WHITESPACE.sub(" ", folded).strip()


def content_hash(text: str) -> str:
    """The sha256 hex digest of the normalised ``text``: equal for copies that differ in case or spacing."""
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()


def derive_title(text: str, max_chars: int = MAX_TITLE_CHARS) -> str | None:
    """A title from the first sentence of ``text``, cut on a word boundary with "…"; None if no text."""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first_line:
        return None
    sentence = first_sentence(first_line).rstrip(".")
    if len(sentence) <= max_chars:
        return sentence
    words = sentence[:max_chars].split()[:-1] or [sentence[: max_chars - 1]]
    while len(words) > 1 and words[-1].lower() in _DANGLING_WORDS:
        words.pop()
    return " ".join(words).rstrip(",;:-\u2013\u2014") + "…"


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, not cut after abbreviations such as U.S. or Mr.; all of it if one."""
    for found in _SENTENCE_END.finditer(text):
        words = text[: found.start()].split()
        last_word = words[-1].lower().strip("\"'\u201c\u2018(") if words else ""
        if last_word in _ABBREVIATIONS or "." in last_word or len(last_word) <= 1:
            continue
        return text[: found.end()].strip()
    return text.strip()


def canonicalise_url(url: str | None) -> str | None:
    """``url`` with lower-case scheme and host, no fragment, no tracking parameters; None if not http(s)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(key)
    ]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def without_amp(url: str) -> str:
    """The regular page an AMP URL stands for: Google's AMP cache (``host-com.cdn.ampproject.org/c/s/
    host.com/path``) read as ``https://host.com/path``; an ``amp`` path segment, ``.amp`` ending,
    ``amp.`` host or ``?amp=1`` / ``?outputType=amp`` query removed. Other URLs are returned as given."""
    parts = urlsplit(url)
    if parts.netloc.endswith(".cdn.ampproject.org"):
        cached = re.match(r"^/[a-z]/(s/)?(.+)$", parts.path)
        if cached:
            scheme = "https" if cached.group(1) else "http"
            return without_amp(f"{scheme}://{cached.group(2)}" + (f"?{parts.query}" if parts.query else ""))
    segments = [segment for segment in parts.path.split("/") if segment.lower() != "amp"]
    path = re.sub(r"\.amp(?=\.html?$|$)", "", "/".join(segments), flags=re.IGNORECASE) or "/"
    host = parts.netloc[4:] if parts.netloc.lower().startswith("amp.") else parts.netloc
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() != "amp" and not (key.lower() == "outputtype" and value.lower() == "amp")
    ]
    return urlunsplit((parts.scheme, host, path, urlencode(query), parts.fragment))
