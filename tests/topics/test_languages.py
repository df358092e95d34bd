"""Folding, stemming and aliases per language, on short reports written for these tests
(French, German, Spanish, Arabic and English)."""

from __future__ import annotations

import pytest

from core.watchlist import TopicSpec
from pipeline.watchlist import topic_definition
from topics.matcher import TopicDefinition, compile_topics
from topics.text import fold, stem, stemming_language, tokenize

FRENCH = (
    "Les négociations reprennent au Caire",
    "Les négociateurs libanais et israéliens ont repris jeudi leurs négociations indirectes sur la "
    "frontière, a indiqué un diplomate.",
)
GERMAN = (
    "Verhandlungen über die Grenze gehen weiter",
    "Die Unterhändler setzten am Donnerstag ihre Verhandlungen über den Grenzverlauf fort.",
)
SPANISH = (
    "Continúan las negociaciones en El Cairo",
    "Los negociadores reanudaron el jueves las negociaciones indirectas sobre la frontera.",
)
ARABIC_VOWELLED = "وَقْفُ إِطْلَاقِ النَّارِ فِي القَاهِرَة"
ARABIC_PLAIN = "وقف اطلاق النار في القاهره"


def test_arabic_diacritics_and_letter_variants_fold_together() -> None:
    assert tokenize(ARABIC_VOWELLED) == tokenize(ARABIC_PLAIN)
    assert fold("أحمد إلى آخر مستشفى") == fold("احمد الي اخر مستشفي")
    assert fold("ـــلبنان") == fold("لبنان")  # tatweel
    matcher = compile_topics([("ceasefire", '"وقف إطلاق النار"')])
    assert matcher.match(title=None, text=f"أعلن {ARABIC_PLAIN} اليوم", lang="ar")


def test_stemming_follows_the_language_of_the_article() -> None:
    assert stemming_language("fr-FR") == "fr" and stemming_language("pt_BR") == "pt"
    assert stemming_language("ar") == stemming_language(None) == "en"
    assert stem("negociations", "fr") == stem("negociation", "fr") != "negociations"
    assert stem("verhandlungen", "de") == stem("verhandlung", "de")
    topic = TopicDefinition("talks", "négociation OR Verhandlung OR negociación", stemming=True)
    matcher = compile_topics([topic])
    for (title, text), lang in ((FRENCH, "fr"), (GERMAN, "de"), (SPANISH, "es")):
        [hit] = matcher.match(title=title, text=text, lang=lang)
        assert hit.topic == "talks"
    # without stemming the plural forms are not the term
    plain = compile_topics([TopicDefinition("talks", "négociation OR Verhandlung OR negociación")])
    assert plain.match(title=FRENCH[0], text=FRENCH[1], lang="fr") == []


def test_an_article_of_another_language_is_stemmed_in_its_own_not_in_english() -> None:
    # French merges "négociateurs" with "négociation" (negoci); English keeps them apart.
    matcher = compile_topics([TopicDefinition("t", "négociation", stemming=True)])
    text = "Les négociateurs sont arrivés."
    assert matcher.match(title=None, text=text, lang="fr")
    assert matcher.match(title=None, text=text, lang="en") == []


def test_english_stemming_is_unchanged_for_unknown_languages() -> None:
    matcher = compile_topics([TopicDefinition("immigration", "immigration", stemming=True)])
    for lang in (None, "en", "en-GB", "xx"):
        assert matcher.match(title=None, text="Immigrants crossed the border.", lang=lang)


def _aliased() -> TopicDefinition:
    spec = TopicSpec(
        name="Lebanon ceasefire",
        query="Lebanon AND ceasefire",
        aliases={"fr": ["cessez-le-feu AND Liban"], "ar": ['"وقف إطلاق النار" AND لبنان']},
    )
    return topic_definition(spec)


@pytest.mark.parametrize(
    ("lang", "title", "text"),
    [
        ("fr", "Le cessez-le-feu tient au Liban", "Le cessez-le-feu entre Israël et le Hezbollah tient."),
        ("ar", "صمود وقف إطلاق النار في لبنان", "صمد وقف إطلاق النار في جنوب لبنان لليوم الثاني."),
        ("en", "Lebanon ceasefire holds", "The ceasefire in Lebanon held for a second day."),
    ],
)
def test_aliases_match_the_articles_of_their_language(lang: str, title: str, text: str) -> None:
    [hit] = compile_topics([_aliased()]).match(title=title, text=text, lang=lang)
    assert hit.topic == "Lebanon ceasefire" and hit.terms


def test_aliases_do_not_match_in_another_language_nor_without_every_word() -> None:
    matcher = compile_topics([_aliased()])
    french = ("Le cessez-le-feu tient au Liban", "Le cessez-le-feu tient.")
    assert matcher.match(title=french[0], text=french[1], lang="es") == []  # only for French articles
    assert matcher.match(title="Le cessez-le-feu tient à Gaza", text="À Gaza.", lang="fr") == []


def test_aliases_need_a_query_and_language_codes() -> None:
    with pytest.raises(ValueError):
        TopicSpec(name="t", like="a truce", aliases={"fr": ["trêve"]})
    with pytest.raises(ValueError):
        TopicSpec(name="t", query="truce", aliases={"French": ["trêve"]})
