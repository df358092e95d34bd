"""Topics described in words (``like:``): the real model, real short reports in four languages.

The reports below were written for these tests: a truce in southern Lebanon told in English,
French, Arabic and German, and unrelated news (a central bank, Lebanon's parliament) in the
same languages.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import ConfigurationError
from core.watchlist import TopicSpec
from topics.matcher import TopicDefinition, compile_topics
from topics.semantic import QUANTIZED_BYTES, dequantize, embed, embed_passages, passage

LIKE = "A ceasefire between Israel and Hezbollah in Lebanon"
TRUCE = {
    "en": (
        "Truce on the Blue Line holds",
        "Displaced families began returning to villages in southern Lebanon on Wednesday as the "
        "truce between Israel and Hezbollah held for a second day. The Lebanese army moved troops "
        "south of the Litani river.",
    ),
    "fr": (
        "Le cessez-le-feu tient au Sud-Liban",
        "Des familles déplacées ont commencé à regagner leurs villages du Sud-Liban mercredi, alors "
        "que la trêve entre Israël et le Hezbollah tenait pour le deuxième jour. L'armée libanaise a "
        "déployé des soldats au sud du fleuve Litani.",
    ),
    "ar": (
        "صمود وقف إطلاق النار في جنوب لبنان",
        "بدأت العائلات النازحة بالعودة إلى قراها في جنوب لبنان يوم الأربعاء مع صمود الهدنة بين "
        "إسرائيل وحزب الله لليوم الثاني. ونشر الجيش اللبناني جنوده جنوب نهر الليطاني.",
    ),
    "de": (
        "Waffenruhe im Südlibanon hält",
        "Vertriebene Familien kehrten am Mittwoch in ihre Dörfer im Südlibanon zurück, während die "
        "Waffenruhe zwischen Israel und der Hisbollah den zweiten Tag hielt.",
    ),
}
UNRELATED = {
    "en": (
        "Central bank raises interest rates again",
        "The central bank raised its main interest rate by a quarter point on Thursday, citing "
        "persistent inflation in services and a tight labour market.",
    ),
    "fr": (
        "La banque centrale relève encore ses taux",
        "La banque centrale a relevé jeudi son principal taux directeur d'un quart de point, "
        "invoquant une inflation persistante dans les services.",
    ),
    "ar": (
        "البنك المركزي يرفع أسعار الفائدة مجددا",
        "رفع البنك المركزي سعر الفائدة الرئيسي ربع نقطة يوم الخميس بسبب استمرار التضخم في قطاع الخدمات.",
    ),
    "en-lebanon": (
        "Lebanon's parliament fails again to elect a president",
        "Lebanese lawmakers failed for the twelfth time to elect a president on Wednesday, "
        "prolonging a vacuum at the top of the state amid a deep economic crisis.",
    ),
}
THRESHOLD = 0.3


def _embedding(report: tuple[str, str]) -> bytes:
    return embed_passages([passage(*report)])[0]


def _match(definition: TopicDefinition, report: tuple[str, str]):
    title, text = report
    return compile_topics([definition]).match(title=title, text=text, embedding=_embedding(report))


@pytest.mark.parametrize("lang", sorted(TRUCE))
def test_a_description_in_english_matches_the_report_in_any_language_and_says_why(lang: str) -> None:
    definition = TopicDefinition("truce", None, like=(LIKE,), min_similarity=THRESHOLD)
    [hit] = _match(definition, TRUCE[lang])
    assert hit.topic == "truce" and hit.hits == ()
    assert hit.similar is not None and hit.similar.like == LIKE
    assert hit.similar.score >= THRESHOLD
    assert hit.similar.reason == f'like "{LIKE}" {hit.similar.score:.2f}'


@pytest.mark.parametrize("kind", sorted(UNRELATED))
def test_a_description_does_not_match_unrelated_news_in_any_language(kind: str) -> None:
    definition = TopicDefinition("truce", None, like=(LIKE,), min_similarity=THRESHOLD)
    assert _match(definition, UNRELATED[kind]) == []


def test_the_closest_of_several_examples_is_named() -> None:
    examples = ("Central bank lifts its key rate", LIKE)
    definition = TopicDefinition("either", None, like=examples, min_similarity=THRESHOLD)
    [bank] = _match(definition, UNRELATED["en"])
    [truce] = _match(definition, TRUCE["fr"])
    assert bank.similar.like == examples[0] and truce.similar.like == examples[1]


def test_with_a_query_both_must_hold() -> None:
    guarded = TopicDefinition("truce", "Litani", like=(LIKE,), min_similarity=THRESHOLD)
    [hit] = _match(guarded, TRUCE["en"])
    assert hit.terms == ("Litani",) and hit.similar is not None
    assert _match(guarded, TRUCE["de"]) == []  # similar, but the guardrail term is missing
    lexical_only = TopicDefinition("bank", "central AND bank", like=(LIKE,), min_similarity=THRESHOLD)
    assert _match(lexical_only, UNRELATED["en"]) == []  # the query holds, the description does not


def test_an_article_without_embedding_never_matches_a_described_topic() -> None:
    matcher = compile_topics([TopicDefinition("truce", None, like=(LIKE,), min_similarity=THRESHOLD)])
    assert matcher.semantic
    assert matcher.match(title=TRUCE["en"][0], text=TRUCE["en"][1], embedding=None) == []


def test_a_matcher_without_described_topics_needs_no_embedding() -> None:
    matcher = compile_topics([("plain", "Litani")])
    assert not matcher.semantic
    assert [h.topic for h in matcher.match(title=None, text=TRUCE["en"][1])] == ["plain"]


def test_stored_vectors_are_int8_and_keep_the_cosine() -> None:
    texts = [passage(*TRUCE["en"]), passage(*TRUCE["fr"]), passage(*UNRELATED["en"])]
    exact = embed(texts)
    stored = embed_passages(texts)
    assert all(len(vector) == QUANTIZED_BYTES == 512 for vector in stored)
    restored = np.stack([dequantize(vector) for vector in stored])
    assert np.abs(restored @ restored.T - exact @ exact.T).max() < 0.01
    with pytest.raises(ValueError, match="512 bytes"):
        dequantize(stored[0][:100])


def test_the_passage_is_the_headline_and_the_lead_cut_at_a_word() -> None:
    text = "word " * 400
    lead = passage("Headline", text, lead_chars=52)
    assert lead.startswith("Headline\n") and lead.endswith("word") and len(lead) <= len("Headline\n") + 52
    assert passage(None, "short text") == "short text"


def test_the_watchlist_takes_like_alone_or_with_a_query() -> None:
    alone = TopicSpec(name="t", like="a truce in Lebanon")
    assert alone.query is None and alone.like == ("a truce in Lebanon",)
    both = TopicSpec(name="t", query="Lebanon", like=["a truce", "a ceasefire"], min_similarity=0.4)
    assert both.like == ("a truce", "a ceasefire") and both.min_similarity == 0.4
    for wrong in (
        {"name": "t"},
        {"name": "t", "query": "Lebanon", "min_similarity": 0.4},
        {"name": "t", "like": "a truce", "min_similarity": 1.5},
        {"name": "t", "like": "a truce", "exclude": ["sport"]},
    ):
        with pytest.raises(ValueError):
            TopicSpec(**wrong)


def test_a_watchlist_topic_without_query_or_description_is_a_configuration_error(tmp_path) -> None:
    from core.watchlist import load_watchlist

    path = tmp_path / "watchlist.yaml"
    path.write_text("sources: []\ntopics:\n  - name: empty\n    min_similarity: 0.4\nchannels: {}\n")
    with pytest.raises(ConfigurationError, match=r"watchlist\.yaml"):
        load_watchlist(path)
