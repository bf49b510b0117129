"""A personal code written into a vote's comment is never stored or exported in clear (D10), however it is written.

Each vote goes through the API; then the store's rows, the audit export and the jury's comments are read."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from contest.audit import export_lines
from contest.clock import FrozenClock
from contest.residents import fake_personal_codes
from contest.service import ContestService
from domain.actors import system_actor
from tests.conftest import bearer

INSIDE = datetime(2024, 8, 20, 12, 0, tzinfo=UTC)
FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")

# (as written in the comment, its eleven digits)
WRITTEN = [
    ("120386–12343", "12038612343"),            # en dash
    ("12 03 87 12344", "12038712344"),          # spaces between the groups
    ("120388.12345", "12038812345"),            # a dot
    ("32579461005", "32579461005"),             # new form
    ("325794-61005", "32579461005"),            # new form with a hyphen
    ("120389\u00a012346", "12038912346"),       # a no-break space
    ("120390\u2009–\u200912347", "12039012347"),  # thin spaces around an en dash
    ("120391−12348", "12039112348"),            # minus sign
    ("120392-12349".translate(FULLWIDTH), "12039212349"),  # fullwidth digits
    ("1203\u202e93-12340", "12039312340"),      # a bidirectional override inside
]


@pytest.fixture
def voting(clock: FrozenClock) -> FrozenClock:
    clock.set(INSIDE)
    return clock


def test_d10_no_code_in_a_comment_reaches_the_store_or_the_export(
        client: FlaskClient, service: ContestService, voting: FrozenClock) -> None:
    voters = fake_personal_codes(len(WRITTEN), seed=7)
    for voter, (written, _digits) in zip(voters, WRITTEN, strict=True):
        r = client.post("/api/contests/2024/votes", json={
            "personal_code": voter, "municipality": "LV-RIX", "rating": 4,
            "comment": f"Mans kods ir {written}\u2028paldies"})
        assert r.status_code == 201, r.json

    forbidden = {digits for _, digits in WRITTEN} | {unicodedata.normalize("NFKC", w) for w, _ in WRITTEN}
    forbidden |= {w for w, _ in WRITTEN}
    stored = [n.state.decode("utf-8") for n in service.store.notifications()]
    exported = list(export_lines(service.store))
    for text in stored + exported:
        decoded = json.dumps(json.loads(text), ensure_ascii=False)  # \u escapes of the JSON read back
        for code in forbidden:
            assert code not in text and code not in decoded

    comments = [json.loads(line)["payload"]["comment"] for line in exported
                if json.loads(line)["type"].endswith("Vote.Cast")]
    assert comments == ["Mans kods ir [redacted]\npaldies"] * len(WRITTEN)
    assert not any(re.search(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u2028\u2029]", c) for c in comments)

    sec = service.issue_token("secretariat", actor=system_actor("test"))[0]
    jury_view = client.get("/api/contests/2024/comments", headers=bearer(sec)).json
    assert [c["comment"] for c in jury_view] == comments
