"""The one exception tree of newswatch.

    PipelineError
    ├── FetchError               sources/     .location .status_code .retry_after_s
    │   └── TransientFetchError  timeouts, resets, 429, 5xx: worth retrying
    ├── ExtractionError          extractors/  .location
    ├── StorageError             storage/
    ├── AlertDeliveryError       alerts/      .channel .transient
    └── ConfigurationError       also a ValueError: bad watchlist, bad query, bad settings
        └── QuerySyntaxError     .query .position .hint

Every error carries a short machine-readable ``reason`` (``file_empty``, ``binary_content``,
``connect_refused`` …) that is what the run records next to the human message.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error newswatch raises on purpose."""

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class FetchError(PipelineError):
    """A source could not be read; ``location`` is the path or URL."""

    reason = "fetch_error"

    def __init__(
        self,
        message: str,
        *,
        location: str,
        status_code: int | None = None,
        reason: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason)
        self.location = location
        self.status_code = status_code
        self.retry_after_s = retry_after_s  # the server's Retry-After, already capped


class TransientFetchError(FetchError):
    """A fetch failure that a later attempt may not meet (timeouts, 429, 5xx)."""

    reason = "transient_fetch_error"


class ExtractionError(PipelineError):
    """A document could not be turned into an article."""

    reason = "extraction_error"

    def __init__(self, message: str, *, location: str, reason: str | None = None) -> None:
        super().__init__(message, reason=reason)
        self.location = location


class StorageError(PipelineError):
    """The database refused or failed an operation."""

    reason = "storage_error"


class AlertDeliveryError(PipelineError):
    """A channel did not deliver an alert; ``transient`` says whether a retry may succeed.

    ``ambiguous`` means the provider may have accepted it (a timeout or a drop after the
    request was written): a retry risks a duplicate. ``recipients`` maps each e-mail recipient
    to ``sent``, ``retry`` or ``dead: <reply>`` when the server answered per recipient.
    """

    reason = "delivery_error"

    def __init__(
        self,
        message: str,
        *,
        channel: str,
        transient: bool = True,
        retry_after_s: float | None = None,
        reason: str | None = None,
        ambiguous: bool = False,
        recipients: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason)
        self.channel = channel
        self.transient = transient
        self.retry_after_s = retry_after_s
        self.ambiguous = ambiguous
        self.recipients = recipients or {}


class ConfigurationError(PipelineError, ValueError):
    """The watchlist or the settings are wrong; raised before any work starts."""

    reason = "configuration_error"


class QuerySyntaxError(ConfigurationError):
    """A topic query does not parse; ``position`` is the 0-based offset of the problem."""

    reason = "query_syntax_error"

    def __init__(self, message: str, *, query: str, position: int, hint: str = "") -> None:
        pointer = " " * position + "^"
        detail = f"{message} at position {position}\n  {query}\n  {pointer}"
        if hint:
            detail += f"\n  hint: {hint}"
        super().__init__(detail)
        self.query = query
        self.position = position
        self.hint = hint
