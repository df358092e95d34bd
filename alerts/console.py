"""The console channel: prints alerts, for local runs and demos."""

from __future__ import annotations

import sys
from typing import TextIO

from alerts.render import render_text
from core.records import AlertMessage


class ConsoleChannel:
    """Writes each alert to a text stream (standard output by default)."""

    def __init__(self, name: str, *, stream: TextIO | None = None) -> None:
        self.name = name
        self._stream = stream

    def send(self, message: AlertMessage) -> str | None:
        """Print the alert; there is no provider reference."""
        stream = self._stream or sys.stdout
        stream.write(render_text(message) + "\n")
        stream.flush()
        return None
