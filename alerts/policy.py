"""When to try a failed alert again, when to give up, and when to hold an alert for a digest."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import AlertDeliveryError
from core.watchlist import DigestSchedule, QuietHours, parse_clock


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to record after one delivery attempt."""

    status: str  # sent | retry | dead
    next_attempt_at: datetime | None = None
    error: str | None = None
    maybe_sent: bool = False  # the attempt may have been delivered (ambiguous failure)
    recipients: dict[str, str] = field(default_factory=dict)


def after_failure(
    error: AlertDeliveryError,
    *,
    attempts: int,
    now: datetime,
    max_attempts: int,
    base_seconds: float,
    max_seconds: float,
    jitter: random.Random | None = None,
    maybe_sent: bool = False,
    at_most_once: bool = False,
) -> Outcome:
    """``dead`` for a permanent error or too many attempts; else ``retry`` after a capped backoff.

    The backoff doubles per attempt from ``base_seconds``, gets up to 25 % jitter, honours the
    provider's Retry-After when that is longer, and never exceeds ``max_seconds``.

    An *ambiguous* failure (the provider may have the alert) gets one retry flagged
    ``maybe_sent``; a second ambiguous failure, or any on an at-most-once channel, is ``dead``,
    so a crash or a lost answer costs at most one duplicate. E-mail recipients that answered
    for themselves are settled one by one: only those with a transient refusal are retried.
    """
    message = f"{error.reason}: {error}"
    flagged = maybe_sent or error.ambiguous
    recipients = dict(error.recipients)
    if recipients and "retry" not in recipients.values():
        status = "sent" if "sent" in recipients.values() else "dead"
        return Outcome(status, error=message, maybe_sent=flagged, recipients=recipients)
    if error.ambiguous and (maybe_sent or at_most_once):
        why = "at-most-once channel" if at_most_once else "already retried once after an ambiguous failure"
        error_text = f"{message} (not retried: {why})"
        return Outcome("dead", error=error_text, maybe_sent=True, recipients=recipients)
    if not error.transient or attempts >= max_attempts:
        return Outcome("dead", error=message, maybe_sent=flagged, recipients=recipients)
    delay = base_seconds * 2 ** max(attempts - 1, 0)
    delay *= 1 + (jitter or random).uniform(0, 0.25)
    delay = max(delay, error.retry_after_s or 0.0)
    return Outcome(
        "retry",
        next_attempt_at=now + timedelta(seconds=min(delay, max_seconds)),
        error=message,
        maybe_sent=flagged,
        recipients=recipients,
    )


def next_digest_at(schedule: DigestSchedule, now: datetime) -> datetime:
    """The next digest slot strictly after ``now`` (UTC-aware), in the schedule's local time."""
    zone = ZoneInfo(schedule.timezone)
    local = now.astimezone(zone)
    hour, minute = parse_clock(schedule.at)
    if schedule.every == "hourly":
        slot = local.replace(minute=minute, second=0, microsecond=0)
        step = timedelta(hours=1)
    else:
        slot = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
        step = timedelta(days=1)
    while slot <= local:
        slot = _add_local(slot, step, zone)
    return slot.astimezone(now.tzinfo)


def _add_local(moment: datetime, step: timedelta, zone: ZoneInfo) -> datetime:
    """Wall-clock arithmetic (08:00 stays 08:00 across a DST change)."""
    naive = moment.replace(tzinfo=None) + step
    return naive.replace(tzinfo=zone)


def quiet_until(quiet: QuietHours, zone_name: str, now: datetime) -> datetime | None:
    """The end of the quiet window ``now`` falls in (UTC-aware), or None outside quiet hours."""
    zone = ZoneInfo(zone_name)
    local = now.astimezone(zone)
    start, end = time(*parse_clock(quiet.start)), time(*parse_clock(quiet.end))
    clock = local.time().replace(tzinfo=None)
    if start == end:
        return None
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if (start < end or clock < end) else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)
