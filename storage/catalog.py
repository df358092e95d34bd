"""Sources and topics: mirrored from the watchlist, with each source's cursor and health."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.records import SourceFailure
from storage.models import IngestFailure, Source, Topic

MAX_BACKOFF = timedelta(hours=6)


def upsert_source(*, session: Session, name: str, kind: str, location: str, every_seconds: float) -> Source:
    """The source row for ``name``, created or updated from the watchlist; the cursor is kept."""
    row = session.exec(select(Source).where(Source.name == name)).first() or Source(
        name=name, kind=kind, location=location
    )
    if (row.kind, row.location) != (kind, location):
        row.state = {}  # a source that now points elsewhere starts afresh
    row.kind, row.location, row.every_seconds = kind, location, every_seconds
    session.add(row)
    session.flush()
    return row


def upsert_topic(*, session: Session, name: str, query: str, mode: str, channels: Iterable[str]) -> Topic:
    """The topic row for ``name``, created or updated from the watchlist."""
    row = session.exec(select(Topic).where(Topic.name == name)).first() or Topic(name=name, query=query)
    row.query, row.mode, row.channels = query, mode, list(channels)
    session.add(row)
    session.flush()
    return row


def record_source_success(
    *, session: Session, source: Source, now: datetime, cursor: dict[str, object], failed_items: int
) -> None:
    """Store the new cursor and mark the attempt ``ok`` (or ``partial`` when items failed)."""
    source.state = dict(cursor)
    source.last_attempt_at = source.last_success_at = now
    source.last_status = "partial" if failed_items else "ok"
    source.last_error = f"{failed_items} item(s) failed" if failed_items else None
    source.consecutive_failures = 0
    source.next_poll_at = now + timedelta(seconds=source.every_seconds)
    source.last_error_class = "partial" if failed_items else None
    fetch = cursor.get("fetch")  # web sources record their last fetch in the cursor (R4)
    if isinstance(fetch, dict):
        source.last_http_status = fetch.get("status")
        source.last_duration_s = fetch.get("duration_s")
        source.last_bytes = fetch.get("bytes")
    session.add(source)


def record_source_failure(
    *,
    session: Session,
    source: Source,
    now: datetime,
    error: str,
    error_class: str | None = None,
    http_status: int | None = None,
    retry_after_s: float | None = None,
) -> None:
    """Mark the attempt ``failed``; the next poll backs off exponentially, capped, never stopping.

    A server's ``Retry-After`` (already capped by the fetcher) pushes the next poll at least
    that far out; nothing sleeps on it.
    """
    source.last_attempt_at = now
    source.last_status = "failed"
    source.last_error = error
    source.last_error_class = error_class
    source.last_http_status = http_status
    source.consecutive_failures += 1
    backoff = min(
        timedelta(seconds=source.every_seconds * 2 ** min(source.consecutive_failures, 10)), MAX_BACKOFF
    )
    if retry_after_s is not None:
        backoff = max(backoff, timedelta(seconds=retry_after_s))
    source.next_poll_at = now + backoff
    session.add(source)


def record_item_failures(
    *, session: Session, source_id: int, failures: Iterable[SourceFailure], now: datetime
) -> None:
    """One open failure row per item location, counting repeated attempts."""
    for failure in failures:
        row = session.exec(
            select(IngestFailure).where(
                IngestFailure.source_id == source_id, IngestFailure.location == failure.location
            )
        ).first()
        if row is None:
            row = IngestFailure(
                source_id=source_id,
                location=failure.location,
                reason=failure.reason,
                message=failure.message,
                first_seen_at=now,
                last_seen_at=now,
                attempts=0,
            )
        row.reason, row.message, row.last_seen_at = failure.reason, failure.message, now
        row.attempts += 1
        row.resolved_at = None
        session.add(row)


def resolve_item_failures(
    *, session: Session, source_id: int, locations: Iterable[str], now: datetime
) -> None:
    """Close the open failures of items that have now been read successfully."""
    wanted = set(locations)
    if not wanted:
        return
    open_rows = session.exec(
        select(IngestFailure).where(IngestFailure.source_id == source_id, IngestFailure.resolved_at.is_(None))  # type: ignore[union-attr]
    ).all()
    for row in open_rows:
        if row.location in wanted:
            row.resolved_at = now
            session.add(row)


def list_sources(*, session: Session) -> list[Source]:
    """Every source, by name, with its health fields."""
    return list(session.exec(select(Source).order_by(Source.name)).all())
