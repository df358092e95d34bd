"""Alerts link without tracking parameters, show headlines without social credits and always
name an outlet (issue 15, item 10)."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.messages import alert_message
from alerts.render import render_text
from alerts.slack import slack_payload
from alerts.smtp import render_html
from core.records import ClaimedAlert, ExtractedArticle, OutboxReport
from extractors.metadata import canonicalise_url, complete_article
from extractors.titles import without_social_suffix

NOW = datetime(2024, 11, 1, 9, 12, tzinfo=UTC)
TRACKED = "https://news.example/story?id=7&srsltid=AfmBOoq&utm_source=x&gclid=1&mc_cid=2"


def _claimed(*, canonical: str | None, location: str, site: str | None) -> ClaimedAlert:
    report = OutboxReport(1, "Envoy meets premier", location, site, NOW, NOW, canonical, "Envoy text.")
    return ClaimedAlert(
        alert_id=1,
        topic="T",
        channel="c",
        kind="story",
        story_id=1,
        story_title="Envoy meets premier",
        article_id=1,
        attempts=0,
        digest_at=None,
        maybe_sent=False,
        done_recipients=(),
        matched_terms=("envoy",),
        reports=(report,),
    )


def test_links_lose_tracking_parameters_and_keep_the_rest() -> None:
    for claimed in (
        _claimed(canonical=None, location=TRACKED, site="Example"),
        _claimed(canonical=TRACKED, location="https://news.example/x", site="Example"),
    ):
        message = alert_message(claimed)
        assert message.articles[0].link == "https://news.example/story?id=7"
        assert "srsltid" not in str(slack_payload(message)) and "srsltid" not in render_html(message)
    assert canonicalise_url(TRACKED) == "https://news.example/story?id=7"


def test_an_alert_without_a_site_name_names_the_host() -> None:
    message = alert_message(_claimed(canonical=None, location="https://www.news.example/a", site=None))
    assert "Envoy meets premier — news.example" in render_text(message)
    section = slack_payload(message)["blocks"][1]["text"]["text"]
    assert "news.example · 2024-11-01" in section
    assert "news.example · 2024-11-01" in render_html(message)


def test_titles_lose_social_credits() -> None:
    assert without_social_suffix("Best cars of 2025 via @ConsumerReports") == "Best cars of 2025"
    assert without_social_suffix("Talks stall (via @AP)") == "Talks stall"
    assert without_social_suffix("Talks stall | @Reuters") == "Talks stall"
    assert without_social_suffix("Meet me @ noon") == "Meet me @ noon"
    article = ExtractedArticle("x", "Recall widens via @ConsumerReports", False, "Some text here.")
    assert complete_article(article).title == "Recall widens"
