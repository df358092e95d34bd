"""``newswatch serve``: every deployment of prefect.yaml, on its schedule, in this one process.

prefect.yaml stays the single place where schedules, parameters and concurrency limits are
declared; this module turns its entries into served deployments (no work pool needed).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

from core.errors import ConfigurationError

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"


def load_deployments(path: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    """The deployments declared in ``path``, ready to serve."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [_deployment(entry) for entry in spec.get("deployments", [])]


def serve_all(path: Path = PREFECT_YAML) -> None:
    """Serve every deployment until interrupted; schedules stay active when this process stops."""
    serve(*load_deployments(path), pause_on_shutdown=False)


def _deployment(entry: dict[str, Any]) -> RunnerDeployment:
    flow = _load_flow(entry["entrypoint"])
    limit = entry.get("concurrency_limit")
    return flow.to_deployment(  # type: ignore[return-value]  # sync outside an event loop
        name=entry["name"],
        description=entry.get("description"),
        parameters=entry.get("parameters") or {},
        schedules=[_schedule(item) for item in entry.get("schedules") or []],
        concurrency_limit=ConcurrencyLimitConfig(
            limit=limit["limit"], collision_strategy=ConcurrencyLimitStrategy(limit["collision_strategy"])
        )
        if limit
        else None,
    )


def _load_flow(entrypoint: str) -> Flow[Any, Any]:
    """``flows/ingest.py:ingest`` → the ``ingest`` flow object."""
    path, _, name = entrypoint.partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, name, None)
    if not isinstance(flow, Flow):
        raise ConfigurationError(f"prefect.yaml: {entrypoint} is not a flow")
    return flow


def _schedule(item: dict[str, Any]) -> Schedule:
    timezone = item.get("timezone")
    if "cron" in item:
        return Cron(item["cron"], timezone=timezone)
    if "interval" in item:
        return Interval(item["interval"], timezone=timezone)
    raise ConfigurationError(f"prefect.yaml: schedule {item} has neither cron nor interval")
