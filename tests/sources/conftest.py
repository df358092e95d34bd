"""Fixtures for web sources: the hostile loopback server, and settings that allow only its port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.settings import HttpSettings
from sources.robots import forget_robots
from tests.sources.hostile import HostileServer


@pytest.fixture(autouse=True)
def fresh_robots() -> Iterator[None]:
    """robots.txt rules are cached per site for the process; a test's server port may be reused."""
    forget_robots()
    yield
    forget_robots()


@pytest.fixture
def hostile_http() -> Iterator[HostileServer]:
    """A fresh scriptable server on 127.0.0.1 for one test."""
    server = HostileServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http(hostile_http: HostileServer) -> HttpSettings:
    """Small budgets so fault tests finish fast; the egress allow-list holds only the fixture's port."""
    return HttpSettings(
        allow=(f"127.0.0.1:{hostile_http.port}",),
        connect_timeout_s=1.0,
        total_timeout_s=1.5,
        max_body_bytes=1024 * 1024,
        min_host_spacing_s=0.0,
        retries=1,
        retry_backoff_s=0.01,
    )
