"""Shared fixtures: a clean environment, and real databases (SQLite always, PostgreSQL when configured).

PostgreSQL tests run when NEWSWATCH_TEST_DATABASE_URL points at a server (each test gets its
own schema); they skip with the reason otherwise, or fail when NEWSWATCH_TEST_REQUIRE_POSTGRES=1
(as in CI), so a missing server cannot pass silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from storage.engine import make_engine, migrate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SEEDS = ROOT / "samples" / "reports"
SEED_000 = SEEDS / "000_a718477d1934c250.txt"
SEED_001 = SEEDS / "001_374b66a9dbd774a8.txt"
POSTGRES_URL_VARIABLE = "NEWSWATCH_TEST_DATABASE_URL"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No NEWSWATCH_* setting leaks in from the developer's shell (except the test database URL)."""
    for name in list(os.environ):
        if name.startswith("NEWSWATCH_") and not name.startswith("NEWSWATCH_TEST_"):
            monkeypatch.delenv(name)


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    required = os.environ.get("NEWSWATCH_TEST_REQUIRE_POSTGRES") == "1"
    if not url:
        if required:
            pytest.fail(f"NEWSWATCH_TEST_REQUIRE_POSTGRES=1 but {POSTGRES_URL_VARIABLE} is not set")
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_URL_VARIABLE} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    try:
        with make_engine(url).connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        if required:
            pytest.fail(f"PostgreSQL at {shown} is required but not reachable: {exc}")
        pytest.skip(f"PostgreSQL at {shown} is not reachable: {exc}")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'newswatch.db'}"
        return
    url = _postgres_url()
    schema = f"nw_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on ``database_url``."""
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()
