"""Mail out of the service over SMTP (smtplib): one plain-text UTF-8 message per call, Latvian first and English
after it in the same mail. Used by the `email` identity level for the vote's one-time link (D15,
contest/vote_requests.py) and open to any other notice: `Mailer(settings).send(to, subject, body)`.

The server, its TLS, login and the sender are settings (contest/settings.py: CONTEST_SMTP_HOST, _PORT, _TLS,
_USER, _PASSWORD, CONTEST_MAIL_SENDER). With TLS (starttls or ssl) the server's certificate is checked against the
system's trusted authorities and its name. A message is handed over in one connection, with a timeout; a refusal
or a server that cannot be reached is a MailError, which says what failed and never whom the mail was for: an
address is never logged or put in an error's text, and neither is the body (it carries a live link).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from contest.identity_settings import MailSettings

log = logging.getLogger("contest.mail")


class MailError(RuntimeError):
    """The mail was not handed to the SMTP server (it refused, or it cannot be reached); nothing says to whom."""


class Mailer:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        """The message as it is sent: From the sender, To one address, the body as UTF-8 text (quoted-printable,
        so that no server on the way needs 8-bit transport)."""
        if any(c in to for c in "\r\n") or any(c in subject for c in "\r\n"):
            raise ValueError("an address or subject is one line")
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(domain=domain)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
        message.set_content(body, charset="utf-8", cte="quoted-printable")
        return message

    def send(self, to: str, subject: str, body: str) -> None:
        """Hand one message to the SMTP server, or raise MailError."""
        message = self.message(to, subject, body)
        s = self.settings
        try:
            if s.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with smtp:
                if s.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.user and s.password:
                    smtp.login(s.user, s.password)
                refused = smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as e:  # SMTPException is an OSError; ssl errors too
            log.warning("mail not sent: %s from %s:%s", type(e).__name__, s.host, s.port)  # never the address
            raise MailError(f"the SMTP server {s.host}:{s.port} did not take the mail ({type(e).__name__})") from None
        if refused:
            log.warning("mail not sent: the recipient was refused by %s:%s", s.host, s.port)
            raise MailError(f"the SMTP server {s.host}:{s.port} refused the recipient")
        log.info("mail sent through %s:%s", s.host, s.port)
