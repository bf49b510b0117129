"""The house rules of the layout, read from the sources with ``ast``:

- the tests live in tests/unit (no store, no process), tests/integration (store-backed, on every store of
  ``CONTEST_TEST_STORES``) and tests/e2e (real processes, the browser); tests/ itself holds only conftest.py and
  tests/support/ the helpers, never a test module;
- no test module imports another test module: what several of them share lives in tests/support/;
- a module of tests/unit asks for no fixture that opens a store (those of tests/conftest.py that reach
  ``store_url``, ``pg_store_url`` or ``postgres_server``) and imports nothing that starts a process or opens a
  store, so that ``pytest tests/unit`` runs in seconds without PostgreSQL;
- no module of domain/, projections/, contest/, api/ or verifier/ is over 400 lines (modules of one idea).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT

TESTS = ROOT / "tests"
KINDS = ("unit", "integration", "e2e")
ROOT_FILES = {"__init__.py", "conftest.py"}
#: The fixtures of tests/conftest.py that open a store themselves; every fixture that needs one of them does too.
STORE_ROOTS = {"store_url", "pg_store_url", "postgres_server"}
#: Imports that start a process or open a store (a module of tests/unit needs none of them).
PROCESS_OR_STORE = ("subprocess", "multiprocessing", "concurrent.futures.process",
                    "concurrent.futures.ProcessPoolExecutor", "pty", "playwright", "gunicorn", "psycopg", "sqlite3",
                    "contest.store", "contest.sqlitestore", "contest.pgstore",
                    "tests.support.live", "tests.support.pgcluster", "tests.support.reliability")
#: Calls that start a process without an import of their own.
PROCESS_CALLS = {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp", "spawnv", "spawnve",
                 "spawnl", "spawnle", "execv", "execve", "execl", "execle", "execvp", "execlp", "startfile",
                 "ProcessPoolExecutor"}
PACKAGES = ("domain", "projections", "contest", "api", "verifier")
MAX_LINES = 400


def python_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def fixtures_of(tree: ast.Module) -> dict[str, set[str]]:
    """name -> the arguments of each ``@pytest.fixture`` function defined at the top of ``tree``."""
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in node.decorator_list):
            found[node.name] = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
    return found


def store_fixtures(conftest: ast.Module) -> set[str]:
    """The conftest's fixtures that open a store: the roots and every fixture that needs one, transitively."""
    fixtures, closed = fixtures_of(conftest), set(STORE_ROOTS)
    while True:
        more = {name for name, args in fixtures.items() if args & closed} - closed
        if not more:
            return closed
        closed |= more


def imported(tree: ast.Module) -> Iterator[str]:
    """Every module an import in ``tree`` names, wherever it stands: ``from a import b`` yields ``a`` and ``a.b``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


def imports_of_test_modules(tree: ast.Module) -> list[str]:
    return sorted({name for name in imported(tree)
                   if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")})


def unit_offences(tree: ast.Module, store: set[str]) -> list[str]:
    """What makes a module no unit test: a store fixture asked for, an import or a call that starts a process or
    opens a store."""
    offences = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
            offences += [f"{node.name}() asks for the store fixture {name!r}" for name in sorted(args & store)]
        elif isinstance(node, ast.Call) and "usefixtures" in ast.unparse(node.func):
            offences += [f"usefixtures({a.value!r})" for a in node.args
                         if isinstance(a, ast.Constant) and a.value in store]
        elif isinstance(node, ast.Attribute) and node.attr in PROCESS_CALLS:
            offences.append(f"calls {ast.unparse(node)}")
    for name in imported(tree):
        if any(name == f or name.startswith(f + ".") for f in PROCESS_OR_STORE):
            offences.append(f"imports {name}")
    return offences


@pytest.fixture(scope="module")
def store() -> set[str]:
    return store_fixtures(parse(TESTS / "conftest.py"))


def test_the_tests_root_holds_no_test_module_and_every_test_is_of_a_kind() -> None:
    assert {p.name for p in TESTS.glob("*.py")} <= ROOT_FILES, "tests/ holds only conftest.py: move the module " \
        "into tests/unit, tests/integration or tests/e2e (or its helpers into tests/support)"
    misplaced = [str(p.relative_to(TESTS)) for p in python_files(TESTS)
                 if p.name.startswith("test_") and p.relative_to(TESTS).parts[0] not in KINDS]
    assert misplaced == [], f"test modules outside tests/unit, tests/integration, tests/e2e: {misplaced}"


def test_every_folder_of_tests_is_a_package() -> None:
    """So that two test modules of one name in two folders are two modules (tests.unit.domain.test_transitions and
    tests.integration.test_transitions)."""
    folders = {p.parent for p in python_files(TESTS)}
    assert sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists()) == []


def test_no_test_module_imports_another_test_module() -> None:
    offenders = {str(p.relative_to(ROOT)): names for p in python_files(TESTS)
                 if (names := imports_of_test_modules(parse(p)))}
    assert offenders == {}, f"move the shared names into tests/support/: {offenders}"


def test_the_unit_tests_open_no_store_and_start_no_process(store: set[str]) -> None:
    assert {"store_url", "service", "client", "tokens"} <= store  # the conftest's own, read from it
    offenders = {str(p.relative_to(ROOT)): found for p in python_files(TESTS / "unit")
                 if (found := unit_offences(parse(p), store))}
    assert offenders == {}, f"these belong in tests/integration or tests/e2e: {offenders}"


def test_the_checks_themselves_see_a_store_a_process_and_a_test_module_import(store: set[str]) -> None:
    tree = ast.parse(
        "import pytest\n"
        "from tests.integration.test_audit import rechain\n"
        "from tests.e2e import test_demo\n"
        "@pytest.fixture\n"
        "def mine(client):\n    return client\n"
        "@pytest.mark.usefixtures('pg_store_url')\n"
        "def test_a(service, tmp_path):\n"
        "    import subprocess\n    os.system('true')\n")
    assert imports_of_test_modules(tree) == ["tests.e2e.test_demo", "tests.integration.test_audit"]
    assert sorted(unit_offences(tree, store)) == [
        "calls os.system", "imports subprocess", "mine() asks for the store fixture 'client'",
        "test_a() asks for the store fixture 'service'", "usefixtures('pg_store_url')"]
    assert unit_offences(ast.parse("def test_b(tmp_path, monkeypatch):\n    import json\n"), store) == []


def test_no_module_of_the_service_or_the_verifier_is_over_400_lines() -> None:
    """Modules of one idea, under ~400 lines (the house rule)."""
    over = {str(p.relative_to(ROOT)): n for package in PACKAGES for p in python_files(ROOT / package)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert over == {}, f"modules over {MAX_LINES} lines (split them by idea): {over}"
