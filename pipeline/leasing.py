"""Keeping a run's source leases while its ingest works, so a lease can be short.

A run that dies loses its sources after one short lease (a process on the same host is noticed
at once, see storage.leases); a live run renews its leases in the background at a third of their
length, however long fetching and extraction take. A lease the run has handed back (or lost to
another run) is simply no longer renewed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy.engine import Engine

from core.errors import StorageError
from storage import leases
from storage.engine import transaction
from storage.models import utcnow

LOGGER = logging.getLogger(__name__)


@contextmanager
def lease_kept(
    engine: Engine, names: str | Collection[str], owner: str, lease_seconds: float
) -> Iterator[None]:
    """Renew ``owner``'s leases on the named sources every third of ``lease_seconds`` until the block ends."""
    wanted = {names} if isinstance(names, str) else set(names)
    stop = threading.Event()
    thread = threading.Thread(
        target=_renew_until_stopped,
        args=(engine, wanted, owner, lease_seconds, stop),
        name=f"lease-{owner}",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _renew_until_stopped(
    engine: Engine, names: set[str], owner: str, lease_seconds: float, stop: threading.Event
) -> None:
    while names and not stop.wait(lease_seconds / 3):
        try:
            with transaction(engine) as session:
                until = utcnow() + timedelta(seconds=lease_seconds)
                kept = leases.renew_sources(session=session, names=names, owner=owner, until=until)
        except StorageError as exc:  # the next renewal may get through; the leases are not lost yet
            LOGGER.warning("could not renew the source leases of %s: %s", owner, exc)
            continue
        for name in sorted(names - kept):
            LOGGER.info("source %s is no longer leased to this run (handed back or taken over)", name)
        names &= kept
