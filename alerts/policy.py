"""When to try a failed alert again, and when to give up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import AlertDeliveryError


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to record after one delivery attempt."""

    status: str  # sent | retry | dead
    next_attempt_at: datetime | None = None
    error: str | None = None


def after_failure(
    error: AlertDeliveryError,
    *,
    attempts: int,
    now: datetime,
    max_attempts: int,
    base_seconds: float,
    max_seconds: float,
    jitter: random.Random | None = None,
) -> Outcome:
    """``dead`` for a permanent error or too many attempts; else ``retry`` after a capped backoff.

    The backoff doubles per attempt from ``base_seconds``, gets up to 25 % jitter, honours the
    provider's Retry-After when that is longer, and never exceeds ``max_seconds``.
    """
    message = f"{error.reason}: {error}"
    if not error.transient or attempts >= max_attempts:
        return Outcome("dead", error=message)
    delay = base_seconds * 2 ** max(attempts - 1, 0)
    delay *= 1 + (jitter or random).uniform(0, 0.25)
    delay = max(delay, error.retry_after_s or 0.0)
    return Outcome("retry", next_attempt_at=now + timedelta(seconds=min(delay, max_seconds)), error=message)
