"""``newswatch articles``: what is stored."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from cli.common import console, open_engine, when
from storage.models import Article


def articles_list(limit: Annotated[int, typer.Option(help="How many to show.")] = 20) -> None:
    """The most recently stored articles."""
    table = Table(title="Articles")
    for column in ("id", "title", "published", "lang", "words", "story"):
        table.add_column(column)
    with Session(open_engine()) as session:
        rows = session.exec(select(Article).order_by(col(Article.id).desc()).limit(limit)).all()
        for a in rows:
            title = a.title + (" (derived)" if a.title_derived else "")
            table.add_row(
                str(a.id), title, when(a.published_at), a.language or "-", str(a.word_count), str(a.story_id)
            )
    console.print(table)
