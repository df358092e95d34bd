"""The parent of the orphan test (tests/extractors/test_worker_lifetime.py): starts two extraction
workers from a thread that then ends, prints ``ready``, keeps one worker spinning in a single C
call that holds the GIL and leaves the other idle, until it is killed."""

from __future__ import annotations

import threading

from core.records import ExtractedArticle
from extractors.workers import ExtractionPool, WorkerLimits


def spin_or_idle(kind: str) -> ExtractedArticle | None:
    if kind == "spin":
        sum(range(10**13))  # one C call: no Python code of the worker runs until it returns
    return None


def main() -> None:
    pool = ExtractionPool(spin_or_idle, workers=2, limits=WorkerLimits(timeout_s=3600))
    starter = threading.Thread(target=pool.map, args=(["idle", "idle"],))
    starter.start()
    starter.join()  # the thread that started the workers has ended: they must live on
    print("ready", flush=True)
    pool.map(["spin"])
