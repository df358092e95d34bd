"""The one exception tree of newswatch.

    PipelineError
    ├── FetchError               sources/     .location .status_code .retry_after_s
    │   └── TransientFetchError  timeouts, resets, 429, 5xx: worth retrying
    ├── ExtractionError          extractors/  .location
    ├── StorageError             storage/
    ├── AlertDeliveryError       alerts/      .channel .ambiguous .recipients
    └── ConfigurationError       also a ValueError: bad watchlist, bad query, bad settings
        └── QuerySyntaxError     .query .position .hint

Every error carries a ``reason``, a ``core.reasons.FailureReason`` (``file_empty``,
``binary_content``, ``connect_refused`` …): what the run records next to the human message, and
whose ``transient`` property every retry decision reads. ``fetch_error`` picks FetchError or
TransientFetchError by it; ``AlertDeliveryError.transient`` is its reason's.
"""

from __future__ import annotations

from core.reasons import FailureReason


class PipelineError(Exception):
    """Base of every error newswatch raises on purpose."""

    reason: FailureReason = FailureReason.ERROR

    def __init__(self, message: str, *, reason: FailureReason | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = FailureReason(reason)  # a stored string becomes its member; others fail here

    @property
    def transient(self) -> bool:
        """Whether a later attempt may succeed: the reason's ``transient``."""
        return self.reason.transient


class FetchError(PipelineError):
    """A source could not be read; ``location`` is the path or URL."""

    reason = FailureReason.FETCH_ERROR

    def __init__(
        self,
        message: str,
        *,
        location: str,
        status_code: int | None = None,
        reason: FailureReason | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason)
        self.location = location
        self.status_code = status_code
        self.retry_after_s = retry_after_s  # the server's Retry-After, already capped


class TransientFetchError(FetchError):
    """A fetch failure that a later attempt may not meet (timeouts, 429, 5xx)."""

    reason = FailureReason.TRANSIENT_FETCH_ERROR


def fetch_error(
    message: str,
    *,
    location: str,
    reason: FailureReason,
    status_code: int | None = None,
    retry_after_s: float | None = None,
) -> FetchError:
    """A TransientFetchError when ``reason`` is transient, else a FetchError."""
    kind = TransientFetchError if reason.transient else FetchError
    return kind(
        message, location=location, reason=reason, status_code=status_code, retry_after_s=retry_after_s
    )


class ExtractionError(PipelineError):
    """A document could not be turned into an article."""

    reason = FailureReason.EXTRACTION_ERROR

    def __init__(self, message: str, *, location: str, reason: FailureReason | None = None) -> None:
        super().__init__(message, reason=reason)
        self.location = location


class StorageError(PipelineError):
    """The database refused or failed an operation."""

    reason = FailureReason.STORAGE_ERROR


class AlertDeliveryError(PipelineError):
    """A channel did not deliver an alert; ``transient`` (its reason's) says whether a retry may succeed.

    ``ambiguous`` means the provider may have accepted it (a timeout or a drop after the
    request was written): a retry risks a duplicate. ``recipients`` maps each e-mail recipient
    to ``sent``, ``retry`` or ``dead: <reply>`` when the server answered per recipient.
    Without a ``reason``, ``transient`` picks the general one: ``delivery_error`` (transient) or
    ``delivery_refused``.
    """

    reason = FailureReason.DELIVERY_ERROR

    def __init__(
        self,
        message: str,
        *,
        channel: str,
        transient: bool | None = None,
        retry_after_s: float | None = None,
        reason: FailureReason | None = None,
        ambiguous: bool = False,
        recipients: dict[str, str] | None = None,
    ) -> None:
        if reason is None and transient is not None:
            reason = FailureReason.DELIVERY_ERROR if transient else FailureReason.DELIVERY_REFUSED
        super().__init__(message, reason=reason)
        if transient is not None and transient != self.reason.transient:
            raise ValueError(f"{self.reason} is {'not ' if transient else ''}transient")
        self.channel = channel
        self.retry_after_s = retry_after_s
        self.ambiguous = ambiguous
        self.recipients = recipients or {}


class ConfigurationError(PipelineError, ValueError):
    """The watchlist or the settings are wrong; raised before any work starts."""

    reason = FailureReason.CONFIGURATION_ERROR


class QuerySyntaxError(ConfigurationError):
    """A topic query does not parse; ``position`` is the 0-based offset of the problem."""

    reason = FailureReason.QUERY_SYNTAX_ERROR

    def __init__(self, message: str, *, query: str, position: int, hint: str = "") -> None:
        pointer = " " * position + "^"
        detail = f"{message} at position {position}\n  {query}\n  {pointer}"
        if hint:
            detail += f"\n  hint: {hint}"
        super().__init__(detail)
        self.query = query
        self.position = position
        self.hint = hint
