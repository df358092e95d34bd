"""A generic JSON webhook (Teams, Discord, custom endpoints): the alert as structured JSON.

The body carries a plain ``text`` (and ``content``, which Discord reads) plus the structured
fields, so a receiver can render it its own way. JSON encoding is the escaping here: receivers
that turn fields into HTML must escape them themselves.
"""

from __future__ import annotations

from typing import Any

import httpx

from alerts.posting import make_alert_client, post_json
from alerts.render import render_text, story_line
from core.records import AlertMessage, StoryArticle
from core.watchlist import WebhookChannelSpec


def _article(article: StoryArticle) -> dict[str, Any]:
    return {
        "title": article.title,
        "link": article.link,
        "location": article.location,
        "outlet": article.site_name,
        "published": article.published.isoformat() if article.published else None,
        "snippet": article.snippet,
    }


def webhook_payload(message: AlertMessage, zone: str = "UTC") -> dict[str, Any]:
    """The JSON body for one alert or digest."""
    text = render_text(message)
    body: dict[str, Any] = {
        "text": text,
        "content": text[:2000],  # Discord's limit
        "alert_id": message.alert_id,
        "kind": message.kind,
        "maybe_duplicate": message.maybe_sent,
    }
    if message.kind == "digest":
        body["items"] = [_story(item, zone) for item in message.items]
    else:
        body.update(_story(message, zone))
    if message.kind == "update":
        body["update"] = {
            "follows_alert_id": message.follows,
            "outlets": message.outlets,
            "previous_outlets": message.shown_outlets,
            "previous_at": message.shown_at.isoformat() if message.shown_at else None,
            "new_reports": [_article(article) for article in message.new_articles],
        }
    return body


def _story(message: AlertMessage, zone: str) -> dict[str, Any]:
    return {
        "topic": message.topic,
        "story_id": message.story_id,
        "headline": message.story_title,
        "matched_terms": list(message.matched_terms),
        "story_line": story_line(message, zone),
        "reports": [_article(article) for article in message.articles],
    }


class WebhookChannel:
    """POSTs alerts as JSON to one URL, with optional headers (tokens come from the environment)."""

    def __init__(self, name: str, spec: WebhookChannelSpec, *, client: httpx.Client | None = None) -> None:
        self.name, self.spec = name, spec
        self.at_most_once = spec.at_most_once
        self._client = client or make_alert_client()
        self._owns_client = client is None

    def send(self, message: AlertMessage) -> str | None:
        """POST the alert; ``http:<status>`` as the reference, or AlertDeliveryError."""
        headers = {key: value.get_secret_value() for key, value in self.spec.headers.items()}
        headers["Idempotency-Key"] = f"newswatch-alert-{message.alert_id}"
        response = post_json(
            self._client,
            self.spec.url.get_secret_value(),
            webhook_payload(message, self.spec.timezone),
            channel=self.name,
            headers=headers,
        )
        return f"http:{response.status_code}"

    def close(self) -> None:
        """Close the HTTP client this channel opened."""
        if self._owns_client:
            self._client.close()
