"""OpenID Connect providers as processes of their own on loopback, for the tests of the eID sign-in (D15), and the
steps of a sign-in as a browser takes them.

- `mock_provider`: the PyPI package oidc-provider-mock (`python -m oidc_provider_mock`), a real provider
  (discovery, JWKS, the authorization form, the token endpoint, RS256 ID tokens), started with client registration
  and nonces required. A test registers the service's client with its redirect URI (POST /oauth2/clients: the
  provider then checks the client secret and the redirect URI), and sets a resident's claims with PUT
  /users/{sub}; the authorization form takes the resident's `sub` (or "Deny").
- `rogue_provider`: tests/support/rogue_oidc.py, which bends its ID tokens on request (forged, expired, another
  audience, issuer or nonce, no code claim).

Each waits until its discovery document answers, and is stopped with its process group.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from contest.service import ContestService
from tests.support import ROOT
from tests.support.helpers import SEC
from tests.support.live import free_port, stop_group
from tests.support.rogue_oidc import CLIENT_ID as ROGUE_CLIENT_ID
from tests.support.rogue_oidc import CLIENT_SECRET as ROGUE_CLIENT_SECRET

CALLBACK = "/balsot/eid/atpakal"


@dataclass(frozen=True)
class Provider:
    issuer: str
    log: Path

    def register(self, redirect_uri: str) -> tuple[str, str]:
        """A client of the service at the mock provider: (client id, client secret)."""
        r = requests.post(self.issuer + "/oauth2/clients", json={"redirect_uris": [redirect_uri]}, timeout=10)
        r.raise_for_status()
        return r.json()["client_id"], r.json()["client_secret"]

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        """The mock provider's resident `sub` and the claims its ID tokens carry."""
        requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10).raise_for_status()

    def set_mode(self, mode: str, code: str = "") -> None:
        """The rogue provider's mode and the personal code its ID tokens carry."""
        requests.post(self.issuer + "/_control", json={"mode": mode, "code": code}, timeout=10).raise_for_status()

    def env(self, client_id: str, client_secret: str, claim: str = "personal_code") -> dict[str, str]:
        return {"CONTEST_OIDC_ISSUER": self.issuer, "CONTEST_OIDC_CLIENT_ID": client_id,
                "CONTEST_OIDC_CLIENT_SECRET": client_secret, "CONTEST_OIDC_CODE_CLAIM": claim}

    def rogue_env(self) -> dict[str, str]:
        return self.env(ROGUE_CLIENT_ID, ROGUE_CLIENT_SECRET)


@contextmanager
def started(command: list[str], tmp_path: Path, name: str) -> Iterator[Provider]:
    port = free_port()
    log = tmp_path / f"{name}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(issuer + "/.well-known/openid-configuration", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_group(proc)
            raise RuntimeError(f"{name} did not start:\n{log.read_text()}")
        time.sleep(0.05)
    try:
        yield Provider(issuer, log)
    finally:
        stop_group(proc)


@contextmanager
def mock_provider(tmp_path: Path) -> Iterator[Provider]:
    """oidc-provider-mock on a free loopback port, clients registered, nonces required."""
    with started([sys.executable, "-m", "oidc_provider_mock", "--require-registration", "true", "--require-nonce",
                  "true"], tmp_path, "oidc-provider-mock") as provider:
        yield provider


@contextmanager
def rogue_provider(tmp_path: Path) -> Iterator[Provider]:
    """tests/support/rogue_oidc.py on a free loopback port."""
    with started([sys.executable, "-m", "tests.support.rogue_oidc"], tmp_path, "rogue-oidc") as provider:
        yield provider


# ----- a sign-in as a browser takes it: the Flask test client for the service, requests for the provider -----

def start(client: FlaskClient, lang: str = "") -> str:
    """The service's redirect to the provider (GET /balsot/eid): the authorization URL."""
    r = client.get("/balsot/eid" + (f"?lang={lang}" if lang else ""))
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"]


def at_provider(authorize_url: str, sub: str | None = None, deny: bool = False) -> str:
    """The resident at the provider: the mock's form (`sub`, or "Deny"), the rogue's redirect (neither). Returns
    the callback's path and query on the service."""
    if sub is None and not deny:
        r = requests.get(authorize_url, allow_redirects=False, timeout=10)
    else:
        r = requests.post(authorize_url, data={"action": "deny"} if deny else {"sub": sub}, allow_redirects=False,
                          timeout=10)
    assert r.status_code == 302, r.text
    back = urlsplit(r.headers["Location"])
    assert back.path == CALLBACK, back
    return f"{back.path}?{back.query}"


def come_back(client: FlaskClient, callback: str) -> str:
    """The provider's redirect back on the service; returns where the service sends the browser (the vote page)."""
    r = client.get(callback)
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"]


def sign_in(client: FlaskClient, sub: str | None = None, deny: bool = False) -> Any:
    """The whole sign-in; returns the vote page the browser ends on."""
    assert come_back(client, at_provider(start(client), sub, deny)) == "/balsot"
    return client.get("/balsot")


def session_of(app: Flask, client: FlaskClient) -> tuple[str, dict[str, Any]]:
    """The pages' session cookie as the browser holds it, and what it says (it is signed, not encrypted)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:  # an empty session is no cookie
        return "", {}
    raw = cookie.value
    payload = raw.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if raw.startswith("."):
        data = zlib.decompress(data)
    return raw, json.loads(data)


# ----- the contest under `eid`, and the service's app pointed at a provider -----

def under_eid(service: ContestService) -> None:
    """The contest's identity level set to `eid` through the configuration's change path (D15: frozen at round 2)."""
    service.configure(2024, "rules", {"vote_identity": "eid"}, reason="residents sign in with eID (D15)", actor=SEC)


def eid_app(service: ContestService, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Flask:
    """The service's app with CONTEST_OIDC_* as `env` says (read when the app is made, as in production)."""
    for name in ("CONTEST_OIDC_ISSUER", "CONTEST_OIDC_CLIENT_ID", "CONTEST_OIDC_CLIENT_SECRET",
                 "CONTEST_OIDC_CODE_CLAIM", "CONTEST_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app(service, {"TESTING": True})
