"""Apprise URLs for the many services newswatch has no channel of its own for (optional).

Apprise reports only success or failure, so a failure is treated as *not sent* and retried;
Apprise is imported on first use, so newswatch runs without it when no such channel exists.
"""

from __future__ import annotations

import warnings
from typing import Any

from alerts.render import render_text, subject_line
from core.errors import AlertDeliveryError, ConfigurationError
from core.reasons import FailureReason
from core.records import AlertMessage
from core.watchlist import AppriseChannelSpec


class AppriseChannel:
    """Sends alerts as title + plain text to one Apprise URL."""

    def __init__(self, name: str, spec: AppriseChannelSpec) -> None:
        self.name, self.spec = name, spec
        self.at_most_once = spec.at_most_once
        self._apprise: Any = None

    def _client(self) -> Any:
        if self._apprise is None:
            try:
                import apprise
            except ImportError as exc:
                raise ConfigurationError(f"channel {self.name!r} needs the apprise package") from exc
            client = apprise.Apprise()
            with warnings.catch_warnings():  # its plugins import the deprecated imghdr module
                warnings.simplefilter("ignore", DeprecationWarning)
                added = client.add(self.spec.url.get_secret_value())
            if not added:
                raise AlertDeliveryError(
                    f"{self.name}: Apprise does not understand the URL",
                    channel=self.name,
                    reason=FailureReason.APPRISE_BAD_URL,
                )
            self._apprise = client
        return self._apprise

    def send(self, message: AlertMessage) -> str | None:
        """Notify through Apprise; no provider reference, or AlertDeliveryError."""
        if not self._client().notify(body=render_text(message), title=subject_line(message)):
            raise AlertDeliveryError(
                f"{self.name}: Apprise reported a failure",
                channel=self.name,
                reason=FailureReason.APPRISE_FAILED,
            )
        return None
