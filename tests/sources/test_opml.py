"""OPML import and export: nested outlines, duplicates skipped, names from titles, the watchlist's
comments and layout kept, and a round trip through ``sources export``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.errors import ConfigurationError
from core.watchlist import FeedSource, load_watchlist
from pipeline.opml import export_opml, import_opml
from sources.opml import parse_opml
from tests.conftest import SAMPLES

SUBSCRIPTIONS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by a feed reader -->
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="News">
      <outline text="World">
        <outline type="rss" text="BBC News - World" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
        <outline type="rss" text="BBC again" xmlUrl="HTTPS://FEEDS.bbci.co.uk/news/world/rss.xml/"/>
      </outline>
      <outline type="rss" title="Al Jazeera" text="aj" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>
    </outline>
    <outline type="rss" text="" xmlUrl="https://example.org/feed"/>
    <outline type="rss" text="Old gopher" xmlUrl="gopher://example.org/feed"/>
    <outline type="link" text="Just a page" url="https://example.org/about"/>
    <outline text="Saved reports" xmlUrl="https://example.org/reports.xml"/>
  </body>
</opml>
"""


def _watchlist(tmp_path: Path) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text((SAMPLES / "watchlist.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "reports").mkdir()
    return path


def test_parse_reads_nested_outlines_with_their_folders() -> None:
    feeds = parse_opml(SUBSCRIPTIONS, location="feeds.opml")

    assert [(f.title, f.folders) for f in feeds[:3]] == [
        ("BBC News - World", ("News", "World")),
        ("BBC again", ("News", "World")),
        ("Al Jazeera", ("News",)),
    ]
    assert len(feeds) == 6  # the link outline is not a feed


def test_import_adds_new_feeds_named_from_titles_and_keeps_the_file(tmp_path: Path) -> None:
    opml, watchlist = tmp_path / "feeds.opml", _watchlist(tmp_path)
    opml.write_bytes(SUBSCRIPTIONS)
    before = watchlist.read_text(encoding="utf-8")

    result = import_opml(opml, watchlist)

    after = watchlist.read_text(encoding="utf-8")
    names = [name for name, _ in result.added]
    assert names == ["bbc-news-world", "al-jazeera", "example-org", "saved-reports-2"]
    assert dict(result.skipped) == {
        "HTTPS://FEEDS.bbci.co.uk/news/world/rss.xml/": "already in the watchlist",
        "gopher://example.org/feed": "feed must be an http or https URL (got 'gopher://example.org/feed')",
    }
    # Every line of the old file is still there, in order, comments and quoting included.
    kept = iter(after.splitlines())
    assert all(line in kept for line in before.splitlines())
    assert "  - name: bbc-news-world\n    feed: https://feeds.bbci.co.uk/news/world/rss.xml\n" in after
    loaded = load_watchlist(watchlist)
    feeds = {s.name: s.location for s in loaded.sources if isinstance(s, FeedSource)}
    assert feeds["al-jazeera"] == "https://www.aljazeera.com/xml/rss/all.xml"
    assert loaded.topics[0].query == load_watchlist(SAMPLES / "watchlist.yaml").topics[0].query


def test_import_twice_adds_nothing_and_leaves_the_file_alone(tmp_path: Path) -> None:
    opml, watchlist = tmp_path / "feeds.opml", _watchlist(tmp_path)
    opml.write_bytes(SUBSCRIPTIONS)
    import_opml(opml, watchlist)
    once = watchlist.read_text(encoding="utf-8")

    again = import_opml(opml, watchlist)

    assert again.added == [] and watchlist.read_text(encoding="utf-8") == once


def test_export_then_import_elsewhere_gives_the_same_feeds(tmp_path: Path) -> None:
    opml, watchlist = tmp_path / "feeds.opml", _watchlist(tmp_path)
    opml.write_bytes(SUBSCRIPTIONS)
    import_opml(opml, watchlist)
    exported = tmp_path / "out.opml"
    exported.write_bytes(export_opml(watchlist))
    fresh = tmp_path / "fresh.yaml"
    fresh.write_text("# my other watchlist\nsources: []\n", encoding="utf-8")

    result = import_opml(exported, fresh)

    assert result.added == [
        ("bbc-news-world", "https://feeds.bbci.co.uk/news/world/rss.xml"),
        ("al-jazeera", "https://www.aljazeera.com/xml/rss/all.xml"),
        ("example-org", "https://example.org/feed"),
        ("saved-reports-2", "https://example.org/reports.xml"),
    ]
    assert fresh.read_text(encoding="utf-8").startswith("# my other watchlist\n")


def test_export_keeps_secret_references(tmp_path: Path) -> None:
    watchlist = tmp_path / "w.yaml"
    watchlist.write_text("sources:\n  - name: paid\n    feed: https://example.org/rss?token=${FEED_TOKEN}\n")

    assert b'xmlUrl="https://example.org/rss?token=${FEED_TOKEN}"' in export_opml(watchlist)


@pytest.mark.parametrize(
    "content", [b"<opml><body><outline", b"<rss version='2.0'><channel/></rss>", b"\x00\x01binary"]
)
def test_a_bad_file_is_refused_and_the_watchlist_untouched(tmp_path: Path, content: bytes) -> None:
    opml, watchlist = tmp_path / "feeds.opml", _watchlist(tmp_path)
    opml.write_bytes(content)
    before = watchlist.read_bytes()

    with pytest.raises(ConfigurationError, match=r"feeds\.opml"):
        import_opml(opml, watchlist)
    assert watchlist.read_bytes() == before


def test_the_commands(tmp_path: Path) -> None:
    opml, watchlist = tmp_path / "feeds.opml", _watchlist(tmp_path)
    opml.write_bytes(SUBSCRIPTIONS)
    runner = CliRunner()

    added = runner.invoke(app, ["sources", "import", str(opml), "-w", str(watchlist)])
    exported = runner.invoke(app, ["sources", "export", "-w", str(watchlist)])
    bad = runner.invoke(app, ["sources", "import", str(tmp_path / "missing.opml"), "-w", str(watchlist)])

    assert added.exit_code == 0, added.output
    assert "4 source(s) added" in added.output and "already in the watchlist" in added.output
    assert exported.exit_code == 0 and len(parse_opml(exported.stdout.encode(), location="-")) == 4
    assert bad.exit_code == 2 and "cannot read" in bad.output
