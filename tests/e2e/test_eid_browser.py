"""The eID sign-in (D15) in a real browser: Debian's Chromium driven by Playwright against a real gunicorn and a
real OpenID Connect provider (oidc-provider-mock, its own process on loopback), on each store. A resident opens
/balsot, signs in with eID at the provider's form, comes back signed in, rates and confirms, and sees the receipt;
the vote is stored with verified="eid"; the personal code is nowhere in the store, the export, the server's log or
the cookies; both verifiers pass the export and count {"eid": 1} by identity level.

Screenshots go to test-artifacts/eid/<store>/ (gitignored); each page screenshotted is also checked by axe-core
(tests/support/axe.py) for serious or critical violations. The provider's pages load a stylesheet from a CDN: the
browser is kept off every address but loopback, so nothing leaves the machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from contest.audit import export_lines
from contest.clock import SystemClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import system_actor
from tests.conftest import SECRETS, STORES
from tests.support import ROOT
from tests.support.axe import grave_violations, source
from tests.support.browser import chromium
from tests.support.helpers import SEC
from tests.support.live import free_port, live_store, start_gunicorn, stop_group
from tests.support.oidc import CALLBACK, Provider, mock_provider
from tests.support.verifiers import run_both

pytestmark = pytest.mark.slow

CODE = fake_personal_codes(1, seed=1801)[0]
SUB = "ilze-kalnina"
NAME = "Ilze Kalniņa"  # a claim the provider adds, which the service does not keep


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with mock_provider(tmp_path_factory.mktemp("oidc")) as p:
        p.set_user(SUB, {"personal_code": CODE, "full_name": NAME})
        yield p


def prepare(store_url: str) -> None:
    """The 2024 contest under `eid`, its vote window open around now."""
    svc = ContestService(EventStore(store_url), SystemClock(), SECRETS)
    try:
        svc.init_from_preset("2024", actor=system_actor("test"))
        now = datetime.now(UTC)
        svc.configure(2024, "window", {"opens_at": (now - timedelta(minutes=5)).isoformat(),
                                       "closes_at": (now + timedelta(hours=2)).isoformat()},
                      reason="browser test", actor=SEC)
        svc.configure(2024, "rules", {"vote_identity": "eid"}, reason="residents sign in with eID (D15)", actor=SEC)
    finally:
        svc.close()


@pytest.fixture(scope="module", params=STORES)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         provider: Provider) -> Iterator[dict[str, Any]]:
    """A real gunicorn over a prepared store of each kind, its client registered at the provider."""
    tmp = tmp_path_factory.mktemp(f"eid-{request.param}")
    with live_store(request, tmp) as url:
        shots = ROOT / "test-artifacts" / "eid" / request.param
        shots.mkdir(parents=True, exist_ok=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = provider.env(*provider.register(base + CALLBACK))
        prepare(url)
        proc, base, log = start_gunicorn(url, tmp, workers=2, extra_env=env, port=port)
        try:
            yield {"base": base, "store": url, "shots": shots, "log": log, "tmp": tmp,
                   "axe": request.param == STORES[0] and bool(source())}
        finally:
            stop_group(proc)


@pytest.fixture
def page(browser: Browser, live: dict[str, Any]) -> Iterator[Page]:
    # bypass_csp: axe-core is injected as an inline script (tests/support/axe.py), in the test only
    context = browser.new_context(base_url=live["base"], locale="lv-LV", viewport={"width": 1100, "height": 900},
                                  bypass_csp=True)
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())  # loopback only
    p = context.new_page()
    p.set_default_timeout(15_000)
    errors: list[str] = []
    ours = live["base"]  # the provider's own page reports its blocked stylesheet; the service's pages report nothing
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" and p.url.startswith(ours) else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield p
    finally:
        context.close()
    assert not errors, f"the browser reported errors: {errors}"


def shot(page: Page, live: dict[str, Any], name: str) -> None:
    """A screenshot of the page as it is, and axe-core's WCAG A and AA check of it: no serious or critical violation,
    on a desktop and a phone (on the first store only: the markup is the same on both)."""
    page.screenshot(path=str(Path(live["shots"]) / f"{name}.png"), full_page=True)
    if live["axe"]:
        problems = grave_violations(page, name)
        assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


def test_a_resident_signs_in_with_eid_rates_confirms_and_sees_the_receipt(page: Page, live: dict[str, Any]) -> None:
    page.goto("/balsot")
    expect(page.get_by_role("heading", name="Lai balsotu, piesakieties ar eID")).to_be_visible()
    expect(page.get_by_label("Personas kods")).to_have_count(0)
    shot(page, live, "vote-sign-in")
    page.get_by_role("link", name="Pieteikties ar eID").click()
    # at the provider: its authorization form, the resident's subject
    expect(page).to_have_url(re.compile(r"/oauth2/authorize\?"))
    page.locator("input[name=sub]").fill(SUB)
    page.get_by_role("button", name="Authorize").click()
    # back on the service, signed in: the rating form without a code field
    expect(page).to_have_url(re.compile(r"/balsot$"))
    signed = page.locator("#eid-signed-in")
    expect(signed).to_contain_text("Pieteikšanās ar eID ir izdevusies")
    expect(page.get_by_label("Personas kods")).to_have_count(0)
    cookies = json.dumps(page.context.cookies())
    assert CODE not in cookies and NAME not in cookies
    page.get_by_label("Pašvaldība").select_option(label="Valmieras novads")
    page.locator("label[for=rating-4]").click()
    shot(page, live, "vote-signed-in")
    page.get_by_role("button", name="Apstiprināt balsi").click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("Paldies! Jūsu balss ir reģistrēta.")
    expect(confirmation).to_contain_text("Valmieras novads")
    receipt = page.locator("#receipt").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)
    shot(page, live, "voted")
    # the sign-in was for that vote: the page asks for it again
    page.goto("/balsot")
    expect(page.get_by_role("link", name="Pieteikties ar eID")).to_be_visible()
    live["receipt"] = receipt


def test_the_vote_is_stored_as_verified_by_eid_and_both_verifiers_count_it(live: dict[str, Any]) -> None:
    svc = ContestService(EventStore(live["store"]), SystemClock(), SECRETS)
    try:
        lines = list(export_lines(svc.store))
        valmiera = next(m.code for m in svc.contest(2024).municipalities if m.name == "Valmieras novads")
    finally:
        svc.close()
    votes = [json.loads(x)["payload"] for x in lines if json.loads(x)["type"].endswith("Vote.Cast")]
    assert [(v["verified"], v["municipality"], v["rating"], v["receipt"]) for v in votes] == [
        ("eid", valmiera, 4, live["receipt"])]
    assert all(CODE not in line and NAME not in line for line in lines)
    assert CODE not in live["log"].read_text()
    project, independent = run_both(live["tmp"], "eid", lines)
    assert project["ok"] and independent["ok"], (project["mismatches"][:3], independent["mismatches"][:3])
    for report in (project, independent):
        assert report["results"]["votes by identity level (2024)"] == {"eid": 1}
