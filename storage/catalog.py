"""Sources and topics: mirrored from the watchlist, with each source's cursor and health."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.reasons import FailureReason
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
    fields = _success_fields(
        every_seconds=source.every_seconds, now=now, cursor=cursor, failed_items=failed_items
    )
    for name, value in fields.items():
        setattr(source, name, value)
    session.add(source)


def record_source_successes(
    *, session: Session, reads: Iterable[tuple[str, datetime, dict[str, object]]]
) -> None:
    """``record_source_success`` (no failed items) for many sources, by name, in one bulk UPDATE:
    a poll where most sources answer 304 records them without loading each row."""
    reads = list(reads)
    names = [name for name, _, _ in reads]
    found = session.exec(
        select(Source.name, Source.id, Source.every_seconds).where(col(Source.name).in_(names))
    )
    rows = {name: (source_id, every) for name, source_id, every in found.all()}
    session.execute(
        update(Source),
        [
            {
                "id": rows[name][0],
                **_success_fields(every_seconds=rows[name][1], now=now, cursor=cursor, failed_items=0),
            }
            for name, now, cursor in reads
        ],
    )


def _success_fields(
    *, every_seconds: float, now: datetime, cursor: dict[str, object], failed_items: int
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "state": dict(cursor),
        "last_attempt_at": now,
        "last_success_at": now,
        "last_status": "partial" if failed_items else "ok",
        "last_error": f"{failed_items} item(s) failed" if failed_items else None,
        "consecutive_failures": 0,
        "next_poll_at": now + timedelta(seconds=every_seconds),
        "last_error_class": FailureReason.PARTIAL if failed_items else None,
    }
    fetch = cursor.get("fetch")  # web sources record their last fetch in the cursor: status, duration, bytes
    if isinstance(fetch, dict):
        fields.update(
            last_http_status=fetch.get("status"),
            last_duration_s=fetch.get("duration_s"),
            last_bytes=fetch.get("bytes"),
        )
    return fields


def record_source_failure(
    *,
    session: Session,
    source: Source,
    now: datetime,
    error: str,
    error_class: FailureReason | None = None,
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
