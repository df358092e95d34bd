"""Real loopback receivers for the alert channels: an HTTP server standing in for Slack and
webhooks, an aiosmtpd SMTP server with per-recipient answers, and a seeded outbox."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.records import ExtractedArticle, TermHit, TopicHit
from pipeline.alerting import record_topic_hit
from storage import articles, catalog, outbox
from storage.engine import transaction
from storage.models import Article, Story, id_of

NOW = datetime(2024, 11, 1, 9, 12, tzinfo=UTC)


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class Receiver:
    """A loopback HTTP server. ``script[path]`` is a list of answers, used in order (the last one
    repeats): ``(status, headers, body)``, or ``("hang", seconds)`` to read the request and stay silent.
    ``fail_every`` makes every n-th request on a path answer 500."""

    url: str
    script: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, path: str, *answers: tuple[Any, ...]) -> str:
        self.script[path] = list(answers)
        return f"{self.url}{path}"

    def bodies(self, path: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.received if path is None or r.path == path]

    def _next(self, path: str) -> tuple[Any, ...]:
        with self.lock:
            answers = self.script.get(path) or [(200, {}, "ok")]
            return answers.pop(0) if len(answers) > 1 else answers[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            fake = state["r"]
            answer = fake._next(self.path)
            with fake.lock:
                fake.received.append(
                    Received(self.path, json.loads(raw or b"{}"), dict(self.headers), time.monotonic())
                )
            if answer[0] == "hang":
                time.sleep(answer[1])
                self.close_connection = True
                return
            status, headers, body = answer
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            data = body.encode()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["r"] = Receiver(f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["r"]
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """aiosmtpd handler: answers RCPT per recipient from ``rcpt`` (default 250), DATA from ``data``
    (default 250; ``"drop"`` closes the connection after the final dot without answering)."""

    def __init__(self) -> None:
        self.rcpt: dict[str, str] = {}
        self.data: list[str] = []
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.rcpt.get(address, "250 OK")
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return answer

    async def handle_DATA(self, server, session, envelope):
        answer = self.data.pop(0) if self.data else "250 OK"
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        if answer == "drop":
            server.transport.close()
            return "250 unreachable"
        return answer


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def store_report(
    session: Session,
    *,
    source_id: int,
    story: Story,
    identity: str,
    title: str,
    text: str,
    hit: TopicHit,
    now: datetime,
    site_name: str | None = None,
) -> Article:
    """Store one report in ``story`` and record its topic hit, as the pipeline's storing step does."""
    extracted = ExtractedArticle(
        location=f"https://news.example/{identity.replace(' ', '-')}",
        title=title,
        title_derived=False,
        text=text,
        published=now,
        site_name=site_name,
        content_hash=identity,
    )
    article = articles.add_article(
        session=session,
        extracted=extracted,
        identity=identity,
        source_id=source_id,
        story=story,
        terms={},
        now=now,
    )
    record_topic_hit(session, article, id_of(story), hit, now)
    return article


def seed_alerts(
    engine: Engine,
    *,
    stories: int,
    channels: tuple[str, ...],
    topic: str = "Lebanon ceasefire",
    policy: dict[str, Any] | None = None,
    now: datetime = NOW,
    outlets: tuple[str | None, ...] = (None,),
) -> list[int]:
    """Stories with a matching report per outlet, stored and enqueued as the pipeline does; alert ids."""
    with transaction(engine) as session:
        source = catalog.upsert_source(
            session=session, name="s", kind="directory", location="/s", every_seconds=60
        )
        row = catalog.upsert_topic(
            session=session, name=topic, query="Lebanon", mode="per-story", channels=channels
        )
        outbox.set_topic_policy(
            session=session, topic=row, policy={"channels": list(channels), **(policy or {})}
        )
        for n in range(stories):
            story = articles.create_story(
                session=session, title=f"Story {n} <!channel>", title_derived=False, now=now
            )
            for outlet in outlets:
                store_report(
                    session,
                    source_id=id_of(source),
                    story=story,
                    identity=f"{topic}-{n}-{outlet}",
                    title=f"Report {n} by {outlet}",
                    text=f"Beirut. The Lebanon cease-fire talks, report {n}, continue.",
                    site_name=outlet,
                    hit=TopicHit(topic, (TermHit("Lebanon", "text", 1), TermHit("ceasefire", "text", 2))),
                    now=now,
                )
    with transaction(engine) as session:
        return sorted(id_of(alert) for alert, _ in outbox.list_alerts(session=session, limit=100_000))
