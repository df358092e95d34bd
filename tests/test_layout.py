"""The tree keeps the pipeline's shape: imports point one way, and only flows/ and cli/ use Prefect."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("core", "sources", "extractors", "topics", "alerts", "storage")
PROJECT = (*STAGES, "pipeline", "flows", "cli", "benchmarks")


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", (*STAGES, "pipeline"))
def test_prefect_is_imported_only_by_flows_and_cli(package: str) -> None:
    offenders = [str(p.relative_to(ROOT)) for p in python_files(package) if "prefect" in imported_modules(p)]
    assert offenders == []


@pytest.mark.parametrize("package", STAGES)
def test_stages_import_only_core_of_the_project(package: str) -> None:
    allowed = {package, "core"}
    offenders = {
        f"{p.relative_to(ROOT)} imports {name}"
        for p in python_files(package)
        for name in imported_modules(p) & set(PROJECT)
        if name not in allowed
    }
    assert offenders == set()


def test_the_guard_sees_imports() -> None:
    """The checks above would catch a violation: the parser finds imports in this very file."""
    assert {"ast", "pytest", "pathlib"} <= imported_modules(Path(__file__))


def test_layout_has_every_package_and_file() -> None:
    for name in (*PROJECT, "samples", "tests"):
        assert (ROOT / name).is_dir(), name
    for name in ("prefect.yaml", "pyproject.toml", "Makefile", "README.md"):
        assert (ROOT / name).is_file(), name
