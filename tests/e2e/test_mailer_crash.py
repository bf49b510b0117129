"""The mailer process (`contest notifications send`, the Procfile's `mailer`) killed with SIGKILL between handing a
mail to the SMTP server and recording it, on both stores: the server has the message, the history has only its
`Attempting`. Started again (the same sender name), it sends that one mail once more, with the same Message-ID, and
the others once; started a third time it sends nothing. The SMTP server is a real one on loopback (aiosmtpd) that
holds its answer to the first message until the test has killed the process, so the kill falls exactly there."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from contest.clock import FrozenClock
from contest.service import ContestService
from contest.store import EventStore
from domain.actors import system_actor
from tests.conftest import SECRETS, START
from tests.support import ROOT
from tests.support.notifications import NOTICE_ADDRESSES, events, notice_recorded
from tests.support.smtp import Inbox, smtp_server


class HoldingInbox(Inbox):
    """Keeps every message; the first one's answer waits until `release` is set (after `received`)."""

    def __init__(self) -> None:
        super().__init__()
        self.received = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if not self.received.is_set():
            self.received.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return answer


@pytest.fixture
def queued(store_url: str) -> Iterator[str]:
    """A store with the first finalist's notice recorded and its three mails queued (on 4 Nov 2024)."""
    clock = FrozenClock(START)
    service = ContestService(EventStore(store_url), clock, SECRETS)
    try:
        service.init_from_preset("2024", actor=system_actor("test"))
        client = create_app(service, {"TESTING": True}).test_client()
        tokens = {"secretariat": service.issue_token("secretariat", actor=system_actor("test"))[0]}
        notice_recorded(service, clock, client, tokens)
        assert len(service.notifications.queue_notices()) == 3
    finally:
        service.close()
    yield store_url


def mailer_env(store_url: str, inbox: Inbox) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    return {**env, **inbox.env(), "CONTEST_STORE": store_url, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1",
            "CONTEST_VOTER_SECRET": SECRETS.voter.decode(), "CONTEST_RECEIPT_SECRET": SECRETS.receipt.decode()}


def mailer(*args: str) -> list[str]:
    return [sys.executable, "-m", "contest.cli", "notifications", "send", *args]


def recorded(store_url: str) -> list[tuple[str, dict[str, Any]]]:
    service = ContestService(EventStore(store_url), FrozenClock(START), SECRETS)
    try:
        return events(service)
    finally:
        service.close()


@pytest.mark.slow
def test_a_mailer_killed_between_the_hand_over_and_its_record_sends_that_mail_once_more(
        queued: str, tmp_path: Path) -> None:
    store_url = queued
    with smtp_server(inbox=HoldingInbox()) as inbox:
        assert isinstance(inbox, HoldingInbox)
        env = mailer_env(store_url, inbox)
        log = (tmp_path / "mailer.log").open("w")
        proc = subprocess.Popen(mailer("--every", "0.2"), env=env, stdout=log, stderr=subprocess.STDOUT,
                                process_group=0)
        try:
            assert inbox.received.wait(60), (tmp_path / "mailer.log").read_text()
            os.killpg(proc.pid, signal.SIGKILL)  # the server has the mail; its answer has not reached the mailer
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            inbox.release.set()
            log.close()
        first = inbox.mails[0]
        history = recorded(store_url)
        assert Counter(n for n, _ in history) == {"Queued": 3, "Attempting": 1}  # sent, but not recorded

        again = subprocess.run(mailer("--once"), env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "0 queued, 3 sent, 0 failed" in again.stderr
        third = subprocess.run(mailer("--once"), env=env, capture_output=True, text=True, timeout=120)
        assert third.returncode == 0 and "0 queued, 0 sent, 0 failed" in third.stderr, third.stderr

    assert len(inbox) == 4 and sorted({m.rcpt_tos[0] for m in inbox.mails}) == sorted(NOTICE_ADDRESSES)
    ids = Counter(m.message["Message-ID"] for m in inbox.mails)
    assert ids == {first.message["Message-ID"]: 2, **{m.message["Message-ID"]: 1 for m in inbox.mails[1:]
                                                       if m.message["Message-ID"] != first.message["Message-ID"]}}
    copies = [m for m in inbox.mails if m.message["Message-ID"] == first.message["Message-ID"]]
    assert copies[0].rcpt_tos == copies[1].rcpt_tos and copies[0].text == copies[1].text  # the same message

    history = recorded(store_url)
    assert Counter(n for n, _ in history) == {"Queued": 3, "Attempting": 4, "Sent": 3}
    retried = [e for n, e in history if n == "Attempting" and e["attempt"] == 2]
    assert len(retried) == 1 and retried[0]["after_unknown"] and retried[0]["sender"] == "mailer"
    output = (tmp_path / "mailer.log").read_text() + again.stderr + third.stderr
    assert "Traceback" not in output and not any(a in output for a in NOTICE_ADDRESSES)
