"""Speed of topic matching and story assignment, as ingest runs them.

    python -m benchmarks.matching                      # 10,000 articles, stored 1k/10k/100k
    python -m benchmarks.matching --articles 2000      # quicker, for a first look

Matching: 10, 100 and 1,000 synthetic topics (``(a OR b) AND (c OR "d e")`` over words of the
corpus, some with wildcards, NEAR and stemming) compiled once, then matched against the same
articles of ``allsides-dev.jsonl``. Target: 1,000 topics cost at most 2x what 10 topics cost per
article (same run, so the ratio is robust to a noisy machine).

Story assignment: a ``topics.clustering.StoryIndex`` filled with 1,000, 10,000 and 100,000
stored reports (variants of real reports, so posting lists and profiles have real sizes), then
for real articles: the report (tokenising, folding, MinHash, marks), ``assign`` and ``add``.
Target: under 5 ms per article at 100,000 stored, with bounded memory (MiB held by the index,
measured with tracemalloc, and what is left once the window has passed). Wall-clock and CPU
time are both printed: on a shared machine the wall-clock time also counts other processes.

    python -m benchmarks.matching --stories-only       # story assignment alone
"""

from __future__ import annotations

import argparse
import json
import random
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.settings import StorySettings
from topics.clustering import StoryIndex, StoryReport, story_report
from topics.matcher import TopicDefinition, compile_topics
from topics.stories import STOP_WORDS
from topics.text import tokenize

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/topics/allsides-dev.jsonl"
NOW = datetime(2024, 11, 27, tzinfo=UTC)
MODELS = 1_000  # real reports the stored ones are varied from


def load_articles(path: Path, count: int) -> list[dict[str, Any]]:
    """``count`` articles of the corpus (cycled when it holds fewer)."""
    with path.open(encoding="utf-8") as lines:
        docs = [json.loads(line) for line in lines]
    return [docs[i % len(docs)] for i in range(count)]


def make_topics(words: list[str], count: int, rng: random.Random) -> list[TopicDefinition]:
    """``count`` topics built from corpus words, mixing the query language's features."""
    topics = []
    for i in range(count):
        a, b, c, d, e = rng.sample(words, 5)
        query = f'({a} OR {b}) AND ({c} OR "{d} {e}")'
        if i % 5 == 1:
            query = f"({a[:4]}* OR {b}) AND {c}" if len(a) >= 4 else query
        if i % 5 == 2:
            query = f"{a} NEAR/5 {b} OR title:{c}"
        topics.append(
            TopicDefinition(f"t{i}", query, stemming=i % 7 == 3, exclude=(e,) if i % 3 == 0 else ())
        )
    return topics


def time_matching(articles: list[dict[str, Any]], topics: list[TopicDefinition]) -> tuple[float, int]:
    """Microseconds per article and the number of matches."""
    matcher = compile_topics(topics)
    for article in articles[:200]:  # warm up: the first run would otherwise also pay for the stem cache
        matcher.match(title=article.get("title"), text=article["text"])
    started = time.perf_counter()
    matched = sum(len(matcher.match(title=a.get("title"), text=a["text"])) for a in articles)
    return (time.perf_counter() - started) / len(articles) * 1e6, matched


def fill_index(stored: int, models: list[StoryReport], rng: random.Random) -> StoryIndex:
    """An index holding ``stored`` reports in stories of 1-4 reports, made from real ones.

    Each stored report is a real article's report with a fifth of its terms swapped for words of
    other articles and a fresh signature, so posting lists, profiles and candidate
    sets have real sizes and the stories stay distinct.
    """
    index = StoryIndex.of_settings(StorySettings())
    story_id = 0
    for article_id in range(1, stored + 1):
        if rng.random() < 0.6:
            story_id = article_id
        index.add(article_id, story_id, _variant(rng.choice(models), rng.choice(models), rng), NOW)
    return index


def _variant(model: StoryReport, other: StoryReport, rng: random.Random) -> StoryReport:
    """``model`` with a fifth of its terms taken from ``other``, and a fresh signature."""
    terms = dict(model.terms)
    for (term, _), (swap, weight) in zip(list(terms.items())[::5], other.terms.items(), strict=False):
        del terms[term]
        terms[swap] = weight
    signature = tuple(rng.getrandbits(32) for _ in range(32))
    return StoryReport(terms, signature, NOW)


def time_assignment(
    articles: list[dict[str, Any]], models: list[StoryReport], stored: int, rng: random.Random
) -> dict[str, float]:
    """Milliseconds per article (report, then assign and add) at ``stored`` reports, and the index's
    memory in MiB; wall-clock and CPU time, the report's share separately."""
    tracemalloc.start()
    index = fill_index(stored, models, rng)
    memory = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    stories = len(index)
    report_wall = report_cpu = 0.0
    started, cpu_started = time.perf_counter(), time.process_time()
    for offset, article in enumerate(articles):
        wall, cpu = time.perf_counter(), time.process_time()
        report = story_report(article.get("title"), article["text"], NOW)
        report_wall += time.perf_counter() - wall
        report_cpu += time.process_time() - cpu
        assignment = index.assign(report)
        article_id = stored + 1 + offset
        index.add(article_id, assignment.story_id or article_id, report, NOW)
    per_article = 1e3 / len(articles)
    total_ms = (time.perf_counter() - started) * per_article
    total_cpu_ms = (time.process_time() - cpu_started) * per_article
    index.evict(NOW + index.window.silence + timedelta(hours=1))
    left = len(index) + len(index.copies) + index.posted
    return {
        "stored": stored,
        "stories": stories,
        "report_ms": round(report_wall * per_article, 3),
        "ms_per_article": round(total_ms, 3),
        "report_cpu_ms": round(report_cpu * per_article, 3),
        "cpu_ms_per_article": round(total_cpu_ms, 3),
        "held_after_window": left,
        "index_mib": round(memory, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=CORPUS)
    parser.add_argument("--articles", type=int, default=10_000, help="articles matched")
    parser.add_argument("--assign", type=int, default=300, help="articles assigned per index size")
    parser.add_argument("--stories-only", action="store_true", help="skip topic matching")
    args = parser.parse_args()
    rng = random.Random(5)
    articles = load_articles(args.data, max(args.articles, args.assign + MODELS))
    summary: dict[str, Any] = {"articles": args.articles}
    if not args.stories_only:
        summary |= bench_matching(articles[: args.articles], rng)
    summary |= bench_assignment(articles, args.assign, rng)
    print(json.dumps(summary))


def bench_matching(articles: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """Matching cost per article with 10, 100 and 1,000 topics, printed and returned."""
    words = sorted(
        {t for a in articles[:300] for t in tokenize(a["text"]) if t.isalpha() and len(t) > 3} - STOP_WORDS
    )
    print(f"matching {len(articles)} articles")
    print(f"{'topics':>8}{'us/article':>12}{'matches':>10}{'x 10 topics':>13}")
    matching: dict[int, float] = {}
    for count in (10, 100, 1000):
        micros, matched = time_matching(articles, make_topics(words, count, rng))
        matching[count] = micros
        print(f"{count:>8}{micros:>12.0f}{matched:>10}{micros / matching[10]:>13.2f}")
    ratio = matching[1000] / matching[10]
    print(
        f"1,000 topics cost {ratio:.2f}x 10 topics per article: "
        f"target <= 2x {'met' if ratio <= 2 else 'NOT met'}"
    )
    return {
        "matching_us_per_article": {str(k): round(v, 1) for k, v in matching.items()},
        "matching_ratio_1000_vs_10": round(ratio, 3),
    }


def bench_assignment(articles: list[dict[str, Any]], assign: int, rng: random.Random) -> dict[str, Any]:
    """Story assignment cost and index memory at 1k, 10k and 100k stored, printed and returned."""
    models = [story_report(a.get("title"), a["text"], NOW) for a in articles[assign : assign + MODELS]]
    print(f"\nstory assignment of {assign} articles: computing the report, then assign and add")
    print("wall-clock and CPU time per article (CPU time is what a shared, busy machine does not inflate)")
    print(
        f"{'stored':>8}{'stories':>9}{'report ms':>11}{'total ms':>10}{'cpu report':>12}{'cpu total':>11}"
        f"{'index MiB':>11}{'KiB/story':>11}"
    )
    assignment = []
    for stored in (1_000, 10_000, 100_000):
        row = time_assignment(articles[:assign], models, stored, rng)
        assignment.append(row)
        per_story = row["index_mib"] * 1024 / row["stories"]
        print(
            f"{stored:>8}{row['stories']:>9}{row['report_ms']:>11.2f}{row['ms_per_article']:>10.2f}"
            f"{row['report_cpu_ms']:>12.2f}{row['cpu_ms_per_article']:>11.2f}{row['index_mib']:>11.1f}"
            f"{per_story:>11.2f}"
        )
    worst, worst_cpu = assignment[-1]["ms_per_article"], assignment[-1]["cpu_ms_per_article"]
    cap = StorySettings().max_stories
    held = sum(row["held_after_window"] for row in assignment)
    print(f"stories, signatures and posting entries left once the window has passed: {held}")
    ceiling = assignment[-1]["index_mib"] / assignment[-1]["stories"] * cap
    print(
        f"at 100,000 stored, with the report: {worst:.2f} ms/article wall-clock, {worst_cpu:.2f} ms of CPU: "
        f"target < 5 ms {_verdict(worst)} (wall), {_verdict(worst_cpu)} (CPU)"
    )
    print(
        f"memory grows with the stories in the window and stops at max_stories = {cap:,} "
        f"(stale and surplus stories are evicted): about {ceiling:,.0f} MiB at that cap"
    )
    return {
        "assignment": assignment,
        "assignment_ms_at_100k_with_report": worst,
        "assignment_cpu_ms_at_100k_with_report": worst_cpu,
        "index_mib_ceiling_at_max_stories": round(ceiling, 1),
    }


def _verdict(ms: float) -> str:
    return "met" if ms < 5 else "NOT met"


if __name__ == "__main__":
    main()
