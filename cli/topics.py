"""``newswatch topics test``: replay a query over stored articles before turning it on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from sqlmodel import Session

from cli.common import console, open_engine
from core.errors import QuerySyntaxError
from core.records import TermHit
from core.settings import Settings
from core.watchlist import parse_duration
from flows.secrets import read_watchlist
from storage import articles
from storage.models import utcnow
from topics.matcher import TopicDefinition, compile_topics
from topics.text import tokenize

topics_app = typer.Typer(help="Try topic queries.", no_args_is_help=True)
SAMPLE = 5


@topics_app.command("test")
def topics_test(
    query: Annotated[str, typer.Argument(help="A query, or the name of a watchlist topic.")],
    since: Annotated[str, typer.Option(help="How far back: 30d, 12h, ...")] = "30d",
    watchlist: Annotated[Path | None, typer.Option("--watchlist", "-w", help="Watchlist YAML.")] = None,
) -> None:
    """How many stored articles match, a sample with the matched terms, and which would alert."""
    definition = _definition(query, watchlist or Settings().watchlist)
    try:
        matcher = compile_topics([definition])
        window = timedelta(seconds=parse_duration(since))
    except (QuerySyntaxError, ValueError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    with Session(open_engine()) as session:
        stored = articles.articles_since(session=session, since=utcnow() - window)
    matched: list[tuple[articles.ReplayArticle, tuple[TermHit, ...], bool]] = []
    alerted: set[int | None] = set()
    for article in stored:
        found = matcher.match(
            title=article.title, text=article.text, source=article.site_name, lang=article.language
        )
        if found:
            first = article.story_id not in alerted
            alerted.add(article.story_id)
            matched.append((article, found[0].hits, first))
    console.print(
        f"[bold]{escape(definition.query)}[/]: {len(matched)} of {len(stored)} articles since {since}, "
        f"{len(alerted)} alert(s) (one per story)"
    )
    for article, hits, first in matched[:SAMPLE]:
        mark = "[green]alert[/]" if first else "[dim]same story[/]"
        console.print(f"- {mark} {escape(article.title)} [dim]({escape(article.location)})[/]")
        console.print(f"    {highlight(article.text, hits)}")


def _definition(query: str, path: Path) -> TopicDefinition:
    """The watchlist topic named ``query`` when there is one, else ``query`` itself."""
    if path.is_file():
        for topic in read_watchlist(path).topics:
            if topic.name == query:
                return TopicDefinition(
                    topic.name, topic.query, stemming=topic.stemming, exclude=topic.exclude
                )
    return TopicDefinition("query", query)


def highlight(text: str, hits: tuple[TermHit, ...], width: int = 12) -> str:
    """Rich markup of the words around the first hit in the text, matched words in bold."""
    words = text.split()
    positions = [hit.position for hit in hits if hit.field == "text"]
    if not positions:
        return escape(" ".join(words[: 2 * width]))
    terms = {token for hit in hits for token in tokenize(hit.term.rstrip("*"))}
    start = max(0, min(positions) - width)
    shown = [
        f"[bold yellow]{escape(word)}[/]" if set(tokenize(word)) & terms else escape(word)
        for word in words[start : start + 2 * width]
    ]
    return ("… " if start else "") + " ".join(shown) + " …"
