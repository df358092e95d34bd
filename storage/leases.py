"""Source leases: which run polls which source, so overlapping runs never poll one source twice.

A run claims the sources that are due (``next_poll_at`` passed, or never polled) and not leased
by another live run, in one short transaction: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
``BEGIN IMMEDIATE`` write lock on SQLite. A crashed run's lease simply expires.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from storage.models import Source


def claim_sources(
    *,
    session: Session,
    names: Iterable[str],
    owner: str,
    now: datetime,
    lease: timedelta,
    only_due: bool = True,
) -> list[str]:
    """Lease the named sources that are free (and due, when ``only_due``); returns the names claimed."""
    free = or_(col(Source.lease_until).is_(None), col(Source.lease_until) < now)
    query = select(Source.id).where(col(Source.name).in_(list(names)), free)
    if only_due:
        query = query.where(or_(col(Source.next_poll_at).is_(None), col(Source.next_poll_at) <= now))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    statement = (
        update(Source)
        .where(col(Source.id).in_(query.scalar_subquery()))
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(col(Source.name))
    )
    return sorted(session.execute(statement).scalars().all())


def release_source(*, session: Session, name: str, owner: str) -> None:
    """End this run's lease on a source (another run's lease is left alone)."""
    session.execute(
        update(Source)
        .where(col(Source.name) == name, col(Source.lease_owner) == owner)
        .values(lease_owner=None, lease_until=None)
    )
