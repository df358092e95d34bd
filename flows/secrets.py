"""Secrets from Prefect Secret blocks, for ``${secret:name}`` references in the watchlist."""

from __future__ import annotations

from pathlib import Path

from prefect.blocks.system import Secret

from core.watchlist import Watchlist, load_watchlist


def prefect_secret(name: str) -> str | None:
    """The value of the Prefect Secret block ``name``, or None when there is no such block."""
    try:
        block: Secret[str] = Secret.load(name, _sync=True)  # type: ignore[call-arg,assignment]
    except ValueError:  # Prefect's "Unable to find block document named …"
        return None
    return str(block.get())


def read_watchlist(path: Path) -> Watchlist:
    """The watchlist at ``path`` with ``${secret:name}`` read from Prefect Secret blocks."""
    return load_watchlist(path, secrets=prefect_secret)
