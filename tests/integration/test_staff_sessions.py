"""The secretariat's sign-in (api/staff_login.py, contest/sessions.py): a server-side session whose id is all the
cookie holds, ended by logout (also for a copy of the cookie), by the token's revocation and by an idle timeout;
no event is recorded for any of it."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from contest.clock import FrozenClock
from contest.service import ContestService
from domain.access import token_digest, token_id_for
from domain.actors import system_actor
from domain.sessions import session_digest
from tests.support.pages import form_token, login, text

DESK = 'action="/sekretariats/iziet"'  # the logout form: only on the desk itself
LOGIN_FORM = 'name="token"'


def session_cookie(client: FlaskClient, name: str = "contest_session") -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def test_login_opens_the_desk_and_the_cookie_holds_a_session_id_not_the_token(
        app: Flask, client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    token = tokens["secretariat"]
    before = service.event_count()
    assert login(client, token).status_code == 303  # type: ignore[attr-defined]
    assert DESK in text(client.get("/sekretariats"))
    raw = session_cookie(client)
    contents = app.session_interface.get_signing_serializer(app).loads(raw)  # type: ignore[attr-defined]
    assert set(contents) == {"staff", "csrf"}
    for secret in (token, token.removeprefix("ctk_"), token_digest(token)):
        assert secret not in raw and secret not in str(contents)
    token_id = token_id_for(token_digest(token))
    assert service.sessions.count(token_id) == 1
    rows = service.sessions._run("SELECT digest, token_id FROM {t}", fetch=True)
    assert [(r["digest"], r["token_id"]) for r in rows] == [(session_digest(contents["staff"]), token_id)]
    assert contents["staff"] not in str(rows)  # only the id's SHA-256 is kept
    client.post("/sekretariats/iziet", data={"csrf_token": form_token(client, "/sekretariats")})
    assert service.event_count() == before  # sessions are not contest history: nothing reaches the audit export


def test_logout_ends_the_session_for_every_copy_of_the_cookie(
        app: Flask, client: FlaskClient, service: ContestService, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    csrf = form_token(client, "/sekretariats")
    copied = session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("contest_session", copied)
    assert DESK in text(thief.get("/sekretariats"))  # the copy works while the session lives
    out = client.post("/sekretariats/iziet", data={"csrf_token": csrf})
    assert out.status_code == 303 and LOGIN_FORM in text(client.get("/sekretariats"))
    thief = app.test_client()
    thief.set_cookie("contest_session", copied)
    page = text(thief.get("/sekretariats"))
    assert LOGIN_FORM in page and DESK not in page
    r = thief.post("/sekretariats/atvert-1-kartu", data={"csrf_token": csrf})
    assert r.status_code == 401 and "sesija ir beigusies" in text(r)
    assert service.contest(2024).stage == "setup"
    assert service.sessions.count(token_id_for(token_digest(tokens["secretariat"]))) == 0


def test_revoking_the_token_ends_its_sessions(client: FlaskClient, service: ContestService,
                                             tokens: dict[str, str]) -> None:
    token = tokens["secretariat"]
    login(client, token)
    assert DESK in text(client.get("/sekretariats"))
    token_id = token_id_for(token_digest(token))
    service.revoke_token(token_id, reason="left the Fund", actor=system_actor("test"))
    assert service.sessions.count(token_id) == 0
    assert LOGIN_FORM in text(client.get("/sekretariats"))
    r = login(client, token)
    assert r.status_code == 401 and "atsaukta" in text(r)  # type: ignore[attr-defined]


def test_a_session_revoked_behind_its_back_is_refused(client: FlaskClient, service: ContestService,
                                                     tokens: dict[str, str]) -> None:
    """Even a session row that survived its token's revocation (another process revoked it) opens nothing: every
    request reads the credential again."""
    token = tokens["secretariat"]
    login(client, token)
    token_id = token_id_for(token_digest(token))
    service.sessions.end_token = lambda token_id: 0  # type: ignore[method-assign]  # the row stays
    service.revoke_token(token_id, reason="left the Fund", actor=system_actor("test"))
    del service.sessions.end_token
    assert service.sessions.count(token_id) == 1
    assert LOGIN_FORM in text(client.get("/sekretariats"))
    assert service.sessions.count(token_id) == 0


def test_an_idle_session_expires(client: FlaskClient, service: ContestService, clock: FrozenClock,
                                 tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    for _ in range(3):  # used every 29 minutes it lives on (30 minutes idle by default)
        clock.advance(timedelta(minutes=29))
        assert DESK in text(client.get("/sekretariats"))
    clock.advance(timedelta(minutes=31))
    assert LOGIN_FORM in text(client.get("/sekretariats"))
    clock.advance(timedelta(minutes=-31))  # a clock set back does not revive it: the row is gone
    assert LOGIN_FORM in text(client.get("/sekretariats"))
    assert service.sessions.count(token_id_for(token_digest(tokens["secretariat"]))) == 0


def test_a_session_ends_after_its_absolute_lifetime(client: FlaskClient, service: ContestService,
                                                    clock: FrozenClock, tokens: dict[str, str]) -> None:
    login(client, tokens["secretariat"])
    with client.session_transaction() as kept:
        session_id = kept["staff"]
    for _ in range(11 * 2 + 1):  # used every 29 minutes for 11 h 7 min
        clock.advance(timedelta(minutes=29))
        assert service.sessions.token_id(session_id) is not None
    assert DESK in text(client.get("/sekretariats"))
    clock.advance(timedelta(minutes=29))  # 11 h 36 min
    assert DESK in text(client.get("/sekretariats"))
    clock.advance(timedelta(minutes=25))  # 12 h 1 min after sign-in: used 25 minutes ago, but over 12 h
    assert LOGIN_FORM in text(client.get("/sekretariats"))
