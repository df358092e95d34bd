"""Slack's limit (one message per second per webhook) holds across processes that share the
database: three deliverer processes drain one webhook's alerts, and a loopback receiver records
when each message arrives."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.engine import make_engine, migrate
from storage.models import RateSlot
from tests.alerts.conftest import Receiver, seed_alerts
from tests.conftest import ROOT

INTERVAL = 1.0  # Slack's own limit
PROCESSES = 3
ALERTS = 6  # 6 slots of 1 s stay within the limiter's 5 s of patience: none is re-queued
# Between taking a slot and the receiver reading the request a sender renders, connects and
# posts; on a loaded machine that varies by a few hundred milliseconds.
JITTER = 0.5


def _deliver_in_processes(database_url: str, url: str, tmp_path: Path, slots: str) -> list[int]:
    """Start the deliverers, let them go at once when all are ready; how many each one sent."""
    start = tmp_path / f"go-{slots}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    command = [sys.executable, "-m", "tests.alerts.delivery_worker", database_url, url, str(INTERVAL)]
    workers = [
        subprocess.Popen(
            [*command, str(start), slots], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(PROCESSES)
    ]
    deadline = time.monotonic() + 180
    while len(list(tmp_path.glob(f"{start.name}.ready.*"))) < PROCESSES:
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), (
            "a deliverer did not start"
        )
        time.sleep(0.05)
    start.touch()
    sent = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err.decode()[-2000:]
        sent.append(int(out.split()[-1]))
    return sent


def _gaps(receiver: Receiver) -> list[float]:
    arrivals = sorted(r.at for r in receiver.received)
    return [later - earlier for earlier, later in itertools.pairwise(arrivals)]


def test_three_deliverer_processes_keep_to_one_message_per_second_per_webhook(
    engine: Engine, database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    seed_alerts(engine, stories=ALERTS, channels=("desk",))
    url = receiver.on("/services/T1/B1/hook", (200, {}, "ok"))
    sent = _deliver_in_processes(database_url, url, tmp_path, "shared")

    assert sum(sent) == ALERTS and sum(1 for n in sent if n) >= 2  # the processes really shared the work
    counts = Counter(body["text"] for body in receiver.bodies())
    assert len(counts) == ALERTS and set(counts.values()) == {1}  # each alert once
    assert min(_gaps(receiver)) >= INTERVAL - JITTER, [round(g, 3) for g in _gaps(receiver)]
    with Session(engine) as session:
        [slot] = session.exec(select(RateSlot)).all()
    assert url not in slot.key and slot.key.startswith("sha256:")  # the webhook URL is not stored


def test_slots_kept_per_process_let_deliverers_collide(receiver: Receiver, tmp_path: Path) -> None:
    """The control: the same run with each process keeping its own slots breaks the limit, so the
    test above can tell a shared limit from a per-process one."""
    database_url = f"sqlite:///{tmp_path / 'control.db'}"
    engine = make_engine(database_url)
    migrate(engine)
    seed_alerts(engine, stories=ALERTS, channels=("desk",))
    url = receiver.on("/services/T1/B1/hook", (200, {}, "ok"))
    assert sum(_deliver_in_processes(database_url, url, tmp_path, "local")) == ALERTS
    assert min(_gaps(receiver)) < INTERVAL - JITTER
    engine.dispose()
