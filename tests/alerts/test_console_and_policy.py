"""The console channel's text, and when a failed alert is retried or given up."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

from alerts.channels import build_channels
from alerts.policy import after_failure
from core.errors import AlertDeliveryError
from core.records import AlertMessage, StoryArticle
from core.watchlist import ConsoleChannelSpec

NOW = datetime(2024, 11, 1, tzinfo=UTC)


def _message() -> AlertMessage:
    reports = (
        StoryArticle("First report", "/r/000.txt", None, NOW),
        StoryArticle("Second report", "https://example.org/2", "Example Wire", None),
    )
    return AlertMessage(
        1, "Lebanon ceasefire", "console", "story", 7, "First report", ("Lebanon", "ceasefire"), reports
    )


def test_console_channel_prints_topic_terms_and_every_report() -> None:
    stream = io.StringIO()
    channel = build_channels({"desk": ConsoleChannelSpec()}, stream=stream)["desk"]
    assert channel.send(_message()) is None
    printed = stream.getvalue()
    assert printed.startswith("[Lebanon ceasefire] First report\n")
    assert "matched: Lebanon, ceasefire" in printed and "2 reports" in printed
    assert "First report — 2024-11-01 00:00 UTC" in printed
    assert "Second report — Example Wire" in printed and "https://example.org/2" in printed


def _fail(transient: bool = True, retry_after: float | None = None, attempts: int = 1):
    error = AlertDeliveryError("boom", channel="desk", transient=transient, retry_after_s=retry_after)
    return after_failure(
        error,
        attempts=attempts,
        now=NOW,
        max_attempts=5,
        base_seconds=10,
        max_seconds=300,
        jitter=random.Random(1),
    )


def test_transient_failures_back_off_exponentially_with_a_cap() -> None:
    delays = [(_fail(attempts=n).next_attempt_at - NOW).total_seconds() for n in (1, 2, 3, 4)]
    assert 10 <= delays[0] <= 12.5 and 20 <= delays[1] <= 25 and 40 <= delays[2] <= 50
    assert _fail(attempts=4).status == "retry"
    assert (_fail(retry_after=10_000).next_attempt_at - NOW) == timedelta(seconds=300)


def test_retry_after_is_honoured_when_longer_than_the_backoff() -> None:
    assert (_fail(retry_after=120).next_attempt_at - NOW) == timedelta(seconds=120)


def test_permanent_errors_and_too_many_attempts_are_dead() -> None:
    assert _fail(transient=False).status == "dead"
    assert _fail(attempts=5).status == "dead"
    assert "boom" in (_fail(transient=False).error or "")
