"""The settings of how residents are verified (RULES.md D15): the eID sign-in's OpenID Connect provider
(CONTEST_OIDC_*), the SMTP server and sender that mail the `email` level's links (CONTEST_SMTP_*,
CONTEST_MAIL_SENDER, CONTEST_VOTE_LINK_MINUTES), and the service's public address both build links from
(CONTEST_PUBLIC_URL). Each is checked when read; SettingsError names the setting, never a secret's value."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlparse

from contest.settings_errors import SettingsError
from domain.errors import InvalidInput
from domain.identity import check_address
from domain.vote_link import LinkPolicy

DEFAULT_CODE_CLAIM = "personal_code"
OIDC_SETTINGS = ("CONTEST_OIDC_ISSUER", "CONTEST_OIDC_CLIENT_ID", "CONTEST_OIDC_CLIENT_SECRET")
_CLAIM_NAME = re.compile(r"[!#-~]{1,200}")  # printable ASCII, no space or quote: a claim name or a URI


@dataclass(frozen=True)
class OidcSettings:
    """The OpenID Connect provider of the eID sign-in (D15, api/eid.py): the issuer as its ID tokens name it
    (`iss`), this service's client id and secret at it, and the claim that carries the personal code."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    code_claim: str = DEFAULT_CODE_CLAIM

    @property
    def metadata_url(self) -> str:
        """The provider's discovery document (OpenID Connect Discovery 1.0, §4)."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def oidc_settings(env: Mapping[str, str] | None = None) -> OidcSettings | None:
    """CONTEST_OIDC_*: the eID provider, or None when none is set. Some but not all, an issuer that is not an
    https:// address (http:// is allowed on a loopback host only) or a claim name with spaces: SettingsError
    naming the setting, never a value of the secret."""
    env = os.environ if env is None else env
    values = {name: env.get(name, "").strip() for name in OIDC_SETTINGS}
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SettingsError(f"{' and '.join(missing)} must be set too: the eID sign-in (D15) needs "
                            f"{', '.join(OIDC_SETTINGS)}")
    issuer = values["CONTEST_OIDC_ISSUER"]
    parsed = urlparse(issuer)
    if parsed.scheme not in ("https", "http") or not parsed.hostname or parsed.query or parsed.fragment:
        raise SettingsError("CONTEST_OIDC_ISSUER must be the provider's https:// address without a query, "
                            "e.g. https://eid.example.lv")
    if parsed.scheme == "http" and not is_loopback(parsed.hostname):
        raise SettingsError("CONTEST_OIDC_ISSUER must be an https:// address (http:// only on loopback, for tests)")
    claim = env.get("CONTEST_OIDC_CODE_CLAIM", "").strip() or DEFAULT_CODE_CLAIM
    if not _CLAIM_NAME.fullmatch(claim):
        raise SettingsError("CONTEST_OIDC_CODE_CLAIM must be a claim name such as personal_code")
    return OidcSettings(issuer=issuer, client_id=values["CONTEST_OIDC_CLIENT_ID"],
                        client_secret=values["CONTEST_OIDC_CLIENT_SECRET"], code_claim=claim)


# ----- the mail of the `email` identity level (D15) -----

TLS_MODES = {"none": 25, "starttls": 587, "ssl": 465}  # and each one's usual port
MAIL_SETTINGS = ("CONTEST_SMTP_HOST", "CONTEST_MAIL_SENDER", "CONTEST_PUBLIC_URL")


@dataclass(frozen=True)
class MailSettings:
    """How mail leaves the service: the SMTP server, its TLS and login, the sender (contest/mail.py)."""

    host: str
    port: int
    tls: str
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0


@dataclass(frozen=True)
class VoteMail:
    """What the `email` level needs (D15): mail (None when CONTEST_SMTP_HOST is unset), the public base URL of the
    links (None when unset) and how long a link lives."""

    mail: MailSettings | None = None
    public_url: str | None = None
    links: LinkPolicy = field(default_factory=LinkPolicy)

    def missing(self) -> list[str]:
        """The settings that must be set before a vote can be confirmed by e-mail."""
        found = {"CONTEST_SMTP_HOST": self.mail is not None, "CONTEST_MAIL_SENDER": self.mail is not None,
                 "CONTEST_PUBLIC_URL": self.public_url is not None}
        return [name for name in MAIL_SETTINGS if not found[name]]


class MailNotConfigured(SettingsError):
    """The contest's residents are verified by e-mail (D15) but this service cannot send the link: a server's
    configuration, not the resident's fault (HTTP 503). Names the settings."""

    def __init__(self, settings: list[str]) -> None:
        self.settings = settings
        self.message = (f"{' and '.join(settings)} {'is' if len(settings) == 1 else 'are'} not set: this service "
                        "cannot send the e-mail that confirms a vote (D15); no vote is taken by e-mail until then")
        super().__init__(self.message)


def mail_settings_from_env(env: Mapping[str, str]) -> MailSettings | None:
    """CONTEST_SMTP_* and CONTEST_MAIL_SENDER, checked; None when CONTEST_SMTP_HOST is unset. SettingsError names
    the setting that is wrong."""
    host = env.get("CONTEST_SMTP_HOST", "").strip()
    if not host:
        return None
    if any(c.isspace() for c in host) or len(host) > 253:
        raise SettingsError("CONTEST_SMTP_HOST must be a host name or address")
    tls = env.get("CONTEST_SMTP_TLS", "").strip().lower() or "starttls"
    if tls not in TLS_MODES:
        raise SettingsError("CONTEST_SMTP_TLS must be none, starttls or ssl")
    port_text = env.get("CONTEST_SMTP_PORT", "").strip()
    if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
        raise SettingsError("CONTEST_SMTP_PORT must be a port number from 1 to 65535")
    user, password = env.get("CONTEST_SMTP_USER", ""), env.get("CONTEST_SMTP_PASSWORD", "")
    if bool(user) != bool(password):
        raise SettingsError("CONTEST_SMTP_USER and CONTEST_SMTP_PASSWORD are set both or neither")
    sender = env.get("CONTEST_MAIL_SENDER", "").strip()
    try:
        _name, address = parseaddr(sender)
        check_address(address)
    except InvalidInput:
        raise SettingsError("CONTEST_MAIL_SENDER must be an e-mail address, e.g. \"Konkurss <balsot@sif.gov.lv>\"") \
            from None
    if "\n" in sender or "\r" in sender:
        raise SettingsError("CONTEST_MAIL_SENDER must be one line")
    return MailSettings(host=host, port=int(port_text) if port_text else TLS_MODES[tls], tls=tls, sender=sender,
                        user=user or None, password=password or None)


def public_url(env: Mapping[str, str] | None = None) -> str | None:
    """CONTEST_PUBLIC_URL without its trailing slash: https://host[:port][/path], or http:// on a loopback host;
    None when unset. The base of the links in mail and of the eID sign-in's redirect address."""
    env = os.environ if env is None else env
    text = env.get("CONTEST_PUBLIC_URL", "").strip().rstrip("/")
    if not text:
        return None
    parsed = urlparse(text)
    host = parsed.hostname or ""
    if parsed.scheme not in ("https", "http") or not host or parsed.query or parsed.fragment or parsed.username \
            or any(c.isspace() for c in text):
        raise SettingsError("CONTEST_PUBLIC_URL must be the service's address, e.g. https://balsot.example.lv")
    if parsed.scheme == "http" and not is_loopback(host):
        raise SettingsError("CONTEST_PUBLIC_URL must start with https:// (plain http only on a loopback host): "
                            "the links in the mail carry a vote")
    return text


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def vote_mail_from_env(env: Mapping[str, str]) -> VoteMail:
    """Everything the `email` level reads from the environment (D15), checked; SettingsError names the setting."""
    text = env.get("CONTEST_VOTE_LINK_MINUTES", "").strip()
    minutes = 30
    if text:
        if not text.isdigit() or not 1 <= int(text) <= 1440:
            raise SettingsError("CONTEST_VOTE_LINK_MINUTES must be whole minutes from 1 to 1440")
        minutes = int(text)
    return VoteMail(mail=mail_settings_from_env(env), public_url=public_url(env),
                    links=LinkPolicy(timedelta(minutes=minutes)))
