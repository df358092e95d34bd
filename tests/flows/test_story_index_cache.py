"""The process's story indexes: keyed without secrets, and one database's batch holds up no other."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import Session

from core.settings import StorySettings
from pipeline import storing
from storage.engine import make_engine, migrate

NOW = datetime(2024, 11, 27, tzinfo=UTC)


def test_an_index_is_keyed_by_its_database_without_the_password() -> None:
    engine = make_engine("postgresql+psycopg://newswatch:s3cret-pass@db.invalid:5432/news")  # never connects
    key = storing.index_key(engine)
    assert "s3cret-pass" not in key
    assert make_url(key).host == "db.invalid" and make_url(key).database == "news"


def test_after_a_batch_no_cached_key_holds_a_password(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":  # the test server trusts any password; SQLite takes none
        url = url.set(password="s3cret-pass")
    engine = make_engine(url.render_as_string(hide_password=False))
    migrate(engine)
    with Session(engine) as session, storing._story_index(engine, session, NOW, StorySettings()):
        pass
    assert storing.index_key(engine) in storing._INDEXES
    assert not any("s3cret-pass" in key for key in storing._INDEXES)


def test_a_batch_on_one_database_does_not_hold_up_another(tmp_path: Path) -> None:
    first, second = (make_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db"))
    for engine in (first, second):
        migrate(engine)
    inside, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold_first() -> None:
        with Session(first) as session, storing._story_index(first, session, NOW, StorySettings()):
            inside.set()
            release.wait(30)

    def use(engine_name: str) -> None:
        engine = first if engine_name == "first" else second
        with Session(engine) as session, storing._story_index(engine, session, NOW, StorySettings()):
            done.set()

    holder, same = threading.Thread(target=hold_first), threading.Thread(target=use, args=("first",))
    holder.start()
    try:
        assert inside.wait(30)
        other = threading.Thread(target=use, args=("second",))
        other.start()
        assert done.wait(10), "a batch on the second database waited for the first database's batch"
        other.join()
        done.clear()
        same.start()
        assert not done.wait(0.5), "two batches used the first database's index at once"
    finally:
        release.set()
        holder.join()
    same.join()
    assert done.is_set()  # and it went ahead once the first batch was done
