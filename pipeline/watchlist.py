"""The watchlist as the pipeline uses it: read with log redaction in place, its topics compiled,
and its sources and topics mirrored into storage.

``read_watchlist`` takes the resolver of ``${secret:name}`` references as a plain function;
flows/prefect_secrets.py passes one that reads Prefect Secret blocks.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import Engine

from alerts.redaction import install_redaction, redact, url_secrets
from core.errors import ConfigurationError, QuerySyntaxError, StorageError
from core.watchlist import SecretResolver, TopicSpec, Watchlist, WebSource, load_watchlist
from storage import catalog, outbox
from storage.engine import transaction
from topics.matcher import TopicDefinition, TopicMatcher, compile_topic, compile_topics

LOGGER = logging.getLogger(__name__)


def read_watchlist(path: Path, secrets: SecretResolver | None = None) -> Watchlist:
    """The watchlist at ``path``, ``${secret:name}`` read with ``secrets``.

    Log redaction is installed, with the credentials of its web sources' URLs
    (``https://user:pass@host``, ``?token=…``), before anything is fetched: httpx logs full URLs.
    """
    watchlist = load_watchlist(path, secrets=secrets)
    web = (spec for spec in watchlist.sources if isinstance(spec, WebSource))
    install_redaction(secret for spec in web for secret in url_secrets(str(spec.location)))
    return watchlist


def compile_watchlist_topics(watchlist: Watchlist, *, semantic: bool = True) -> TopicMatcher:
    """The matcher for every topic of the watchlist; a bad query is reported with its file and line."""
    for topic in watchlist.topics:
        try:
            if topic.query is not None:
                compile_topic(
                    topic.name, topic.query, exclude=topic.exclude, aliases=tuple(topic.aliases.items())
                )
        except QuerySyntaxError as exc:
            raise ConfigurationError(f"{watchlist.where(topic.name)}: topic {topic.name!r}: {exc}") from exc
    return topic_matcher(watchlist_topics(watchlist, semantic=semantic))


def watchlist_topics(watchlist: Watchlist, *, semantic: bool = True) -> tuple[TopicDefinition, ...]:
    """The watchlist's topics as plain, hashable values (what a task is given).

    With ``semantic`` off (``NEWSWATCH_SEMANTIC__ENABLED=false``) the topics described in words
    are left out, with a warning, so the embedding model is never loaded.
    """
    kept = []
    for topic in watchlist.topics:
        if topic.like and not semantic:
            LOGGER.warning("topic %r is described in words ('like'); semantic topics are off", topic.name)
            continue
        kept.append(topic_definition(topic))
    return tuple(kept)


@lru_cache(maxsize=8)
def topic_matcher(topics: tuple[TopicDefinition, ...]) -> TopicMatcher:
    """The compiled matcher of ``topics``, compiled once per process for the same topics.

    Keyed by the definitions themselves (names, queries, options), so every task of a run, and
    the next run with an unchanged watchlist, reuses one matcher.
    """
    return compile_topics(topics)


def topic_definition(topic: TopicSpec) -> TopicDefinition:
    """A watchlist topic as topics/ compiles it (query, stemming, exclusions)."""
    return TopicDefinition(
        topic.name,
        topic.query,
        stemming=topic.stemming,
        exclude=topic.exclude,
        like=topic.like,
        min_similarity=topic.min_similarity,
        aliases=tuple(sorted(topic.aliases.items())),
    )


def sync_watchlist(engine: Engine, watchlist: Watchlist) -> None:
    """Mirror the watchlist's sources and topics into storage (cursors and health are kept).

    Two runs starting together may both insert a new source or topic; the loser of that race
    gets ``db_conflict`` and simply tries again, now finding the rows the other run created (so
    does a run that met any other transient storage failure, such as ``db_busy``).
    """
    for attempt in range(3):
        try:
            return _sync_watchlist_once(engine, watchlist)
        except StorageError as exc:
            if not exc.transient or attempt == 2:
                raise
            LOGGER.info("watchlist sync met %s (another run?); trying again", exc.reason)


def _sync_watchlist_once(engine: Engine, watchlist: Watchlist) -> None:
    with transaction(engine) as session:
        for source in watchlist.sources:
            catalog.upsert_source(
                session=session,
                name=source.name,
                kind=source.kind,
                location=redact(str(source.location)),  # a URL's credentials stay in the watchlist
                every_seconds=source.every.total_seconds(),
            )
        for topic in watchlist.topics:
            row = catalog.upsert_topic(
                session=session,
                name=topic.name,
                query=topic_definition(topic).shown,
                mode=topic.alert.mode,
                channels=topic.alert.channels,
            )
            outbox.set_topic_policy(session=session, topic=row, policy=topic.alert.model_dump(mode="json"))
