"""POST a JSON alert and sort the outcome: sent, not sent (retry freely), ambiguous, or permanent.

Only this module knows httpx's exceptions. Errors name the channel, never the URL: a webhook
URL is a credential.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from core.dates import parse_retry_after
from core.errors import AlertDeliveryError, StorageError
from core.reasons import FailureReason

LOGGER = logging.getLogger(__name__)
MAX_LOCAL_WAIT_S = 5.0  # wait this long for a rate-limit slot; beyond it, re-queue the alert


def make_alert_client(timeout_s: float = 10.0) -> httpx.Client:
    """The client channels post with: short timeouts, no redirects (a webhook never redirects)."""
    return httpx.Client(timeout=httpx.Timeout(timeout_s, connect=5.0), follow_redirects=False)


def post_json(
    client: httpx.Client,
    url: str,
    payload: Mapping[str, Any],
    *,
    channel: str,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST ``payload``; the response on 2xx, else AlertDeliveryError classified for the outbox."""
    try:
        response = client.post(url, json=payload, headers=dict(headers or {}))
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise AlertDeliveryError(
            f"{channel}: could not connect ({type(exc).__name__})",
            channel=channel,
            reason=FailureReason.CONNECT_FAILED,
        ) from exc
    except httpx.WriteError as exc:  # the request was not fully written: the provider has nothing
        raise AlertDeliveryError(
            f"{channel}: request not sent ({type(exc).__name__})",
            channel=channel,
            reason=FailureReason.WRITE_FAILED,
        ) from exc
    except httpx.TransportError as exc:  # read timeout, reset or close after the body was written
        raise AlertDeliveryError(
            f"{channel}: no answer after the request was sent ({type(exc).__name__}); it may have arrived",
            channel=channel,
            ambiguous=True,
            reason=FailureReason.AMBIGUOUS_NO_RESPONSE,
        ) from exc
    if response.is_success:
        return response
    raise status_error(response, channel=channel)


def status_error(response: httpx.Response, *, channel: str) -> AlertDeliveryError:
    """The error for a non-2xx answer: 429 and 5xx are transient, and of the rest ``http_NNN`` only
    408 and 425 (``FailureReason.transient``)."""
    code = response.status_code
    body = response.text[:200].strip().replace("\n", " ")
    message = f"{channel}: HTTP {code} {body}".rstrip()
    if code == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return AlertDeliveryError(
            message, channel=channel, retry_after_s=retry_after, reason=FailureReason.RATE_LIMITED
        )
    if code >= 500:
        return AlertDeliveryError(message, channel=channel, reason=FailureReason.SERVER_ERROR)
    return AlertDeliveryError(message, channel=channel, reason=FailureReason.status("http", code))


class SlotStore(Protocol):
    """Where the next send slot of each destination is kept (this process, or a shared database)."""

    def take(self, key: str, interval: float, max_wait: float) -> float:
        """Seconds until ``key``'s next slot; the slot is taken only when that is ``max_wait`` or less."""
        ...

    def push_back(self, key: str, seconds: float) -> None:
        """Keep ``key`` free of sends for ``seconds`` from now."""
        ...


class MemorySlots:
    """Send slots kept in this process, shared by its threads."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, key: str, interval: float, max_wait: float) -> float:
        """Seconds until ``key``'s next slot; the slot is taken only when that is ``max_wait`` or less."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(key, now))
            if slot - now <= max_wait:
                self._next[key] = slot + interval
            return slot - now

    def push_back(self, key: str, seconds: float) -> None:
        """Keep ``key`` free of sends for ``seconds`` from now."""
        with self._lock:
            self._next[key] = max(self._next.get(key, 0.0), self._clock() + seconds)


class RateLimiter:
    """At most one message per ``interval`` per key (a webhook), over the slots of ``slots``.

    With ``MemorySlots`` the limit holds for the threads of one process; deliverers that share
    a database share its slots instead (pipeline/rate_limit.py wires that). ``acquire`` waits
    for the key's next slot when that is at most ``max_wait_s`` away; otherwise (for example
    after a long Retry-After) it raises a transient error so the alert is re-queued instead of
    blocking the delivery run.
    """

    def __init__(
        self,
        slots: SlotStore | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_s: float = MAX_LOCAL_WAIT_S,
    ) -> None:
        self._slots = slots or MemorySlots()
        self._sleep, self._max_wait = sleep, max_wait_s

    def acquire(self, key: str, interval: float, *, channel: str) -> None:
        """Take the key's next slot (sleeping until it comes), or raise AlertDeliveryError."""
        try:
            wait = self._slots.take(key, interval, self._max_wait)
        except StorageError as exc:  # the shared slots could not be read: nothing was sent
            raise AlertDeliveryError(
                f"{channel}: rate limit unknown ({exc.reason})",
                channel=channel,
                reason=FailureReason.RATE_LIMIT_STORE,
            ) from exc
        if wait > self._max_wait:
            raise AlertDeliveryError(
                f"{channel}: rate limit, next slot in {wait:.0f} s",
                channel=channel,
                retry_after_s=wait,
                reason=FailureReason.RATE_LIMITED_LOCALLY,
            )
        if wait > 0:
            self._sleep(wait)

    def defer(self, key: str, seconds: float) -> None:
        """Keep the key quiet for ``seconds`` (after the provider answered 429 with Retry-After)."""
        try:
            self._slots.push_back(key, seconds)
        except StorageError:  # the alert itself is re-queued with the Retry-After all the same
            LOGGER.warning("could not record a Retry-After of %.0f s in the shared rate limit", seconds)


RATE_LIMITER = RateLimiter()  # one per process: the limit is per webhook, whichever channel uses it
