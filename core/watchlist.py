"""The watchlist: sources, topics and channels from one YAML file, validated before any work.

Errors name the file, the line and the offending value. ``${VAR}`` in a value is replaced by
the environment variable of that name when the file is loaded, so secrets stay out of the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import ConfigurationError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``10m``, ``2h``, ``1d``, ``45s`` or a bare number of seconds; ValueError otherwise."""
    if isinstance(text, (int, float)):
        return float(text)
    found = _DURATION.match(text)
    if not found:
        raise ValueError(f"not a duration: {text!r} (use 30s, 10m, 2h or 1d)")
    return float(found.group(1)) * _SECONDS[found.group(2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Strict):
    """One source: exactly one of ``directory`` or ``file`` (more kinds come with web fetching)."""

    name: str = Field(min_length=1)
    directory: Path | None = None
    file: Path | None = None
    every: str = "10m"

    @model_validator(mode="after")
    def _one_location(self) -> SourceSpec:
        given = [kind for kind in ("directory", "file") if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of: directory, file")
        parse_duration(self.every)
        return self

    @property
    def kind(self) -> str:
        """``directory`` or ``file``."""
        return "directory" if self.directory is not None else "file"

    @property
    def location(self) -> Path:
        """The path this source reads."""
        return self.directory if self.directory is not None else self.file  # type: ignore[return-value]


class AlertPolicy(_Strict):
    """How a topic alerts: ``per-story`` sends one alert when a story first matches."""

    mode: Literal["per-story"] = "per-story"
    channels: tuple[str, ...] = ("console",)


class TopicSpec(_Strict):
    """A tracked subject and its query."""

    name: str = Field(min_length=1)
    query: str = Field(min_length=1)
    alert: AlertPolicy = AlertPolicy()


class ChannelSpec(_Strict):
    """Where alerts go. Only ``console`` exists in this version."""

    type: Literal["console"]


class Watchlist(_Strict):
    """The whole file, plus where each topic was declared (for error messages)."""

    sources: tuple[SourceSpec, ...] = ()
    topics: tuple[TopicSpec, ...] = ()
    channels: dict[str, ChannelSpec] = Field(default_factory=lambda: {"console": ChannelSpec(type="console")})
    path: Path | None = None
    topic_lines: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names_resolve(self) -> Watchlist:
        _require_unique([s.name for s in self.sources], "source")
        _require_unique([t.name for t in self.topics], "topic")
        for topic in self.topics:
            for channel in topic.alert.channels:
                if channel not in self.channels:
                    raise ValueError(f"topic {topic.name!r} names unknown channel {channel!r}")
        return self

    def where(self, topic: str) -> str:
        """``file:line`` of a topic's declaration, for error messages."""
        return f"{self.path}:{self.topic_lines.get(topic, '?')}"


def _require_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what} name {name!r} is used twice")
        seen.add(name)


def load_watchlist(path: Path, environ: dict[str, str] | None = None) -> Watchlist:
    """The validated watchlist at ``path``; ConfigurationError with file and line when it is wrong."""
    environ = dict(os.environ) if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read the watchlist: {exc.strerror}") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}:1: the watchlist must be a mapping with sources, topics, channels")
    data = _expand_env(data, environ, path, root)
    base = path.parent
    try:
        watchlist = Watchlist.model_validate({**data, "path": path, "topic_lines": _topic_lines(root)})
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, path, root)) from exc
    return watchlist.model_copy(update={"sources": tuple(_resolve(s, base) for s in watchlist.sources)})


def _resolve(source: SourceSpec, base: Path) -> SourceSpec:
    """A relative path in the watchlist is relative to the watchlist file, wherever newswatch runs."""
    if source.location.is_absolute():
        return source
    return source.model_copy(update={source.kind: (base / source.location).resolve()})


def _expand_env(value: Any, environ: dict[str, str], path: Path, root: yaml.Node | None) -> Any:
    if isinstance(value, dict):
        return {key: _expand_env(item, environ, path, root) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_env(item, environ, path, root) for item in value]
    if isinstance(value, str):
        missing = [name for name in _ENV_REF.findall(value) if name not in environ]
        if missing:
            raise ConfigurationError(
                f"{path}: environment variable {missing[0]} is not set (used in {value!r})"
            )
        return _ENV_REF.sub(lambda found: environ[found.group(1)], value)
    return value


def _topic_lines(root: yaml.Node | None) -> dict[str, int]:
    topics = _child(root, "topics")
    lines: dict[str, int] = {}
    if isinstance(topics, yaml.SequenceNode):
        for item in topics.value:
            name = _child(item, "name")
            if isinstance(name, yaml.ScalarNode):
                lines[name.value] = item.start_mark.line + 1
    return lines


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        found: yaml.Node | None = next((v for k, v in node.value if k.value == key), None)
        return found
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item: yaml.Node = node.value[key]
        return item
    return None


def _describe(exc: ValidationError, path: Path, root: yaml.Node | None) -> str:
    """One line per problem: ``file:line: where: what (value)``."""
    lines = []
    for error in exc.errors():
        node, line = root, 1
        for key in error["loc"]:
            node = _child(node, key)
            if node is None:
                break
            line = node.start_mark.line + 1
        where = ".".join(str(part) for part in error["loc"]) or "watchlist"
        value = error.get("input")
        shown = f" (got {value!r})" if not isinstance(value, dict) else ""
        lines.append(f"{path}:{line}: {where}: {error['msg']}{shown}")
    return "\n".join(lines)
