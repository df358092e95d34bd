"""prefect.yaml is the one place deployments are declared; ``newswatch serve`` reads it."""

from __future__ import annotations

from datetime import timedelta

import flows  # noqa: F401
from flows.reporting import slug
from flows.serve import load_deployments


def test_serve_builds_every_deployment_of_prefect_yaml_with_its_schedule_and_limit() -> None:
    deployments = {d.name: d for d in load_deployments()}
    assert {"ingest", "deliver-alerts", "digest", "maintenance"} <= set(deployments)
    ingest = deployments["ingest"]
    assert ingest.schedules[0].schedule.interval == timedelta(minutes=10)
    assert deployments["deliver-alerts"].schedules[0].schedule.interval == timedelta(minutes=1)
    assert deployments["maintenance"].schedules[0].schedule.cron == "30 3 * * 0"
    for deployment in deployments.values():
        assert deployment.concurrency_limit == 1
        assert deployment.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    assert ingest.parameters == {"only_due": True}


def test_topic_resource_ids_are_stable_slugs() -> None:
    assert slug("Lebanon ceasefire") == "lebanon-ceasefire"
    assert slug("  Gaza / hostages! ") == "gaza-hostages"


def test_the_digest_runs_daily_at_a_local_time() -> None:
    digest = {d.name: d for d in load_deployments()}["digest"]
    assert digest.schedules[0].schedule.cron == "0 7 * * *"
    assert digest.schedules[0].schedule.timezone == "Europe/London"
