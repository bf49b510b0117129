"""A real SMTP server on loopback (aiosmtpd) that keeps every message it is given, for the tests of the `email`
identity level (D15): the service hands its mail to it over smtplib exactly as to the Fund's server, and the test
reads the mail as a resident's mail program would (the parsed message, its decoded text, the link in it).

smtplib's `send_message` returns only after the server has answered the message's data, and the server stores
the message before it answers: when the service's request has returned, its mail is in the inbox. No waiting."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

SENDER = "Konkurss <balsot@example.lv>"
SERVER_LOGGER = "mail.log"  # aiosmtpd's own log: the test server's, which sees every address it is sent
LINK = re.compile(r"https?://\S+/balsot/apstiprinat/([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class Mail:
    """One message as the server took it: the envelope's recipients and the parsed message."""

    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None, "the mail has no text part"
        return str(body.get_content())  # type: ignore[attr-defined]

    @property
    def link(self) -> str:
        found = LINK.search(self.text)
        assert found, "the mail has no confirmation link"
        return found.group(0)

    @property
    def token(self) -> str:
        return self.link.rsplit("/", 1)[1]


class Inbox:
    """The server's handler: every message, in the order they came."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self._lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        message = message_from_bytes(raw, policy=policy.default)
        with self._lock:
            self.mails.append(Mail(list(envelope.rcpt_tos), message, raw))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[Mail]:
        with self._lock:
            return [m for m in self.mails if address in m.rcpt_tos]

    def last(self, address: str) -> Mail:
        found = self.to(address)
        assert found, f"no mail to {address}"
        return found[-1]

    def __len__(self) -> int:
        with self._lock:
            return len(self.mails)

    def env(self, public_url: str = "http://127.0.0.1:8000") -> dict[str, str]:
        """The settings that send the service's mail here (contest/settings.py)."""
        return {"CONTEST_SMTP_HOST": self.host, "CONTEST_SMTP_PORT": str(self.port), "CONTEST_SMTP_TLS": "none",
                "CONTEST_MAIL_SENDER": SENDER, "CONTEST_PUBLIC_URL": public_url}


def service_log(caplog: Any) -> str:
    """What the service logged (pytest's caplog), without the test server's own log lines."""
    return "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records
                     if not r.name.startswith(SERVER_LOGGER))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(port: int | None = None, inbox: Inbox | None = None) -> Iterator[Inbox]:
    """An aiosmtpd server on a free loopback port (or `port`), stopped afterwards; `inbox` to keep the mail of an
    earlier server on that port, or to handle it otherwise."""
    inbox = inbox if inbox is not None else Inbox()
    inbox.port = port or free_port()
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
