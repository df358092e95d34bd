"""Source leases: which run polls which source, so overlapping runs never poll one source twice.

A run claims the sources that are due (``next_poll_at`` passed, or never polled) and not leased
by another live run, a batch of whole sites at a time, in one short transaction serialised
across runs (an advisory lock on PostgreSQL, the ``BEGIN IMMEDIATE`` write lock on SQLite). A
lease names its holder's process (host, PID namespace, PID and start time), so a lease whose
holder on this host is gone (killed, crashed) is taken over at once; a holder on another machine
keeps its lease until it expires, which a live holder prevents by renewing it while it works
(``renew_sources``).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, update
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
    limit: int | None = None,
    site_of: Mapping[str, str] | None = None,
) -> list[str]:
    """Lease the named sources that are free (and due, when ``only_due``); returns the names claimed.

    Free means never leased, released, expired, or held by a process of this host that is gone.
    With ``limit``, about that many are claimed, the longest overdue first, so that runs side by
    side share the due sources. With ``site_of`` (source name to site), a site is claimed whole
    and only while no other live run holds one of its sources: a run's per-host limits then hold
    for every run together. Claims are serialised (an advisory lock on PostgreSQL, SQLite's
    write lock), so two runs never split a site or claim one source twice.
    """
    names = list(names)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_CLAIM_LOCK)))
    held = session.exec(
        select(Source.name, Source.lease_owner).where(
            col(Source.name).in_(names), col(Source.lease_until) >= now
        )
    ).all()
    gone = {holder for _, holder in held if holder and holder_is_gone(holder)}
    busy = {name for name, holder in held if holder not in gone}
    query = select(Source.name, Source.next_poll_at).where(col(Source.name).in_(names))
    if only_due:
        query = query.where(or_(col(Source.next_poll_at).is_(None), col(Source.next_poll_at) <= now))
    candidates: list[tuple[str, datetime | None]] = [
        (name, due) for name, due in session.exec(query).all() if name not in busy
    ]
    chosen = _choose(candidates, busy, limit, site_of or {})
    if chosen:
        session.execute(
            update(Source)
            .where(col(Source.name).in_(chosen))
            .values(lease_owner=owner, lease_until=now + lease)
        )
    return sorted(chosen)


_CLAIM_LOCK = 0x6E77_636C  # "nwcl": the advisory lock that serialises source claims on PostgreSQL


def _choose(
    candidates: list[tuple[str, datetime | None]],
    busy: set[str],
    limit: int | None,
    site_of: Mapping[str, str],
) -> list[str]:
    """The candidates to claim: the longest overdue first (never polled before all), whole sites at a
    time, skipping sites with a busy source, until ``limit`` is reached (a site is never split)."""
    busy_sites = {site_of[name] for name in busy if name in site_of}
    by_site: dict[str, list[str]] = {}
    oldest = datetime.min.replace(tzinfo=UTC)
    for name, _ in sorted(candidates, key=lambda row: row[1] or oldest):
        site = site_of.get(name, name)
        if site not in busy_sites:
            by_site.setdefault(site, []).append(name)
    chosen: list[str] = []
    for site_names in by_site.values():  # in the order of each site's most overdue source
        if limit is not None and len(chosen) >= limit:
            break
        chosen.extend(site_names)
    return chosen


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
