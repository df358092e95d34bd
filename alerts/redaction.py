"""Keep secrets out of every log, httpx's and httpcore's included: webhook URLs, SMTP and
database passwords, API tokens.

httpx logs every request's full URL at INFO, and a Slack webhook URL *is* the credential
(encode/httpx#2760). ``install_redaction`` registers the secrets of the configured channels and
settings, and rewrites every log record as it is created (message, arguments and traceback),
whichever logger made it: httpx, httpcore, Prefect or ours. ``redact`` is also applied to the
errors stored in the outbox.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_INSTALLED: list[Callable[..., logging.LogRecord]] = []
# A URL query parameter whose name says it holds a credential (``token``, ``api_key``,
# ``access_token``, ``X-Amz-Signature``, ``client_secret`` …).
_CREDENTIAL_PARAMETER = (
    r"[\w.-]*?(?:token|key|secret|password|passwd|pwd|signature|sig|auth|credential|session)[\w.-]*"
)
_CREDENTIAL_NAME = re.compile(_CREDENTIAL_PARAMETER, re.IGNORECASE)
# Credentials recognisable without being registered: Slack/Discord webhook paths, URL passwords
# and user-only tokens (``https://TOKEN@host``), credential query parameters, bearer tokens and
# ``password=`` pairs.
_PATTERNS = (
    re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[^\s\"'<>]+"),
    re.compile(r"(discord(?:app)?\.com/api/webhooks/)[^\s\"'<>]+"),
    re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(?=@)", re.IGNORECASE),
    re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+(?=@)", re.IGNORECASE),
    re.compile(rf"([?&;]{_CREDENTIAL_PARAMETER}=)[^&#\s\"'<>]+", re.IGNORECASE),
    re.compile(r"(\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(r"(\b(?:password|passwd|token|secret)=)[^&\s]+", re.IGNORECASE),
)
_MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words


def register_secrets(values: Iterable[str | None]) -> None:
    """Remember secret values (and their URL paths) so that ``redact`` masks them."""
    with _LOCK:
        for value in values:
            if value and len(value) >= _MIN_SECRET_LENGTH:
                _SECRETS.add(value)


def url_secrets(url: str) -> list[str]:
    """The credentials a URL carries: its userinfo password (or user-only token) and the values of
    query parameters named like credentials; [] for a URL without any."""
    parts = urlsplit(url)
    found = [parts.password or parts.username]
    found += [value for name, value in parse_qsl(parts.query) if _CREDENTIAL_NAME.fullmatch(name)]
    return [value for value in found if value]


def redact(text: str) -> str:
    """``text`` with every registered secret and every recognisable credential masked."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda found: found.group(1) + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in a record's message and traceback (never drops it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub(record)
        return True


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the logging module's to report
        return
    cleaned = redact(message)
    if cleaned != message or record.args:
        record.msg, record.args = cleaned, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)


_HTTP_LOGGERS = ("httpx", "httpcore", "httpcore.connection", "httpcore.http11")


def install_redaction(secrets: Iterable[str | None] = ()) -> None:
    """Register ``secrets`` and, once per process, scrub every log record at creation.

    A filter on a logger only sees records made by that very logger, not its children
    (``httpcore.http11``), so the scrubbing sits in the record factory; the filter is also
    attached to httpx and httpcore for handlers configured elsewhere.
    """
    register_secrets(secrets)
    with _LOCK:
        if _INSTALLED:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _INSTALLED.append(previous)
        for name in (*_HTTP_LOGGERS, "alerts", "pipeline", "flows"):
            logging.getLogger(name).addFilter(RedactingFilter())
