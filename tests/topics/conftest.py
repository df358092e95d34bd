"""Shared inputs for the topics tests: the seed reports and the fictional fixture reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[3] / "shared/corpus/seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# A report as an extractor would hand it over: its title (or None) and its body text.
Report = tuple[str | None, str]


def _seed(prefix: str) -> str:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(f"seed report {prefix}_*.txt not found under {SEEDS}")
    return found[0].read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_000() -> Report:
    """Seed 000 without its ``date 2024-11-01`` header; it has no title line."""
    return (None, re.sub(r"^\s*date \d{4}-\d{2}-\d{2}\s*", "", _seed("000")))


@pytest.fixture(scope="session")
def seed_001() -> Report:
    """Seed 001: headline as title, body without the repeated headline and the boilerplate."""
    page = _seed("001").split("newsmaker Avatar")[0]
    paragraphs = [part.strip() for part in page.split("\n\n") if part.strip()]
    return (paragraphs[0], "\n\n".join(paragraphs[2:]))


def _fixture(name: str) -> Report:
    title, _, body = (FIXTURES / name).read_text(encoding="utf-8").partition("\n\n")
    return (title.strip(), body)


@pytest.fixture(scope="session")
def gaza_talks() -> Report:
    """Fictional report: Gaza hostage negotiations, November 2024 (a related subject)."""
    return _fixture("gaza_hostage_talks_2024-11.txt")


@pytest.fixture(scope="session")
def lebanon_truce_27nov() -> Report:
    """Fictional report: the Israel-Hezbollah ceasefire taking effect (a related event)."""
    return _fixture("lebanon_ceasefire_takes_effect_2024-11-27.txt")
