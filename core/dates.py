"""Dates that more than one stage reads, in one place: UTC, ISO 8601 and HTTP's ``Retry-After``.

``to_utc`` and ``parse_iso_date`` serve the feeds and sitemaps (sources/) and the page metadata
(extractors/); ``parse_retry_after`` serves fetching (sources/fetcher.py) and alert delivery
(alerts/posting.py). Standard library only.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import overload

LOGGER = logging.getLogger(__name__)


@overload
def to_utc(moment: datetime) -> datetime: ...
@overload
def to_utc(moment: None) -> None: ...
@overload
def to_utc(moment: datetime | None) -> datetime | None: ...


def to_utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC; a naive time is taken to be UTC already; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_iso_date(value: str | None) -> datetime | None:
    """The UTC time an ISO 8601 date or date-time means (naive means UTC, ``Z`` is UTC); None when
    ``value`` is empty or not ISO 8601."""
    if not value or not value.strip():
        return None
    try:
        return to_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        LOGGER.info("not an ISO 8601 date: %r", value)
        return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date, never negative);
    None when absent or garbage."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (to_utc(when) - (now or datetime.now(UTC))).total_seconds())
