"""Alert delivery under concurrency and failures: none lost, none doubled, how fast.

    python -m benchmarks.alerts [--alerts 1000] [--topics 50] [--deliverers 4] [--fail-rate 0.2]
                                [--database-url URL]

Enqueues ``--alerts`` alerts for ``--topics`` topics (as the pipeline does, with the match), spread
over four loopback webhook receivers, one of which answers 500 to ``--fail-rate`` of requests
(seeded). ``--deliverers`` threads then run ``deliver_due_alerts`` at once, each with its own
engine; a second delivery run follows once the first run's backoffs are due. Backoff is short
(10 to 50 ms) so that failed alerts come due again within a run, as they would within minutes with
the production settings. The same alerts are delivered by one deliverer as the baseline, in the
same run. A delivery counts when a receiver answered 200 to it; *lost* is an alert never
delivered, *duplicated* one delivered more than once. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from alerts.channels import build_channels
from core.records import ExtractedArticle, TermHit, TopicHit
from core.settings import AlertSettings
from core.watchlist import WebhookChannelSpec
from pipeline.alerting import deliver_due_alerts, record_topic_hit
from pipeline.outcomes import DeliveryReport
from storage import articles, catalog, outbox
from storage.engine import make_engine, migrate, transaction
from storage.models import id_of, utcnow

RECEIVERS = 4
TARGETS = {"lost": 0, "duplicated": 0, "runs_needed": 2}
SETTINGS = AlertSettings(batch_size=20, backoff_base_seconds=0.01, backoff_max_seconds=0.05, max_attempts=8)


class Receivers:
    """Loopback webhook receivers; ``/r3`` fails a share of requests with 500."""

    def __init__(self, fail_rate: float, seed: int = 7) -> None:
        self.accepted: Counter[int] = Counter()
        self.failed = 0
        self.lock = threading.Lock()
        rng, state = random.Random(seed), self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with state.lock:
                    fail = self.path == f"/r{RECEIVERS - 1}" and rng.random() < fail_rate
                    if fail:
                        state.failed += 1
                    else:
                        state.accepted[body["alert_id"]] += 1
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/r{n}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed(url: str, *, alerts: int, topics: int) -> list[int]:
    """A fresh database with ``alerts`` per-story alerts over ``topics`` topics; the alert ids."""
    engine = make_engine(url)
    migrate(engine)
    now = utcnow()
    with transaction(engine) as session:
        source = catalog.upsert_source(
            session=session, name="bench", kind="directory", location="/b", every_seconds=60
        )
        for n in range(alerts):
            name = f"topic-{n % topics}"
            channel = f"hook-{n % topics % RECEIVERS}"
            topic = catalog.upsert_topic(
                session=session, name=name, query="x", mode="per-story", channels=[channel]
            )
            outbox.set_topic_policy(session=session, topic=topic, policy={"channels": [channel]})
            story = articles.create_story(session=session, title=f"Story {n}", title_derived=False, now=now)
            report = ExtractedArticle(
                location=f"https://news.example/{n}",
                title=f"Report {n}",
                title_derived=False,
                text="Lebanon ceasefire",
                content_hash=f"h{n}",
            )
            article = articles.add_article(
                session=session,
                extracted=report,
                identity=f"a{n}",
                source_id=id_of(source),
                story=story,
                terms={},
                now=now,
            )
            record_topic_hit(session, article, id_of(story), TopicHit(name, (TermHit("x", "text", 0),)), now)
    with transaction(engine) as session:
        ids = sorted(id_of(alert) for alert, _ in outbox.list_alerts(session=session, limit=10**9))
    engine.dispose()
    return ids


def deliver(url: str, receivers: Receivers, deliverers: int) -> tuple[list[DeliveryReport], float]:
    """One delivery run: ``deliverers`` threads at once; their reports and the wall time."""
    specs = {f"hook-{n}": WebhookChannelSpec(url=receivers.url(n)) for n in range(RECEIVERS)}
    reports: list[DeliveryReport] = []
    barrier = threading.Barrier(deliverers)

    def worker() -> None:
        engine = make_engine(url)
        channels = build_channels(specs)
        barrier.wait()
        reports.append(deliver_due_alerts(engine, channels, SETTINGS))
        engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(deliverers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reports, time.perf_counter() - started


def scenario(url: str, *, alerts: int, topics: int, deliverers: int, fail_rate: float) -> dict[str, Any]:
    """Seed, deliver twice, and count what each receiver accepted."""
    ids = seed(url, alerts=alerts, topics=topics)
    receivers = Receivers(fail_rate)
    runs, seconds, missing_after = [], 0.0, []
    for _ in range(2):
        reports, took = deliver(url, receivers, deliverers)
        runs.append(reports)
        seconds += took
        missing_after.append(len(set(ids) - set(receivers.accepted)))
        time.sleep(SETTINGS.backoff_max_seconds * 1.3)  # let every backoff come due
    receivers.close()
    delivered = len(set(ids) & set(receivers.accepted))
    runs_needed = next((n + 1 for n, missing in enumerate(missing_after) if missing == 0), None)
    return {
        "alerts": len(ids),
        "delivered": delivered,
        "lost": len(ids) - delivered,
        "duplicated": sum(1 for count in receivers.accepted.values() if count > 1),
        "failed_requests": receivers.failed,
        "seconds": round(seconds, 3),
        "per_second": round(delivered / seconds, 1) if seconds else 0.0,
        "missing_after_run": missing_after,
        "runs_needed": runs_needed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=300, help="the issue's full size: 1000")
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--deliverers", type=int, default=4)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument(
        "--database-url", help="default: a temporary SQLite file (PostgreSQL: an empty database)"
    )
    args = parser.parse_args()
    logging.getLogger("pipeline.alerting").setLevel(logging.ERROR)  # the expected 500s, one line each
    results = {}
    for label, deliverers in (("baseline", 1), ("concurrent", args.deliverers)):
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
            if args.database_url:
                _reset(url)
            results[label] = scenario(
                url, alerts=args.alerts, topics=args.topics, deliverers=deliverers, fail_rate=args.fail_rate
            )
    _print(results, args)


def _reset(url: str) -> None:
    from sqlmodel import SQLModel

    engine = make_engine(url)
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()


def _print(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"alert delivery: {args.alerts} alerts, {args.topics} topics, {RECEIVERS} receivers "
        f"(one failing {args.fail_rate:.0%} of requests)"
    )
    print(
        f"{'':12} {'deliverers':>10} {'delivered':>9} {'lost':>5} {'dupes':>5} {'500s':>5} "
        f"{'left after run 1/2':>18} {'runs':>5} {'alerts/s':>9}"
    )
    for label, r in results.items():
        deliverers = 1 if label == "baseline" else args.deliverers
        left = "/".join(str(n) for n in r["missing_after_run"])
        print(
            f"{label:12} {deliverers:>10} {r['delivered']:>9} {r['lost']:>5} {r['duplicated']:>5} "
            f"{r['failed_requests']:>5} {left:>18} {r['runs_needed'] or '-':>5} {r['per_second']:>9}"
        )
    concurrent = results["concurrent"]
    ratio = (
        concurrent["per_second"] / results["baseline"]["per_second"]
        if results["baseline"]["per_second"]
        else 0
    )
    ok = concurrent["lost"] == 0 and concurrent["duplicated"] == 0 and (concurrent["runs_needed"] or 99) <= 2
    print(
        f"targets: 0 lost, 0 duplicated, all delivered within 2 runs -> {'met' if ok else 'NOT met'}; "
        f"speed-up of {args.deliverers} deliverers over 1: {ratio:.2f}x"
    )
    print(
        json.dumps(
            {
                "benchmark": "alerts",
                "targets": TARGETS,
                "targets_met": ok,
                "speedup": round(ratio, 2),
                **{k: v for k, v in results.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
