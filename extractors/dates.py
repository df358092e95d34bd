"""Dates as pages print them, to UTC: ISO 8601, RFC 2822, "November 1, 2024", and dates in URLs.

A date outside [1995, now + 2 days] is rejected: it is a placeholder or a parse error, never a
publication date.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from core.dates import to_utc

LOGGER = logging.getLogger(__name__)

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
_FORMATS = (
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%Y%m%d",
)
_ISO_PREFIX = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})[/\-_]?(?P<m>0[1-9]|1[0-2]|[a-z]{3,9})[/\-_]?(?P<d>0[1-9]|[12]\d|3[01])(?=[/\-_.]|$)",
    re.IGNORECASE,
)
# Month names as pages print them, by language: full names, then common abbreviations (a trailing
# dot is allowed by the patterns that use them).
_MONTH_NAMES: dict[str, str] = {
    "en": (
        "january february march april may june july august september october november december"
        " jan feb mar apr may jun jul aug sep oct nov dec"
    ),
    "de": (
        "januar februar märz april mai juni juli august september oktober november dezember"
        " jan feb mär apr mai jun jul aug sep okt nov dez"
    ),
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
        " janv févr mars avr mai juin juil août sept oct nov déc"
    ),
    "es": (
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
        " ene feb mar abr may jun jul ago sep oct nov dic"
    ),
    "it": (
        "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
        " gen feb mar apr mag giu lug ago set ott nov dic"
    ),
    "pt": (
        "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro"
        " jan fev mar abr mai jun jul ago set out nov dez"
    ),
    "nl": (
        "januari februari maart april mei juni juli augustus september oktober november december"
        " jan feb mrt apr mei jun jul aug sep okt nov dec"
    ),
}
# Other spellings: "Sept.", Austrian "Jänner", French and German without accents, Spanish "setiembre".
_MONTH_VARIANTS = {
    "sept": 9,
    "jänner": 1,
    "maerz": 3,
    "fevrier": 2,
    "aout": 8,
    "decembre": 12,
    "setiembre": 9,
}


def _all_month_names() -> dict[str, int]:
    names = dict(_MONTH_VARIANTS)
    for spelled in _MONTH_NAMES.values():
        for index, name in enumerate(spelled.split()):
            names.setdefault(name, index % 12 + 1)
    return names


# Every language's names are read on every page: pages often declare a language other than the one
# their CMS prints dates in ("04-ago-2021" on a page declared en-US), and no two languages here
# give one spelling two different months.
MONTHS = _all_month_names()


def parse_date(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """The UTC time ``value`` names (naive means UTC); None when it is not a plausible date."""
    if not value or not value.strip():
        return None
    text = " ".join(value.split())
    moment = _parse_iso(text) or _parse_rfc2822(text) or _parse_written(text)
    if moment is None:
        LOGGER.debug("not a date: %r", value)
        return None
    moment = to_utc(moment)
    latest = (now or datetime.now(UTC)) + timedelta(days=2)
    return moment if EARLIEST <= moment <= latest else None


def local_day(value: str | None) -> date | None:
    """The calendar day ``value`` names in its own time zone ("2024-11-01T23:30:00-05:00" ->
    2024-11-01, though that is 2024-11-02 in UTC); None when it is not a plausible date."""
    if parse_date(value) is None:
        return None
    text = " ".join((value or "").split())
    moment = _parse_iso(text) or _parse_rfc2822(text) or _parse_written(text)
    return moment.date() if moment is not None else None


def _parse_iso(text: str) -> datetime | None:
    found = _ISO_PREFIX.match(text)
    if found is None:
        return None
    stamp = found.group(0).replace(",", ".")
    if len(stamp) > 10 and stamp[-5] in "+-" and stamp[-3] != ":" and stamp[-5:].replace("+", "").isdigit():
        stamp = stamp[:-2] + ":" + stamp[-2:]  # +0200 -> +02:00
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def _parse_rfc2822(text: str) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_written(text: str) -> datetime | None:
    cleaned = _ORDINAL.sub("", text).replace("Sept ", "Sep ").strip(" ,")
    for candidate in (cleaned, cleaned[:30].rsplit(" ", 1)[0] if " " in cleaned[:30] else cleaned):
        for pattern in _FORMATS:
            try:
                return datetime.strptime(candidate, pattern)
            except ValueError:
                continue
    return None


def date_from_url(url: str | None) -> datetime | None:
    """The date a URL path spells (/2024/11/01/, /2024-11-01-…, /20241101/, /2024/nov/01/); None
    when it has none."""
    if not url:
        return None
    found = _URL_DATE.search(url.split("?", 1)[0])
    if found is None:
        return None
    month = found["m"]
    number = int(month) if month.isdigit() else MONTHS.get(month.lower())
    try:
        return datetime(int(found["y"]), number, int(found["d"]), tzinfo=UTC) if number else None
    except ValueError:
        return None
