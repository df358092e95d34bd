"""Engine, sessions and migrations.

SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE`` for every transaction:
a deferred transaction that reads and then writes would hit SQLITE_BUSY at once, whatever the
timeout (python/cpython#54949; SQLAlchemy's pysqlite "serializable isolation" recipe).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, create_engine

from core.errors import StorageError
from core.reasons import FailureReason

LOGGER = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **options: Any) -> Engine:
    """An engine for ``url``; for SQLite the parent folder is created and the pragmas set."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **options)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000}, **options)
    _tune_sqlite(engine, busy_timeout_ms)
    return engine


@cache
def shared_engine(url: str) -> Engine:
    """One migrated engine per URL for the whole process, shared by the tasks of a run."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"busy_timeout={busy_timeout_ms}",
            "synchronous=NORMAL",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error.

    SQLite's "database is locked" (SQLITE_BUSY, told by its error code) past the busy timeout
    becomes a StorageError with reason ``db_busy``, and a unique-key race with a concurrent run one
    with reason ``db_conflict``; the run records both as retryable (both are transient).
    """
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    except OperationalError as exc:
        busy = getattr(exc.orig, "sqlite_errorname", None) in ("SQLITE_BUSY", "SQLITE_LOCKED")
        reason = FailureReason.DB_BUSY if busy else FailureReason.DB_ERROR
        raise StorageError(f"database error: {exc.orig}", reason=reason) from exc
    except IntegrityError as exc:
        # Another run stored the same row first (e.g. the same article from two sources at once);
        # nothing was committed, and the next attempt finds the row and treats it as a duplicate.
        raise StorageError(
            f"conflict with a concurrent write: {exc.orig}", reason=FailureReason.DB_CONFLICT
        ) from exc


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; runs on every start)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def describe_url(url: str) -> str:
    """``url`` with any password masked, fit for logs and screens."""
    return make_url(url).render_as_string(hide_password=True)
