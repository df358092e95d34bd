"""Build the plain-text development folders from WCXB pages: each page saved as text, three ways.

    python -m benchmarks.plaintext_sets --out DIR [--data ../shared/corpus/extraction/wcxb-dev] [--all-types]

Writes ``DIR/a``, ``DIR/b`` and ``DIR/c``, each holding ``txt/ID.txt`` (the saved text),
``gold/ID.txt`` (the page's ground-truth ``main_content``) and ``index.jsonl`` (one line per page:
``id``, ``url``, ``site``, ``title``, ``author``, ``publish_date``, ``page_type``). DIR must lie
outside the repository: the pages belong to their publishers (WCXB, CC BY 4.0, Murrough Foley).

- **a**: the whole page's visible text, every block element on its own line, as a browser's
  "save as text" gives it (menus, share bars, related lists, comment forms and footers left in).
- **b**: the article region as a person copies it: from the headline (or a few blocks before the
  body) to the body's end and the page furniture after it (share and comment blocks, related
  links), paragraphs separated by blank lines.
- **c**: (b) in the seeds' conventions: a ``date YYYY-MM-DD`` line when the page has a date, then
  the headline printed twice, then the region after its own headline.

The page is cut into blocks by ``extractors.blocks.page_blocks`` (the HTML path's own walk); a
block belongs to the body when most of its word trigrams are in the ground truth. How much
furniture (b) keeps after the body varies from page to page (8 to 30 blocks), chosen by the
page id's digest, so the folders are the same on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.extraction import DEFAULT_DATA, Page, load_pages
from extractors.blocks import Block, page_blocks
from extractors.decoding import decode_content
from extractors.webpage import parse_html

SHAPES = ("a", "b", "c")
BODY_OVERLAP = 0.5  # share of a block's word trigrams found in the ground truth
HEADLINE_REACH = 25  # blocks before the body within which the headline is looked for
LEAD_BLOCKS = 3  # blocks kept before the body when no headline is found
TAIL_BLOCKS = (8, 30)  # furniture kept after the body's last block, chosen per page
_TOKEN = re.compile(r"\w+")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class SavedPage:
    """One page's three saved texts."""

    a: str
    b: str
    c: str


def site_of(url: str | None, fallback: str) -> str:
    """The page's host without ``www.``: the unit of the folds."""
    return (urlsplit(url or "").hostname or fallback).removeprefix("www.")


def _trigrams(text: str) -> list[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    return list(zip(tokens, tokens[1:], tokens[2:], strict=False))


def body_flags(blocks: list[Block], truth: str) -> list[bool]:
    """For each block, whether it belongs to the ground-truth text (short blocks: occurs in it)."""
    wanted = set(_trigrams(truth))
    joined = f" {' '.join(_TOKEN.findall(truth.lower()))} "
    flags = []
    for block in blocks:
        grams = _trigrams(block.text)
        if grams:
            flags.append(sum(gram in wanted for gram in grams) / len(grams) >= BODY_OVERLAP)
        else:
            tokens = _TOKEN.findall(block.text.lower())
            flags.append(bool(tokens) and f" {' '.join(tokens)} " in joined)
    return flags


def _headline_index(blocks: list[Block], first: int, title: str | None) -> int | None:
    """The block of the page's headline (an ``<h1>``, or the ground-truth title) shortly before ``first``."""
    wanted = " ".join(_TOKEN.findall((title or "").lower()))
    for index in range(first, max(-1, first - HEADLINE_REACH - 1), -1):
        block = blocks[index]
        if block.tag == "h1" or (wanted and " ".join(_TOKEN.findall(block.text.lower())) == wanted):
            return index
    return None


def _tail_blocks(page_id: str) -> int:
    low, high = TAIL_BLOCKS
    return low + int(hashlib.sha1(page_id.encode()).hexdigest(), 16) % (high - low + 1)


def save_as_text(page: Page) -> SavedPage | None:
    """The page in the three shapes; None when no block of it belongs to the ground truth."""
    html = decode_content(page.html, location=page.page_id, media_type="text/html")
    blocks = page_blocks(parse_html(html, page.page_id)).blocks
    flags = body_flags(blocks, page.text)
    if not any(flags):
        return None
    first = flags.index(True)
    last = len(flags) - 1 - flags[::-1].index(True)
    headline = _headline_index(blocks, first, page.title)
    start = headline if headline is not None else max(0, first - LEAD_BLOCKS)
    end = min(len(blocks), last + 1 + _tail_blocks(page.page_id))
    texts = [block.text for block in blocks]
    region = texts[start:end]
    title = page.title or (texts[headline] if headline is not None else None)
    after_headline = texts[headline + 1 : end] if headline is not None else region
    header = []
    day = (page.date or "").strip()
    if _ISO_DAY.match(day):
        header.append(f"date {day[:10]}")
    if title:
        header += [title, title]
    return SavedPage(
        a="\n".join(texts) + "\n",
        b="\n\n".join(region) + "\n",
        c="\n\n".join(header + after_headline) + "\n",
    )


def build(data: Path, out: Path, *, all_types: bool = False) -> dict[str, int]:
    """Write the three folders under ``out``; how many pages each got, and how many were skipped."""
    repo = Path(__file__).resolve().parents[1]
    if out.resolve().is_relative_to(repo):
        raise SystemExit(f"{out}: the development folders must lie outside the repository")
    pages = load_pages(data, None, None if all_types else "article")
    folders = {shape: out / shape for shape in SHAPES}
    for folder in folders.values():
        (folder / "txt").mkdir(parents=True, exist_ok=True)
        (folder / "gold").mkdir(parents=True, exist_ok=True)
    index_lines: list[str] = []
    skipped = 0
    for page in pages:
        saved = save_as_text(page)
        if saved is None:
            skipped += 1
            continue
        for shape, folder in folders.items():
            (folder / "txt" / f"{page.page_id}.txt").write_text(getattr(saved, shape), encoding="utf-8")
            (folder / "gold" / f"{page.page_id}.txt").write_text(page.text, encoding="utf-8")
        record = {
            "id": page.page_id,
            "url": page.url,
            "site": site_of(page.url, page.page_id),
            "title": page.title,
            "author": page.author,
            "publish_date": page.date,
            "page_type": page.page_type,
        }
        index_lines.append(json.dumps(record, ensure_ascii=False))
    for folder in folders.values():
        (folder / "index.jsonl").write_text("\n".join(index_lines) + "\n", encoding="utf-8")
    return {"pages": len(index_lines), "skipped": skipped}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, required=True, help="a folder outside the repository")
    parser.add_argument("--all-types", action="store_true", help="every page type, not only articles")
    args = parser.parse_args(argv)
    counts = build(args.data, args.out, all_types=args.all_types)
    where = ", ".join(str(args.out / shape) for shape in SHAPES)
    print(f"{counts['pages']} pages in {where}; {counts['skipped']} skipped (no block of the body found)")
    print(json.dumps(counts | {"out": str(args.out)}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
