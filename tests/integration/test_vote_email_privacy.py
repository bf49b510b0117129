"""What the `email` identity level keeps (D10, D15): the e-mail address and the personal code never in clear, and
the link's token never at all, in the events, the table of pending requests, the audit export or the service's
logs; the privacy page says what the level keeps; and both verifiers pass a history with votes confirmed by
e-mail and count them by level."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from contest.verify import verify_file
from projections.views import Views
from tests.support.email_votes import ask, confirm, use_email_level
from tests.support.helpers import SEC, close_vote
from tests.support.pages import text
from tests.support.smtp import Inbox, service_log
from tests.support.verifiers import run_both

INSIDE = datetime(2024, 8, 20, 12, 0, tzinfo=timezone.utc)
CONFIRMED = 5


def forms(code: str) -> list[str]:
    """A personal code as it may be written: as typed, without the hyphen, with it."""
    digits = code.replace("-", "")
    return [code, digits, f"{digits[:6]}-{digits[6:]}"]


def history(client: FlaskClient, clock: FrozenClock, smtp: Inbox) -> tuple[list[str], list[str], list[str]]:
    """Votes confirmed by e-mail, a request left pending, one expired and one refused. Returns the codes, the
    addresses as typed and the tokens mailed."""
    codes = fake_personal_codes(CONFIRMED + 3, seed=1503)
    addresses = [f"Iedzivotajs.{i}@Pasts.example.lv" for i in range(CONFIRMED + 3)]
    for i in range(CONFIRMED):
        clock.advance(timedelta(minutes=3))
        client_address = f"198.51.100.{i + 1}"
        assert ask(client, codes[i], addresses[i], rating=1 + i % 5, comment=f"Paldies {i}",
                   address=client_address).status_code == 201
        assert confirm(client, smtp.last(addresses[i].lower()).token, client_address).status_code == 201
    assert ask(client, codes[CONFIRMED], addresses[CONFIRMED]).status_code == 201  # pending, never confirmed
    assert ask(client, codes[CONFIRMED + 1], addresses[CONFIRMED + 1]).status_code == 201
    clock.advance(timedelta(hours=2))  # that one expires
    assert confirm(client, smtp.last(addresses[CONFIRMED + 1].lower()).token).status_code == 409
    assert ask(client, codes[CONFIRMED + 2], addresses[0]).status_code == 409  # the address has a vote
    assert ask(client, codes[CONFIRMED + 2], addresses[CONFIRMED + 2]).status_code == 201
    return codes, addresses, [m.token for m in smtp.mails]


def secrets_of(codes: list[str], addresses: list[str], tokens: list[str]) -> list[str]:
    return [f for c in codes for f in forms(c)] + addresses + [a.lower() for a in addresses] + tokens


def test_the_address_code_and_link_are_never_kept_in_clear(client: FlaskClient, service: ContestService,
                                                           clock: FrozenClock, smtp: Inbox,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    use_email_level(service)
    clock.set(INSIDE)
    codes, addresses, tokens = history(client, clock, smtp)
    assert len(tokens) == CONFIRMED + 3
    secret = secrets_of(codes, addresses, tokens)
    # the events
    for n in service.store.notifications():
        for s in secret:
            assert s.encode() not in n.state, s
    # the table of pending requests: every value of every row
    rows = service.round2.requests.rows()
    assert rows and all(len(r["digest"]) == 64 for r in rows)
    stored = json.dumps(rows, default=str)
    for s in secret:
        assert s not in stored, s
    assert "Iedzivotajs" not in stored.lower() and "pasts" not in stored.lower()
    # the audit export
    exported = "\n".join(export_lines(service.store))
    for s in secret:
        assert s not in exported, s
    assert "iedzivotajs" not in exported.lower()
    # the service's logs (the test's own SMTP server logs what it receives: it is left out)
    logged = service_log(caplog)
    assert "contest.access" in logged
    for s in secret:
        assert s not in logged, s
    assert "iedzivotajs" not in logged.lower()


def test_both_verifiers_pass_and_count_the_votes_by_level(client: FlaskClient, service: ContestService,
                                                          clock: FrozenClock, smtp: Inbox, tmp_path: Path) -> None:
    use_email_level(service)
    clock.set(INSIDE)
    history(client, clock, smtp)
    close_vote(service, clock)
    lines = list(export_lines(service.store))
    report = verify_file(iter(line + "\n" for line in lines), Views())
    assert report.ok, report.text()
    assert report.results["votes by identity level (2024)"] == {"email": CONFIRMED}
    project, independent = run_both(tmp_path, "email", lines)
    assert project["ok"] and independent["ok"], (project["mismatches"][:3], independent["mismatches"][:3])
    assert independent["results"]["votes by identity level (2024)"] == {"email": CONFIRMED}
    assert project["results"]["votes by identity level (2024)"] == {"email": CONFIRMED}


def test_the_privacy_page_says_what_the_email_level_keeps(client: FlaskClient, service: ContestService) -> None:
    words = text(client.get("/privatums"))
    assert "address_key" not in words and "Mēs neprasām un neglabājam Jūsu vārdu, e-pasta adresi" in words
    use_email_level(service)
    r = client.get("/privatums")
    page, words = r.get_data(as_text=True), text(r)
    assert "Jūsu e-pasta adrese" in words and "<code>address_key</code>" in page
    assert "Adrese netiek saglabāta" in words and "lai no vienas e-pasta adreses tiktu ieskaitīta viena balss" in words
    assert "Jūsu balss pirms apstiprināšanas" in words and "pēc dienas no tās nepaliek nekas" in words
    assert "Saite ir derīga 30 minūtes." in words and "Neapstiprināta balss netiek ieskaitīta." in words
    assert "Mēs neprasām un neglabājam Jūsu vārdu vai tālruņa numuru." in words
    english = text(client.get("/privatums?lang=en"))
    assert "The address is not stored" in english and "A link is valid for 30 minutes." in english
    assert "We do not ask for your name or telephone number" in english
    service.configure(2024, "rules", {"vote_identity": "code"}, reason="back", actor=SEC)
    assert "address_key" not in client.get("/privatums").get_data(as_text=True)
