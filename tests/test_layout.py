"""The tree keeps the pipeline's shape: imports point one way (cli → flows → pipeline → stages →
core), only flows/ and cli/ use Prefect, no package imports itself in a circle, and no module of
the project is named after a standard-library module."""

from __future__ import annotations

import ast
import sys
from collections.abc import Collection
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


def project_imports(package: str) -> set[str]:
    """``file imports package`` for every project package a file of ``package`` imports but itself."""
    return {
        f"{p.relative_to(ROOT)} imports {name}"
        for p in python_files(package)
        for name in imported_modules(p) & set(PROJECT)
        if name != package
    }


@pytest.mark.parametrize("package", (*STAGES, "pipeline"))
def test_prefect_is_imported_only_by_flows_and_cli(package: str) -> None:
    offenders = [str(p.relative_to(ROOT)) for p in python_files(package) if "prefect" in imported_modules(p)]
    assert offenders == []


@pytest.mark.parametrize("package", STAGES)
def test_stages_import_only_core_of_the_project(package: str) -> None:
    assert {line for line in project_imports(package) if not line.endswith(" imports core")} == set()


def test_pipeline_imports_only_the_stages_and_core() -> None:
    assert {line for line in project_imports("pipeline") if line.rpartition(" ")[2] not in STAGES} == set()


def test_flows_import_only_pipeline_and_core() -> None:
    allowed = {"pipeline", "core"}
    assert {line for line in project_imports("flows") if line.rpartition(" ")[2] not in allowed} == set()


def module_name(path: Path) -> str:
    """``pipeline/ingest.py`` → ``pipeline.ingest``; a package's ``__init__.py`` → the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PROJECT for p in python_files(package)}


def imported_project_modules(path: Path, modules: Collection[str]) -> set[str]:
    """The project modules ``path`` imports (``from a import b`` names ``a.b`` when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names)
    return found & set(modules)


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The modules of every import cycle, one sorted list per cycle (strongly connected components)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            component = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return cycles


@pytest.mark.parametrize("package", PROJECT)
def test_no_import_cycle_inside_a_package(package: str) -> None:
    modules = project_modules()
    inside = {name: path for name, path in modules.items() if name.split(".")[0] == package}
    graph = {
        name: {m for m in imported_project_modules(path, modules) if m in inside} - {name}
        for name, path in inside.items()
    }
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_no_module_of_the_project_is_named_after_a_standard_library_module() -> None:
    """Not at the top level, and not inside a package either: any folder can end up on sys.path
    (Prefect puts an entrypoint's folder there; ``python some/folder/file.py`` puts that folder)."""
    modules = [*project_modules(), *(module_name(p) for p in (ROOT / "tests").rglob("*.py"))]
    assert {name for name in modules if name.rpartition(".")[2] in sys.stdlib_module_names} == set()


def test_module_names_are_checked_against_the_standard_library() -> None:
    assert "secrets" in sys.stdlib_module_names and "http" in sys.stdlib_module_names
    assert {"pipeline.ingest", "flows.prefect_secrets", "sources.fetcher"} <= set(project_modules())


def test_the_guard_sees_imports() -> None:
    """The checks above would catch a violation: the parser finds imports in this very file."""
    assert {"ast", "pytest", "pathlib"} <= imported_modules(Path(__file__))
    here = imported_project_modules(ROOT / "pipeline" / "ingest.py", project_modules())
    assert {"pipeline.watchlist", "storage.engine", "core.watchlist"} <= here


def test_layout_has_every_package_and_file() -> None:
    for name in (*PROJECT, "samples", "tests"):
        assert (ROOT / name).is_dir(), name
    for name in ("prefect.yaml", "pyproject.toml", "Makefile", "README.md"):
        assert (ROOT / name).is_file(), name
