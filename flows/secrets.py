"""Secrets from Prefect Secret blocks, for ``${secret:name}`` references in the watchlist, and the
credentials in its source URLs masked in every log from the moment it is read (R9)."""

from __future__ import annotations

from pathlib import Path

from prefect.blocks.system import Secret

from alerts.redaction import install_redaction, url_secrets
from core.watchlist import FILE_KINDS, Watchlist, load_watchlist


def prefect_secret(name: str) -> str | None:
    """The value of the Prefect Secret block ``name``, or None when there is no such block."""
    try:
        block: Secret[str] = Secret.load(name, _sync=True)  # type: ignore[call-arg,assignment]
    except ValueError:  # Prefect's "Unable to find block document named …"
        return None
    return str(block.get())


def read_watchlist(path: Path) -> Watchlist:
    """The watchlist at ``path`` with ``${secret:name}`` read from Prefect Secret blocks.

    Log redaction is installed, with the credentials of its web sources' URLs
    (``https://user:pass@host``, ``?token=…``), before anything is fetched: httpx logs full URLs.
    """
    watchlist = load_watchlist(path, secrets=prefect_secret)
    web = (spec for spec in watchlist.sources if spec.kind not in FILE_KINDS)
    install_redaction(secret for spec in web for secret in url_secrets(str(spec.location)))
    return watchlist
