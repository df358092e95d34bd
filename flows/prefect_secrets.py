"""Secrets from Prefect Secret blocks, for ``${secret:name}`` references in the watchlist.

``read_watchlist`` is pipeline.watchlist's, with Prefect's Secret blocks as the resolver; the
credentials in the watchlist's source URLs are masked in every log from the moment it is read.
(Not named ``secrets``: Prefect puts a flow's folder on ``sys.path``, where that name would
shadow the standard library's module.)
"""

from __future__ import annotations

from pathlib import Path

from prefect.blocks.system import Secret

from core.watchlist import Watchlist
from pipeline import watchlist


def prefect_secret(name: str) -> str | None:
    """The value of the Prefect Secret block ``name``, or None when there is no such block."""
    try:
        block: Secret[str] = Secret.load(name, _sync=True)  # type: ignore[call-arg,assignment]
    except ValueError:  # Prefect's "Unable to find block document named …"
        return None
    return str(block.get())


def read_watchlist(path: Path) -> Watchlist:
    """The watchlist at ``path`` with ``${secret:name}`` read from Prefect Secret blocks."""
    return watchlist.read_watchlist(path, secrets=prefect_secret)
