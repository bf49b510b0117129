"""The addresses of a visit's notice (§4.7.2): in the address book (contest/address_book.py, sealed), never in the
history. `Visit.NoticeRecorded` names each recipient by name and by the keyed hash of its address, the same
`recipient_key` the outbox names a notification's recipient by (domain/notification.py), so the mailer finds the
address under the key the event holds.

The order is the address book first, then the event. The two cannot be written in one transaction (the event
store's save is the library's own), and this way round nothing is lost: an event always finds its addresses. An
address kept without an event (the notice refused after all, by a change between the check and the save, or the
process dying between the two) is harmless: it is sealed, named only by its keyed hash, the export and the
verifiers never read the table, and nothing reads it unless an event names that hash; a later notice to the same
address finds it there already (one key, one address).

Answers show an address masked (domain.notice.mask_address), looked up here by its key; an older notice's
addresses (recorded in clear, before) are masked by the read model already.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from contest.address_book import AddressBook, AddressMissing, AddressUnreadable
from contest.settings_errors import SettingsError
from contest.unit_of_work import UnitOfWork
from domain.notice import Recipients, mask_address
from domain.notification import recipient_key


class NoticeAddresses:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.book = AddressBook(uow.store)
        self._masked: dict[str, str] = {}  # key -> the address masked (a key stands for one address for good)

    def keep(self, who: Recipients) -> Callable[[str], str]:
        """Keep the notice's addresses in the address book, before the event is recorded; returns the keyed hash
        the event names each address by. SettingsError without the vote secrets (the key is made with them)."""
        secret = self.uow.secrets().voter
        at = self.uow.clock.now()
        for address in who.addresses().values():
            self.book.keep(secret, recipient_key(secret, address), address, at)
        return lambda address: recipient_key(secret, address)

    def masked(self, key: str) -> str | None:
        """The address kept under `key`, masked; None when it cannot be read (no vote secrets, other ones, or the
        table lost): the answer then shows the name alone."""
        if key not in self._masked:
            try:
                self._masked[key] = mask_address(self.book.address(self.uow.secrets().voter, key))
            except (AddressMissing, AddressUnreadable, SettingsError):
                return None
        return self._masked[key]

    def shown(self, kept: Mapping[str, Mapping[str, Any]], municipality_name: str) -> dict[str, dict[str, Any]]:
        """A recorded notice's recipients as the read model keeps them (domain.notice.kept_recipients), as an
        answer shows them: per role the name and the address masked, never the address or its key."""
        shown = {}
        for role, r in kept.items():
            masked = r.get("email_masked") or (self.masked(r["key"]) if r.get("key") else None)
            shown[role] = {"name": r.get("name") or municipality_name, "email_masked": masked}
        return shown
