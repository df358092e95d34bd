"""Source leases: which run polls which source, so overlapping runs never poll one source twice.

A run claims the sources that are due (``next_poll_at`` passed, or never polled) and not leased
by another live run, in one short transaction: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
``BEGIN IMMEDIATE`` write lock on SQLite. A lease names its holder's process (host, PID
namespace, PID and start time), so a lease whose holder on this host is gone (killed, crashed)
is taken over at once; a holder on another machine keeps its lease until it expires, which a
live holder prevents by renewing it while it works (``renew_sources``).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from storage.models import Source


def lease_owner(run: str) -> str:
    """A new holder name for ``run`` in this process: ``ingest-1f2e…@host/pid:[…]#4242.98765``."""
    return f"{run}-{uuid.uuid4().hex[:12]}@{_this_host()}#{os.getpid()}.{_start_time(os.getpid())}"


def holder_is_gone(owner: str) -> bool:
    """Whether the process that holds a lease as ``owner`` has ended; False when that cannot be told
    (another host, or a name that does not say which process)."""
    where, _, process = owner.rpartition("#")
    host = where.rpartition("@")[2]
    pid_text, _, started = process.partition(".")
    if not where or host != _this_host() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: it exists
        pass
    return _start_time(pid) != started  # a zombie, or the PID was reused by a newer process


def _this_host() -> str:
    """The host name and, on Linux, the PID namespace: containers sharing a name do not mix."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}"


def _start_time(pid: int) -> str:
    """When the process started (clock ticks since boot, Linux), '' elsewhere; 'gone' for a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return "" if not Path("/proc/self/stat").exists() else "gone"
    return "gone" if fields[0] == "Z" else fields[19]


def claim_sources(
    *,
    session: Session,
    names: Iterable[str],
    owner: str,
    now: datetime,
    lease: timedelta,
    only_due: bool = True,
) -> list[str]:
    """Lease the named sources that are free (and due, when ``only_due``); returns the names claimed.

    Free means never leased, released, expired, or held by a process of this host that is gone.
    """
    names = list(names)
    held = session.exec(
        select(Source.lease_owner).where(col(Source.name).in_(names), col(Source.lease_until) >= now)
    ).all()
    gone = sorted({holder for holder in held if holder and holder_is_gone(holder)})
    free = or_(
        col(Source.lease_until).is_(None), col(Source.lease_until) < now, col(Source.lease_owner).in_(gone)
    )
    query = select(Source.id).where(col(Source.name).in_(names), free)
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


def renew_sources(*, session: Session, names: Collection[str], owner: str, until: datetime) -> set[str]:
    """Extend this run's leases on the named sources to ``until``; the names whose lease is still
    this run's (a lease handed back or taken over is left alone)."""
    statement = (
        update(Source)
        .where(col(Source.name).in_(list(names)), col(Source.lease_owner) == owner)
        .values(lease_until=until)
        .returning(col(Source.name))
    )
    return set(session.execute(statement).scalars().all())


def release_sources(*, session: Session, names: Collection[str], owner: str) -> None:
    """End this run's leases on the named sources (another run's lease is left alone)."""
    session.execute(
        update(Source)
        .where(col(Source.name).in_(list(names)), col(Source.lease_owner) == owner)
        .values(lease_owner=None, lease_until=None)
    )


def release_source(*, session: Session, name: str, owner: str) -> None:
    """End this run's lease on one source."""
    release_sources(session=session, names=[name], owner=owner)
