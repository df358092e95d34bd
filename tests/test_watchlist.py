"""The watchlist: validated before any work, with the file, line and offending value in errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.watchlist import load_watchlist, parse_duration
from pipeline.watchlist import compile_watchlist_topics
from tests.conftest import SAMPLES


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_watchlist_loads_with_paths_relative_to_the_file() -> None:
    watchlist = load_watchlist(SAMPLES / "watchlist.yaml")
    assert [s.location for s in watchlist.sources] == [(SAMPLES / "reports").resolve()]
    assert [t.name for t in watchlist.topics] == ["Lebanon ceasefire"]
    lines = (SAMPLES / "watchlist.yaml").read_text(encoding="utf-8").splitlines()
    declared = lines.index("  - name: Lebanon ceasefire") + 1
    assert watchlist.where("Lebanon ceasefire").endswith(f"watchlist.yaml:{declared}")


def test_an_unknown_field_is_reported_with_its_line_and_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "sources:\n  - name: a\n    directory: x\n    evry: 5m\n")
    with pytest.raises(ConfigurationError) as caught:
        load_watchlist(path)
    assert f"{path}:4: sources.0.evry" in str(caught.value) and "'5m'" in str(caught.value)


def test_a_source_needs_exactly_one_location(tmp_path: Path) -> None:
    path = _write(tmp_path, "sources:\n  - name: a\n    directory: x\n    file: y.txt\n")
    with pytest.raises(ConfigurationError, match="exactly one of"):
        load_watchlist(path)


def test_a_topic_naming_an_unknown_channel_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "topics:\n  - name: t\n    query: a\n    alert: {channels: [slack]}\n")
    with pytest.raises(ConfigurationError, match="unknown channel 'slack'"):
        load_watchlist(path)


def test_environment_references_are_expanded_and_missing_ones_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "sources:\n  - name: a\n    directory: ${REPORTS}\n")
    assert load_watchlist(path, {"REPORTS": "/srv/reports"}).sources[0].location == Path("/srv/reports")
    with pytest.raises(ConfigurationError, match="REPORTS is not set"):
        load_watchlist(path, {})


def test_a_malformed_query_is_reported_with_file_line_and_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "topics:\n  - name: ok\n    query: a\n  - name: bad\n    query: 'a AND (b OR'\n")
    with pytest.raises(ConfigurationError) as caught:
        compile_watchlist_topics(load_watchlist(path))
    message = str(caught.value)
    assert message.startswith(f"{path}:4: topic 'bad'") and "position" in message


def test_invalid_yaml_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        load_watchlist(_write(tmp_path, "sources: [\n"))


@pytest.mark.parametrize(
    ("text", "seconds"), [("45s", 45), ("10m", 600), ("2h", 7200), ("1d", 86400), (30, 30)]
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_a_bad_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("ten minutes")
