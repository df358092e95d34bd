"""Tasks take plain values that Prefect can hash for its cache key, equal for equal content."""

from __future__ import annotations

import pickle
from pathlib import Path

from prefect.cache_policies import INPUTS
from pydantic import SecretStr

import flows  # noqa: F401  (telemetry off before Prefect is imported)
from core.settings import Settings
from pipeline.alerting import DeliveryJob
from pipeline.ingest import IngestJob
from pipeline.watchlist import read_watchlist, topic_matcher, watchlist_topics
from tests.conftest import SAMPLES


def _jobs(tmp_path: Path) -> tuple[IngestJob, DeliveryJob]:
    settings = Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'nw.db'}"), _env_file=None)
    watchlist = read_watchlist(SAMPLES / "watchlist.yaml")
    ingest = IngestJob(
        settings.database_url, watchlist_topics(watchlist), settings.story, settings.http, "run-1"
    )
    return ingest, DeliveryJob.of(watchlist, settings)


def _key(**inputs: object) -> str | None:
    return INPUTS.compute_key(task_ctx=None, inputs=inputs, flow_parameters={})  # type: ignore[arg-type]


def test_task_inputs_hash_and_equal_content_gives_an_equal_key(tmp_path: Path) -> None:
    (ingest, delivery), (again, delivery_again) = _jobs(tmp_path), _jobs(tmp_path)
    spec = read_watchlist(SAMPLES / "watchlist.yaml").sources[0]
    assert ingest is not again
    assert _key(job=ingest, spec=spec) == _key(job=again, spec=spec) is not None
    assert _key(job=delivery) == _key(job=delivery_again) is not None
    assert _key(job=ingest, spec=spec) != _key(job=ingest, spec=spec.model_copy(update={"name": "other"}))


def test_the_matcher_is_compiled_once_per_content_and_survives_a_pickle(tmp_path: Path) -> None:
    ingest, _ = _jobs(tmp_path)
    copy = pickle.loads(pickle.dumps(ingest))
    assert copy.matcher is ingest.matcher  # the same topics: the process's one compiled matcher
    assert topic_matcher(copy.topics) is topic_matcher(ingest.topics)
