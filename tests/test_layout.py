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


def module_name(path: Path) -> str:
    """``sources/http.py`` -> ``sources.http``; ``sources/__init__.py`` -> ``sources``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_project_modules(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, at any depth of the file (lazy and type-only imports count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from extractors import jsonld`` imports the module extractors.jsonld, ``from
            # extractors import extract`` a name of the package extractors itself
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return found & known


def import_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as the list of its modules (first repeated last), or [] when none."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[module] = "done"
        path.pop()
        return []

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return []


@pytest.mark.parametrize("package", (*PROJECT, "pipeline"))
def test_no_import_cycle_inside_a_package(package: str) -> None:
    files = {module_name(p): p for p in python_files(package) if "migrations" not in p.parts}
    known = set(files)
    graph = {name: imported_project_modules(path, known) - {name} for name, path in files.items()}
    assert import_cycle(graph) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert import_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert import_cycle({"a": {"b"}, "b": set()}) == []
