"""domain/ loads no framework or store module when imported (DEVELOPERS.md; RULES.md §4.7.2, D17: nor `holidays`),
checked in a fresh interpreter so that nothing the tests imported before hides it. The static checks of its
sources are tests/unit/test_domain_purity.py."""

from __future__ import annotations

import subprocess
import sys

from tests.support.purity import DOMAIN, FORBIDDEN


def test_importing_domain_loads_no_framework_or_store_module() -> None:
    modules = [f"domain.{p.stem}" for p in sorted(DOMAIN.glob("*.py")) if p.stem != "__init__"]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r}))\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
