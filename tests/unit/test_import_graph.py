"""The import graph of each layer (the developers' guide: layers, nothing imports upward): built with ``ast`` from
the source, every ``import`` and ``from … import`` counted wherever it stands (module level, inside a function,
under ``if TYPE_CHECKING:``), since a deferred import is still a cycle, only hidden.

A cycle here is a strongly connected component of a package's graph: modules that each reach the others. No package
has one: contest/service.py builds the unit of work (contest/unit_of_work.py) and hands it to the round modules, which
import neither the service nor each other. KNOWN_CYCLES stays as the place to list one that must be lived with for a
while; the test fails when a new one appears and also when a listed one changes or disappears, so the list stays
honest.

The layers between the packages are import-linter's contract (pyproject.toml, ``lint-imports`` in ``./dev lint``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGES = ("domain", "projections", "contest", "api")

#: The cycles known today, per package, each as the set of modules in it. Keep it exact (see the module docstring).
KNOWN_CYCLES: dict[str, list[frozenset[str]]] = {
    "domain": [],
    "api": [],
    "projections": [],
    "contest": [],
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(package: str) -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))}


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every module name an import in ``tree`` may refer to: ``from a import b`` yields ``a`` and ``a.b`` (``b`` may
    be a submodule); relative imports are resolved against ``module``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            for alias in node.names:
                yield f"{target}.{alias.name}"


def import_graph(package: str) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports (an import of ``a.b.c`` also imports ``a.b``)."""
    modules = package_modules(package)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for name in imported_names(tree, module, path.name == "__init__.py"):
            parts = name.split(".")
            for i in range(len(parts), 0, -1):
                candidate = ".".join(parts[:i])
                if candidate in modules and candidate != package:
                    if candidate != module:
                        graph[module].add(candidate)
                    break
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found, key=sorted)


def shortest_cycle(graph: Mapping[str, set[str]], component: frozenset[str]) -> list[str]:
    """One shortest cycle through the component's first module, for the failure message."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & component):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return [start]


def describe(graph: Mapping[str, set[str]], found: list[frozenset[str]]) -> str:
    return "; ".join(f"{{{', '.join(sorted(c))}}} e.g. {' -> '.join(shortest_cycle(graph, c))}" for c in found)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_import_cycles_are_the_known_ones(package: str) -> None:
    graph = import_graph(package)
    found = cycles(graph)
    expected = sorted(KNOWN_CYCLES[package], key=sorted)
    new = [c for c in found if c not in expected]
    gone = [c for c in expected if c not in found]
    assert not new, f"new import cycle(s) in {package}/: {describe(graph, new)}"
    assert not gone, (f"listed cycle(s) of {package}/ are gone or changed; update KNOWN_CYCLES: "
                      f"{[sorted(c) for c in gone]}")


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package: str) -> None:
    assert KNOWN_CYCLES[package] == []
    graph = import_graph(package)
    assert cycles(graph) == [], describe(graph, cycles(graph))


def test_the_graph_sees_deferred_imports() -> None:
    """The checker itself: an import inside a function and one under TYPE_CHECKING are edges, and a cycle made of
    them is found."""
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from domain import b\n"
                     "def f():\n    from domain.c import x\n    from . import d\n")
    assert set(imported_names(tree, "domain.a", False)) >= {"domain", "domain.b", "domain.c", "domain.c.x",
                                                             "domain.d"}
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]
    assert shortest_cycle(graph, frozenset({"a", "b", "c"})) == ["a", "b", "c", "a"]
    assert import_graph("domain")["domain.contest"] >= {"domain.round3", "domain.ties"}

