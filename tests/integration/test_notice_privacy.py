"""The addresses of a visit's notice (§4.7.2), on both stores: the notice's command keeps them in the address book
(sealed) and `Visit.NoticeRecorded` names each recipient by name and keyed hash, so none of the three addresses
reaches a stored event, the audit export, the persisted read models, the log or an answer (which shows them
masked), while the mail still goes to all three with texts that name the recipients; a notice recorded in the
older form (the addresses in clear) is still read, shown masked, mailed, and passed by both verifiers."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.mail_sender import Sender
from contest.projection_store import NAME, ProjectionStore
from contest.service import ContestService
from domain.notification import recipient_key
from tests.conftest import SECRETS
from tests.support.notifications import NOTICE_ADDRESSES, events, notice_recorded, old_form_notice
from tests.support.pages import login
from tests.support.round3 import DAYS, WHO, Steps, day, reach_round3
from tests.support.smtp import Inbox, service_log
from tests.support.verifiers import run_both

MASKED = {"municipality": "d***@example.lv", "mayor": "m***@example.lv", "contact": "k***@example.lv"}
NAMES_LV = ("- domes priekšsēdētājs: Mērs Mēriņš\n", "- kontaktpersona: Kontakts Kontaktiņš\n")


def clear(text: str) -> set[str]:
    """The notice's addresses `text` holds in clear."""
    return {a for a in NOTICE_ADDRESSES if a in text.lower()}


def snapshot_bytes(service: ContestService) -> bytes:
    """The read models as persisted (the projector's snapshot), saved now."""
    service.readmodels.catch_up()
    assert service.readmodels.save_snapshot()
    found = ProjectionStore(service.store).recorder.load_snapshot(NAME)
    assert found is not None
    return found[2].read()


def answers(client: FlaskClient, steps: Steps, tokens: dict[str, str], finalists: list[str]) -> dict[str, str]:
    """What the API and the secretariat's pages answer about the visits and the mail."""
    got = {"visits": steps.get("/visits"), "round3": steps.get("/round3"),
           **{f"visit {m}": steps.get(f"/visits/{m}") for m in finalists}}
    assert all(r.status_code == 200 for r in got.values())
    login(client, tokens["secretariat"])
    pages = {p: client.get(p) for p in ("/sekretariats", "/sekretariats/pazinojumi")}
    assert all(r.status_code == 200 for r in pages.values())
    return {k: json.dumps(r.json, ensure_ascii=False) for k, r in got.items()} | {
        k: r.get_data(as_text=True) for k, r in pages.items()}


def shown(name: str) -> dict[str, Any]:
    return {"municipality": {"name": name, "email_masked": MASKED["municipality"]},
            "mayor": {"name": "Mērs Mēriņš", "email_masked": MASKED["mayor"]},
            "contact": {"name": "Kontakts Kontaktiņš", "email_masked": MASKED["contact"]}}


def test_4_7_2_a_notice_keeps_no_address_in_the_history_the_export_the_snapshot_the_log_or_the_answers(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str], smtp: Inbox,
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    first, steps = notice_recorded(service, clock, client, tokens)
    second = steps.f[1]
    assert steps.plan(second, DAYS[1]).status_code == 201
    preview = steps.post(f"/visits/{second}/notice/preview", {"notice_date": "2024-11-04", **WHO})
    recorded = steps.notice(second, "2024-11-04")
    assert preview.status_code == 200 and recorded.status_code == 201, (preview.json, recorded.json)
    name = service.contest(2024).municipality(second).name

    # the answers: names and masked addresses, texts naming the recipients without addresses
    assert preview.json["recipients"] == shown(name)
    notice = recorded.json["notices"][-1]
    assert notice["recipients"] == shown(name)
    assert f"Adresāti:\n- pašvaldība: {name}\n{NAMES_LV[0]}{NAMES_LV[1]}" in notice["text_lv"]
    assert f"- the municipality: {name}\n" in notice["text_en"] and "@" not in notice["text_en"]
    assert preview.json["lv"] == notice["text_lv"] and preview.json["en"] == notice["text_en"]
    for what, answer in {"notice": json.dumps(recorded.json), "preview": json.dumps(preview.json),
                         **answers(client, steps, tokens, [first, second])}.items():
        assert not clear(answer), what

    # the history: each recipient by name and the outbox's keyed hash; the addresses sealed beside it
    stored = [json.loads(n.state) for n in service.store.notifications(topics=[
        "domain.visit:Visit.NoticeRecorded"])]
    assert len(stored) == 2
    keys = {a: recipient_key(SECRETS.voter, a) for a in NOTICE_ADDRESSES}
    assert {r["key"] for r in stored[0]["recipients"].values()} == set(keys.values())
    assert stored[0]["recipients"]["mayor"]["name"] == "Mērs Mēriņš"
    for n in service.store.notifications():
        assert not clear(n.state.decode("utf-8")), n.topic
    for line in export_lines(service.store):
        assert not clear(line), line[:200]
    book = service.round3.addresses.book.rows()
    assert len(book) == 3 and not clear(json.dumps(book, default=str)) and "@" not in json.dumps(book, default=str)
    assert not clear(snapshot_bytes(service).decode("latin-1"))

    # the mail still goes to all three, for each notice, with the texts as recorded
    done = Sender(service.notifications).run_once()
    assert (done.queued, done.sent, done.failed) == (6, 6, 0)
    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == sorted(NOTICE_ADDRESSES * 2)
    for mail in smtp.mails:
        body = mail.text.replace("\r\n", "\n")
        assert all(n in body for n in NAMES_LV) and not clear(body)
    assert {e["recipient"]["key"] for n, e in events(service) if n == "Queued"} == set(keys.values())
    assert not clear(service_log(caplog))
    project, independent = run_both(tmp_path, "notices", list(export_lines(service.store)))
    assert project["ok"] and independent["ok"], (project["mismatches"][:3], independent["mismatches"][:3])


def test_4_7_2_an_older_notice_with_its_addresses_in_clear_is_shown_masked_mailed_and_verified(
        client: FlaskClient, service: ContestService, clock: FrozenClock, tokens: dict[str, str], smtp: Inbox,
        tmp_path: Path) -> None:
    finalists = reach_round3(service, clock)
    steps = Steps(client, clock, tokens["secretariat"], finalists)
    assert steps.brief().status_code == 201
    old, new = finalists[:2]
    for m, on in ((old, DAYS[0]), (new, DAYS[1])):
        assert steps.plan(m, on).status_code == 201
    old_form_notice(service, clock, old, "2024-11-04")
    assert steps.notice(new, "2024-11-04").status_code == 201
    clock.set(day("2024-11-05"))
    (line,) = [line for line in export_lines(service.store) if clear(line)]
    assert '"type":"domain.visit:Visit.NoticeRecorded"' in line and '"municipality_email"' in line  # as recorded

    # read as before, shown masked: the recipients and the texts
    visit = steps.get(f"/visits/{old}").json
    assert visit["notice"]["valid"]
    notice = visit["notices"][-1]
    name = visit["name"]
    assert notice["recipients"] == shown(name)
    assert f"- pašvaldība: {name} ({MASKED['municipality']})\n" in notice["text_lv"]
    assert f"- the mayor (chair of the council): Mērs Mēriņš ({MASKED['mayor']})\n" in notice["text_en"]
    for what, answer in answers(client, steps, tokens, [old, new]).items():
        assert not clear(answer), what
    assert not clear(snapshot_bytes(service).decode("latin-1"))

    # the outbox hashes the older notice's addresses as it queues them: the same keys as the new notice's
    done = Sender(service.notifications).run_once()
    assert (done.queued, done.sent, done.failed) == (6, 6, 0)
    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == sorted(NOTICE_ADDRESSES * 2)
    old_mail = [m.text.replace("\r\n", "\n") for m in smtp.mails if f"({WHO['mayor']['email']})" in m.text]
    assert len(old_mail) == 3  # the older notice's text as it was recorded
    queued = [e for n, e in events(service) if n == "Queued"]
    assert {e["recipient"]["key"] for e in queued} == {recipient_key(SECRETS.voter, a) for a in NOTICE_ADDRESSES}
    assert len(service.round3.addresses.book.rows()) == 3
    assert not clear(json.dumps(queued, default=str))

    project, independent = run_both(tmp_path, "old-notice", list(export_lines(service.store)))
    assert project["ok"] and independent["ok"], (project["mismatches"][:3], independent["mismatches"][:3])
