"""Send slots for rate-limited destinations, shared through the database by every deliverer.

A slot is taken in one short transaction that locks the destination's row (``FOR UPDATE`` on
PostgreSQL; the ``BEGIN IMMEDIATE`` write lock on SQLite) and is committed before anything is
sent, so no transaction is held across a network call. Times come from PostgreSQL's clock when
deliverers may run on several machines, and from this machine's clock with SQLite (one host).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import RateSlot, utcnow


def slot_key(destination: str) -> str:
    """The row key of a destination: a hash, so the table never holds a webhook URL."""
    return "sha256:" + hashlib.sha256(destination.encode()).hexdigest()


def database_now(*, session: Session) -> datetime:
    """The time every deliverer agrees on: PostgreSQL's clock, else this machine's."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(select(func.clock_timestamp())).scalar_one()  # type: ignore[no-any-return]
    return utcnow()


def take_slot(*, session: Session, key: str, interval: timedelta, max_wait: timedelta) -> timedelta:
    """How long until ``key``'s next free slot; the slot is taken only when that is ``max_wait`` or less."""
    now = database_now(session=session)
    row = _locked_row(session, key, now)
    slot = max(now, row.next_at)
    wait = slot - now
    if wait <= max_wait:
        row.next_at = slot + interval
        session.add(row)
    return wait


def push_back(*, session: Session, key: str, delay: timedelta) -> None:
    """Keep ``key`` free of sends for ``delay`` from now (the destination said: Retry-After)."""
    now = database_now(session=session)
    row = _locked_row(session, key, now)
    row.next_at = max(row.next_at, now + delay)
    session.add(row)


def _locked_row(session: Session, key: str, now: datetime) -> RateSlot:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(RateSlot).values(key=key, next_at=now).on_conflict_do_nothing(index_elements=["key"])
    )
    query = select(RateSlot).where(col(RateSlot.key) == key).execution_options(populate_existing=True)
    if dialect == "postgresql":
        query = query.with_for_update()
    return session.exec(query).one()
