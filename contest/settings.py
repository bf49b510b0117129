"""Configuration of the service from the environment (twelve-factor): which store, which secrets.

CONTEST_STORE    sqlite:///var/contest.sqlite3[?lock_timeout=10] (default, relative to the working directory) or
                 postgresql://user:password@host:5432/dbname[?schema=name]
CONTEST_READ_STORE  a PostgreSQL streaming replica of CONTEST_STORE (postgresql://…, the same schema): the requests
                 that only read are served from it, every command goes to CONTEST_STORE (contest/replica.py says
                 what is read where, api/read_side.py which requests); unset, everything reads CONTEST_STORE
CONTEST_YEAR     the current contest (default 2024): the one the service loads on first start, the clock runs, the
                 CLI defaults to and the pages and the desk show (api/page_support.py; the store's other contests
                 are the archive)
CONTEST_PRESET   the preset used for that (default: the year)
CONTEST_VOTER_SECRET    key of the HMAC that replaces residents' personal codes (D10); required to serve
CONTEST_RECEIPT_SECRET  key of the residents' vote receipts (a second, independent secret); required to serve
CONTEST_SESSION_IDLE_MINUTES  a staff session (the desk's sign-in, contest/sessions.py) ends this long after its
                 last use (default 30)
CONTEST_SESSION_HOURS  and at the latest this long after sign-in (default 12)
CONTEST_VOTE_RATE_LIMIT_FILE  the SQLite file of the vote's rate-limit counters, shared by the workers of one host
                 (api/ratelimit.py; default: beside a SQLite store, else in the temp directory, named after the store)
CONTEST_PRIVACY_CONTACT  where residents reach the Fund about their data (an e-mail or https address, as the Fund
                 decides), shown on the privacy page /privatums; unset, the page points to the Fund's own website
CONTEST_PUBLIC_URL  the service's public address (https://balsot.example.lv), for the links it hands out: the eID
                 sign-in's redirect URI; unset, the address the request came to
CONTEST_OIDC_ISSUER, CONTEST_OIDC_CLIENT_ID, CONTEST_OIDC_CLIENT_SECRET  the OpenID Connect provider residents sign in
                 with when the contest's identity level is `eid` (D15): its issuer (https://, exactly as its ID tokens
                 name it; http:// only on loopback, for tests) and this service's client at it; all three or none
CONTEST_OIDC_CODE_CLAIM  the ID token's claim that carries the personal code (default "personal_code")

The mail of the `email` identity level (D15: a vote counts once the resident opens the one-time link sent to
their address; contest/mail.py, contest/vote_requests.py), needed when a contest's level is `email`, and of the
notifications (the visits' notices, the jury's sign-in links and reminders; contest/mail_sender.py):
CONTEST_SMTP_HOST      the SMTP server the mail is handed to; unset, no mail is sent (an `email` vote is then
                       refused with 503 naming the settings)
CONTEST_SMTP_PORT      its port (default by CONTEST_SMTP_TLS: 25, 587, 465)
CONTEST_SMTP_TLS       none | starttls (default) | ssl: plain, STARTTLS after connecting, or TLS from the start;
                       the server's certificate is checked against the system's trusted authorities
CONTEST_SMTP_USER, CONTEST_SMTP_PASSWORD  the login, if the server asks for one (both or neither)
CONTEST_MAIL_SENDER    the From address, e.g. "Konkurss <balsot@sif.gov.lv>"
CONTEST_PUBLIC_URL     the service's public address, the base of the links in the mail (https://…; plain http only on
                       a loopback host); never taken from a request's Host header, which anyone can set
CONTEST_VOTE_LINK_MINUTES  how long a link is good for (default 30, at most 1440)

The two secrets must stay the same for a contest's whole life (a new voter secret would let everyone vote again)
and must never be logged or stored with the events. The contest records their fingerprints with its first vote
(Contest.VoteSecretsBound, domain.personal_code.secret_fingerprint); a process whose secrets have other
fingerprints takes no vote (VoteSecretsMismatch, HTTP 503) until the recorded ones are restored.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from contest.identity_settings import VoteMail, vote_mail_from_env
from contest.settings_errors import SettingsError
from domain.personal_code import secret_fingerprint
from domain.sessions import SessionPolicy

DEFAULT_STORE = "sqlite:///var/contest.sqlite3"


@dataclass(frozen=True)
class VoteSecrets:
    voter: bytes
    receipt: bytes

    def __repr__(self) -> str:  # never print the keys
        return "VoteSecrets(<hidden>)"

    def fingerprints(self, year: int) -> tuple[str, str]:
        """(voter, receipt) fingerprints for a contest's year, as Contest.VoteSecretsBound records them (D10)."""
        return secret_fingerprint(self.voter, year, "voter"), secret_fingerprint(self.receipt, year, "receipt")


SECRET_SETTINGS = {"voter": "CONTEST_VOTER_SECRET", "receipt": "CONTEST_RECEIPT_SECRET"}


class VoteSecretsMismatch(SettingsError):
    """This process's vote secrets are not those the contest's votes were recorded with (D10): a misconfigured
    server, not the resident's fault (HTTP 503). Names the settings, never their values."""

    def __init__(self, year: int, differing: list[str]) -> None:
        self.year = year
        self.settings = [SECRET_SETTINGS[name] for name in differing]
        names = " and ".join(self.settings)
        verb, noun = ("differs", "the secret") if len(self.settings) == 1 else ("differ", "the secrets")
        self.message = (f"{names} {verb} from {noun} the {year} contest's votes were recorded with (D10): restore "
                        f"{'it' if len(self.settings) == 1 else 'them'}; no vote is taken until then")
        super().__init__(self.message)


def vote_secrets_from_env(env: Mapping[str, str]) -> VoteSecrets | None:
    voter, receipt = env.get("CONTEST_VOTER_SECRET", ""), env.get("CONTEST_RECEIPT_SECRET", "")
    if not voter and not receipt:
        return None
    if len(voter) < 16 or len(receipt) < 16:
        raise SettingsError("CONTEST_VOTER_SECRET and CONTEST_RECEIPT_SECRET must both be at least 16 characters")
    if voter == receipt:
        raise SettingsError("CONTEST_VOTER_SECRET and CONTEST_RECEIPT_SECRET must differ")
    return VoteSecrets(voter=voter.encode(), receipt=receipt.encode())


@dataclass(frozen=True)
class Settings:
    store_url: str = DEFAULT_STORE
    read_store_url: str | None = None  # the replica (CONTEST_READ_STORE), or None
    year: int = 2024
    preset: str = "2024"
    secrets: VoteSecrets | None = field(default=None, repr=False)
    vote_mail: VoteMail | None = None  # None: read from the environment when first needed

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        year = env.get("CONTEST_YEAR", "2024")
        if not year.isdigit():
            raise SettingsError("CONTEST_YEAR must be a year such as 2024")
        store_url = env.get("CONTEST_STORE") or DEFAULT_STORE
        return cls(
            store_url=store_url,
            read_store_url=read_store_from_env(env, store_url),
            year=int(year),
            preset=env.get("CONTEST_PRESET") or year,
            secrets=vote_secrets_from_env(env),
            vote_mail=vote_mail_from_env(env),
        )

    def require_secrets(self) -> VoteSecrets:
        """The service refuses to start without its vote secrets (D10)."""
        if self.secrets is None:
            raise SettingsError("CONTEST_VOTER_SECRET and CONTEST_RECEIPT_SECRET are not set: the service will not "
                                "take votes without them (D10). `./dev serve` keeps a pair in var/secrets.env.")
        return self.secrets

    @property
    def store_kind(self) -> str:
        return store_kind(self.store_url)


POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def store_kind(url: str) -> str:
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in POSTGRES_SCHEMES:
        return "postgresql"
    raise SettingsError(f"CONTEST_STORE must start with sqlite:/// or postgresql://, not {scheme or url!r}")


def read_store_from_env(env: Mapping[str, str], store_url: str) -> str | None:
    """CONTEST_READ_STORE, checked: a replica is PostgreSQL's streaming replica of a PostgreSQL CONTEST_STORE."""
    url = env.get("CONTEST_READ_STORE", "").strip()
    if not url:
        return None
    if urlparse(url).scheme not in POSTGRES_SCHEMES or store_kind(store_url) != "postgresql":
        raise SettingsError("CONTEST_READ_STORE is a PostgreSQL streaming replica of a PostgreSQL CONTEST_STORE "
                            "(postgresql://…, both)")
    return url


def rate_limit_file(store_url: str, env: Mapping[str, str] | None = None) -> Path:
    """Where the vote's rate-limit counters live (api/ratelimit.py): one file per store and host, so that every
    worker of the service counts against the same budget. CONTEST_VOTE_RATE_LIMIT_FILE, else beside a SQLite store
    (var/contest.sqlite3 -> var/contest.sqlite3.ratelimit), else in the temp directory under a name made from the
    store's URL (its digest: no password in a file name)."""
    env = os.environ if env is None else env
    if env.get("CONTEST_VOTE_RATE_LIMIT_FILE"):
        return Path(env["CONTEST_VOTE_RATE_LIMIT_FILE"])
    if store_kind(store_url) == "sqlite":
        path = unquote(urlparse(store_url).path)
        path = path[1:] if path.startswith("/") else path
        if path and path != ":memory:":
            return Path(path + ".ratelimit")
    digest = hashlib.sha256(store_url.encode()).hexdigest()[:16]
    if store_kind(store_url) == "sqlite":  # an in-memory store: one process, its own counters
        digest += f"-{os.getpid()}"
    return Path(tempfile.gettempdir()) / f"contest-ratelimit-{digest}.counters"


def privacy_contact(env: Mapping[str, str] | None = None) -> str | None:
    """CONTEST_PRIVACY_CONTACT, trimmed: the Fund's contact for data protection requests, or None when unset. The
    service invents none: the address is the Fund's to choose (its data protection officer's, say)."""
    env = os.environ if env is None else env
    value = env.get("CONTEST_PRIVACY_CONTACT", "").strip()
    return value[:200] or None


def eventsourcing_env(url: str) -> dict[str, str]:
    """Translate a store URL into the eventsourcing library's settings (9.5: PERSISTENCE_MODULE & co.)."""
    parsed = urlparse(url)
    if store_kind(url) == "sqlite":
        path = unquote(parsed.path)
        # sqlite:///relative/path and sqlite:////absolute/path, as in SQLAlchemy URLs
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise SettingsError("a sqlite store URL needs a file path, e.g. sqlite:///var/contest.sqlite3")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # How long a write waits for another connection's lock (SQLite's busy handler retries meanwhile) before
        # the store gives up with "database is locked", which the API answers with 503 and Retry-After.
        lock_timeout = parse_qs(parsed.query).get("lock_timeout", ["10"])[0]
        if not lock_timeout.isdigit() or int(lock_timeout) < 1:
            raise SettingsError("lock_timeout in a sqlite store URL is whole seconds, at least 1")
        return {
            # the library's SQLite factory whose recorder checks a conditional save in the insert's transaction
            # (contest/sqlitestore.py, contest/guard.py)
            "PERSISTENCE_MODULE": "contest.sqlitestore:GuardedSQLiteFactory",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": lock_timeout,
        }
    query = parse_qs(parsed.query)
    env = {
        # the library's PostgreSQL factory with a pool that fails fast while the server is down and reconnects
        # promptly when it is back, and a one-round-trip insert that checks a conditional save (contest/pgstore.py)
        "PERSISTENCE_MODULE": "contest.pgstore:RecoveringFactory",
        "POSTGRES_DBNAME": unquote(parsed.path.lstrip("/")) or "contest",
        "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": unquote(parsed.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": query.get("pool_size", ["5"])[0],
        "POSTGRES_MAX_OVERFLOW": "10",
        "POSTGRES_PRE_PING": "y",
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][0]
    return env


def session_policy_from_env(env: Mapping[str, str]) -> SessionPolicy:
    """The staff sessions' lifetimes (domain/sessions.py, contest/sessions.py)."""

    def minutes(name: str, default: float, unit: float) -> timedelta:
        text = env.get(name, "").strip()
        if not text:
            return timedelta(minutes=default)
        try:
            value = float(text)
        except ValueError:
            value = 0
        if not 0 < value <= 100_000:  # NaN too
            raise SettingsError(f"{name} must be a positive number")
        return timedelta(minutes=value * unit)

    return SessionPolicy(idle=minutes("CONTEST_SESSION_IDLE_MINUTES", 30, 1),
                         absolute=minutes("CONTEST_SESSION_HOURS", 12 * 60, 60))
