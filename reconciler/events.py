"""What a run tells while it works: values handed to a listener (the CLI prints them).

The library never prints. A run calls its ``Listener`` with these events, from worker threads;
a listener must be thread-safe and quick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.documents import DocumentKey

if TYPE_CHECKING:
    from reconciler.writes import DocumentOutcome


@dataclass(frozen=True)
class TenantStarted:
    tenant: str
    documents: int
    """How many documents the tenant's step will read."""


@dataclass(frozen=True)
class DocumentRead:
    tenant: str
    key: DocumentKey


@dataclass(frozen=True)
class Waiting:
    """A wait of a second or more is about to start."""

    tenant: str
    seconds: float
    why: str


@dataclass(frozen=True)
class Notice:
    """Something a person watching should know now (a lock wait, a re-merged document)."""

    tenant: str
    text: str


@dataclass(frozen=True)
class TenantDone:
    tenant: str
    done: int
    total: int


@dataclass(frozen=True)
class DocumentApplied:
    """A document's write finished (written, failed, stale, ...): said as it happens."""

    outcome: DocumentOutcome


Event = TenantStarted | DocumentRead | Waiting | Notice | TenantDone | DocumentApplied
Listener = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The listener of a run nobody watches."""
