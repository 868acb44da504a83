"""The request log: one entry per API call, known route or not; never headers, bodies or tokens.

Admin calls (``/__emulator/...``) are not logged. ``status`` is 0 when no answer was sent
(``reset``, ``timeout`` and ``late_put`` faults).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class LoggedRequest:
    """One call. ``path`` is Auth0's path, without ``/tenants/{name}`` or the query string;
    ``prompt`` is set for partials calls only (it marks them)."""

    tenant: str
    method: str
    path: str
    status: int
    prompt: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "tenant": self.tenant,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "prompt": self.prompt,
        }


class RequestLog:
    """The newest ``limit`` entries, oldest first. Thread-safe."""

    def __init__(self, limit: int) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count
