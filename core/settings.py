"""The one settings object of newswatch, read from NEWSWATCH_* variables and .env.

A flow builds ``Settings()`` once per run and hands each function the section it needs;
nothing below flows/ and cli/ reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/newswatch.db"


class StorySettings(BaseModel):
    """How articles are grouped into stories."""

    silence_days: float = Field(
        7.0,
        gt=0,
        description="A story stays open while reports keep coming: a report published more than this "
        "after the story's latest one (or before its earliest) starts a new story.",
    )
    max_life_days: float = Field(
        30.0, gt=0, description="The most time a story's reports may span, first to last."
    )
    join_threshold: float = Field(
        0.25,
        gt=0,
        le=1,
        description="Cosine of an article's terms with a story's centroid needed to join it "
        "(python -m benchmarks.stories --fit calibrates it on the development sets).",
    )
    near_duplicate: float = Field(
        0.8, gt=0, le=1, description="Estimated shingle Jaccard (MinHash) that makes a copy."
    )
    max_stories: int = Field(200_000, ge=1, description="Stories kept in memory for clustering.")


class SemanticSettings(BaseModel):
    """Topics described in words (``like:``)."""

    enabled: bool = Field(
        True,
        description="Off: the sentence-embedding model is never loaded, articles are not embedded, "
        "and topics with 'like' are left out of the run (with a warning).",
    )


class AlertSettings(BaseModel):
    """How the outbox is delivered."""

    max_attempts: int = Field(8, ge=1)
    lease_seconds: int = Field(120, ge=5, description="A claimed alert not settled by then is re-queued.")
    backoff_base_seconds: float = Field(30.0, gt=0)
    backoff_max_seconds: float = Field(3600.0, gt=0)
    batch_size: int = Field(20, ge=1)


class SmtpSettings(BaseModel):
    """SMTP server for e-mail channels."""

    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "newswatch@localhost"
    security: Literal["plain", "starttls", "ssl"] = Field(
        "plain", description="plain (port 25), starttls (587) or ssl (implicit TLS, 465)."
    )
    timeout_s: float = Field(30.0, gt=0, description="Connect and read timeout for each SMTP exchange.")
    ca_file: Path | None = Field(
        None,
        description="PEM file of the certificate authorities to trust instead of the system's "
        "(a private relay); certificates are always verified.",
    )

    @field_validator("password")
    @classmethod
    def _reject_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().lower() in {"changeme", "change-me", "password"}:
            raise ValueError("the SMTP password is a placeholder; set a real one or leave it unset")
        return value


class HttpSettings(BaseModel):
    """How newswatch fetches from the web: identity, budgets, politeness and the egress allow-list."""

    user_agent: str = "newswatch/0.1"
    contact_url: str = Field(
        "https://github.com/newswatch/newswatch",
        description="Where a site owner can reach whoever runs this crawler; sent in the User-Agent.",
    )
    connect_timeout_s: float = Field(5.0, gt=0)
    total_timeout_s: float = Field(
        30.0, gt=0, description="Wall clock for one fetch, redirects and retries included."
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Cap on the decoded body.")
    max_redirects: int = Field(5, ge=0, le=20)
    per_host_concurrency: int = Field(2, ge=1)
    min_host_spacing_s: float = Field(0.5, ge=0, description="Minimum time between two requests to a host.")
    retries: int = Field(2, ge=0, description="Extra attempts for timeouts, resets and 5xx within a fetch.")
    retry_backoff_s: float = Field(0.5, ge=0)
    retry_after_max_s: float = Field(6 * 3600.0, gt=0, description="Cap on a server's Retry-After.")
    max_new_entries: int = Field(100, ge=1, description="Article pages fetched per source and poll.")
    max_concurrent_sources: int = Field(50, ge=1, description="Sources fetched at once by one poll.")
    allow: tuple[str, ...] = Field(
        (),
        description="Addresses the egress guard lets through although private: '10.0.0.0/8', "
        "'127.0.0.1:8080' (an address or network, optionally one port).",
    )

    @property
    def user_agent_header(self) -> str:
        """The User-Agent sent with every request: name/version (+contact URL)."""
        return f"{self.user_agent} (+{self.contact_url})"


class Settings(BaseSettings):
    """All of newswatch's settings; nested sections use ``__`` (NEWSWATCH_STORY__SILENCE_DAYS)."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSWATCH_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    watchlist: Path = Path("samples/watchlist.yaml")
    source_lease_seconds: int = Field(
        120,
        ge=30,
        description="A run's claim on a source, renewed while it works; a run that died on another "
        "machine loses it after this (on this machine, at once).",
    )
    claim_sources: int = Field(
        100,
        ge=1,
        description="Sources a run claims at a time (whole sites, so a site's per-host limits hold "
        "across runs); runs side by side share the due sources this way.",
    )
    story: StorySettings = StorySettings()
    semantic: SemanticSettings = SemanticSettings()
    alerts: AlertSettings = AlertSettings()
    smtp: SmtpSettings = SmtpSettings()
    http: HttpSettings = HttpSettings()
