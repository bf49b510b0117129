"""The `email` identity level (RULES.md D15): a vote asked for with the personal code and an e-mail address is
recorded only once the resident opens the one-time link sent to that address and confirms it.

`request_vote` checks everything the vote checks (the personal code, the address, the window, the municipality,
the rating and the comment, the contest's level: domain.identity.identify and Vote.cast, on the contest as it
stands, without saving), refuses at once when the code or the address already has a counted vote (AlreadyVoted,
AddressUsed), keeps the request in a table beside the events and mails the link. `confirm_vote` takes the link's
token and casts the vote through Votes.cast with the request's resident key, receipt and address key, so that the
vote and its AddressClaim are saved in one transaction and the store's unique keys let one vote in per personal
code and per address, whatever the number of workers confirming at once; a second confirmation of one link is
refused (LinkUsed, or AlreadyVoted while the first is being recorded), and so are an expired link (LinkExpired)
and a link the service does not know (UnknownLink). Nothing is recorded before the confirmation.

Why a table beside the events (`contest_vote_requests`, contest/side_table.py), not events: a request is not a
vote. Until it is confirmed it counts for nothing and may never be; most of what a stuffer sends is never
confirmed; and what it holds must be forgotten when the link is spent, never kept in the contest's history or
reach the audit export and the verifiers (like a staff session, contest/sessions.py). The vote itself, once
confirmed, is the event (Vote.Cast with verified "email", AddressClaim.Claimed).

A row keeps the SHA-256 of the link's token (never the token, which is only in the mail), the year, the resident
key and the receipt (the keyed hashes the vote will record; never the personal code), the address key (never the
address), the municipality, the rating, the comment as the vote would store it (codes redacted), the keyed hash
of the client's network (contest/network.py), and the instants: created, expires, used. Once the link is used or
has expired, everything but the digest and the instants is cleared; a day after it expired the row is deleted
(domain/vote_link.py's FORGET_AFTER), so the link says "used" or "expired" until then and "unknown" after.

At most PENDING_MAX live links to one address at once (domain/vote_link.py), so that nobody floods a stranger's
mailbox: a counted check, not a unique key, so two requests at the same instant may both pass it; the vote's own
unique keys are what keep one vote per code and per address. A personal code may have any number of live links
(to different addresses): a limit there would let whoever knows a resident's code keep them from asking for one.
"""

from __future__ import annotations

import os
import secrets as random_tokens
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from contest.identity_settings import MailNotConfigured, VoteMail, vote_mail_from_env
from contest.mail import Mailer
from contest.network import network_key
from contest.side_table import SideTable
from contest.unit_of_work import UnitOfWork
from contest.vote_link_mail import link_mail, link_url
from contest.votes import AddressUsed, AlreadyVoted, Votes
from domain.contest import Contest
from domain.identity import Identity, address_key, check_address, identify
from domain.vote import Vote
from domain.vote_link import (
    PENDING_MAX,
    LinkUsed,
    TooManyLinks,
    UnknownLink,
    link_digest,
    mask_address,
    require_live,
)

EMAIL = "email"
TABLE = "contest_vote_requests"
CREATE = ("CREATE TABLE IF NOT EXISTS {t} (digest TEXT PRIMARY KEY, year INTEGER NOT NULL, resident_key TEXT, "
          "receipt TEXT, address_key TEXT, municipality TEXT, rating INTEGER, comment TEXT, network TEXT, "
          "created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL, used_at DOUBLE PRECISION)",
          "CREATE INDEX IF NOT EXISTS {resident} ON {t} (resident_key)",
          "CREATE INDEX IF NOT EXISTS {address} ON {t} (address_key)",
          "CREATE INDEX IF NOT EXISTS {expires} ON {t} (expires_at)")
COLUMNS = "year, resident_key, receipt, address_key, municipality, rating, comment, network, expires_at, used_at"
CLEARED = ("resident_key = NULL, receipt = NULL, address_key = NULL, municipality = NULL, rating = NULL, "
           "comment = NULL, network = NULL")
SWEEP_EVERY = timedelta(minutes=1)
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _instant(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class Sent:
    """A request whose link was mailed: the address as the page shows it back ("v***@example.lv") and until when
    the link is good."""

    sent_to: str
    expires_at: datetime


@dataclass(frozen=True)
class Pending:
    """A live request, as the confirmation page shows it before the resident confirms (a GET records nothing)."""

    year: int
    municipality: str
    rating: int
    expires_at: datetime


@dataclass(frozen=True)
class _Row:
    year: int
    resident_key: str | None
    receipt: str | None
    address_key: str | None
    municipality: str | None
    rating: int | None
    comment: str | None
    network: str | None
    expires_at: datetime
    used_at: datetime | None


class VoteRequests:
    """The pending requests of one store; `config` is the mail's (None: read from the environment when first
    needed, contest/settings.py)."""

    def __init__(self, uow: UnitOfWork, votes: Votes, config: VoteMail | None = None) -> None:
        self.uow = uow
        self.votes = votes
        self.table = SideTable(uow.store, TABLE, CREATE)
        self._config = config
        self._mailer: Mailer | None = None
        self._swept: datetime | None = None

    # ----- settings -----

    def config(self) -> VoteMail:
        if self._config is None:
            self._config = vote_mail_from_env(os.environ)
        return self._config

    def mail_problem(self) -> MailNotConfigured | None:
        """Why this service cannot send the link (the settings missing), or None."""
        missing = self.config().missing()
        return MailNotConfigured(missing) if missing else None

    def mailer(self) -> Mailer:
        problem = self.mail_problem()
        if problem is not None:
            raise problem
        if self._mailer is None:
            mail = self.config().mail
            assert mail is not None
            self._mailer = Mailer(mail)
        return self._mailer

    # ----- asking for a vote -----

    def request_vote(self, year: int, *, personal_code: str, email: str, municipality: str, rating: object,
                     comment: str | None = None, client_address: str | None = None) -> Sent:
        """Check the vote as casting it would (D10, D15, §4.6.6), keep it as a pending request and mail its
        one-time link to `email`. Nothing is recorded in the contest's history. Refusals: InvalidInput or
        PersonalCodeError (422), RuleViolation (409: the window, the level, the municipality; AlreadyVoted for a
        code that has voted, AddressUsed for an address a vote was confirmed from, TooManyLinks), MailNotConfigured
        or VoteSecretsMismatch (503), MailError (503: the mail was not sent, the request is dropped)."""
        uow = self.uow
        contest = uow.gate.contest(year)
        if contest.rules.vote_identity == EMAIL and (problem := self.mail_problem()) is not None:
            raise problem
        mismatch = self.votes.vote_secrets_problem(year)
        if mismatch is not None:
            raise mismatch
        keys = uow.secrets()
        at = uow.clock.now()
        address = check_address(email)
        identity = identify(personal_code, verified=EMAIL, secret=keys.voter, receipt_secret=keys.receipt,
                            year=year, today=contest.local_day(at))
        network = network_key(keys.voter, client_address)
        vote = Vote.cast(contest, identity=identity, municipality=municipality, rating=rating, comment=comment,
                         at=at, network=network)  # decided, not saved
        claimed = address_key(keys.voter, address)
        if self.votes.has_voted(year, identity.resident_key):
            raise AlreadyVoted()
        if self.votes.address_used(year, claimed):
            raise AddressUsed()
        config = self.config()
        assert config.public_url is not None
        expires = config.links.expires_at(at)
        self._sweep(at)
        self._require_room(year, claimed, at)
        token = random_tokens.token_urlsafe(32)
        digest = link_digest(token)
        self.table.run(f"INSERT INTO {{t}} (digest, {COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                       "NULL, ?)", (digest, year, identity.resident_key, identity.receipt, claimed,
                                    vote.municipality, vote.rating, vote.comment, network, expires.timestamp(),
                                    at.timestamp()))
        subject, body = link_mail(contest_title=contest.title, municipality=_name(contest, vote.municipality),
                                  rating=vote.rating, link=link_url(config.public_url, token), expires_at=expires,
                                  tz=contest.window.timezone)
        try:
            self.mailer().send(address, subject, body)
        except BaseException:
            self.table.run("DELETE FROM {t} WHERE digest = ?", (digest,))  # no link, no request
            raise
        return Sent(mask_address(address), expires)

    def _require_room(self, year: int, claimed: str, at: datetime) -> None:
        """At most PENDING_MAX live links to one address (TooManyLinks, 409): nobody floods a mailbox."""
        rows = self.table.run("SELECT count(*) AS n, min(expires_at) AS first FROM {t} WHERE address_key = ? "
                              "AND year = ? AND used_at IS NULL AND expires_at > ?",
                              (claimed, year, at.timestamp()), fetch=True)
        if rows and int(rows[0]["n"]) >= PENDING_MAX:
            until = _instant(rows[0]["first"])
            assert until is not None
            raise TooManyLinks(until)

    def _sweep(self, now: datetime) -> None:
        """Clear what expired requests hold, and delete those expired a day ago (at most once a minute)."""
        if self._swept is not None and self._swept <= now < self._swept + SWEEP_EVERY:
            return
        self._swept = now
        self.table.run(f"UPDATE {{t}} SET {CLEARED} WHERE expires_at <= ? AND resident_key IS NOT NULL",
                       (now.timestamp(),))
        self.table.run("DELETE FROM {t} WHERE expires_at <= ?",
                       (self.config().links.forget_before(now).timestamp(),))

    # ----- the link -----

    def _row(self, token: str, year: int | None) -> _Row:
        if not isinstance(token, str) or not 20 <= len(token) <= 100 or not TOKEN_CHARS.issuperset(token):
            raise UnknownLink()
        rows = self.table.run(f"SELECT {COLUMNS} FROM {{t}} WHERE digest = ?", (link_digest(token),), fetch=True)
        if not rows or (year is not None and int(rows[0]["year"]) != year):
            raise UnknownLink()
        r = rows[0]
        expires = _instant(r["expires_at"])
        assert expires is not None
        return _Row(int(r["year"]), r["resident_key"], r["receipt"], r["address_key"], r["municipality"],
                    None if r["rating"] is None else int(r["rating"]), r["comment"], r["network"], expires,
                    _instant(r["used_at"]))

    def pending(self, token: str, year: int | None = None) -> Pending:
        """What a live link would record, for the confirmation page; UnknownLink, LinkUsed or LinkExpired."""
        row = self._row(token, year)
        require_live(row.expires_at, row.used_at, self.uow.clock.now())
        assert row.municipality is not None and row.rating is not None
        return Pending(row.year, row.municipality, row.rating, row.expires_at)

    def confirm_vote(self, token: str, year: int | None = None) -> tuple[Vote, int]:
        """Record the vote a live link stands for (D15: verified "email", with its address claim) and spend the
        link; returns the vote (with its receipt) and its position. A link of another contest than `year` is
        unknown. Refusals as `pending`, and as the vote's (the window closed since, §4.6.6; AlreadyVoted,
        AddressUsed; LinkUsed when a vote with this code and this address is recorded already: the same link
        confirmed at the same moment)."""
        digest = link_digest(token)
        row = self._row(token, year)
        now = self.uow.clock.now()
        require_live(row.expires_at, row.used_at, now)
        resident, claimed = row.resident_key, row.address_key
        assert resident is not None and row.receipt is not None and claimed is not None
        identity = Identity(resident, row.receipt, EMAIL)

        def verified(_contest: Contest, _at: datetime) -> Identity:
            return identity  # the code was checked when the link was asked for (domain.identity.identify)

        def exists() -> Exception:
            voted, used = self.votes.has_voted(row.year, resident), self.votes.address_used(row.year, claimed)
            if voted and used:
                return LinkUsed()
            return AddressUsed() if used else AlreadyVoted()

        try:
            cast = self.votes.cast(row.year, verified, municipality=row.municipality or "", rating=row.rating,
                                   comment=row.comment, address_key=claimed, exists=exists, network=row.network)
        except LinkUsed:
            self._spend(digest, now)
            raise
        self._spend(digest, now)
        return cast

    def _spend(self, digest: str, now: datetime) -> None:
        self.table.run(f"UPDATE {{t}} SET used_at = ?, {CLEARED} WHERE digest = ? AND used_at IS NULL",
                       (now.timestamp(), digest))

    def count(self) -> int:
        """How many requests the table holds (live, spent or expired), for the tests and the desk."""
        return int(self.table.run("SELECT count(*) AS n FROM {t}", fetch=True)[0]["n"])

    def rows(self) -> list[dict[str, Any]]:
        """Every row as stored (for the tests that check what is kept)."""
        return [dict(r) for r in self.table.run("SELECT * FROM {t}", fetch=True)]


def _name(contest: Contest, code: str) -> str:
    return next((m.name for m in contest.municipalities if m.code == code), code)
