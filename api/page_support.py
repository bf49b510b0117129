"""What the server-rendered pages share: the language (Latvian by default, English on request), the session
cookie that carries the CSRF token, dates in the contest's time zone, numbers in the reader's language.

Language: flask-babel with English message ids; the Latvian catalogue is ``api/translations/lv/LC_MESSAGES/
messages.po``, compiled in memory on first use (no binary .mo in the repository). ``?lang=en`` or ``?lang=lv`` on
any page switches the language and remembers it in a cookie; without either the pages are Latvian.

CSRF: every form carries ``csrf_token``, a random value kept in the signed, HttpOnly, SameSite=Lax session
cookie; a POST whose field does not match is refused with 400 before anything else runs. The session cookie also
carries a signed-in staff session's id (api/staff_login.py), never a token. The cookies are ``Secure`` except on
a loopback host over plain HTTP (a developer's ``./dev serve``), where browsers could not send them back; a Secure
session cookie is named ``__Host-contest_session`` (Path=/, no Domain: no subdomain can set or shadow it).
Behind a TLS-terminating proxy, CONTEST_PROXY_FIX makes the proxy's X-Forwarded-Proto count (api/operations.py).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, abort, current_app, has_request_context, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, Domain, format_decimal, get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from api.units import unit_value
from contest.service import ContestService
from domain import latvian
from domain.contest import Contest
from domain.errors import NotFound

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES = ("lv", "en")
DEFAULT_LANGUAGE = "lv"
LANG_COOKIE = "lang"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "contest_session"
HOST_PREFIX = "__Host-"


def service() -> ContestService:
    return current_app.extensions["contest.service"]


def current_year(years: list[int]) -> int:
    """The current contest among `years` (the store's): the app's CONTEST_YEAR (api/wsgi.py sets it from the
    setting, default 2024: the contest the service loads, the clock runs and the CLI defaults to) when the store
    holds it, else the latest. The store's other contests are the archive (/arhivs)."""
    configured = current_app.config.get("CONTEST_YEAR")
    return configured if configured in years else max(years)


def current_contest() -> Contest:
    years = service().years_for_pages()
    if not years:
        raise NotFound("contest", "any")
    # pages only read it: the process's cached contest, revalidated by one indexed read (docs/BENCHMARKS.md)
    return service().round2.gate.contest(current_year(years))


YEAR_ARG = "gads"  # ?gads=2024: a results page of another contest in the store than the current one


def page_contest() -> Contest:
    """The contest a results page shows: the current one, or the one of `?gads=<year>` (404 if the store has none
    of that year)."""
    asked = request.args.get(YEAR_ARG, "").strip()
    if not asked:
        return current_contest()
    if not asked.isdigit() or int(asked) not in service().years():
        raise NotFound("contest", asked)
    return service().round2.gate.contest(int(asked))


def year_args(contest: Contest | int) -> dict[str, int]:
    """The query of a link that stays with `contest` (or that year's): none for the current contest, else `gads`."""
    year = contest.year if isinstance(contest, Contest) else int(contest)
    years = service().years()
    return {} if not years or year == current_year(years) else {YEAR_ARG: year}


def names(contest: Contest) -> dict[str, str]:
    return {m.code: m.name for m in contest.municipalities}


# ----- the plumbing of every page blueprint (api/pages.py, api/desk.py) -----

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def csrf_on_every_form() -> None:
    """A blueprint's before_request: every POSTed form carries the session's CSRF token."""
    if request.method == "POST":
        check_csrf()


def after(response: Any) -> Any:
    """A blueprint's after_request: the pages' security headers and the chosen language's cookie."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CSP)
    return remember_language(response)


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("pages/error.html", title=title, message=message), status


def not_found(e: NotFound) -> tuple[str, int]:
    return error_page(404, _("Not found"), _("There is no such page or municipality."))


def http_error(e: HTTPException) -> tuple[str, int]:
    if e.code == 400 and e.description == "csrf":
        return error_page(400, _("The form has expired"),
                          _("The form's security check failed (it may have been open too long, or cookies are "
                            "blocked). Please reload the page and submit the form again."))
    if e.code == 429:
        return error_page(429, _("Too many votes"), _("Too many votes have come from your network address in a "
                                                      "short time. Please wait a minute and try again."))
    return error_page(e.code or 500, e.name, e.description or "")


# ----- language -----

class PoDomain(Domain):
    """Translations read from the .po catalogue itself, compiled once per process and language."""

    def get_translations(self) -> NullTranslations:
        locale = get_locale()
        key = str(locale) if locale else DEFAULT_LANGUAGE
        if key not in self.cache:
            self.cache[key] = load_catalogue(key)
        return self.cache[key]


def load_catalogue(language: str) -> NullTranslations:
    po = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalogue = read_po(f, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalogue)
    buf.seek(0)
    return Translations(fp=buf)


class PageBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:  # type: ignore[override]
        return PoDomain()


def select_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGUAGES else DEFAULT_LANGUAGE


def language() -> str:
    locale = get_locale()
    return str(locale) if locale is not None and str(locale) in LANGUAGES else DEFAULT_LANGUAGE


# ----- cookies and CSRF -----

def cookie_secure() -> bool:
    """Secure cookies, except for plain HTTP on a loopback host (browsers would drop them there)."""
    if request.is_secure:
        return True
    host = urlsplit("//" + request.host).hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


class PageSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Any) -> Any:
        """The API's requests carry no session cookie (they authenticate by bearer token): Flask's null session
        for them, without building the cookie's signer for every vote (docs/BENCHMARKS.md); a request with the
        cookie opens it as before."""
        name = app.config["SESSION_COOKIE_NAME"]
        if request.path.startswith("/api/") and name not in request.cookies and HOST_PREFIX + name not in \
                request.cookies:
            return None
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_secure()

    def get_cookie_name(self, app: Flask) -> str:
        name = super().get_cookie_name(app)
        return HOST_PREFIX + name if has_request_context() and cookie_secure() else name


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Refuse a POST whose form token does not match the session's (400, before anything is done)."""
    expected = session.get("csrf")
    given = request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(400, description="csrf")


def remember_language(response: Any) -> Any:
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, httponly=True, samesite="Lax",
                            secure=cookie_secure())
    return response


def derive_secret_key(svc: ContestService) -> bytes:
    """One key for every worker: derived from the vote secrets the service needs anyway (all workers share
    them), never equal to them; a process without them gets a random key of its own."""
    try:
        base = svc.secrets().receipt
    except Exception:
        return os.urandom(32)
    return hmac.new(base, b"contest pages session key", hashlib.sha256).digest()


def init_pages_support(app: Flask, svc: ContestService) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = derive_secret_key(svc)
    # Flask's config has these keys already ("session", no SameSite): setdefault would keep Flask's values
    app.config.update(SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_PATH="/", SESSION_COOKIE_DOMAIN=None)
    app.session_interface = PageSessionInterface()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Riga")
    PageBabel(app, locale_selector=select_language)


# ----- formatting -----

def local(at: datetime | str, tz: str = "Europe/Riga") -> datetime:
    if isinstance(at, str):
        at = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return at.astimezone(ZoneInfo(tz))


EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def _date_words(d: date, case: str = "nominative") -> str:
    """A date in words: '2024. gada 1. augusts' in the case asked for (LATVIAN.md), '1 August 2024' in English
    (day, month, year)."""
    if language() == "lv":
        return latvian.date_in(d, case)
    return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"


def _clock(moment: datetime, seconds: bool = False) -> str:
    if language() == "lv":
        return latvian.clock(moment) + (f".{moment.second:02d}" if seconds else "")
    return f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}"


def when(at: datetime | str | None, tz: str = "Europe/Riga", seconds: bool = False) -> str:
    """A moment alone (a table cell, after a label), in the contest's time zone: '2024. gada 1. augusts plkst.
    00.00', '1 August 2024, 00:00' (with `seconds`: '… plkst. 00.00.25', for bursts of votes)."""
    if at is None:
        return "–"
    moment = local(at, tz)
    joint = " " if language() == "lv" else ", "
    return f"{_date_words(moment.date())}{joint}{_clock(moment, seconds)}"


def when_in(at: datetime | str, case: str, tz: str = "Europe/Riga", year: bool = True) -> str:
    """A moment inside a sentence. In Latvian the date takes the sentence's case and the time is written
    'plkst. 23.59' (LATVIAN.md): 'no 2024. gada 1. augusta plkst. 00.00', 'līdz 2024. gada 15. septembrim plkst.
    23.59' (without `year`: 'līdz 15. septembrim plkst. 23.59', in a sentence that said the year already); in
    English as `when`."""
    moment = local(at, tz)
    if language() != "lv":
        return when(moment, tz)
    return f"{latvian.date_in(moment.date(), case, year=year)} {latvian.clock(moment)}"


def _as_date(value: date | str) -> date:
    """A day, from a date, '2024-11-29', or an instant ('2024-11-29T22:30:00Z': its day in Riga, 30 November)."""
    if isinstance(value, datetime) or (isinstance(value, str) and len(value) > 10):
        return local(value).date()
    return date.fromisoformat(value) if isinstance(value, str) else value


def day(value: date | str | None) -> str:
    """A date alone: '2024. gada 4. novembris', '4 November 2024'."""
    return "–" if value is None else _date_words(_as_date(value))


def day_in(value: date | str | None, case: str) -> str:
    """A date inside a sentence, in the case the sentence needs: 'paziņots 2024. gada 4. novembrī' (locative)."""
    return "–" if value is None else _date_words(_as_date(value), case)


def number(value: float | int | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern)


_CLAUSE = re.compile(r"§\s*(\d+(?:\.\d+)*)")


def clause_text(rule: str | None) -> str | None:
    """The clauses of the nolikums a refusal rests on, as a reader says them: 'Nolikuma 4.6.6. punkts' ('Rules,
    point 4.6.6'); the project's own decisions (D1, D2, …) and other internal labels are not shown on pages
    (LATVIAN.md "Tone"). None when nothing is left to cite."""
    points = _CLAUSE.findall(rule or "")
    if not points:
        return None
    if language() == "lv":
        return "Nolikuma " + ", ".join(f"{p}." for p in points) + (" punkts" if len(points) == 1 else " punkti")
    return ("Rules, point " if len(points) == 1 else "Rules, points ") + ", ".join(points)


def window_sentence(times: Mapping[str, Any]) -> str:
    """'no 2024. gada 1. augusta plkst. 00.00 līdz 15. septembrim plkst. 23.59 (Latvijas laiks)': the closing's year
    is said only when it is not the opening's (LATVIAN.md's example sentence)."""
    tz = times["timezone"]
    same_year = local(times["opens_at"], tz).year == local(times["closes_at"], tz).year
    return _("from %(opens)s to %(closes)s (Latvian time)", opens=when_in(times["opens_at"], "genitive", tz),
             closes=when_in(times["closes_at"], "dative", tz, year=not same_year))


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; it is translated where it is shown."""
    return message


STAGE_NAMES = {
    "setup": N_("Preparation"),
    "round1": N_("Round 1: the questionnaire"),
    "round2": N_("Round 2: the jury and the residents' vote"),
    "round3": N_("Round 3: visits"),
    "finished": N_("Finished: awaiting the council's approval"),
    "sealed": N_("Approved and sealed"),
}


# The name of a failed check of a personal code (domain.personal_code.CHECKS), for the vote page's messages.
CHECK_NAMES = {"format": N_("the form of the code"), "new_form": N_("the first two digits"),
               "century": N_("the century digit (the 7th digit)"), "date": N_("the date of birth"),
               "future_date": N_("the date of birth"),
               "check_digit": N_("the check digit (the last digit)")}


def stage_name(stage: str) -> str:
    return _(STAGE_NAMES[stage]) if stage in STAGE_NAMES else stage


BLOCK_NAMES = {"regular": N_("Regular benefits"), "one_off": N_("One-off benefits"),
               "long_term": N_("Long-term support")}


def block_name(block: str) -> str:
    return _(BLOCK_NAMES[block]) if block in BLOCK_NAMES else block


def template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "when": when, "when_in": when_in, "window_sentence": window_sentence, "day": day,
            "day_in": day_in, "clause_text": clause_text, "unit_value": unit_value, "number": number,
            "stage_name": stage_name, "block_name": block_name, "language": language, "LANGUAGES": LANGUAGES,
            "CSRF_FIELD": CSRF_FIELD, "year_args": year_args, "YEAR_ARG": YEAR_ARG}
