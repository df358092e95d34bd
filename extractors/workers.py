"""A bounded pool of extraction workers: a time limit per document, a memory cap, recycled workers.

Extraction runs in child processes that run ``extractors.workers`` as a script (not forked: the
parent may be a Prefect worker with threads and a ``__main__`` that must not run twice), talking
over a socket pair with multiprocessing's ``Connection``. A worker's import path is explicit: the
project's root only (``PYTHONPATH``), never the parent's ``sys.path`` nor its working directory,
because Prefect puts a flow's folder on ``sys.path`` and a module there would shadow
the standard library's of the same name. A worker ends with its parent, even one killed with
SIGKILL (``core.processes``: a parent-death signal), so a killed run leaves no orphans
behind. Each worker caps its own address space
with ``resource.setrlimit(RLIMIT_AS)``; the parent kills a worker that overruns a document's
time limit and starts a fresh one. A pathological page (huge text node, deep nesting, a parser
that never returns) therefore ends as an ``Outcome`` with a reason, and the batch goes on:

    extract_timeout   the document took longer than ``timeout_s``; the worker was killed
    extract_memory    the worker hit its memory cap (MemoryError) and was replaced
    extract_crashed   the worker died (signal, segfault, OOM killer) while extracting
    extract_failed    an unexpected exception in the extractor (a bug), logged with its traceback
    <ExtractionError.reason>   the extractor's own reasons: file_empty, binary_content, ...

Workers are also recycled after ``max_tasks`` documents, so a slow leak cannot grow for ever.
"""

from __future__ import annotations

import importlib
import logging
import os
import resource
import socket
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from core.errors import ExtractionError
from core.processes import child_command, spawn
from core.reasons import FailureReason

LOGGER = logging.getLogger(__name__)

TIMEOUT_REASON = FailureReason.EXTRACT_TIMEOUT
MEMORY_REASON = FailureReason.EXTRACT_MEMORY
CRASH_REASON = FailureReason.EXTRACT_CRASHED
FAILED_REASON = FailureReason.EXTRACT_FAILED
_MB = 1024 * 1024
STARTUP_ALLOWANCE_S = 30.0
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class WorkerLimits:
    """Budgets of one extraction worker."""

    timeout_s: float = 20.0  # wall clock per document
    memory_mb: int = 1536  # address space (RLIMIT_AS), not resident memory
    max_tasks: int = 400  # documents before the worker is replaced


@dataclass(frozen=True, slots=True)
class Outcome:
    """What extracting one item gave: an article, None (no article), or a failure ``reason``."""

    article: Any  # what the task returned: for extraction, an ExtractedArticle or None
    reason: FailureReason | None = None
    message: str = ""


Task = Callable[..., Any]


def _serve(connection: Connection, function: Task, memory_mb: int) -> None:
    """Worker loop: cap the address space, then extract each item received until told to stop."""
    limit = memory_mb * _MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            item = connection.recv()
        except EOFError:
            return
        if item is None:
            return
        reply = _run(function, item)
        peak_mb = _peak_rss_mb()
        connection.send((reply, peak_mb))
        if reply[0] == MEMORY_REASON:
            return  # a heap that hit its cap may be fragmented or half-built: start afresh


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, it does not count the parent's
    memory inherited across fork and exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(function: Task, item: Any) -> tuple[FailureReason | None, Any]:
    """(None, article or None) on success, else (reason, message)."""
    args = item if isinstance(item, tuple) else (item,)
    try:
        return None, function(*args)
    except ExtractionError as exc:
        return exc.reason, str(exc)
    except MemoryError:
        return MEMORY_REASON, "the worker reached its memory limit"
    except RecursionError:
        return FailureReason.TRUNCATED_DOM, "the document is nested too deeply to extract"
    except Exception as exc:  # a bug in an extractor must not end the batch
        return FAILED_REASON, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"


class _Worker:
    """One child process and the item it is working on."""

    def __init__(self, function: Task, limits: WorkerLimits) -> None:
        mine, theirs = socket.socketpair()
        arguments = (str(theirs.fileno()), _name_of(function), str(limits.memory_mb))
        command = child_command("extractors.workers", *arguments)
        self.process = spawn(
            command,
            pass_fds=[theirs.fileno()],
            env=_worker_environment(),
            close_fds=True,
        )
        theirs.close()
        self.connection = Connection(mine.detach())
        self.index: int | None = None
        self.deadline = 0.0
        self.done = 0
        self.peak_mb = 0.0

    def give(self, index: int, item: Any, timeout_s: float) -> None:
        # a fresh worker is still importing the extractors: that is not the document's time
        allowance = STARTUP_ALLOWANCE_S if self.done == 0 else 0.0
        self.connection.send(item)
        self.index, self.deadline = index, time.monotonic() + timeout_s + allowance

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except OSError:
                self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.connection.close()


def _worker_environment() -> dict[str, str]:
    """The parent's environment, with the project's root as the whole ``PYTHONPATH``, and numpy's
    BLAS on one thread unless told otherwise (one worker per core: block classifier, embeddings)."""
    return {
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
    }


def _name_of(function: Task) -> str:
    """``module:qualname`` of a module-level function, which the worker imports."""
    return f"{function.__module__}:{function.__qualname__}"


def _load(name: str) -> Task:
    module, _, qualname = name.partition(":")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return cast(Task, target)


class ExtractionPool:
    """``workers`` extraction processes that run ``function`` on items under ``limits``.

    Use as a context manager; ``map`` returns one ``Outcome`` per item, in order. An item is
    passed to ``function`` as its arguments when it is a tuple, else as the only argument.
    The workers start at the first ``map`` given items, so a pool never given work (a run of
    304s) starts no process. Not thread-safe: each thread uses a pool of its own.
    """

    def __init__(self, function: Task | None = None, *, workers: int = 1, limits: WorkerLimits | None = None):
        if function is None:
            from extractors import extract

            function = extract
        self.function = function
        self.workers = max(1, workers)
        self.limits = limits or WorkerLimits()
        self._pool: list[_Worker] = []
        self._retired_peaks: list[float] = []

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for worker in self._pool:
            self._retire(worker, kill=kind is not None)
        self._pool = []

    def _start(self) -> _Worker:
        return _Worker(self.function, self.limits)

    def _retire(self, worker: _Worker, *, kill: bool = False) -> None:
        self._retired_peaks.append(worker.peak_mb)
        worker.stop(kill=kill)

    def _replace(self, worker: _Worker, *, kill: bool) -> None:
        self._retire(worker, kill=kill)
        self._pool[self._pool.index(worker)] = self._start()

    def peak_rss_mb(self) -> list[float]:
        """The peak resident memory, in MB, of every worker this pool has run (0 if it did nothing)."""
        return [peak for peak in self._retired_peaks if peak] + [w.peak_mb for w in self._pool if w.peak_mb]

    def warm_up(self) -> None:
        """Wait until every worker has started (so timing excludes start-up)."""
        self.map([("<html><body><p>warm up</p></body></html>", None)] * self.workers)

    def map(self, items: Sequence[Any]) -> list[Outcome]:
        """One Outcome per item, in order; never raises for a bad item."""
        if items and not self._pool:
            self._pool = [self._start() for _ in range(self.workers)]
        results: list[Outcome | None] = [None] * len(items)
        queue = deque(enumerate(items))
        while queue or any(worker.index is not None for worker in self._pool):
            for worker in self._pool:
                if worker.index is None and queue:
                    index, item = queue.popleft()
                    worker.give(index, item, self.limits.timeout_s)
            self._collect(results, items)
        return [result if result is not None else Outcome(None, CRASH_REASON) for result in results]

    def _collect(self, results: list[Outcome | None], items: Sequence[Any]) -> None:
        busy = [worker for worker in self._pool if worker.index is not None]
        timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
        ready = wait([worker.connection for worker in busy], timeout=timeout)
        for worker in busy:
            index = worker.index
            assert index is not None
            if worker.connection in ready:
                results[index] = self._receive(worker, items[index])
            elif time.monotonic() >= worker.deadline:
                LOGGER.warning(
                    "extraction of item %d took over %.0f s: worker killed", index, self.limits.timeout_s
                )
                results[index] = Outcome(
                    None, TIMEOUT_REASON, f"extraction took over {self.limits.timeout_s:g} s"
                )
                self._replace(worker, kill=True)

    def _receive(self, worker: _Worker, item: Any) -> Outcome:
        """The worker's reply, or a crash outcome when it died; recycles the worker when due."""
        worker.index = None
        try:
            (reason, value), peak_mb = worker.connection.recv()
        except (EOFError, OSError):
            code = worker.process.poll()
            self._replace(worker, kill=True)
            return Outcome(None, CRASH_REASON, f"the extraction worker died (exit code {code})")
        worker.peak_mb = max(worker.peak_mb, peak_mb)
        worker.done += 1
        if reason == MEMORY_REASON or worker.done >= self.limits.max_tasks:
            self._replace(worker, kill=False)
        if reason is None:
            return Outcome(value)
        if reason == FAILED_REASON:
            LOGGER.error("extractor bug on item %r: %s", _describe(item), value)
        return Outcome(None, reason, str(value).split("\n", 1)[0])


def _describe(item: Any) -> str:
    for part in item if isinstance(item, tuple) else (item,):
        location = getattr(part, "location", None)
        if location:
            return str(location)
    return str(item[1])[:200] if isinstance(item, tuple) and len(item) > 1 else f"pid {os.getpid()}"


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), _load(sys.argv[2]), int(sys.argv[3]))
