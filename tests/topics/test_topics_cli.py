"""``newswatch topics test``: replay a query or a watchlist topic over stored articles."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from cli.main import app
from cli.topics import highlight
from core.records import ExtractedArticle
from storage import articles, catalog
from storage.engine import transaction
from storage.models import id_of, utcnow
from topics.matcher import compile_topics

# (days ago, story, title, text); reports of one story share its letter.
REPORTS = [
    (2, "a", "Cease-fire in Lebanon", "Beirut. The Lebanon cease-fire took effect at dawn."),
    (1, "a", "Lebanon truce holds", "A day on, Lebanon's ceasefire holds, officials in Beirut said."),
    (1, "b", "Talks on the border", "Negotiators discussed a ceasefire for Lebanon and its borders."),
    (1, "c", "Gaza hostage talks", "Negotiators met again in Doha about Gaza."),
    (40, "d", "An older ceasefire", "An older ceasefire in Lebanon, long forgotten."),
]


@pytest.fixture
def stored(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")
    now = utcnow()
    with transaction(engine) as session:
        source = catalog.upsert_source(
            session=session, name="s", kind="directory", location="/s", every_seconds=60
        )
        stories = {}
        for days, letter, title, text in REPORTS:
            seen = now - timedelta(days=days)
            if letter not in stories:
                stories[letter] = articles.create_story(
                    session=session, title=title, title_derived=False, now=seen
                )
            _store(session, id_of(source), stories[letter], title, text, seen)


def _store(session, source_id: int, story, title: str, text: str, seen: datetime) -> None:
    extracted = ExtractedArticle(
        location=f"https://news.example/{title.replace(' ', '-')}",
        title=title,
        title_derived=False,
        text=text,
        published=seen,
        content_hash=title,
    )
    articles.add_article(
        session=session,
        extracted=extracted,
        identity=title,
        source_id=source_id,
        story=story,
        terms={},
        now=seen,
    )


def test_replay_counts_matches_and_alerts_once_per_story(stored: None) -> None:
    result = CliRunner().invoke(app, ["topics", "test", "Lebanon AND ceasefire", "--since", "30d"])
    assert result.exit_code == 0, result.output
    assert "3 of 4 articles since 30d matched; 2 would have alerted (one per story)" in result.output
    alerted = result.output.split("would have alerted:")[1]
    assert "Cease-fire in Lebanon" in alerted and "Talks on the border" in alerted
    assert "Lebanon truce holds" not in alerted  # the second report of story a
    # still in the sample, marked as the same story, its matched word marked for plain output
    assert "same story *Lebanon* truce holds" in result.output

    older = CliRunner().invoke(app, ["topics", "test", "Lebanon AND ceasefire", "--since", "60d"])
    assert "4 of 5 articles since 60d matched; 3 would have alerted" in older.output


def test_replay_uses_a_watchlist_topic_with_its_options(stored: None, tmp_path: Path) -> None:
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "topics:\n"
        "  - name: Lebanon border\n"
        "    query: 'Lebanon AND (border OR Beirut)'\n"
        "    stemming: true\n"
        "    exclude: ['dawn']\n"
    )
    result = CliRunner().invoke(app, ["topics", "test", "Lebanon border", "-w", str(watchlist)])
    assert result.exit_code == 0, result.output
    # "borders" by stemming; the report that mentions dawn is excluded
    assert "Lebanon AND (border OR Beirut): 2 of 4 articles since 30d matched" in result.output


def test_malformed_query_is_shown_with_its_position_and_a_hint(stored: None) -> None:
    result = CliRunner().invoke(app, ["topics", "test", "Lebanon AND (ceasefire"])
    assert result.exit_code == 2
    assert "unclosed parenthesis at position 12" in result.output and "hint:" in result.output


def test_highlight_marks_the_words_of_every_matched_span() -> None:
    text = "Officials said the cease-fire in Lebanon held; negotiators praised the ceasefire"
    matcher = compile_topics([("t", "Lebanon AND (ceasefire OR negotiat*) AND NOT Gaza")])
    spans = matcher.occurrences("t", title=None, text=text)["text"]
    marked = highlight(text, spans, width=0, styled=True)
    bold = [part.split("[/]")[0] for part in marked.split("[bold yellow]")[1:]]
    assert bold == ["cease-fire", "Lebanon", "negotiators", "ceasefire"]
    assert highlight(text, spans, width=1, styled=True).startswith("… the [bold yellow]cease-fire")


def test_highlight_marks_words_with_asterisks_where_styles_are_lost() -> None:
    text = "Officials said the cease-fire in Lebanon held"
    matcher = compile_topics([("t", "Lebanon AND ceasefire")])
    spans = matcher.occurrences("t", title=None, text=text)["text"]
    plain = highlight(text, spans, width=0, styled=False)
    assert plain == "Officials said the *cease-fire* in *Lebanon* held"


HOSTILE = "'; DROP TABLE article; --"


@pytest.mark.parametrize(
    "query",
    [f'"{HOSTILE}" OR ceasefire', "NEAR(ceasefire, Lebanon)", "col:ceasefire", 'ceasefire -"x\'"'],
)
def test_hostile_queries_and_names_reach_no_sql_s10(stored: None, engine: Engine, query: str) -> None:
    with transaction(engine) as session:
        catalog.upsert_topic(session=session, name=HOSTILE, query=query, mode="per-story", channels=["c"])
    replayed = CliRunner().invoke(app, ["topics", "test", query])
    assert replayed.exit_code == 0, replayed.output
    with transaction(engine) as session:
        assert (
            catalog.upsert_topic(session=session, name=HOSTILE, query=query, mode="m", channels=[]).query
            == query
        )
    intact = CliRunner().invoke(app, ["topics", "test", "Lebanon AND ceasefire"])
    assert "3 of 4 articles since 30d matched" in intact.output
