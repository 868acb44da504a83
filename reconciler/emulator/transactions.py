"""Login transactions of the emulated Universal Login pages: one per ``/authorize``, keyed by its
``state``.

A transaction remembers the application and its ``redirect_uri``, the page's language, the
screen it is on, the identifier captured so far, the connection it uses and, for passwordless
connections, the one-time code that was "sent" (readable through ``GET
/__emulator/transactions/{state}``, since no email or SMS leaves the emulator). In memory only:
a restart forgets them, as Auth0 forgets an expired transaction. At most ``limit`` are kept, the
oldest dropped first.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any

#: Transactions kept at once.
DEFAULT_LIMIT = 10_000


@dataclass
class LoginTransaction:
    """One login in progress (mutable; changed with the store's lock held)."""

    state: str
    tenant: str
    client_id: str
    redirect_uri: str
    client_state: str | None
    locale: str
    screen: str
    identifier: str | None = None
    connection: str | None = None
    otp: str | None = None
    authorization_code: str | None = None

    @property
    def done(self) -> bool:
        return self.authorization_code is not None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def new_state() -> str:
    """An opaque state value, URL-safe, as long as Auth0's."""
    return secrets.token_urlsafe(24)


def new_code(digits: int = 6) -> str:
    """A one-time code: ``digits`` decimal digits (Auth0's default ``totp.length`` is 6)."""
    return "".join(secrets.choice("0123456789") for _ in range(digits))


class TransactionStore:
    """Transactions by state, thread-safe."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._items: OrderedDict[str, LoginTransaction] = OrderedDict()
        self.lock = threading.Lock()

    def add(self, transaction: LoginTransaction) -> None:
        with self.lock:
            self._items[transaction.state] = transaction
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def get(self, tenant: str, state: str | None) -> LoginTransaction | None:
        """The tenant's transaction with this state (None for another tenant's)."""
        with self.lock:
            found = self._items.get(state or "")
        return found if found is not None and found.tenant == tenant else None

    def find(self, state: str) -> LoginTransaction | None:
        with self.lock:
            return self._items.get(state)

    def all(self) -> list[LoginTransaction]:
        with self.lock:
            return list(self._items.values())

    def clear(self) -> int:
        with self.lock:
            count = len(self._items)
            self._items.clear()
            return count
