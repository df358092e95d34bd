"""The rate limit every deliverer shares: webhook send slots kept in the database.

Several delivery runs (threads, processes, workers on other machines) that use one database
take their Slack slots from it, so one webhook gets at most one message per interval however
many of them run (alerts.posting.RateLimiter over storage.rate_slots).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from alerts.posting import RateLimiter
from storage import rate_slots
from storage.engine import transaction


class DatabaseSlots:
    """Send slots in the ``rate_slot`` table, each taken in its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, key: str, interval: float, max_wait: float) -> float:
        """Seconds until ``key``'s next slot; the slot is taken only when that is ``max_wait`` or less."""
        with transaction(self._engine) as session:
            wait = rate_slots.take_slot(
                session=session,
                key=rate_slots.slot_key(key),
                interval=timedelta(seconds=interval),
                max_wait=timedelta(seconds=max_wait),
            )
        return wait.total_seconds()

    def push_back(self, key: str, seconds: float) -> None:
        """Keep ``key`` free of sends for ``seconds`` from now."""
        with transaction(self._engine) as session:
            rate_slots.push_back(
                session=session, key=rate_slots.slot_key(key), delay=timedelta(seconds=seconds)
            )


def shared_rate_limiter(engine: Engine) -> RateLimiter:
    """A rate limiter whose slots every deliverer on this database shares."""
    return RateLimiter(DatabaseSlots(engine))
