"""Failure reasons: one enum, the strings the database holds, and one answer to "transient?"."""

from __future__ import annotations

import pickle

import pytest

from core.errors import AlertDeliveryError, FetchError, TransientFetchError, fetch_error
from core.reasons import FailureReason


def test_values_are_the_stored_strings_and_compare_equal_to_them() -> None:
    stored: str = "file_empty"  # as the database gives it back
    assert stored == FailureReason.FILE_EMPTY and f"{FailureReason.FILE_EMPTY}" == stored
    assert FailureReason("connect_refused") is FailureReason.CONNECT_REFUSED
    assert all(member.value == member.name.lower() for member in FailureReason)


def test_status_reasons_are_made_once_and_survive_pickling() -> None:
    gone = FailureReason.status("http", 410)
    assert gone == "http_410" and gone is FailureReason("http_410") and gone.status_code == 410
    assert pickle.loads(pickle.dumps(FailureReason.status("smtp", 451))) is FailureReason("smtp_451")
    assert "http_410" not in {member.value for member in FailureReason}  # not listed as a member
    with pytest.raises(ValueError):
        FailureReason("no_such_reason")


@pytest.mark.parametrize(
    ("reason", "transient"),
    [
        (FailureReason.TIMEOUT, True),
        (FailureReason.CONNECT_TIMEOUT, True),
        (FailureReason.INCOMPLETE_BODY, True),
        (FailureReason.RATE_LIMITED, True),
        (FailureReason.SERVER_ERROR, True),
        (FailureReason.DB_BUSY, True),
        (FailureReason.NOT_FOUND, False),
        (FailureReason.INVALID_URL, False),
        (FailureReason.EGRESS_DENIED, False),
        (FailureReason.NOT_A_FEED, False),
        (FailureReason.status("http", 408), True),
        (FailureReason.status("http", 404), False),
        (FailureReason.status("smtp", 451), True),
        (FailureReason.status("smtp", 550), False),
        (FailureReason.status("smtp", -1), False),
    ],
)
def test_transient(reason: FailureReason, transient: bool) -> None:
    assert reason.transient is transient


def test_errors_take_their_transience_from_their_reason() -> None:
    assert isinstance(
        fetch_error("x", location="u", reason=FailureReason.CONNECTION_RESET), TransientFetchError
    )
    refused = fetch_error("x", location="u", reason=FailureReason.EGRESS_DENIED)
    assert type(refused) is FetchError and not refused.transient
    assert AlertDeliveryError("x", channel="c", reason=FailureReason.status("http", 410)).transient is False
    assert AlertDeliveryError("x", channel="c", transient=False).reason == "delivery_refused"
    with pytest.raises(ValueError):
        AlertDeliveryError("x", channel="c", transient=True, reason=FailureReason.SMTP_AUTH)
