"""Housekeeping: retention of data newswatch no longer needs, and database upkeep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from storage.models import Article, IngestFailure


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one retention pass removed."""

    resolved_failures: int
    article_vectors: int


def prune(*, session: Session, older_than: datetime) -> Pruned:
    """Delete failures resolved before ``older_than`` and drop the clustering vectors of older articles.

    Articles themselves, their matches and the alert outbox are kept: they are the record of
    what was seen and sent, and the outbox's unique keys are what prevent a second alert.
    """
    failures = session.execute(
        delete(IngestFailure)
        .where(col(IngestFailure.resolved_at) < older_than)
        .returning(col(IngestFailure.id))
    ).all()
    vectors = session.execute(
        update(Article)
        .where(col(Article.first_seen_at) < older_than)
        .values(terms={})
        .returning(col(Article.id))
    ).all()
    return Pruned(len(failures), len(vectors))


def tidy(engine: Engine) -> str:
    """Refresh planner statistics and, on SQLite, fold the WAL back into the database file."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # autocommit at the driver level (see storage.engine)
        try:
            for pragma in ("wal_checkpoint(TRUNCATE)", "optimize"):
                raw.cursor().execute(f"PRAGMA {pragma}")
        finally:
            raw.close()
        return "sqlite: WAL checkpointed, statistics optimized"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return "postgresql: statistics analyzed"
