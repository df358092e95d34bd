"""``newswatch topics test``: replay a query over stored articles before turning it on."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from sqlmodel import Session

from cli.common import console, open_engine
from core.errors import QuerySyntaxError
from core.records import TopicHit
from core.settings import Settings
from core.watchlist import parse_duration
from flows.prefect_secrets import read_watchlist
from pipeline.watchlist import topic_definition
from storage import articles
from storage.models import utcnow
from topics.matcher import TopicDefinition, TopicMatcher, compile_topics
from topics.semantic import embed_passages, passage
from topics.text import tokenize

topics_app = typer.Typer(help="Try topic queries.", no_args_is_help=True)
SAMPLE = 5
ALERTS_SHOWN = 20
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Replayed:
    """A stored article the query matches, and whether it is its story's first match (an alert)."""

    article: articles.ReplayArticle
    alerts: bool
    hit: TopicHit | None = None


@topics_app.command("test")
def topics_test(
    query: Annotated[str, typer.Argument(help="A query, or the name of a watchlist topic.")],
    since: Annotated[str, typer.Option(help="How far back: 30d, 12h, ...")] = "30d",
    watchlist: Annotated[Path | None, typer.Option("--watchlist", "-w", help="Watchlist YAML.")] = None,
    like: Annotated[
        list[str] | None, typer.Option(help="A description in words (repeat for examples); '' for none.")
    ] = None,
    min_similarity: Annotated[float | None, typer.Option(help="Cosine needed with 'like'.")] = None,
) -> None:
    """How many stored articles match, a sample with the matched words highlighted (or the
    description it was closest to, and the score), and which would have alerted (the first
    match of each story)."""
    definition = _definition(query, watchlist or Settings().watchlist)
    if like is not None or min_similarity is not None:
        definition = _described(definition, like, min_similarity)
    try:
        matcher = compile_topics([definition])
        window = timedelta(seconds=parse_duration(since))
    except (QuerySyntaxError, ValueError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    with Session(open_engine()) as session:
        stored = articles.articles_since(session=session, since=utcnow() - window)
    if matcher.semantic:
        stored = with_embeddings(stored)
    matched = replay(matcher, stored)
    alerts = [item.article for item in matched if item.alerts]
    console.print(
        f"[bold]{escape(definition.shown)}[/]: {len(matched)} of {len(stored)} articles since {since} "
        f"matched; {len(alerts)} would have alerted (one per story)",
        soft_wrap=True,  # one line, whatever the terminal's width, for whoever greps it
    )
    for item in matched[:SAMPLE]:
        _print_sample(matcher, definition.name, item)
    if alerts:
        console.print("[bold]would have alerted:[/]")
    for article in alerts[:ALERTS_SHOWN]:
        console.print(f"  {article.first_seen_at:%Y-%m-%d %H:%M} {escape(article.title)}")
    if len(alerts) > ALERTS_SHOWN:
        console.print(f"  … and {len(alerts) - ALERTS_SHOWN} more")


def replay(matcher: TopicMatcher, stored: list[articles.ReplayArticle]) -> list[Replayed]:
    """The articles the matcher's topic matches, oldest first, each story's first one alerting."""
    matched: list[Replayed] = []
    seen_stories: set[int] = set()
    for article in stored:
        hits = matcher.match(
            title=article.title,
            text=article.text,
            source=article.site_name,
            lang=article.language,
            embedding=article.embedding,
        )
        if not hits:
            continue
        story = article.story_id if article.story_id is not None else -article.article_id
        matched.append(Replayed(article, story not in seen_stories, hits[0]))
        seen_stories.add(story)
    return matched


def with_embeddings(stored: list[articles.ReplayArticle]) -> list[articles.ReplayArticle]:
    """The articles, those stored before any topic was described in words embedded now (the
    same passage and model as at ingest)."""
    missing = [i for i, article in enumerate(stored) if article.embedding is None]
    if not missing:
        return stored
    console.print(f"[dim]embedding {len(missing)} articles stored without an embedding…[/]")
    vectors = embed_passages([passage(stored[i].title, stored[i].text) for i in missing])
    embedded = list(stored)
    for i, vector in zip(missing, vectors, strict=True):
        embedded[i] = dataclasses.replace(stored[i], embedding=vector)
    return embedded


def _print_sample(matcher: TopicMatcher, topic: str, item: Replayed) -> None:
    article = item.article
    spans = matcher.occurrences(topic, title=article.title, text=article.text)
    mark = "[green]alert[/]" if item.alerts else "[dim]same story[/]"
    console.print(f"- {mark} {highlight(article.title, spans['title'], width=0)}")
    console.print(f"    [dim]{escape(article.location)}[/]")
    if item.hit is not None and item.hit.similar is not None:
        console.print(f"    [dim]closest:[/] {escape(item.hit.similar.reason)}")
    if spans["text"] or not spans["title"]:
        console.print(f"    {highlight(article.text, spans['text'])}")


def _definition(query: str, path: Path) -> TopicDefinition:
    """The watchlist topic named ``query`` when there is one, else ``query`` itself."""
    if path.is_file():
        for topic in read_watchlist(path).topics:
            if topic.name == query:
                return topic_definition(topic)
    return TopicDefinition("query", query or None)


def _described(
    definition: TopicDefinition, like: list[str] | None, min_similarity: float | None
) -> TopicDefinition:
    """The definition with the descriptions and threshold given on the command line."""
    descriptions = definition.like if like is None else tuple(text for text in like if text)
    threshold = definition.min_similarity if min_similarity is None else min_similarity
    return dataclasses.replace(definition, like=descriptions, min_similarity=threshold)


def highlight(text: str, spans: list[Span], width: int = 12, *, styled: bool | None = None) -> str:
    """Rich markup of ``text`` with the words holding matched tokens in bold, or between
    asterisks when the output keeps no styles (a pipe, a log, ``NO_COLOR``).

    ``spans`` are token positions (``topics.text.tokenize``). With ``width`` > 0 only the words
    around the first span are shown, ``width`` on each side; with 0 the whole text is.
    ``styled`` defaults to whether the console shows colours.
    """
    if styled is None:
        styled = console.is_terminal and not console.no_color
    template = "[bold yellow]{}[/]" if styled else "*{}*"
    words = text.split()
    marked = _words_in_spans(words, spans)
    start, end = 0, len(words)
    if width and spans:
        first = min(marked, default=0)
        start, end = max(0, first - width), first + width + 1
    elif width:
        end = 2 * width
    shown = [
        template.format(escape(w)) if start + i in marked else escape(w)
        for i, w in enumerate(words[start:end])
    ]
    return ("… " if start else "") + " ".join(shown) + (" …" if end < len(words) else "")


def _words_in_spans(words: list[str], spans: list[Span]) -> set[int]:
    """The indexes of the words that hold a token inside one of ``spans``.

    Whitespace always separates tokens, so each word holds a run of consecutive tokens.
    """
    covered = {position for first, last in spans for position in range(first, last + 1)}
    marked: set[int] = set()
    position = 0
    for index, word in enumerate(words):
        count = len(tokenize(word))
        if covered.intersection(range(position, position + count)):
            marked.add(index)
        position += count
    return marked
