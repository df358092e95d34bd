"""The watchlist: sources, topics and channels from one YAML file, validated before any work.

Errors name the file, the line and the offending value. ``${VAR}`` in a value is replaced by
the environment variable of that name when the file is loaded, so secrets stay out of the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    SecretStr,
    Tag,
    ValidationError,
    model_validator,
)

from core.errors import ConfigurationError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_REF = re.compile(r"\$\{secret:([a-z0-9][a-z0-9-]*)\}")  # a Prefect Secret block, by name
SecretResolver = Callable[[str], str | None]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_ISO_DURATION = re.compile(r"^-?P[0-9T]")  # pydantic's own form, as a stored policy holds it
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``10m``, ``2h``, ``1d``, ``45s`` or a bare number of seconds; ValueError otherwise."""
    if isinstance(text, (int, float)):
        return float(text)
    found = _DURATION.match(text)
    if not found:
        raise ValueError(f"not a duration: {text!r} (use 30s, 10m, 2h or 1d)")
    return float(found.group(1)) * _SECONDS[found.group(2)]


def _as_timedelta(value: Any) -> Any:
    """``10m`` as the watchlist writes it; an ISO 8601 duration (as a stored policy holds it) and
    numbers of seconds are left to pydantic."""
    if isinstance(value, str) and not _ISO_DURATION.match(value):
        return timedelta(seconds=parse_duration(value))
    return value


Duration = Annotated[timedelta, BeforeValidator(_as_timedelta)]
"""A duration written ``30s``, ``10m``, ``2h`` or ``1d`` (or a number of seconds), parsed once, when read."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Source(_Strict):
    """What every kind of source has: a unique name and how often it is polled."""

    kind: ClassVar[str]
    name: str = Field(min_length=1)
    every: Duration = timedelta(minutes=10)


class LocalSource(_Source):
    """A folder or a file on this machine; a relative path is relative to the watchlist file."""

    path: Path

    @property
    def location(self) -> Path:
        """The path this source reads."""
        return self.path


class DirectorySource(LocalSource):
    """Every file in a folder: ``directory: PATH``."""

    kind: ClassVar[str] = "directory"
    path: Path = Field(alias="directory")


class FileSource(LocalSource):
    """One file: ``file: PATH``."""

    kind: ClassVar[str] = "file"
    path: Path = Field(alias="file")


class WebSource(_Source):
    """An http(s) URL.

    ``link_pattern`` (a regular expression) narrows the article links a listing page or sitemap
    yields; ``robots: ignore`` is for sites the user owns; ``fetch_articles: false`` makes a feed
    use its entries' own content instead of fetching each article page.
    """

    url: str
    link_pattern: str | None = None
    robots: Literal["obey", "ignore"] = "obey"
    fetch_articles: bool = True

    @property
    def location(self) -> str:
        """The URL this source polls."""
        return self.url

    @model_validator(mode="after")
    def _valid(self) -> WebSource:
        if urlsplit(self.url).scheme.lower() not in ("http", "https"):
            raise ValueError(f"{self.kind} must be an http or https URL (got {self.url!r})")
        if self.link_pattern is not None:
            try:
                re.compile(self.link_pattern)
            except re.error as exc:
                raise ValueError(f"link_pattern is not a regular expression: {exc}") from exc
        return self


class FeedSource(WebSource):
    """An RSS, Atom or JSON feed: ``feed: URL``."""

    kind: ClassVar[str] = "feed"
    url: str = Field(alias="feed")


class SitemapSource(WebSource):
    """A sitemap, news sitemap or sitemap index: ``sitemap: URL``."""

    kind: ClassVar[str] = "sitemap"
    url: str = Field(alias="sitemap")


class ListingSource(WebSource):
    """A section or listing page whose article links are followed: ``listing: URL``."""

    kind: ClassVar[str] = "listing"
    url: str = Field(alias="listing")


class PageSource(WebSource):
    """One page, watched for changes (a changed text is a new revision): ``page: URL``."""

    kind: ClassVar[str] = "page"
    url: str = Field(alias="page")


SOURCE_KINDS: dict[str, type[LocalSource] | type[WebSource]] = {
    source.kind: source
    for source in (DirectorySource, FileSource, FeedSource, SitemapSource, ListingSource, PageSource)
}


def _source_kind(value: Any) -> str | None:
    """The kind of a source entry: the one location key it gives (None for none or several)."""
    if isinstance(value, _Source):
        return value.kind
    given = [kind for kind in SOURCE_KINDS if isinstance(value, dict) and value.get(kind) is not None]
    return given[0] if len(given) == 1 else None


SourceSpec = Annotated[
    Annotated[DirectorySource, Tag("directory")]
    | Annotated[FileSource, Tag("file")]
    | Annotated[FeedSource, Tag("feed")]
    | Annotated[SitemapSource, Tag("sitemap")]
    | Annotated[ListingSource, Tag("listing")]
    | Annotated[PageSource, Tag("page")],
    Discriminator(
        _source_kind,
        custom_error_type="source_location",
        custom_error_message=f"give exactly one of: {', '.join(SOURCE_KINDS)}",
    ),
]
"""One source of the watchlist, of the kind named by its one location key (``feed: URL``, …)."""


def parse_clock(text: str) -> tuple[int, int]:
    """``(hour, minute)`` of ``HH:MM``; ValueError otherwise."""
    found = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not found:
        raise ValueError(f"not a time of day: {text!r} (use HH:MM, e.g. 08:00)")
    return int(found.group(1)), int(found.group(2))


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from exc
    return name


class DigestSchedule(_Strict):
    """When a digest goes out: ``daily`` at ``at`` local time, or ``hourly`` at ``at``'s minute."""

    every: Literal["hourly", "daily"] = "daily"
    at: str = "08:00"
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _valid(self) -> DigestSchedule:
        parse_clock(self.at)
        _check_timezone(self.timezone)
        return self


class BurstRule(_Strict):
    """Alert when at least ``outlets`` outlets report one story within ``hours``."""

    outlets: int = Field(3, ge=2)
    hours: float = Field(6.0, gt=0)


class StoryUpdates(_Strict):
    """A short "story update" after a story's alert went out, when the story reaches ``outlets``.

    Each threshold is crossed once per story and channel; several crossed together make one
    update, and a story gets no message sooner than ``min_gap`` after its previous one. ``false``
    (or ``outlets: []``) turns updates off.
    """

    outlets: tuple[int, ...] = (3, 5, 10, 20)
    min_gap: Duration = timedelta(minutes=30)

    @model_validator(mode="before")
    @classmethod
    def _false_is_off(cls, value: Any) -> Any:
        return {"outlets": []} if value is False else value

    @model_validator(mode="after")
    def _valid(self) -> StoryUpdates:
        if any(n < 2 for n in self.outlets) or list(self.outlets) != sorted(set(self.outlets)):
            raise ValueError("'outlets' must be increasing numbers of outlets, each at least 2")
        return self

    def threshold(self, *, shown: int, outlets: int) -> int | None:
        """The highest threshold ``outlets`` reached, when that is above what was ``shown``; else None."""
        crossed = [n for n in self.outlets if shown < n <= outlets]
        return crossed[-1] if crossed else None


class AlertPolicy(_Strict):
    """How a topic alerts.

    ``per-story`` (default) sends one alert when a story first matches; ``per-article`` one per
    matching report; ``digest`` groups alerts by topic and story into a scheduled message;
    ``burst`` alerts once a story reaches ``burst.outlets`` outlets within ``burst.hours``.
    After a per-story or burst alert went out, ``updates`` says when the growing story is
    worth a follow-up message.
    """

    mode: Literal["per-story", "per-article", "digest", "burst"] = "per-story"
    channels: tuple[str, ...] = ("console",)
    digest: DigestSchedule | None = None
    burst: BurstRule | None = None
    updates: StoryUpdates = StoryUpdates()

    @model_validator(mode="after")
    def _settings_match_mode(self) -> AlertPolicy:
        if self.digest is not None and self.mode != "digest":
            raise ValueError("'digest' settings need mode: digest")
        if self.burst is not None and self.mode != "burst":
            raise ValueError("'burst' settings need mode: burst")
        if "updates" in self.model_fields_set and self.updates.outlets and not self.sends_updates:
            raise ValueError("'updates' apply to the per-story and burst modes")
        return self

    @property
    def sends_updates(self) -> bool:
        """Whether a story that grows after its alert was sent gets update messages."""
        return self.mode in ("per-story", "burst") and bool(self.updates.outlets)

    @property
    def schedule(self) -> DigestSchedule:
        """The digest schedule (defaults: daily at 08:00 UTC)."""
        return self.digest or DigestSchedule()

    @property
    def rule(self) -> BurstRule:
        """The burst rule (defaults: 3 outlets within 6 hours)."""
        return self.burst or BurstRule()


DEFAULT_MIN_SIMILARITY = 0.35  # cross-validated by python -m benchmarks.semantic (see the README)


def _one_or_many(value: Any) -> Any:
    """``like: "a sentence"`` as one description; a list as several (example headlines)."""
    return (value,) if isinstance(value, str) else value


class TopicSpec(_Strict):
    """A tracked subject: a query, a description in words (``like:``), or both (both must hold)."""

    name: str = Field(min_length=1)
    query: str | None = Field(None, min_length=1)
    alert: AlertPolicy = AlertPolicy()
    stemming: bool = False  # match word forms: negotiation, negotiations, negotiated
    exclude: tuple[str, ...] = ()  # queries whose matches this topic never alerts on
    # A sentence saying what the topic tracks, or a few example headlines: an article matches
    # when its embedding's cosine with the closest of them is at least ``min_similarity``.
    like: Annotated[tuple[Annotated[str, Field(min_length=1)], ...], BeforeValidator(_one_or_many)] = ()
    min_similarity: float = Field(DEFAULT_MIN_SIMILARITY, gt=0, lt=1)
    # Per language (``fr: ["cessez-le-feu", Liban]``): queries (a word, a "phrase" or any query)
    # that stand in for ``query`` in articles detected in that language; any one of them will do.
    aliases: dict[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")], tuple[str, ...]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _query_or_like(self) -> TopicSpec:
        if self.query is None and not self.like:
            raise ValueError("a topic needs a query, a 'like' description, or both")
        if "min_similarity" in self.model_fields_set and not self.like:
            raise ValueError("'min_similarity' applies to a topic with 'like'")
        if self.exclude and self.query is None:
            raise ValueError("'exclude' needs a query to narrow")
        if self.aliases and self.query is None:
            raise ValueError("'aliases' stand in for a query: give the query too")
        return self


class QuietHours(_Strict):
    """A daily window (channel time zone) in which alerts are held for one digest at its end."""

    start: str = "22:00"
    end: str = "07:00"

    @model_validator(mode="after")
    def _valid(self) -> QuietHours:
        parse_clock(self.start), parse_clock(self.end)
        return self


class _Channel(_Strict):
    """What every delivering channel shares: its time zone, quiet hours and retry stance."""

    timezone: str = "UTC"
    quiet_hours: QuietHours | None = None
    digest: DigestSchedule | None = None  # hold every alert of this channel for a digest
    at_most_once: bool = False  # never retry after an ambiguous failure (no duplicate, maybe none)

    @model_validator(mode="after")
    def _valid_timezone(self) -> _Channel:
        _check_timezone(self.timezone)
        return self


class ConsoleChannelSpec(_Strict):
    """Print alerts on standard output (local runs, demos)."""

    type: Literal["console"] = "console"


class SlackChannelSpec(_Channel):
    """A Slack incoming webhook (Block Kit); the URL is a secret: ``${VAR}`` or ``${secret:block-name}``."""

    type: Literal["slack"] = "slack"
    webhook_url: SecretStr
    min_interval_s: float = Field(1.0, ge=0, description="Slack allows about one message per second.")


class EmailChannelSpec(_Channel):
    """E-mail through the SMTP server of the settings (NEWSWATCH_SMTP__*)."""

    type: Literal["email"] = "email"
    to: tuple[str, ...] = Field(min_length=1)
    subject_prefix: str = "[newswatch]"
    unsubscribe: str | None = None  # mailto: or https: URL for the List-Unsubscribe header


class WebhookChannelSpec(_Channel):
    """A generic JSON POST (Teams, Discord, custom endpoints)."""

    type: Literal["webhook"] = "webhook"
    url: SecretStr
    headers: dict[str, SecretStr] = Field(default_factory=dict)


class AppriseChannelSpec(_Channel):
    """Any service Apprise knows, by its URL (a secret: give it as ``${VAR}``)."""

    type: Literal["apprise"] = "apprise"
    url: SecretStr


ChannelSpec = Annotated[
    ConsoleChannelSpec | SlackChannelSpec | EmailChannelSpec | WebhookChannelSpec | AppriseChannelSpec,
    Field(discriminator="type"),
]
# Fields that hold credentials: in a watchlist file they must come from ${VAR}, never literally.
SECRET_FIELDS = {"slack": ("webhook_url",), "webhook": ("url",), "apprise": ("url",)}
_SECRET_HEADER = re.compile(r"auth|token|key|secret|signature", re.IGNORECASE)


def _console_only() -> dict[str, ChannelSpec]:
    return {"console": ConsoleChannelSpec()}


class Watchlist(_Strict):
    """The whole file, plus where each topic was declared (for error messages)."""

    sources: tuple[SourceSpec, ...] = ()
    topics: tuple[TopicSpec, ...] = ()
    channels: dict[str, ChannelSpec] = Field(default_factory=lambda: _console_only())
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


def load_watchlist(
    path: Path, environ: dict[str, str] | None = None, secrets: SecretResolver | None = None
) -> Watchlist:
    """The validated watchlist at ``path``; ConfigurationError with file and line when it is wrong.

    ``${VAR}`` is read from ``environ`` (the process environment by default) and
    ``${secret:name}`` from ``secrets`` (flows/ passes one that reads Prefect Secret blocks).
    """
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
    _refuse_literal_secrets(data, path, root)
    data = _expand_env(data, environ, _secret_lookup(secrets, path), path, root)
    base = path.parent
    try:
        watchlist = Watchlist.model_validate({**data, "path": path, "topic_lines": _topic_lines(root)})
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, path, root)) from exc
    return watchlist.model_copy(update={"sources": tuple(_resolve(s, base) for s in watchlist.sources)})


def _refuse_literal_secrets(data: dict[str, Any], path: Path, root: yaml.Node | None) -> None:
    """A webhook URL or token written into the file ends up in version control: demand ``${VAR}``."""
    channels = data.get("channels")
    for name, spec in (channels or {}).items() if isinstance(channels, dict) else ():
        if not isinstance(spec, dict):
            continue
        values = {key: spec.get(key) for key in SECRET_FIELDS.get(str(spec.get("type")), ())}
        headers = spec.get("headers") if spec.get("type") == "webhook" else None
        if isinstance(headers, dict):
            values.update({f"headers.{k}": v for k, v in headers.items() if _SECRET_HEADER.search(str(k))})
        for key, value in values.items():
            if isinstance(value, str) and not (_ENV_REF.search(value) or _SECRET_REF.search(value)):
                node = _child(_child(root, "channels"), name)
                line = node.start_mark.line + 1 if node is not None else 1
                raise ConfigurationError(
                    f"{path}:{line}: channel {name!r}: {key} is a secret; write it as ${{VARIABLE}} "
                    "(set in the environment) or ${secret:block-name} (a Prefect Secret block)"
                )


def _resolve(source: SourceSpec, base: Path) -> SourceSpec:
    """A relative path in the watchlist is relative to the watchlist file, wherever newswatch runs."""
    if not isinstance(source, LocalSource) or source.path.is_absolute():
        return source
    return source.model_copy(update={"path": (base / source.path).resolve()})


def _secret_lookup(secrets: SecretResolver | None, path: Path) -> Callable[[str], str]:
    def lookup(name: str) -> str:
        if secrets is None:
            raise ConfigurationError(f"{path}: ${{secret:{name}}} is read from Prefect, when newswatch runs")
        value = secrets(name)
        if value is None:
            raise ConfigurationError(f"{path}: there is no Prefect Secret block named {name!r}")
        return value

    return lookup


def _expand_env(
    value: Any, environ: dict[str, str], secret: Callable[[str], str], path: Path, root: yaml.Node | None
) -> Any:
    if isinstance(value, dict):
        return {key: _expand_env(item, environ, secret, path, root) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_env(item, environ, secret, path, root) for item in value]
    if isinstance(value, str):
        value = _SECRET_REF.sub(lambda found: secret(found.group(1)), value)
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


def _without_source_kind(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """``sources.0.feed.every`` → ``sources.0.every``: the kind pydantic names (the union's tag)
    is not a place in the file."""
    if len(loc) > 2 and loc[0] == "sources" and isinstance(loc[1], int) and loc[2] in SOURCE_KINDS:
        return (*loc[:2], *loc[3:])
    return loc


def _describe(exc: ValidationError, path: Path, root: yaml.Node | None) -> str:
    """One line per problem: ``file:line: where: what (value)``."""
    lines = []
    for error in exc.errors():
        node, line = root, 1
        loc = _without_source_kind(error["loc"])
        for key in loc:
            node = _child(node, key)
            if node is None:
                break
            line = node.start_mark.line + 1
        where = ".".join(str(part) for part in loc) or "watchlist"
        value = error.get("input")
        shown = f" (got {value!r})" if not isinstance(value, dict) else ""
        lines.append(f"{path}:{line}: {where}: {error['msg']}{shown}")
    return "\n".join(lines)
