"""Child processes that end with their parent, even when the parent is killed with SIGKILL.

``python -m core.processes PARENT_PID MODULE ARGS...`` runs ``MODULE`` as ``__main__`` (like
``python -m MODULE ARGS...``) once it has asked the kernel for a parent-death signal
(``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux), before the module's imports, so the child dies
with its parent even while it starts or in the middle of a C call that never returns to Python.
Elsewhere a thread of the child watches ``getppid()`` instead. A parent that died before the
child got that far is caught by comparing ``getppid()`` with the parent's pid it was given.
Standard library only, so nothing heavy is imported before the signal is set.

Linux sends that signal when the *thread* that started the child ends, not the process (see
prctl(2)), and pools are used from threads that come and go (Prefect's task threads, an
executor's). So ``spawn`` starts every child from one thread that lives as long as the process.
"""

from __future__ import annotations

import ctypes
import os
import queue
import runpy
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from typing import Any

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_WATCH_INTERVAL_S = 0.2


class _Spawner:
    """One long-lived daemon thread that runs every ``subprocess.Popen`` handed to it."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[list[str], dict[str, Any], Future[subprocess.Popen[bytes]]]]
        self._requests = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def popen(self, command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # also after a fork
                self._thread = threading.Thread(target=self._serve, name="child-spawner", daemon=True)
                self._thread.start()
        started: Future[subprocess.Popen[bytes]] = Future()
        self._requests.put((command, options, started))
        return started.result()

    def _serve(self) -> None:
        while True:
            command, options, started = self._requests.get()
            try:
                started.set_result(subprocess.Popen(command, **options))
            except BaseException as exc:  # handed to the caller, who raises it
                started.set_exception(exc)


_SPAWNER = _Spawner()


def spawn(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(command, **options)``, started from the process's long-lived spawner thread."""
    return _SPAWNER.popen(command, **options)


def die_with_parent(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` ends; exits at once if it already has."""
    if not _ask_for_parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()
    if os.getppid() != parent_pid:
        os._exit(1)


def _ask_for_parent_death_signal() -> bool:
    """True when the kernel will SIGKILL this process at its parent's death (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_INTERVAL_S)
    os._exit(1)


def child_command(module: str, *args: str) -> list[str]:
    """The command that runs ``module`` as a child of this process that dies with it.

    ``-P``: the child's working directory is not put on its ``sys.path``."""
    return [sys.executable, "-P", "-m", __name__, str(os.getpid()), module, *args]


def _main(argv: list[str]) -> None:
    parent_pid, module, *args = argv
    die_with_parent(int(parent_pid))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _main(sys.argv[1:])
