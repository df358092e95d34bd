"""The one settings object of newswatch, read from NEWSWATCH_* variables and .env.

A flow builds ``Settings()`` once per run and hands each function the section it needs;
nothing below flows/ and cli/ reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/newswatch.db"


class StorySettings(BaseModel):
    """How articles are grouped into stories."""

    window_hours: float = Field(72.0, gt=0, description="Only stories active this recently can grow.")
    min_similarity: float = Field(
        0.35, gt=0, le=1, description="Weighted term overlap (cosine) an article needs to join a story."
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

    @field_validator("password")
    @classmethod
    def _reject_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().lower() in {"changeme", "change-me", "password"}:
            raise ValueError("the SMTP password is a placeholder; set a real one or leave it unset")
        return value


class Settings(BaseSettings):
    """All of newswatch's settings; nested sections use ``__`` (NEWSWATCH_STORY__WINDOW_HOURS)."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSWATCH_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    watchlist: Path = Path("samples/watchlist.yaml")
    story: StorySettings = StorySettings()
    alerts: AlertSettings = AlertSettings()
    smtp: SmtpSettings = SmtpSettings()
