"""Why something failed: one ``FailureReason`` per kind of failure, and whether it is transient.

Every ``PipelineError`` carries one (``error.reason``), every ``SourceFailure`` and extraction
outcome too, and the database keeps its value (``source_failure.reason``,
``source.last_error_class``), so the values are the strings stored before this enum existed and
a ``StrEnum`` compares equal to them. ``http_NNN`` and ``smtp_NNN`` name the status a provider
answered an alert with; they are made on first use (``FailureReason.status("http", 410)``).

``transient`` is the one answer to "may a later attempt succeed?", and every retry decision
reads it: the fetcher's retries inside its deadline (sources/fetcher.py), whether an article page
is asked for again at the next poll (sources/polling.py), and whether an alert is tried again
(alerts/policy.py). Transient are: network faults (timeouts, refused, reset or garbled
connections, a body cut short), 429 and 5xx answers, a busy or racing database, and the alert
channels' "not sent, try again" and "may have arrived" failures. Everything else is the same on
the next attempt: a 404, a body over the cap, a document that is not a feed, a refused address.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import cast

_STATUS = re.compile(r"(http|smtp)_(-1|\d{3})")  # smtplib says -1 for a reply without a code


class FailureReason(StrEnum):
    """A failure's machine-readable reason: what the run records next to the human message."""

    # Any stage, when nothing more precise is known (the defaults of core/errors.py).
    ERROR = "error"
    CONFIGURATION_ERROR = "configuration_error"
    QUERY_SYNTAX_ERROR = "query_syntax_error"

    # Fetching (sources/fetcher.py, sources/egress.py, sources/bodies.py, sources/robots.py).
    FETCH_ERROR = "fetch_error"
    TRANSIENT_FETCH_ERROR = "transient_fetch_error"
    TIMEOUT = "timeout"
    CONNECT_TIMEOUT = "connect_timeout"
    CONNECT_REFUSED = "connect_refused"
    CONNECT_ERROR = "connect_error"
    CONNECTION_RESET = "connection_reset"
    INCOMPLETE_BODY = "incomplete_body"
    PROTOCOL_ERROR = "protocol_error"
    RATE_LIMITED = "rate_limited"  # also an alert provider's 429
    SERVER_ERROR = "server_error"  # also an alert provider's 5xx
    NOT_FOUND = "not_found"
    GONE = "gone"
    HTTP_ERROR = "http_error"
    BAD_REDIRECT = "bad_redirect"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    BODY_TOO_LARGE = "body_too_large"
    DECODE_ERROR = "decode_error"
    EGRESS_DENIED = "egress_denied"
    DNS_ERROR = "dns_error"
    UNSUPPORTED_SCHEME = "unsupported_scheme"
    INVALID_URL = "invalid_url"
    ROBOTS_DISALLOWED = "robots_disallowed"

    # Reading what was fetched (sources/feeds.py, sources/sitemaps.py, sources/polling.py) and
    # the parse workers (pipeline/parse_workers.py: the extraction workers' reasons, renamed).
    EMPTY = "empty"
    NOT_A_FEED = "not_a_feed"
    NOT_A_SITEMAP = "not_a_sitemap"
    PARSE_ERROR = "parse_error"
    PARSE_TIMEOUT = "parse_timeout"
    PARSE_MEMORY = "parse_memory"
    PARSE_CRASHED = "parse_crashed"
    PARSE_FAILED = "parse_failed"
    NO_LINK = "no_link"

    # Local files (sources/files.py).
    SOURCE_MISSING = "source_missing"
    FILE_ACCESS_DENIED = "file_access_denied"
    FILE_UNREADABLE = "file_unreadable"
    FILE_TOO_LARGE = "file_too_large"
    FILE_EMPTY = "file_empty"  # also an extractor's: nothing but whitespace
    BINARY_CONTENT = "binary_content"  # also an extractor's

    # Extraction (extractors/, extractors/workers.py).
    EXTRACTION_ERROR = "extraction_error"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    HTML_UNPARSEABLE = "html_unparseable"
    DOCUMENT_TOO_LARGE = "document_too_large"
    EXTRACT_TIMEOUT = "extract_timeout"
    EXTRACT_MEMORY = "extract_memory"
    EXTRACT_CRASHED = "extract_crashed"
    EXTRACT_FAILED = "extract_failed"
    TRUNCATED_DOM = "truncated_dom"  # nested too deeply for the extractor (RecursionError)
    NO_MAIN_TEXT = "no_main_text"  # a page with no article text (and no feed entry to stand in)

    # Storage (storage/engine.py, storage/catalog.py).
    STORAGE_ERROR = "storage_error"
    DB_BUSY = "db_busy"
    DB_CONFLICT = "db_conflict"
    DB_ERROR = "db_error"
    PARTIAL = "partial"  # a source read whose items partly failed (its health, not an exception)

    # Alert delivery (alerts/, and an alert whose channel is not in the watchlist).
    DELIVERY_ERROR = "delivery_error"
    DELIVERY_REFUSED = "delivery_refused"
    UNKNOWN_CHANNEL = "unknown_channel"
    CONNECT_FAILED = "connect_failed"
    WRITE_FAILED = "write_failed"
    AMBIGUOUS_NO_RESPONSE = "ambiguous_no_response"
    RATE_LIMIT_STORE = "rate_limit_store"
    RATE_LIMITED_LOCALLY = "rate_limited_locally"
    SMTP_UNAVAILABLE = "smtp_unavailable"
    SMTP_TLS = "smtp_tls"
    SMTP_PLAINTEXT_LOGIN = "smtp_plaintext_login"
    SMTP_AUTH = "smtp_auth"
    SMTP_RECIPIENTS = "smtp_recipients"  # per recipient: ``AlertDeliveryError.recipients`` says which
    AMBIGUOUS_SMTP_DROP = "ambiguous_smtp_drop"
    HEADER_REFUSED = "header_refused"
    APPRISE_BAD_URL = "apprise_bad_url"
    APPRISE_FAILED = "apprise_failed"

    @classmethod
    def status(cls, protocol: str, code: int) -> FailureReason:
        """The reason for a status ``code`` a provider answered over ``protocol`` (http, smtp)."""
        return cls(f"{protocol}_{code}")

    @classmethod
    def _missing_(cls, value: object) -> FailureReason | None:
        """``http_NNN`` and ``smtp_NNN``: one member per status code, made when first asked for."""
        if not isinstance(value, str) or not _STATUS.fullmatch(value):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return cast(FailureReason, cls._value2member_map_.setdefault(value, member))

    @property
    def status_code(self) -> int | None:
        """The status of an ``http_NNN`` or ``smtp_NNN`` reason; None for the others."""
        found = _STATUS.fullmatch(self.value)
        return int(found.group(2)) if found else None

    @property
    def transient(self) -> bool:
        """Whether a later attempt may succeed (see the module's docstring); every retry reads it."""
        code = self.status_code
        if code is None:
            return self in _TRANSIENT
        if self.value.startswith("smtp_"):
            return 400 <= code < 500  # SMTP: 4xx is "try again later", 5xx is final
        return code in (408, 425, 429) or code >= 500


_TRANSIENT = frozenset(
    {
        FailureReason.TRANSIENT_FETCH_ERROR,
        FailureReason.TIMEOUT,
        FailureReason.CONNECT_TIMEOUT,
        FailureReason.CONNECT_REFUSED,
        FailureReason.CONNECT_ERROR,
        FailureReason.CONNECTION_RESET,
        FailureReason.INCOMPLETE_BODY,
        FailureReason.PROTOCOL_ERROR,
        FailureReason.RATE_LIMITED,
        FailureReason.SERVER_ERROR,
        FailureReason.DB_BUSY,
        FailureReason.DB_CONFLICT,
        FailureReason.DELIVERY_ERROR,
        FailureReason.CONNECT_FAILED,
        FailureReason.WRITE_FAILED,
        FailureReason.AMBIGUOUS_NO_RESPONSE,
        FailureReason.RATE_LIMIT_STORE,
        FailureReason.RATE_LIMITED_LOCALLY,
        FailureReason.SMTP_UNAVAILABLE,
        FailureReason.SMTP_TLS,  # a certificate gets renewed; nothing was sent
        FailureReason.SMTP_RECIPIENTS,  # alerts/policy.py settles each recipient before reading this
        FailureReason.AMBIGUOUS_SMTP_DROP,
        FailureReason.APPRISE_FAILED,
    }
)
