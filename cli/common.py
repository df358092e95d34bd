"""What every command shares: the console, the engine, and how times are shown."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from sqlalchemy.engine import Engine

from core.settings import Settings
from storage.engine import make_engine, migrate

console = Console()


def open_engine() -> Engine:
    """The configured database, migrated to the newest schema."""
    engine = make_engine(Settings().database_url.get_secret_value())
    migrate(engine)
    return engine


def when(moment: datetime | None) -> str:
    """A time as ``YYYY-MM-DD HH:MM``, or ``-`` when unknown."""
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"
