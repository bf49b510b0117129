"""The sender process (`mailer:` in the Procfile, `contest notifications send`): delivers the outbox's mail over
SMTP (contest/mail.py) and records each delivery or failure (domain/notification.py).

Each pass queues the notices recorded since the last one (contest/outbox.py), then takes what is due in the order
it was queued, and for each: claims it (`Attempting`, saved through the unit of work: of two senders only one
claim is saved, and only its holder sends), makes the mail, hands it to the SMTP server, records `Sent` with the
server's answer or `Failed` / `GaveUp`. A store error between the hand-over and the record (or a crash) leaves
the claim without an outcome: it runs out after the lease (another sender's) or at once for a sender of the same
name when it starts again, and the mail goes again with the same Message-ID. So at most one delivery per crash is
unrecorded, and the receiving side can tell the copy by its Message-ID. A mail whose `Sent` is recorded is never
sent again.

Without the mail settings (CONTEST_SMTP_HOST, CONTEST_MAIL_SENDER, CONTEST_PUBLIC_URL) the process still queues
the notices, sends nothing and says so once: `contest serve` runs it on a developer's machine too.
Nothing it logs names an address or holds a link.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from contest.address_book import AddressMissing, AddressUnreadable
from contest.mail import Mailer, MailError
from contest.outbox import Notifications
from domain.notification import LEASE

log = logging.getLogger("contest.mailer")


@dataclass
class Pass:
    """What one pass did."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # due, but claimed by another sender first
    errors: list[str] = field(default_factory=list)


class Sender:
    def __init__(self, notifications: Notifications, *, name: str = "mailer", lease: timedelta = LEASE,
                 mailer: Mailer | None = None) -> None:
        self.notifications = notifications
        self.name = name
        self.lease = lease
        self._mailer = mailer
        self._told = False

    def mailer(self) -> Mailer | None:
        if self._mailer is None:
            problem = self.notifications.mail_problem()
            if problem is not None:
                if not self._told:
                    log.warning("notifications are queued but not sent: %s", problem.message)
                    self._told = True
                return None
            settings = self.notifications.config().mail
            assert settings is not None
            self._mailer = Mailer(settings)
        return self._mailer

    def run_once(self, stop: threading.Event | None = None) -> Pass:
        """One pass; with `stop` set meanwhile it ends after the mail it is sending."""
        done = Pass(queued=len(self.notifications.queue_notices()))
        mailer = self.mailer()
        if mailer is None:
            return done
        for state in self.notifications.due(self.name):
            if stop is not None and stop.is_set():
                break
            claimed = self.notifications.claim(state.id, sender=self.name, lease=self.lease)
            if claimed is None:
                done.skipped += 1
                continue
            n, attempt = claimed
            try:
                letter = self.notifications.letter(n, mailer.domain)
                delivery = mailer.send(letter.to, letter.subject, letter.body, message_id=letter.message_id)
            except MailError as e:
                self.notifications.record_failure(n.id, attempt, error=e.kind, permanent=e.permanent)
                done.failed += 1
                done.errors.append(e.kind)
                log.warning("notification %s attempt %s failed: %s", n.id, attempt, e.kind)
                continue
            except (AddressMissing, AddressUnreadable, ValueError) as e:
                # no address kept (permanent), one kept under other vote secrets (until they are restored), or a
                # notice whose text is not the one queued (permanent)
                kind = type(e).__name__
                self.notifications.record_failure(n.id, attempt, error=kind, permanent=kind != "AddressUnreadable")
                done.failed += 1
                done.errors.append(kind)
                log.error("notification %s: the mail cannot be made (%s)", n.id, kind)
                continue
            self.notifications.record_sent(n.id, attempt, delivery)
            done.sent += 1
            log.info("notification %s (%s) sent, attempt %s: %s", n.id, n.kind, attempt, delivery.code)
        return done


def run_sender(sender: Sender, stop: threading.Event, *, every: float = 5.0) -> int:
    """Pass after pass until `stop` is set (SIGTERM): a pass under way finishes its current mail and its record.
    A pass that fails (the store unreachable) is logged and the next one tries again. Returns the mail sent."""
    sent = 0
    log.info("mailer %s started (every %ss)", sender.name, every)
    while not stop.is_set():
        try:
            done = sender.run_once(stop)
        except Exception as e:  # the store's errors, whichever driver: the next pass tries again
            log.error("mailer pass failed: %s", type(e).__name__)
        else:
            sent += done.sent
            if done.queued or done.sent or done.failed:
                log.info("mailer pass: %s queued, %s sent, %s failed", done.queued, done.sent, done.failed)
        stop.wait(every)
    log.info("mailer %s stopped after %s sent", sender.name, sent)
    return sent
