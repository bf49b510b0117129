"""Mail out of the service over SMTP (smtplib): one plain-text UTF-8 message per call, Latvian first and English
after it in the same mail. Used by the `email` identity level for the vote's one-time link (D15,
contest/vote_requests.py) and by the notifications' sender (contest/mail_sender.py): `Mailer(settings).send(to,
subject, body, message_id=…)` returns the server's answer to the message (its code and text, the text with anything
shaped like an address cut out).

The server, its TLS, login and the sender are settings (contest/settings.py: CONTEST_SMTP_HOST, _PORT, _TLS,
_USER, _PASSWORD, CONTEST_MAIL_SENDER). With TLS (starttls or ssl) the server's certificate is checked against the
system's trusted authorities and its name. A message is handed over in one connection, with a timeout; a refusal
or a server that cannot be reached is a MailError, which says what failed and never whom the mail was for: an
address is never logged or put in an error's text, and neither is the body (it carries a live link). A MailError
names the error's class (and the server's code, when it answered) in `kind`, and is `permanent` when the server
refused for good (a 5xx answer other than a failed login): sending it again would be refused again.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from contest.identity_settings import MailSettings

log = logging.getLogger("contest.mail")


_ADDRESS_LIKE = re.compile(r"\S*@\S*")


class MailError(RuntimeError):
    """The mail was not handed to the SMTP server (it refused, or it cannot be reached); nothing says to whom."""

    def __init__(self, message: str, *, kind: str = "MailError", permanent: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.permanent = permanent


@dataclass(frozen=True)
class Delivery:
    """The server's answer to a message it took: its code (250) and text, and the message's Message-ID."""

    code: int
    answer: str
    message_id: str


def _answer_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return _ADDRESS_LIKE.sub("…", " ".join(text.split()))[:200]


class _Answered:
    """An SMTP connection that keeps the server's answer to DATA (smtplib's sendmail returns only refusals)."""

    data_reply: tuple[int, bytes] = (0, b"")

    def data(self, msg: Any) -> tuple[int, bytes]:
        reply: tuple[int, bytes] = super().data(msg)  # type: ignore[misc]
        self.data_reply = reply
        return reply


class _SMTP(_Answered, smtplib.SMTP):
    pass


class _SMTPSSL(_Answered, smtplib.SMTP_SSL):
    pass


def _classify(e: BaseException) -> tuple[str, bool]:
    """(the error's class and code, whether the refusal is for good)."""
    code: int | None = None
    if isinstance(e, smtplib.SMTPRecipientsRefused) and e.recipients:
        code = min(int(c) for c, _ in e.recipients.values())
    elif isinstance(e, smtplib.SMTPResponseException):
        code = int(e.smtp_code)
    kind = type(e).__name__ + (f" {code}" if code else "")
    permanent = code is not None and 500 <= code < 600 and not isinstance(e, smtplib.SMTPAuthenticationError)
    return kind, permanent


class Mailer:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    @property
    def domain(self) -> str:
        """The sender's domain (the right side of its Message-IDs)."""
        return parseaddr(self.settings.sender)[1].rpartition("@")[2]

    def message(self, to: str, subject: str, body: str, message_id: str | None = None) -> EmailMessage:
        """The message as it is sent: From the sender, To one address, the body as UTF-8 text (quoted-printable,
        so that no server on the way needs 8-bit transport); a Message-ID of its own unless one is given."""
        if any(c in to for c in "\r\n") or any(c in subject for c in "\r\n"):
            raise ValueError("an address or subject is one line")
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = message_id or make_msgid(domain=self.domain or None)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
        message.set_content(body, charset="utf-8", cte="quoted-printable")
        return message

    def send(self, to: str, subject: str, body: str, message_id: str | None = None) -> Delivery:
        """Hand one message to the SMTP server and return its answer, or raise MailError."""
        message = self.message(to, subject, body, message_id)
        s = self.settings
        try:
            if s.tls == "ssl":
                smtp: _SMTP | _SMTPSSL = _SMTPSSL(s.host, s.port, timeout=s.timeout,
                                                  context=ssl.create_default_context())
            else:
                smtp = _SMTP(s.host, s.port, timeout=s.timeout)
            with smtp:
                if s.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.user and s.password:
                    smtp.login(s.user, s.password)
                refused = smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as e:  # SMTPException is an OSError; ssl errors too
            kind, permanent = _classify(e)
            log.warning("mail not sent: %s from %s:%s", kind, s.host, s.port)  # never the address
            raise MailError(f"the SMTP server {s.host}:{s.port} did not take the mail ({kind})", kind=kind,
                            permanent=permanent) from None
        if refused:
            log.warning("mail not sent: the recipient was refused by %s:%s", s.host, s.port)
            raise MailError(f"the SMTP server {s.host}:{s.port} refused the recipient", kind="SMTPRecipientsRefused",
                            permanent=True)
        log.info("mail sent through %s:%s", s.host, s.port)
        code, answer = smtp.data_reply
        return Delivery(code, _answer_text(answer), str(message["Message-ID"]))
