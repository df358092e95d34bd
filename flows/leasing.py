"""Keeping a source's lease while its ingest works, so a lease can be short.

A run that dies loses its sources after one short lease (a process on the same host is noticed
at once, see storage.leases); a live run renews its lease in the background at a third of its
length, however long fetching and extraction take.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy.engine import Engine

from core.errors import StorageError
from storage import leases
from storage.engine import transaction
from storage.models import utcnow

LOGGER = logging.getLogger(__name__)


@contextmanager
def lease_kept(engine: Engine, name: str, owner: str, lease_seconds: float) -> Iterator[None]:
    """Renew ``owner``'s lease on source ``name`` every third of ``lease_seconds`` until the block ends."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_renew_until_stopped,
        args=(engine, name, owner, lease_seconds, stop),
        name=f"lease-{name}",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _renew_until_stopped(
    engine: Engine, name: str, owner: str, lease_seconds: float, stop: threading.Event
) -> None:
    while not stop.wait(lease_seconds / 3):
        try:
            with transaction(engine) as session:
                until = utcnow() + timedelta(seconds=lease_seconds)
                kept = leases.renew_source(session=session, name=name, owner=owner, until=until)
        except StorageError as exc:  # the next renewal may get through; the lease is not lost yet
            LOGGER.warning("could not renew the lease on source %s: %s", name, exc)
            continue
        if not kept:
            LOGGER.warning("the lease on source %s was taken over by another run", name)
            return
