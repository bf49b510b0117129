"""Where the notifications' addresses live (domain/notification.py): a table beside the events, never the history.

The history names a recipient only by `recipient_key` (a keyed hash). The sender needs the address itself, later
and perhaps in another process, so the address is kept here, sealed: AES-256-GCM (the `cryptography` library,
which authlib already brings) under a key derived from the voter secret with HKDF-SHA256 and a context of its own,
the recipient key as the associated data (a row cannot be moved under another key). A copy of the table without
the secret holds no address in clear, and neither the audit export nor the verifiers read it (contest/side_table.py).

A visit's notice (§4.7.2) keeps its three addresses here before its event is recorded, the event naming them by
key (contest/notice_recipients.py: why that order, and why an address kept without its event is harmless).

`contest_mail_addresses`: key -> the sealed address. `contest_seat_addresses`: which key is a jury seat's address
(the last one the secretariat gave, with a sign-in link: the ballot reminders go there).
"""

from __future__ import annotations

import base64
import os
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from contest.side_table import SideTable
from contest.store import EventStore

SEAL_CONTEXT = b"contest-mail-address-seal-v1"
ADDRESSES = ("CREATE TABLE IF NOT EXISTS {t} (recipient_key TEXT PRIMARY KEY, sealed TEXT NOT NULL, "
             "saved_at DOUBLE PRECISION NOT NULL)",)
SEATS = ("CREATE TABLE IF NOT EXISTS {t} (year INTEGER NOT NULL, seat TEXT NOT NULL, recipient_key TEXT NOT NULL, "
         "saved_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (year, seat))",)


class AddressMissing(LookupError):
    """No address is kept under a recipient key (the table was lost or cleared)."""


class AddressUnreadable(RuntimeError):
    """An address sealed under another voter secret: this process runs with other secrets than it was kept with."""


def seal_key(secret: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEAL_CONTEXT).derive(secret)


class AddressBook:
    def __init__(self, store: EventStore) -> None:
        self.addresses = SideTable(store, "contest_mail_addresses", ADDRESSES)
        self.seats = SideTable(store, "contest_seat_addresses", SEATS)

    def keep(self, secret: bytes, key: str, address: str, at: datetime) -> None:
        """Keep `address` under `key` (once: a key stands for one address)."""
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(seal_key(secret)).encrypt(nonce, address.encode("utf-8"), key.encode())
        self.addresses.run("INSERT INTO {t} (recipient_key, sealed, saved_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (recipient_key) DO NOTHING",
                           (key, base64.b64encode(sealed).decode(), at.timestamp()))

    def address(self, secret: bytes, key: str) -> str:
        rows = self.addresses.run("SELECT sealed FROM {t} WHERE recipient_key = ?", (key,), fetch=True)
        if not rows:
            raise AddressMissing(key)
        sealed = base64.b64decode(rows[0]["sealed"])
        try:
            return AESGCM(seal_key(secret)).decrypt(sealed[:12], sealed[12:], key.encode()).decode("utf-8")
        except InvalidTag:
            raise AddressUnreadable("an address was kept under other vote secrets (CONTEST_VOTER_SECRET)") from None

    def set_seat(self, year: int, seat: str, key: str, at: datetime) -> None:
        self.seats.run("INSERT INTO {t} (year, seat, recipient_key, saved_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (year, seat) DO UPDATE SET recipient_key = excluded.recipient_key, "
                       "saved_at = excluded.saved_at",
                       (year, seat, key, at.timestamp()))

    def seat_keys(self, year: int) -> dict[str, str]:
        """seat -> the key of its address, for the seats that have one."""
        rows = self.seats.run("SELECT seat, recipient_key FROM {t} WHERE year = ?", (year,), fetch=True)
        return {str(r["seat"]): str(r["recipient_key"]) for r in rows}

    def rows(self) -> list[dict[str, object]]:
        """Both tables as stored (for the tests that check nothing is in clear)."""
        return [*(dict(r) for r in self.addresses.run("SELECT * FROM {t}", fetch=True)),
                *(dict(r) for r in self.seats.run("SELECT * FROM {t}", fetch=True))]
