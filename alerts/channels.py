"""The one small interface every channel implements, and the factory that builds them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TextIO

from alerts.console import ConsoleChannel
from core.errors import ConfigurationError
from core.records import AlertMessage
from core.watchlist import ChannelSpec


class AlertChannel(Protocol):
    """Something that delivers an alert."""

    name: str

    def send(self, message: AlertMessage) -> str | None:
        """Deliver one alert and return the provider's reference (if any), or raise AlertDeliveryError."""
        ...


def build_channels(
    specs: Mapping[str, ChannelSpec], *, stream: TextIO | None = None
) -> dict[str, AlertChannel]:
    """A channel object per declared channel; ConfigurationError for an unknown type."""
    channels: dict[str, AlertChannel] = {}
    for name, spec in specs.items():
        if spec.type == "console":
            channels[name] = ConsoleChannel(name, stream=stream)
        else:  # pragma: no cover - the watchlist schema only admits known types
            raise ConfigurationError(f"channel {name!r}: unknown type {spec.type!r}")
    return channels
