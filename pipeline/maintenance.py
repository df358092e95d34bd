"""Weekly upkeep: drop what is older than the retention period, then tidy the database."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from storage.engine import shared_engine, transaction
from storage.maintenance import prune, tidy
from storage.models import utcnow


def maintain(database_url: SecretStr, retention_days: int) -> str:
    """Prune what is older than ``retention_days`` and tidy the database; a one-line report."""
    engine = shared_engine(database_url.get_secret_value())
    with transaction(engine) as session:
        pruned = prune(session=session, older_than=utcnow() - timedelta(days=retention_days))
    upkeep = tidy(engine)
    return (
        f"removed {pruned.resolved_failures} resolved failure(s), dropped clustering vectors of "
        f"{pruned.article_vectors} article(s) older than {retention_days} days; {upkeep}"
    )
