"""The outbox (domain/notification.py): queueing the mail as events, the sender's claim and record, the desk's list,
and the jury's sign-in links.

Queueing. A visit's notice (§4.7.2) is queued by whoever calls `queue_notices`, the sender before each pass: every
`Visit.NoticeRecorded` whose visit is still ahead gets one notification per recipient (the finalist, its mayor, its
contact person; one per address when two of them share one). The notice's own command keeps the addresses in the
address book and records the event with their keyed hashes (contest/notice_recipients.py), so queueing looks each
address up by the key the event holds; a notice recorded before that holds its addresses in clear, and they are
hashed and kept here. If the process dies after recording a notice, the next pass queues it; the notification's id,
derived from the notice event and the address's key, keeps it from being queued twice. A sign-in link is queued by
the secretariat's command, to the address it gives, which also becomes the seat's address for the reminders. The
ballot reminders are queued by the clock (contest/scheduler.py: `queue_reminders`), REMINDER_BEFORE the vote closes,
for each voting seat without a ballot that has an address; a seat with none is left out (the desk lists what was
queued).

Addresses go to the address book (contest/address_book.py, sealed); the history has their keyed hashes only.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from contest.address_book import AddressBook
from contest.identity_settings import MailNotConfigured, VoteMail, vote_mail_from_env
from contest.mail import Delivery
from contest.notification_mail import link_url, notice_body, notice_subject, reminder_mail, sign_in_mail
from contest.unit_of_work import UnitOfWork
from domain.actors import JUROR, Actor, system_actor
from domain.config import instant_str
from domain.contest import Contest
from domain.errors import RuleViolation
from domain.identity import check_address
from domain.notice import recorded_recipients
from domain.notification import (
    BALLOT_REMINDER,
    LINK_LIFETIME,
    LINK_PLACEHOLDER,
    SIGN_IN_LINK,
    VISIT_NOTICE,
    Notification,
    body_digest,
    link_notification,
    link_token,
    message_id,
    notification_id,
    recipient_key,
    reminder_due,
)
from domain.visit import Visit
from projections.notifications import NotificationState, NotificationsView

log = logging.getLogger("contest.notifications")
MAILER = system_actor("mailer")


@dataclass(frozen=True)
class Letter:
    """One notification's mail as it is handed over."""

    to: str
    subject: str
    body: str
    message_id: str


class Notifications:
    def __init__(self, uow: UnitOfWork, config: VoteMail | None = None) -> None:
        self.uow = uow
        self.book = AddressBook(uow.store)
        self._config = config
        self._relayed: set[int] = set()  # the positions of the notices this process has queued

    def config(self) -> VoteMail:
        if self._config is None:
            self._config = vote_mail_from_env(os.environ)
        return self._config

    def mail_problem(self) -> MailNotConfigured | None:
        missing = self.config().missing()
        return MailNotConfigured(missing) if missing else None

    def _secret(self) -> bytes:
        return self.uow.secrets().voter

    def view(self) -> NotificationsView:
        self.uow.readmodels.catch_up()
        return self.uow.views.notifications

    # ----- queueing -----

    def _queue(self, *, kind: str, year: int, source: dict[str, Any], recipient: dict[str, Any], subject: str,
               body: str, stored: bool, actor: Actor, address: str | None = None) -> Notification | None:
        """Queue one notification (the address, if given, kept in the address book first); None when it is
        queued already."""
        at = self.uow.clock.now()
        if address is not None:
            self.book.keep(self._secret(), recipient["key"], address, at)
        n = Notification.queue(kind=kind, year=year, source=source, recipient=recipient, subject=subject,
                               body=body if stored else None, digest=body_digest(body), actor=actor, at=at)
        if self.uow.store.exists(n.id):
            return None
        try:
            self.uow.store.save(n)
        except IntegrityError:
            return None
        return n

    def queue_notices(self, *, actor: Actor = MAILER) -> list[Notification]:
        """One notification per recipient of every recorded notice (§4.7.2) whose visit is still ahead."""
        view = self.view()
        queued: list[Notification] = []
        for ref in view.notices:
            if ref.position in self._relayed:
                continue
            visit: Visit = self.uow.store.repository.get(ref.visit, version=ref.version)
            notice = visit.notices[-1]
            contest = self.uow.gate.contest(ref.year)
            if notice["visit_date"] < contest.local_day(self.uow.clock.now()):
                self._relayed.add(ref.position)  # the visit has passed: its notice is news to nobody
                continue
            body = notice_body(notice["text_lv"], notice["text_en"])
            subject = notice_subject(_name(contest, ref.municipality))
            source = {"visit": str(ref.visit), "version": ref.version}
            for r in recorded_recipients(notice["recipients"]):
                # a notice recorded now names the address by its key (kept in the address book by the notice's
                # command); one recorded before holds the address, hashed here and kept in the book as it is queued
                key = r.key or recipient_key(self._secret(), r.address or "")
                if notification_id(VISIT_NOTICE, source, key) in view.by_id:
                    continue
                n = self._queue(kind=VISIT_NOTICE, year=ref.year, source=source, subject=subject, body=body,
                                stored=False, actor=actor, address=r.address,
                                recipient={"key": key, "role": r.role, "municipality": ref.municipality})
                if n is not None:
                    queued.append(n)
            self._relayed.add(ref.position)
        return queued

    def send_sign_in_link(self, year: int, seat: str, address: str, *, actor: Actor) -> Notification:
        """Queue a one-time sign-in link to the jury's pages for `seat`, to `address` (the secretariat's, §3.2.5);
        the address becomes the seat's for the ballot reminders. MailNotConfigured (503) without mail settings."""
        contest = self.uow.gate.contest(year)
        contest.require_not_sealed()
        the_seat = contest.seat(seat)
        clean = check_address(address)
        if (problem := self.mail_problem()) is not None:
            raise problem
        key = recipient_key(self._secret(), clean)
        self.book.keep(self._secret(), key, clean, self.uow.clock.now())
        self.book.set_seat(year, seat, key, self.uow.clock.now())
        subject, body = sign_in_mail(title=contest.title, organisation=the_seat.organisation, lifetime=LINK_LIFETIME)
        earlier = sum(1 for s in self.view().all(year) if s.kind == SIGN_IN_LINK and s.recipient.get("seat") == seat)
        for n in range(earlier + 1, earlier + 4):  # a link queued at the same moment takes the number: the next one
            queued = self._queue(kind=SIGN_IN_LINK, year=year, source={"year": year, "seat": seat, "link": n},
                                 recipient={"key": key, "role": f"seat:{seat}", "seat": seat}, subject=subject,
                                 body=body, stored=True, actor=actor)
            if queued is not None:
                return queued
        raise RuleViolation("sign-in links for this seat are being queued concurrently; try again", clause="§3.2.5")

    def queue_reminders(self, year: int, *, actor: Actor) -> list[Notification]:
        """The reminders of missing round-2 ballots (§4.6.4), when due (domain.notification.reminder_due): one per
        voting seat without a ballot whose address the secretariat gave, once per closing time of the vote."""
        contest = self.uow.gate.contest(year)
        public_url = self.config().public_url
        if not reminder_due(contest, self.uow.clock.now()) or public_url is None:
            return []
        self.uow.readmodels.catch_up()
        ballots = self.uow.views.ballots.states(year)
        keys = self.book.seat_keys(year)
        closes = contest.window.closes_at
        queued = []
        for seat in contest.voting_seats:
            if seat.id in ballots or seat.id not in keys:
                continue
            subject, body = reminder_mail(title=contest.title, organisation=seat.organisation, closes_at=closes,
                                          tz=contest.window.timezone, public_url=public_url)
            n = self._queue(kind=BALLOT_REMINDER, year=year, subject=subject, body=body, stored=True, actor=actor,
                            source={"year": year, "ballot": "round2", "closes_at": instant_str(closes),
                                    "seat": seat.id},
                            recipient={"key": keys[seat.id], "role": f"seat:{seat.id}", "seat": seat.id})
            if n is not None:
                queued.append(n)
        return queued

    # ----- delivery (contest/mail_sender.py) -----

    def due(self, sender: str) -> list[NotificationState]:
        return self.view().due(self.uow.clock.now(), sender)

    def claim(self, notification: UUID, *, sender: str, lease: timedelta) -> tuple[Notification, int] | None:
        """Claim the next attempt (records Attempting); None when another sender has it or it is no longer due.
        Two senders that load the same version cannot both save their claim (the unit of work's optimistic
        concurrency): the second decides again on the claimed notification, which is no longer due."""
        saved = self.uow.update(notification, lambda n, at: n.attempt(sender=sender, lease=lease, actor=MAILER,
                                                                       at=at),
                                what="notification", key=notification)
        return None if saved.result is None else (saved.aggregate, saved.result)

    def letter(self, n: Notification, domain: str) -> Letter:
        """The mail of a claimed notification: the address from the address book, the body as queued (a notice's
        from its event, checked against the digest queued; a sign-in link with its link put in)."""
        secret = self._secret()
        to = self.book.address(secret, n.recipient["key"])
        body = n.body
        if body is None:
            source: Visit = self.uow.store.repository.get(UUID(n.source["visit"]), version=n.source["version"])
            body = notice_body(source.notices[-1]["text_lv"], source.notices[-1]["text_en"])
            if body_digest(body) != n.body_digest:
                raise ValueError("the notice's text is not the one queued")
        if n.kind == SIGN_IN_LINK:
            public_url = self.config().public_url
            if public_url is None:
                raise MailNotConfigured(["CONTEST_PUBLIC_URL"])
            body = body.replace(LINK_PLACEHOLDER, link_url(public_url, link_token(secret, n.id)))
        return Letter(to, n.subject, body, message_id(n.id, domain))

    def record_sent(self, notification: UUID, attempt: int, delivery: Delivery) -> None:
        self.uow.update(notification, lambda n, at: n.record_sent(attempt, code=delivery.code, answer=delivery.answer,
                                                                  message_id=delivery.message_id, actor=MAILER, at=at),
                        what="notification", key=notification)

    def record_failure(self, notification: UUID, attempt: int, *, error: str, permanent: bool) -> None:
        self.uow.update(notification, lambda n, at: n.record_failure(attempt, error=error, permanent=permanent,
                                                                     actor=MAILER, at=at),
                        what="notification", key=notification)

    # ----- the jury's sign-in links (§3.2.1) -----

    def _link(self, token: str) -> Notification:
        n: Notification = self.uow.get(link_notification(self._secret(), token), what="sign-in link", key="<hidden>")
        return n

    def check_sign_in_link(self, token: str) -> tuple[int, str, datetime]:
        """(year, seat, until when) of a live link, recording nothing (a GET: mail scanners open links);
        UnknownSignInLink (404) or SignInLinkSpent (409)."""
        n = self._link(token)
        n.use_link(actor=MAILER, at=self.uow.clock.now())  # decided on a copy that is never saved
        expires = n.link_expires_at()
        assert expires is not None
        return n.year, n.recipient["seat"], expires

    def use_sign_in_link(self, token: str) -> tuple[int, str]:
        """Spend a live link (Notification.LinkUsed, once: two uses at once cannot both be saved); its (year,
        seat)."""
        nid = self._link(token).id

        def use(n: Notification, at: datetime) -> tuple[int, str]:
            seat = n.recipient["seat"]
            n.use_link(actor=Actor(JUROR, seat, seat=seat), at=at)
            return n.year, seat

        result: tuple[int, str] = self.uow.update(nid, use, what="sign-in link", key="<hidden>").result
        return result

    # ----- the desk's list -----

    def listing(self, year: int) -> list[dict[str, Any]]:
        """Every notification of the contest, newest first: what, to whom (a role, never the address), where it
        stands, the attempts, the last error, the next attempt, the server's answer and the Message-ID."""
        rows = []
        for s in reversed(self.view().all(year)):
            p = s.progress
            rows.append({"id": str(s.id), "kind": s.kind, "role": s.recipient.get("role"),
                         "municipality": s.recipient.get("municipality"), "seat": s.recipient.get("seat"),
                         "subject": s.subject, "status": p.status, "attempts": p.attempts, "queued_at": s.queued_at,
                         "sent_at": p.sent_at, "next_attempt_at": p.next_attempt_at, "error": p.error,
                         "answer": s.answer, "message_id": s.message_id, "link_used_at": s.link_used_at})
        return rows


def _name(contest: Contest, code: str) -> str:
    return next((m.name for m in contest.municipalities if m.code == code), code)
