"""Two ingest processes at once: every source polled exactly once, every alert enqueued once.

Runs the pipeline's own claim-and-ingest code in two real processes that start together
(a barrier file), on the same database; PostgreSQL exercises FOR UPDATE SKIP LOCKED, SQLite
its single writer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.models import Alert, Article
from tests.conftest import ROOT, SEED_000, SEED_001

SOURCES = 6
WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from core.settings import Settings
    from core.watchlist import load_watchlist
    from pipeline.ingest import claim_sources, ingest_claimed_source
    from pipeline.watchlist import compile_watchlist_topics, sync_watchlist
    from storage.engine import make_engine

    url, watchlist_path, barrier, owner = sys.argv[1:5]
    engine = make_engine(url)
    watchlist = load_watchlist(Path(watchlist_path))
    matcher = compile_watchlist_topics(watchlist)
    while not Path(barrier).exists():
        time.sleep(0.01)
    sync_watchlist(engine, watchlist)
    claimed = claim_sources(engine, watchlist.sources, owner=owner, lease_seconds=600, only_due=True)
    for spec in claimed:
        ingest_claimed_source(engine, spec, matcher, Settings(_env_file=None).story, owner=owner)
    print(json.dumps([spec.name for spec in claimed]))
    """
)


def _watchlist(tmp_path: Path) -> Path:
    lines = ["sources:"]
    for index in range(SOURCES):
        folder = tmp_path / f"reports-{index}"
        folder.mkdir()
        shutil.copy(SEED_000 if index % 2 else SEED_001, folder / f"report-{index}.txt")
        lines += [f"  - name: source-{index}", f"    directory: {folder}"]
    lines += [
        "topics:",
        "  - name: Lebanon ceasefire",
        "    query: '(Lebanon OR Hezbollah) AND (ceasefire OR truce)'",
    ]
    path = tmp_path / "watchlist.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_two_overlapping_runs_poll_each_source_once_and_enqueue_each_alert_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    watchlist, barrier = _watchlist(tmp_path), tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, database_url, str(watchlist), str(barrier), f"run-{n}"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    time.sleep(1.0)  # both interpreters are up and waiting
    barrier.touch()
    polled: list[str] = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
        polled += json.loads(out.strip().splitlines()[-1])
    assert sorted(polled) == sorted(f"source-{i}" for i in range(SOURCES))  # each exactly once
    with Session(engine) as session:
        assert len(session.exec(select(Article)).all()) == 2  # copies folded into the two seed reports
        alerts = session.exec(select(Alert)).all()
    assert len(alerts) == 1  # one story, one channel: one alert, whichever run stored it first
