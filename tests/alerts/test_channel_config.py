"""Channels and alert modes in the watchlist: secrets only from the environment, modes validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.watchlist import EmailChannelSpec, SlackChannelSpec, load_watchlist

TOPIC = """
topics:
  - name: T
    query: Lebanon
    alert: {ALERT}
"""


def _write(tmp_path: Path, channels: str, alert: str = "{channels: [desk]}") -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(TOPIC.replace("{ALERT}", alert) + "channels:\n" + channels, encoding="utf-8")
    return path


def test_a_literal_webhook_url_in_the_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "  desk: {type: slack, webhook_url: 'https://hooks.slack.com/services/T/B/x'}\n")
    with pytest.raises(ConfigurationError) as caught:
        load_watchlist(path, environ={})
    assert "webhook_url is a secret" in str(caught.value) and ":7:" in str(caught.value)
    assert "hooks.slack.com" not in str(caught.value)


def test_a_literal_auth_header_is_refused_but_plain_headers_are_fine(tmp_path: Path) -> None:
    hook = "  desk: {type: webhook, url: '${HOOK}', headers: {X-Team: blue, Authorization: 'Bearer abc'}}\n"
    with pytest.raises(ConfigurationError, match=r"headers.Authorization is a secret"):
        load_watchlist(_write(tmp_path, hook), environ={"HOOK": "https://example.org/h"})


def test_channels_from_the_environment_with_modes_and_quiet_hours(tmp_path: Path) -> None:
    channels = (
        "  desk: {type: slack, webhook_url: '${SLACK_URL}', timezone: Asia/Beirut, at_most_once: true}\n"
        "  mail: {type: email, to: [a@example.org], quiet_hours: {start: '22:00', end: '07:00'}}\n"
    )
    alert = "{mode: digest, digest: {every: hourly, at: '00:05'}, channels: [desk, mail]}"
    watchlist = load_watchlist(
        _write(tmp_path, channels, alert), environ={"SLACK_URL": "https://hooks.example/s"}
    )
    desk, mail = watchlist.channels["desk"], watchlist.channels["mail"]
    assert (
        isinstance(desk, SlackChannelSpec)
        and desk.webhook_url.get_secret_value() == "https://hooks.example/s"
    )
    assert "hooks.example" not in repr(desk) and desk.at_most_once
    assert isinstance(mail, EmailChannelSpec) and mail.quiet_hours is not None
    assert watchlist.topics[0].alert.schedule.every == "hourly"


@pytest.mark.parametrize(
    ("channels", "alert", "message"),
    [
        (
            "  desk: {type: console}\n",
            "{mode: burst, digest: {every: daily}, channels: [desk]}",
            "need mode: digest",
        ),
        (
            "  desk: {type: email, to: [a@b.c], timezone: Mars/Olympus}\n",
            "{channels: [desk]}",
            "unknown time zone",
        ),
        ("  desk: {type: email, to: []}\n", "{channels: [desk]}", "at least 1"),
        ("  desk: {type: pager}\n", "{channels: [desk]}", "does not match any of the expected tags"),
        (
            "  desk: {type: console}\n",
            "{mode: digest, digest: {at: '25:00'}, channels: [desk]}",
            "not a time",
        ),
    ],
)
def test_bad_channels_and_modes_are_reported_before_any_work(
    tmp_path: Path, channels: str, alert: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_watchlist(_write(tmp_path, channels, alert), environ={})
