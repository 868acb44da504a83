"""Read the live documents: one GET per managed document, nothing more.

A document that could not be read is never treated as empty: any failure propagates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from reconciler.documents import Document, DocumentKey
from reconciler.errors import ApiError
from reconciler.parallel import at_once


class DocumentApi(Protocol):
    """What the flow needs from a Management API client."""

    def get_document(self, key: DocumentKey) -> Document: ...

    def put_document(self, document: Document) -> Document: ...


#: Reads of one tenant in flight at once: Auth0's partials read bucket holds five.
MAX_PARALLEL_READS = 5


@dataclass(frozen=True)
class LiveRead:
    """A document as read, and when (monotonic clock): a write may only build on a fresh read."""

    document: Document
    read_at: float


def read_one(
    api: DocumentApi, key: DocumentKey, clock: Callable[[], float] = time.monotonic
) -> LiveRead:
    document = api.get_document(key)
    return LiveRead(document, clock())


def read_documents(
    api: DocumentApi,
    keys: Iterable[DocumentKey],
    clock: Callable[[], float] = time.monotonic,
    *,
    first_alone: bool = True,
) -> dict[DocumentKey, LiveRead]:
    """The live content of each document, read once each, up to five at a time.

    With ``first_alone`` the first read goes before the others (it also fetches the token, and a
    tenant that fails it fails after one document's retries, not after every document's);
    without, the caller has the token already and every read starts at once.
    """
    names = list(dict.fromkeys(keys))
    if not names:
        return {}
    if not first_alone:
        return _together(api, names, clock)
    first, rest = names[0], names[1:]
    return {first: read_one(api, first, clock)} | _together(api, rest, clock)


def _together(
    api: DocumentApi, keys: list[DocumentKey], clock: Callable[[], float]
) -> dict[DocumentKey, LiveRead]:
    reads = at_once(lambda key: read_one(api, key, clock), keys, limit=MAX_PARALLEL_READS)
    return dict(zip(keys, reads, strict=True))


def lacks_prompt(error: ApiError) -> bool:
    """Auth0's answer for a prompt the tenant does not have (recorded: 400 "Path validation
    error: 'Invalid value ...' on property prompt"), and only that answer."""
    return error.status == 400 and "on property prompt" in error.message


def read_available(
    api: DocumentApi, keys: Iterable[DocumentKey]
) -> tuple[dict[DocumentKey, Document], list[DocumentKey]]:
    """Like ``read_documents``, but a prompt the tenant does not have is skipped and named
    instead of failing the whole read. Every other error propagates."""
    documents: dict[DocumentKey, Document] = {}
    skipped: list[DocumentKey] = []
    for key in dict.fromkeys(keys):
        try:
            documents[key] = api.get_document(key)
        except ApiError as exc:
            if not lacks_prompt(exc):
                raise
            skipped.append(key)
    return documents, skipped
