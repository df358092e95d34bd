"""Slack incoming webhooks with Block Kit: linked headline, outlet, local time, snippet, story line.

Every piece of article text is hostile: ``&``, ``<`` and ``>`` go out as ``&amp;``, ``&lt;`` and
``&gt;``, so ``<!channel>``, ``<@U…>`` or ``<url|text>`` in a headline arrive as literal text
(api.slack.com/reference/surfaces/formatting#escaping). Each webhook gets at most one message
per ``min_interval_s`` (Slack allows about one per second); a 429 keeps it quiet for Retry-After.
Slack has no idempotency key, so an answer lost after the request was sent is *ambiguous*.
"""

from __future__ import annotations

from typing import Any

import httpx

from alerts.posting import RATE_LIMITER, RateLimiter, make_alert_client, post_json
from alerts.render import group_by_topic, highlight, local_time, story_line, update_line
from core.errors import AlertDeliveryError
from core.records import AlertMessage, StoryArticle
from core.watchlist import SlackChannelSpec

MAX_SNIPPET = 280
MAX_OTHER_REPORTS = 5
MAX_DIGEST_STORIES = 20  # Slack allows 50 blocks per message


def slack_escape(text: str) -> str:
    """Text that Slack shows literally: ``&``, ``<`` and ``>`` escaped exactly once."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_bold(text: str) -> str:
    """``*text*`` in bold, escaped, whatever it holds: an asterisk inside would end the bold early,
    so it is shown as a look-alike (U+2217), and surrounding spaces stay outside the markers."""
    core = slack_escape(text.strip()).replace("*", "\u2217")
    if not core:
        return slack_escape(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}*{core}*{trail}"


def _link(article: StoryArticle, text: str) -> str:
    """``<url|text>`` for web reports (the URL made safe for Slack's link syntax), else the text."""
    label = slack_escape(text)
    url = article.link
    if not url or not url.startswith(("http://", "https://")) or any(c.isspace() for c in url):
        return label
    safe_url = slack_escape(url).replace("|", "%7C")
    return f"<{safe_url}|{label}>"


def _bold_terms(text: str, terms: tuple[str, ...]) -> str:
    pieces = []
    for piece, matched in highlight(text, terms):
        pieces.append(slack_bold(piece) if matched else slack_escape(piece))
    return "".join(pieces)


def _lead(message: AlertMessage) -> StoryArticle | None:
    """The report the alert leads with: the matching report for per-article, else the first one."""
    return message.articles[0] if message.articles else None


def story_blocks(message: AlertMessage, zone: str) -> list[dict[str, Any]]:
    """The Block Kit blocks for one story alert."""
    lead = _lead(message)
    headline = _link(lead, message.story_title) if lead else slack_escape(message.story_title)
    facts = []
    if lead and lead.publisher:
        facts.append(slack_escape(lead.publisher))
    if lead and (lead.published or lead.first_seen):
        facts.append(local_time(lead.published or lead.first_seen, zone))  # type: ignore[arg-type]
    lines = [f"*{headline}*"] + ([" · ".join(facts)] if facts else [])
    if lead and lead.snippet:
        lines.append(_bold_terms(lead.snippet[:MAX_SNIPPET], message.matched_terms))
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}]
    context = [f"{slack_escape(story_line(message, zone))}", *_matched(message)]
    others = [_link(a, a.title) for a in message.articles[1 : 1 + MAX_OTHER_REPORTS]]
    if others:
        context.append("also: " + " · ".join(others))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in context]})
    return blocks


def update_blocks(message: AlertMessage, zone: str) -> list[dict[str, Any]]:
    """The Block Kit blocks for a story update: the headline, how far it spread, what is new."""
    lead = _lead(message)
    headline = _link(lead, message.story_title) if lead else slack_escape(message.story_title)
    lines = [f"*{headline}*", slack_escape(update_line(message, zone))]
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}]
    new = [
        f"{_link(a, a.title)} ({slack_escape(a.outlet)})" for a in message.new_articles[:MAX_OTHER_REPORTS]
    ]
    context = (["new: " + " · ".join(new)] if new else []) + _matched(message)
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in context]})
    return blocks


def _matched(message: AlertMessage) -> list[str]:
    if not message.matched_terms:
        return []
    return ["matched: " + ", ".join(slack_bold(t) for t in message.matched_terms)]


def slack_payload(message: AlertMessage, zone: str = "UTC") -> dict[str, Any]:
    """The webhook body: Block Kit blocks plus the escaped ``text`` Slack shows in notifications."""
    if message.kind == "digest":
        return _digest_payload(message, zone)
    kind = {"burst": "breaking", "article": "new report", "update": "story update"}.get(
        message.kind, "new story"
    )
    title = f"{message.topic} · {kind}"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": False}}]
    blocks += update_blocks(message, zone) if message.kind == "update" else story_blocks(message, zone)
    notice = f"[{message.topic}] {message.story_title}"
    if message.kind == "update":
        notice += f" (now {message.outlets} outlets)"
    return {"text": slack_escape(notice), "blocks": blocks}


def _digest_payload(message: AlertMessage, zone: str) -> dict[str, Any]:
    count = len(message.items)
    title = f"newswatch digest · {count} stor{'y' if count == 1 else 'ies'}"
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    shown = 0
    for topic, items in group_by_topic(message.items):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{slack_escape(topic)}*"}})
        for item in items:
            if shown == MAX_DIGEST_STORIES:
                break
            blocks += story_blocks(item, zone)
            shown += 1
    if count > shown:
        more = f"… and {count - shown} more"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return {"text": slack_escape(title), "blocks": blocks}


class SlackChannel:
    """Posts alerts to one Slack incoming webhook."""

    def __init__(
        self,
        name: str,
        spec: SlackChannelSpec,
        *,
        client: httpx.Client | None = None,
        limiter: RateLimiter = RATE_LIMITER,
    ) -> None:
        self.name, self.spec = name, spec
        self.at_most_once = spec.at_most_once
        self._client = client or make_alert_client()
        self._owns_client = client is None
        self._limiter = limiter

    def send(self, message: AlertMessage) -> str | None:
        """Post the alert; Slack's request id as the reference, or AlertDeliveryError."""
        url = self.spec.webhook_url.get_secret_value()
        self._limiter.acquire(url, self.spec.min_interval_s, channel=self.name)
        try:
            response = post_json(
                self._client, url, slack_payload(message, self.spec.timezone), channel=self.name
            )
        except AlertDeliveryError as exc:
            if exc.retry_after_s:
                self._limiter.defer(url, exc.retry_after_s)
            raise
        return response.headers.get("x-slack-req-id") or f"slack:{response.status_code}"

    def close(self) -> None:
        """Close the HTTP client this channel opened."""
        if self._owns_client:
            self._client.close()
