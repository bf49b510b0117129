"""Failed sign-ins throttled per client address and per token id (api/staff_login.py, default 10 per 15 minutes:
429 with Retry-After and the reason at the field), and the cookie and HSTS behind a TLS-terminating proxy
(CONTEST_PROXY_FIX: werkzeug's ProxyFix, api/operations.py)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from contest.service import ContestService
from domain.access import token_digest, token_id_for
from domain.actors import system_actor
from tests.support.pages import form_token, text, token_of

WRONG = "ctk_" + "x" * 43
THROTTLED_LV = "Pārāk daudz neizdevušos pieteikšanās mēģinājumu. Lūdzu, uzgaidiet 15 minūtes un mēģiniet vēlreiz."


def attempt(client: FlaskClient, token: str, address: str = "127.0.0.1", lang: str = "lv") -> object:
    csrf = form_token(client, "/sekretariats")
    return client.post(f"/sekretariats/ieiet?lang={lang}", data={"csrf_token": csrf, "token": token},
                       environ_overrides={"REMOTE_ADDR": address})


def test_the_11th_failed_login_from_one_address_is_429(app: Flask, client: FlaskClient,
                                                       tokens: dict[str, str]) -> None:
    for n in range(10):
        r = attempt(client, f"ctk_guess{n}")
        assert r.status_code == 401, n  # type: ignore[attr-defined]
    r = attempt(client, "ctk_guess10")
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 900  # type: ignore[attr-defined]
    page = text(r)
    assert THROTTLED_LV in page and 'aria-describedby="login-error"' in page  # at the field
    r = attempt(client, tokens["secretariat"])  # the right token from the throttled address: also refused
    assert r.status_code == 429  # type: ignore[attr-defined]
    r = attempt(client, "ctk_guess11", lang="en")
    assert "Too many failed logins. Please wait 15 minutes and try again." in text(r)
    other = app.test_client()  # another address is not held up by this one's failures
    assert attempt(other, tokens["secretariat"], address="198.51.100.7").status_code == 303  # type: ignore[attr-defined]


def test_failures_of_one_token_from_many_addresses_throttle_that_token(
        app: Flask, client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    issued, _ = service.issue_token("secretariat", actor=system_actor("test"), name="Former")
    service.revoke_token(token_id_for(token_digest(issued)), reason="left", actor=system_actor("test"))
    for n in range(10):  # the revoked token, tried from ten addresses
        assert attempt(client, issued, address=f"203.0.113.{n}").status_code == 401  # type: ignore[attr-defined]
    r = attempt(client, issued, address="203.0.113.99")  # a fresh address: the token id is over its limit
    assert r.status_code == 429 and THROTTLED_LV in text(r)  # type: ignore[attr-defined]
    for n in range(3):  # the addresses are not over theirs: a right token signs in from them
        ok = app.test_client()
        assert attempt(ok, tokens["secretariat"], address=f"203.0.113.{n}").status_code == 303  # type: ignore[attr-defined]


def test_a_valid_token_of_another_role_is_not_counted(client: FlaskClient, tokens: dict[str, str]) -> None:
    for _ in range(12):
        assert attempt(client, tokens["juror"]).status_code == 401  # type: ignore[attr-defined]
    assert attempt(client, tokens["secretariat"]).status_code == 303  # type: ignore[attr-defined]


def test_the_throttle_can_be_switched_off(monkeypatch: object, service: ContestService) -> None:
    monkeypatch.setenv("CONTEST_LOGIN_THROTTLE", "off")  # type: ignore[attr-defined]
    client = create_app(service, {"TESTING": True}).test_client()
    assert [attempt(client, f"ctk_guess{n}").status_code for n in range(12)] == [401] * 12  # type: ignore[attr-defined]


HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "konkurss.example.lv", "X-Forwarded-For": "192.0.2.5"}


def test_behind_https_the_cookie_is_host_prefixed_secure_and_hsts_is_sent(service: ContestService,
                                                                           tokens: dict[str, str]) -> None:
    app = create_app(service, {"TESTING": True, "CONTEST_PROXY_FIX": "1"})
    client = app.test_client()
    page = client.get("/sekretariats", headers=HTTPS)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    r = client.post("/sekretariats/ieiet", headers=HTTPS,
                    data={"csrf_token": token_of(page.get_data(as_text=True)), "token": tokens["secretariat"]})
    assert r.status_code == 303
    cookie = r.headers["Set-Cookie"]
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert cookie.startswith("__Host-contest_session=") and {"secure", "httponly", "path", "samesite"} <= flags
    assert "SameSite=Lax" in cookie and "Path=/;" in cookie + ";" and "domain" not in flags
    assert 'action="/sekretariats/iziet"' in text(client.get("/sekretariats", headers=HTTPS))
    # X-Forwarded-For is the client's address: failures from the proxy's other clients do not count against it
    def guess(token: str, address: str) -> int:
        csrf = token_of(client.get("/sekretariats", headers=HTTPS).get_data(as_text=True))
        return client.post("/sekretariats/ieiet", headers={**HTTPS, "X-Forwarded-For": address},
                           data={"csrf_token": csrf, "token": token}).status_code

    assert [guess(f"ctk_guess{n}", "192.0.2.6") for n in range(11)] == [401] * 10 + [429]
    assert guess("ctk_guess", "192.0.2.7") == 401  # another client of the same proxy is not throttled


def test_without_proxy_fix_the_forwarded_headers_are_not_believed(client: FlaskClient) -> None:
    r = client.get("/sekretariats", headers=HTTPS)  # plain HTTP on loopback (a developer's ./dev serve)
    assert "Strict-Transport-Security" not in r.headers
    cookie = r.headers["Set-Cookie"]  # no Secure, no prefix
    assert cookie.startswith("contest_session=") and "Secure" not in cookie and "HttpOnly" in cookie


def test_hsts_only_over_https(client: FlaskClient) -> None:
    https = client.get("/sekretariats", base_url="https://konkurss.example.lv")
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")
    assert https.headers["Set-Cookie"].startswith("__Host-contest_session=")
    assert "Strict-Transport-Security" not in client.get("/", base_url="http://konkurss.example.lv").headers
