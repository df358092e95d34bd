"""Prefect flows: the only package that imports Prefect.

Telemetry is switched off here, before Prefect is first imported, so every entry point
(``newswatch``, ``prefect deploy``, tests) runs without it.
"""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault(
    "PREFECT_LOGGING_EXTRA_LOGGERS", "core,sources,extractors,topics,alerts,storage,pipeline,flows"
)
# The ephemeral API starts a server subprocess; on a busy 2-core machine it can need more than
# Prefect's default 20 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
# The project's loggers are also used outside flow runs (CLI commands, tests of plain functions).
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
