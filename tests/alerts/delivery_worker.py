"""A delivering process for the shared rate-limit test: waits for a start file, then delivers.

    python -m tests.alerts.delivery_worker DATABASE_URL WEBHOOK_URL INTERVAL_S START_FILE {shared|local}

It says it is ready with a file ``START_FILE.ready.<pid>``.

``shared`` takes Slack's send slots from the database (as deployed runs do); ``local`` keeps
them in this process only. Prints how many alerts this process sent.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from alerts.channels import build_channels
from core.settings import AlertSettings
from core.watchlist import SlackChannelSpec
from pipeline.alerting import deliver_due_alerts
from pipeline.rate_limit import shared_rate_limiter
from storage.engine import make_engine


def main(database_url: str, url: str, interval: str, start: str, slots: str) -> None:
    engine = make_engine(database_url)
    spec = SlackChannelSpec(webhook_url=url, min_interval_s=float(interval))
    limiter = shared_rate_limiter(engine) if slots == "shared" else None
    channels = build_channels({"desk": spec}, limiter=limiter)
    Path(f"{start}.ready.{os.getpid()}").touch()
    while not Path(start).exists():
        time.sleep(0.01)
    report = deliver_due_alerts(engine, channels, AlertSettings(batch_size=1))
    print(report.sent)


if __name__ == "__main__":
    main(*sys.argv[1:6])
