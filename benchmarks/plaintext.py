"""Plain-text cleaning quality: the saved-report cleaner beside the untouched text.

    python -m benchmarks.plaintext --data DIR [DIR ...]

Each DIR holds ``txt/ID.txt`` (a page saved as text) and ``gold/ID.txt`` (its main text); a DIR
without ``txt/`` is read as a parent of such folders (``benchmarks.plaintext_sets`` builds them:
``--data /tmp/plain`` reads ``/tmp/plain/a``, ``b`` and ``c``). For each folder it prints
precision, recall and F1 of the text ``extractors.extract_text`` keeps — 4-gram shingles of
lower-cased words as the ScrapingHub article-extraction benchmark scores (counts clipped), and a
bag of words — macro-averaged over the files, beside the same figures for the untouched text, and
the CPU time of each. A file the cleaner finds empty scores as an empty text. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors import extract_text

SHINGLE = 4
_TOKEN = re.compile(r"\w+")
Prf = tuple[float, float, float]
Cleaner = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class SavedText:
    """One saved page and its main text."""

    file_id: str
    text: str
    gold: str


def folders(paths: Iterable[Path]) -> list[Path]:
    """The development folders named by ``paths``: each itself, or its subfolders holding ``txt/``."""
    found: list[Path] = []
    for path in paths:
        if (path / "txt").is_dir():
            found.append(path)
            continue
        inner = sorted(child for child in path.iterdir() if (child / "txt").is_dir()) if path.is_dir() else []
        if not inner:
            raise SystemExit(f"{path}: no txt/ folder in it or below it")
        found.extend(inner)
    return found


def load_folder(folder: Path) -> list[SavedText]:
    """The saved texts of ``folder`` that have a gold text, in file order."""
    saved = []
    for path in sorted((folder / "txt").glob("*.txt")):
        gold = folder / "gold" / path.name
        if gold.exists():
            saved.append(
                SavedText(path.stem, path.read_text(encoding="utf-8"), gold.read_text(encoding="utf-8"))
            )
    return saved


def _prf(got: Counter[Any], want: Counter[Any]) -> Prf:
    if not want:
        return (1.0, 1.0, 1.0) if not got else (0.0, 1.0, 0.0)
    if not got:
        return 1.0, 0.0, 0.0
    overlap = sum((got & want).values())
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return precision, recall, (2 * precision * recall / (precision + recall) if overlap else 0.0)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def shingles(text: str, size: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The text's word n-grams (a text shorter than ``size`` words is one shingle of all its words)."""
    tokens = _tokens(text)
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(zip(*(tokens[offset:] for offset in range(size)), strict=False))


def shingle_prf(predicted: str, reference: str) -> Prf:
    """Precision, recall and F1 of 4-gram shingles, counts clipped."""
    return _prf(shingles(predicted), shingles(reference))


def words_prf(predicted: str, reference: str) -> Prf:
    """Precision, recall and F1 of lower-cased words, counts clipped."""
    return _prf(Counter(_tokens(predicted)), Counter(_tokens(reference)))


def mean_scores(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Macro-averaged shingle and word P/R/F1 of (predicted, gold) pairs."""
    rows = [shingle_prf(got, gold) + words_prf(got, gold) for got, gold in pairs]
    names = ("shingle_p", "shingle_r", "shingle_f1", "words_p", "words_r", "words_f1")
    if not rows:
        return dict.fromkeys(names, 0.0)
    return {name: round(sum(row[index] for row in rows) / len(rows), 4) for index, name in enumerate(names)}


def clean_with_extractor(text: str) -> str:
    """The text newswatch keeps of a saved report ("" when it finds no article)."""
    article = extract_text(text, location="benchmark")
    return article.text if article is not None else ""


def untouched(text: str) -> str:
    """The baseline: the saved text as it is."""
    return text


SYSTEMS: dict[str, Cleaner] = {"untouched": untouched, "cleaner": clean_with_extractor}


def score_folder(saved: list[SavedText], systems: dict[str, Cleaner]) -> dict[str, dict[str, float]]:
    """Each system's scores on ``saved``, with its CPU seconds."""
    results: dict[str, dict[str, float]] = {}
    for name, clean in systems.items():
        started = time.process_time()
        outputs = [clean(item.text) for item in saved]
        seconds = time.process_time() - started
        results[name] = mean_scores(zip(outputs, (item.gold for item in saved), strict=True)) | {
            "cpu_s": round(seconds, 2)
        }
    return results


def print_table(table: dict[str, dict[str, dict[str, float]]], counts: dict[str, int]) -> None:
    """One row per folder and system: shingle P/R/F1, word P/R/F1, CPU seconds."""
    triple = f"{'P':>7}{'R':>7}{'F1':>7}"
    print(f"{'set':<6}{'files':>6}  {'system':<22}  4-gram{triple}  words{triple}{'CPU s':>8}")
    for folder, systems in table.items():
        for name, row in systems.items():
            shingle = "".join(f"{row[key]:>7.4f}" for key in ("shingle_p", "shingle_r", "shingle_f1"))
            words = "".join(f"{row[key]:>7.4f}" for key in ("words_p", "words_r", "words_f1"))
            cpu = row["cpu_s"]
            print(f"{folder:<6}{counts[folder]:>6}  {name:<22}  {shingle:>27}  {words:>26}{cpu:>8.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    args = parser.parse_args(argv)
    table: dict[str, dict[str, dict[str, float]]] = {}
    counts: dict[str, int] = {}
    for folder in folders(args.data):
        saved = load_folder(folder)
        counts[folder.name] = len(saved)
        table[folder.name] = score_folder(saved, SYSTEMS)
    print_table(table, counts)
    print(json.dumps({"files": counts, "scores": table}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
