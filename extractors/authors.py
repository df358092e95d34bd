"""Author names from bylines and metadata: no "By", no dates, no job titles, no duplicates."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PREFIX = re.compile(r"^(?:(?:written|posted|published|reported|words|story|text|article)\s+)?by[:\s]+", re.I)
_SEPARATORS = re.compile(r"\s*(?:;|\||\n|&|\band\b|\bund\b|\bet\b|\by\b|,)\s*", re.IGNORECASE)
_DATE_TAIL = re.compile(
    r"\s*(?:[-\u2013\u2014|,]\s*)?(?:updated|published|posted|on)?\s*(?:\d{1,2}\s+)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d.*$|\s*\d{4}-\d{2}-\d{2}.*$",
    re.IGNORECASE,
)
# Parts that are a credential or a role, not a name.
_CREDENTIAL = re.compile(r"^(?:Ph\.?\s?D\.?|M\.?D\.?|Jr\.?|Sr\.?|[A-Z]{2,6}(?:-[A-Z0-9]+)?(?:\s\d+)?)$")
_ROLE = re.compile(
    r"\b(?:editor|writer|reporter|correspondent|contributor|columnist|staff|author|director|manager|"
    r"expert|officer|founder|ceo|head of|producer|analyst|journalist|min(?:ute)?s? read)\b",
    re.IGNORECASE,
)
MAX_NAME_CHARS = 60


def clean_authors(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct author names from raw author strings ("By A and B", "A, Staff Writer"), in order."""
    names: list[str] = []
    for value in values:
        text = _DATE_TAIL.sub("", " ".join(value.split()))
        for part in _SEPARATORS.split(_PREFIX.sub("", text)):
            name = _PREFIX.sub("", part.strip(" .:-\u2013\u2014@")).strip()
            if _is_name(name):
                names.append(name)
    return tuple(dict.fromkeys(names))


def _is_name(text: str) -> bool:
    if not text or len(text) > MAX_NAME_CHARS or text.startswith(("http://", "https://")):
        return False
    if not re.search(r"[^\W\d_]", text) or len(text.split()) > 6:
        return False
    return _CREDENTIAL.match(text) is None and _ROLE.search(text) is None
