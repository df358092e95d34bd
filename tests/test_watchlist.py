"""The watchlist: validated before any work, with the file, line and offending value in errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.watchlist import (
    AlertPolicy,
    DirectorySource,
    FeedSource,
    FileSource,
    ListingSource,
    LocalSource,
    PageSource,
    SitemapSource,
    WebSource,
    load_watchlist,
    parse_duration,
)
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


def test_durations_are_parsed_once_when_the_watchlist_is_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sources:\n  - {name: a, directory: x, every: 5m}\n"
        "topics:\n  - {name: t, query: a, alert: {updates: {min_gap: 1h}}}\n",
    )
    watchlist = load_watchlist(path)
    assert watchlist.sources[0].every == timedelta(minutes=5)
    policy = watchlist.topics[0].alert
    assert policy.updates.min_gap == timedelta(hours=1)
    stored = policy.model_dump(mode="json")  # as storage keeps a topic's policy
    assert AlertPolicy.model_validate(stored) == policy
    assert AlertPolicy.model_validate({**stored, "updates": {"min_gap": "1h"}}) == policy  # older rows


def test_each_kind_of_source_is_its_own_model(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sources:\n  - {name: d, directory: x}\n  - {name: f, file: y.txt}\n"
        "  - {name: rss, feed: 'https://example.org/rss', fetch_articles: false}\n"
        "  - {name: sm, sitemap: 'https://example.org/sitemap.xml'}\n"
        "  - {name: ls, listing: 'https://example.org/news/', link_pattern: '/news/'}\n"
        "  - {name: pg, page: 'https://example.org/live'}\n",
    )
    d, f, rss, sm, ls, pg = load_watchlist(path).sources
    assert [type(s) for s in (d, f, rss, sm, ls, pg)] == [
        DirectorySource,
        FileSource,
        FeedSource,
        SitemapSource,
        ListingSource,
        PageSource,
    ]
    assert [s.kind for s in (d, f, rss, sm, ls, pg)] == [
        "directory",
        "file",
        "feed",
        "sitemap",
        "listing",
        "page",
    ]
    assert isinstance(d, LocalSource) and d.location == d.path == (tmp_path / "x").resolve()
    assert isinstance(rss, WebSource) and rss.location == rss.url == "https://example.org/rss"
    assert not rss.fetch_articles and ls.link_pattern == "/news/"


def test_a_web_setting_on_a_local_source_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "sources:\n  - name: a\n    directory: x\n    robots: ignore\n")
    with pytest.raises(ConfigurationError) as caught:
        load_watchlist(path)
    assert f"{path}:4: sources.0.robots" in str(caught.value)
