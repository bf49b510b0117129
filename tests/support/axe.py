"""axe-core (Deque's accessibility engine, from npm) run in a page the browser tests have open: the WCAG 2.0 and
2.1 A and AA rules, and what of them is serious or critical, said so that a reader can find it (the rule, its
help, the first elements' selectors).

axe-core is pinned by tests/e2e/axe/package-lock.json and installed with ``npm ci --prefix tests/e2e/axe`` (.ci/run
does it). Without it the accessibility test fails with that command; it never skips. The engine is injected as an
inline script (Playwright's add_script_tag), which the pages' Content-Security-Policy (script-src 'self') refuses:
the browser context that runs it is opened with ``bypass_csp=True``, in the test only; the service's policy is
unchanged."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page

from tests.support import ROOT

PACKAGE = ROOT / "tests" / "e2e" / "axe"
SCRIPT = PACKAGE / "node_modules" / "axe-core" / "axe.min.js"
INSTALL = "npm ci --prefix tests/e2e/axe"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
GRAVE = ("serious", "critical")
NODES = 3  # the first elements of each violation named in a report


@cache
def source() -> str:
    """axe.min.js of the pinned axe-core; the test fails (never skips) when it is not installed."""
    if not SCRIPT.exists():
        pytest.fail(f"axe-core is needed at {SCRIPT.relative_to(ROOT)} for the accessibility test: run "
                    f"`{INSTALL}` from the project's root (.ci/run does it; Node.js and npm are needed)")
    return SCRIPT.read_text(encoding="utf-8")


def run(page: Page) -> dict[str, list[dict[str, Any]]]:
    """axe-core over the page as it is now, the WCAG 2.x A and AA rules: {"violations": [...], "incomplete": [...]}
    (incomplete: what axe could not decide, e.g. a text's contrast over an image; for a person to review)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                           " resultTypes: ['violations', 'incomplete']})", TAGS)
    return {"violations": list(result["violations"]), "incomplete": list(result["incomplete"])}


def describe(v: dict[str, Any], where: str) -> str:
    """One violation on one line: where, its impact, the rule, its help, the first elements' selectors (and what
    axe says of the first)."""
    nodes = v["nodes"]
    targets = "; ".join(" ".join(map(str, n["target"])) for n in nodes[:NODES])
    more = f" (+{len(nodes) - NODES} more)" if len(nodes) > NODES else ""
    summary = " ".join(nodes[0].get("failureSummary", "").split()) if nodes else ""
    return f"{where}: {v['impact']} {v['id']}: {v['help']} [{targets}{more}] {summary}"


def grave(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The serious and critical violations."""
    return [v for v in found if v["impact"] in GRAVE]


#: Segments of a path that name one of many alike (a municipality's code, a request's id): one of each is enough.
ALIKE = re.compile(r"^(LV-[A-Z0-9]{2,3}|[0-9a-f]{8,}|[0-9a-f-]{32,36})$")


def shape(url: str) -> str:
    """A link's page kind: its path with the alike segments folded, and its query's names without their values
    (the language switch dropped), so that a crawl visits each kind of page once."""
    parts = urlsplit(url)
    path = "/".join("*" if ALIKE.match(s) else s for s in parts.path.split("/"))
    names = sorted({k for k, _ in parse_qsl(parts.query) if k != "lang"})
    return path + ("?" + "&".join(names) if names else "")


#: The widths each page is checked at: a desktop's, a phone's (where wide tables scroll).
WIDTHS = (1100, 390)


def grave_violations(page: Page, where: str, widths: tuple[int, ...] = WIDTHS) -> list[str]:
    """The serious and critical violations of the page as it is now, at each width (the page's own size is put
    back), each described on one line (the browser context must bypass the page's Content-Security-Policy)."""
    size = page.viewport_size or {"width": widths[0], "height": 900}
    found = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": size["height"]})
        found += [describe(v, f"{where} {width}px") for v in grave(run(page)["violations"])]
    page.set_viewport_size(size)
    return found
