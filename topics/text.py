"""Folding and tokenising, shared by topic queries, articles and story vectors.

The same function folds a query term and an article, so whatever variants it collapses
(case, diacritics, compatibility forms, "U.S." vs "us", "Mikati's" vs "Mikati") match each
other. Words are split on whitespace, every Unicode dash, slashes and punctuation; digits are
kept ("1701"), and a decimal number ("3.5") stays one token. Arabic is folded too: its
diacritics (harakat, tanwin, shadda, sukun, the dagger alif) and the tatweel are dropped, and
the letter variants that spelling mixes freely are merged (alef with hamza or madda and alef
wasla to alef, alef maqsura to yeh, teh marbuta to heh, hamza on waw or yeh to waw or yeh),
so a vowelled word meets its plain spelling and "the Cairo" spelled with teh marbuta meets it
spelled with heh.

Stemming follows the article's language: Snowball for English, German, French, Spanish,
Italian, Portuguese and Dutch (the languages the date reader knows), English for any other or
unknown language, as before.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Combining marks are stripped only from Latin, Greek and Cyrillic letters: in scripts such as
# Devanagari or Hebrew the marks are vowels, and dropping them would merge distinct words.
_STRIPPABLE_BASE = ((0x0000, 0x052F), (0x1E00, 0x1FFF))

_ABBREVIATION = re.compile(r"(?<![^\W_])[^\W\d_](?:\.[^\W\d_])+\.?(?![^\W_])")
# Each pattern opens with the character it is about and looks behind only after it: the regex
# engine then skips ahead to that character instead of trying a lookbehind at every position.
_POSSESSIVE = re.compile(r"['\u2019\u02bc](?<=[^\W_].)s(?![^\W_])")
_INNER_APOSTROPHE = re.compile(r"['\u2019\u02bc](?<=[^\W_].)(?=[^\W_])")
_THOUSANDS = re.compile(r",(?<=\d,)(?=\d{3}(?!\d))")
_ABBREVIATION_DOT = re.compile(r"\.[^\W\d_]")

# Every character of Unicode category Pd (dash punctuation, Unicode 14), plus the minus sign.
DASHES = (
    "\u002d\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a"
    "\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212"
)


def _marks_class() -> str:
    """A regex class body of the combining marks in the BMP (``re``'s ``\\w`` leaves them out)."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges)


_MARKS = _marks_class()
# A word character is a letter, a digit or a combining mark (Devanagari vowel signs, Hebrew points).
_WORD = rf"(?:[^\W_]|[{_MARKS}])"
_STRIPPABLE_MARKS = re.compile(
    "([" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _STRIPPABLE_BASE) + f"])[{_MARKS}]+"
)
_TOKEN = re.compile(rf"\d+(?:\.\d+)+|{_WORD}+")
_ANY_MARK = re.compile(f"[{_MARKS}]")
# Without combining marks a word character is a letter or digit, a cheaper class to scan.
_TOKEN_WITHOUT_MARKS = re.compile(r"\d+(?:\.\d+)+|[^\W_]+")
# Letters and digits only (not marks): the simpler class keeps this scan fast on long texts.
_COMPOUND = re.compile(rf"[^\W_]+(?:[{re.escape(DASHES)}][^\W_]+)+")


_ARABIC = re.compile("[\u0600-\u06ff]")
_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")  # tatweel, harakat, Quranic marks
_ARABIC_LETTERS = str.maketrans("أإآٱىةؤئ", "اااايهوي")


def fold_arabic(text: str) -> str:
    """Arabic without diacritics and tatweel, its letter variants merged (see the module's doc)."""
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)


def fold(text: str) -> str:
    """``text`` in NFKC, casefolded, without diacritics on Latin/Greek/Cyrillic letters, Arabic
    folded (``fold_arabic``)."""
    if text.isascii():
        return text.casefold()
    composed = unicodedata.normalize("NFKC", text).casefold()
    if _ARABIC.search(composed):
        composed = fold_arabic(composed)
    decomposed = unicodedata.normalize("NFD", composed)
    if decomposed == composed:  # nothing decomposes, so there is no diacritic to strip
        return composed
    return unicodedata.normalize("NFC", _STRIPPABLE_MARKS.sub(r"\1", decomposed))


def tokenize(text: str) -> list[str]:
    """The folded word tokens of ``text`` in order; [] when it holds no letters or digits."""
    return _tokens(fold(text))


def _tokens(folded: str) -> list[str]:
    if "." in folded and _ABBREVIATION_DOT.search(folded):
        folded = _ABBREVIATION.sub(lambda found: found.group(0).replace(".", ""), folded)
    if "'" in folded or "\u2019" in folded or "\u02bc" in folded:
        folded = _INNER_APOSTROPHE.sub("", _POSSESSIVE.sub("", folded))
    if "," in folded:
        folded = _THOUSANDS.sub("", folded)
    token = _TOKEN if _ANY_MARK.search(folded) else _TOKEN_WITHOUT_MARKS
    return token.findall(folded)


# Words that spacing folding never splits off or glues on: "Putin" does not match "put in", nor
# "insight" "in sight", nor "online" "on-line" (while "ceasefire" matches "cease fire" and
# "reelection" "re-election").
_FUNCTION_WORDS = """
a an the and or nor but if so as at by in on of to up for from into onto with off out over is am
are was were be been being do does did has had have i me my we our you your he him his she her it
its they them their this that these those who whom what which not no any all
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())


def compounds(text: str) -> list[str]:
    """The dash-joined words of ``text`` glued into one token each ("cease-fire" -> "ceasefire")."""
    # A compound never spans whitespace, so only the whitespace-separated chunks holding a dash
    # (every dash made a hyphen first) need the regex: a tenth of the scan on a typical article.
    folded = fold(text)
    for dash in DASHES[1:]:
        if dash in folded:
            folded = folded.replace(dash, "-")
    chunks = [chunk for chunk in folded.split() if "-" in chunk]
    return ["".join(_tokens(found.group(0))) for chunk in chunks for found in _COMPOUND.finditer(chunk)]


# The Snowball stemmer of each language stemmed per its own rules; any other language: English.
SNOWBALL = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
}
STEMMED_LANGUAGES = tuple(SNOWBALL)
_STEMMERS = {code: snowballstemmer.stemmer(name) for code, name in SNOWBALL.items()}


def stemming_language(language: str | None) -> str:
    """The language whose stemmer an article gets: its own (``fr``, ``pt-BR``) when Snowball has
    one here, else English."""
    code = (language or "").split("-")[0].split("_")[0].casefold()
    return code if code in _STEMMERS else "en"


@lru_cache(maxsize=1 << 17)
def stem(token: str, language: str = "en") -> str:
    """The Snowball stem of a folded token in ``language`` (``immigrants``, ``immigration`` ->
    ``immigr``; ``négociations`` -> ``negoci`` in French); tokens with digits or non-Latin
    letters are returned unchanged.

    The same function stems query terms and article tokens. The cache holds the most frequent
    words, since news vocabulary repeats (a stem costs tens of microseconds in pure Python).
    """
    if not token.isascii() or not token.isalpha():
        return token
    return str(_STEMMERS[language].stemWord(token))


_WORD_RUN = re.compile(r"\S+")


def token_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) character span in ``text`` of each token ``tokenize(text)`` returns.

    Tokens never cross whitespace, so each whitespace-separated word is tokenised on its own; a
    token is located inside its word when folding kept the word's length (the usual case), and
    otherwise spans the whole word.
    """
    spans: list[tuple[int, int]] = []
    for word in _WORD_RUN.finditer(text):
        tokens = tokenize(word.group(0))
        spans.extend(_spans_in_word(word.group(0), word.start(), tokens))
    return spans


def _spans_in_word(word: str, offset: int, tokens: list[str]) -> list[tuple[int, int]]:
    folded = fold(word)
    whole = (offset, offset + len(word))
    if len(folded) != len(word):
        return [whole] * len(tokens)
    spans, position = [], 0
    for token in tokens:
        found = folded.find(token, position)
        if found < 0:  # an abbreviation or a thousands separator changed the token's letters
            return [whole] * len(tokens)
        spans.append((offset + found, offset + found + len(token)))
        position = found + len(token)
    return spans
