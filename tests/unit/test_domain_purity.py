"""domain/ is plain Python (DEVELOPERS.md): no Flask, no SQLAlchemy, no store modules, no clock reads, and
no `holidays`: the working-day calendar is the one recorded with the contest (RULES.md §4.7.2, D17), never the
library a machine has installed. Read from the sources here; what importing domain/ loads in a fresh interpreter
is tests/e2e/test_domain_import.py."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.purity import DOMAIN, FORBIDDEN


def _offenders(path: Path) -> list[str]:
    return [name for name in _imports(path) if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_domain_sources_import_no_framework_or_store() -> None:
    offenders = [f"{p.name}: {name}" for p in sorted(DOMAIN.rglob("*.py")) for name in _offenders(p)]
    assert offenders == []


def test_d17_a_domain_module_importing_holidays_would_fail_the_check(tmp_path: Path) -> None:
    for source in ("import holidays\n", "from holidays import country_holidays\n",
                   "from holidays.countries import latvia\n"):
        module = tmp_path / "calendar_from_library.py"
        module.write_text(source, encoding="utf-8")
        assert _offenders(module), source


def test_domain_never_reads_the_clock() -> None:
    offenders = []
    for p in sorted(DOMAIN.rglob("*.py")):
        text = p.read_text(encoding="utf-8")
        for needle in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time(", "datetime_now_with_tzinfo"):
            if needle in text:
                offenders.append(f"{p.name}: {needle}")
    assert offenders == []
