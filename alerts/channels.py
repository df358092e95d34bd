"""The one small interface every channel implements, and the factory that builds them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol, TextIO

import httpx

from alerts.console import ConsoleChannel
from alerts.notify import AppriseChannel
from alerts.posting import RATE_LIMITER, RateLimiter
from alerts.redaction import install_redaction
from alerts.slack import SlackChannel
from alerts.smtp import EmailChannel
from alerts.webhook import WebhookChannel
from core.records import AlertMessage
from core.settings import SmtpSettings
from core.watchlist import (
    AppriseChannelSpec,
    ChannelSpec,
    ConsoleChannelSpec,
    EmailChannelSpec,
    SlackChannelSpec,
    WebhookChannelSpec,
)


class AlertChannel(Protocol):
    """Something that delivers an alert."""

    name: str

    def send(self, message: AlertMessage) -> str | None:
        """Deliver one alert and return the provider's reference (if any), or raise AlertDeliveryError."""
        ...


def at_most_once(channel: AlertChannel) -> bool:
    """Whether the channel must not be retried after an ambiguous failure (default: one retry)."""
    return bool(getattr(channel, "at_most_once", False))


def close_channels(channels: Mapping[str, AlertChannel]) -> None:
    """Release what the channels hold (HTTP clients)."""
    for channel in channels.values():
        close = getattr(channel, "close", None)
        if close is not None:
            close()


def channel_secrets(specs: Mapping[str, ChannelSpec], smtp: SmtpSettings | None = None) -> list[str]:
    """Every secret value in the channels and the SMTP settings (for log redaction)."""
    found: list[str] = []
    for spec in specs.values():
        if isinstance(spec, SlackChannelSpec):
            found.append(spec.webhook_url.get_secret_value())
        elif isinstance(spec, WebhookChannelSpec):
            found.append(spec.url.get_secret_value())
            found.extend(value.get_secret_value() for value in spec.headers.values())
        elif isinstance(spec, AppriseChannelSpec):
            found.append(spec.url.get_secret_value())
    if smtp is not None and smtp.password is not None:
        found.append(smtp.password.get_secret_value())
    # The token inside a secret URL or header ("Bearer xoxb-…", ".../services/T/B/<token>") may
    # show up on its own, e.g. echoed in an error body.
    parts = [part for value in found for part in re.split(r"[\s/?&=]+", value) if len(part) >= 12]
    return found + [part for part in parts if "." not in part and ":" not in part]


def build_channels(
    specs: Mapping[str, ChannelSpec],
    *,
    stream: TextIO | None = None,
    smtp: SmtpSettings | None = None,
    client: httpx.Client | None = None,
    limiter: RateLimiter | None = None,
) -> dict[str, AlertChannel]:
    """A channel object per declared channel; their secrets are masked in every log from now on.

    Slack channels space their messages with ``limiter`` (default: this process's own).
    """
    smtp = smtp or SmtpSettings()
    install_redaction(channel_secrets(specs, smtp))
    channels: dict[str, AlertChannel] = {}
    for name, spec in specs.items():
        if isinstance(spec, ConsoleChannelSpec):
            channels[name] = ConsoleChannel(name, stream=stream)
        elif isinstance(spec, SlackChannelSpec):
            channels[name] = SlackChannel(name, spec, client=client, limiter=limiter or RATE_LIMITER)
        elif isinstance(spec, EmailChannelSpec):
            channels[name] = EmailChannel(name, spec, smtp)
        elif isinstance(spec, WebhookChannelSpec):
            channels[name] = WebhookChannel(name, spec, client=client)
        else:
            channels[name] = AppriseChannel(name, spec)
    return channels
