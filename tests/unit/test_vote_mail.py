"""The mail of the identity level `email` (D15): its settings, each error naming the setting (contest/settings.py),
the message as smtplib sends it (contest/mail.py) and the text of the link's mail, Latvian first, then English
(contest/vote_link_mail.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from contest.identity_settings import MailSettings, vote_mail_from_env
from contest.mail import Mailer
from contest.settings import SettingsError
from contest.vote_link_mail import link_mail, link_url

BASE = {"CONTEST_SMTP_HOST": "smtp.example.lv", "CONTEST_MAIL_SENDER": "Konkurss <balsot@example.lv>",
        "CONTEST_PUBLIC_URL": "https://balsot.example.lv/"}


def test_the_settings_and_their_defaults() -> None:
    config = vote_mail_from_env(BASE)
    assert config.missing() == [] and config.public_url == "https://balsot.example.lv"
    assert config.mail == MailSettings(host="smtp.example.lv", port=587, tls="starttls",
                                       sender="Konkurss <balsot@example.lv>")
    assert config.links.lifetime == timedelta(minutes=30)
    assert vote_mail_from_env({**BASE, "CONTEST_SMTP_TLS": "ssl"}).mail.port == 465  # type: ignore[union-attr]
    assert vote_mail_from_env({**BASE, "CONTEST_SMTP_TLS": "none"}).mail.port == 25  # type: ignore[union-attr]
    full = vote_mail_from_env({**BASE, "CONTEST_SMTP_PORT": "2525", "CONTEST_SMTP_USER": "konkurss",
                               "CONTEST_SMTP_PASSWORD": "s3cret-pass", "CONTEST_VOTE_LINK_MINUTES": "1440"})
    assert full.mail is not None and (full.mail.port, full.mail.user) == (2525, "konkurss")
    assert "s3cret-pass" not in repr(full) and full.links.lifetime == timedelta(days=1)
    assert vote_mail_from_env({}).missing() == ["CONTEST_SMTP_HOST", "CONTEST_MAIL_SENDER", "CONTEST_PUBLIC_URL"]
    assert vote_mail_from_env({"CONTEST_PUBLIC_URL": "http://127.0.0.1:8000"}).missing() == [
        "CONTEST_SMTP_HOST", "CONTEST_MAIL_SENDER"]


@pytest.mark.parametrize(("changes", "setting"), [
    ({"CONTEST_SMTP_TLS": "yes"}, "CONTEST_SMTP_TLS"),
    ({"CONTEST_SMTP_PORT": "0"}, "CONTEST_SMTP_PORT"),
    ({"CONTEST_SMTP_PORT": "smtp"}, "CONTEST_SMTP_PORT"),
    ({"CONTEST_SMTP_HOST": "two words"}, "CONTEST_SMTP_HOST"),
    ({"CONTEST_SMTP_USER": "konkurss"}, "CONTEST_SMTP_USER"),
    ({"CONTEST_MAIL_SENDER": ""}, "CONTEST_MAIL_SENDER"),
    ({"CONTEST_MAIL_SENDER": "Konkurss"}, "CONTEST_MAIL_SENDER"),
    ({"CONTEST_PUBLIC_URL": "balsot.example.lv"}, "CONTEST_PUBLIC_URL"),
    ({"CONTEST_PUBLIC_URL": "http://balsot.example.lv"}, "CONTEST_PUBLIC_URL"),  # plain http only on loopback
    ({"CONTEST_PUBLIC_URL": "https://balsot.example.lv/?x=1"}, "CONTEST_PUBLIC_URL"),
    ({"CONTEST_VOTE_LINK_MINUTES": "0"}, "CONTEST_VOTE_LINK_MINUTES"),
    ({"CONTEST_VOTE_LINK_MINUTES": "1441"}, "CONTEST_VOTE_LINK_MINUTES"),
    ({"CONTEST_VOTE_LINK_MINUTES": "half an hour"}, "CONTEST_VOTE_LINK_MINUTES"),
])
def test_a_bad_setting_is_named(changes: dict[str, str], setting: str) -> None:
    with pytest.raises(SettingsError, match=setting):
        vote_mail_from_env({**BASE, **changes})


def test_the_message_is_utf8_text_to_one_address() -> None:
    mailer = Mailer(MailSettings(host="smtp.example.lv", port=25, tls="none", sender="Konkurss <balsot@example.lv>"))
    message = mailer.message("vārds@example.lv", "Apstipriniet savu balsi / Confirm your vote", "Ā ē ī ū\nHello")
    assert message["To"] == "vārds@example.lv" and message["From"] == "Konkurss <balsot@example.lv>"
    assert message["Message-ID"].endswith("@example.lv>") and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    parsed = message_from_bytes(message.as_bytes(policy=policy.SMTPUTF8), policy=policy.default)
    assert parsed.get_content().splitlines() == ["Ā ē ī ū", "Hello"]  # type: ignore[attr-defined]
    for bad in ("a@example.lv\r\nBcc: b@example.lv", "a@example.lv\n"):
        with pytest.raises(ValueError):
            mailer.message(bad, "x", "y")


def test_the_link_mail_is_latvian_first_then_english() -> None:
    link = link_url("https://balsot.example.lv/", "TOKEN-abc_123")
    assert link == "https://balsot.example.lv/balsot/apstiprinat/TOKEN-abc_123"
    subject, body = link_mail(contest_title="Ģimenei draudzīgākā pašvaldība 2024", municipality="Cēsu novads",
                              rating=5, link=link, expires_at=datetime(2024, 9, 15, 20, 29, tzinfo=UTC),
                              tz="Europe/Riga")
    assert subject == "Apstipriniet savu balsi / Confirm your vote"
    assert body.index("Labdien!") < body.index("Hello,") and body.count(link) == 2
    assert "pašvaldība Cēsu novads, vērtējums 5" in body and "municipality Cēsu novads, rating 5" in body
    assert "līdz 2024. gada 15. septembrim plkst. 23.29 (Latvijas laikā)" in body
    assert "until 15 September 2024, 23:29 (Latvian time)" in body
    assert "bez apstiprinājuma balss netiek ieskaitīta" in body and "Sabiedrības integrācijas fonds" in body
