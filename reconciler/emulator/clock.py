"""A clock you move by hand, for tests that must not wait a real minute for a bucket to refill.

Inject it as both ``clock`` and ``sleep`` of :class:`~reconciler.emulator.EmulatorOptions`:
sleeping on it advances it at once, so latency and ``latency`` faults cost no real time.
"""

from __future__ import annotations

import threading

#: 2023-11-14T22:13:20Z: a round, plausible UNIX time to start from.
DEFAULT_START = 1_700_000_000.0


class ManualClock:
    """A thread-safe UNIX-seconds clock that only moves when told to (or when slept on)."""

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._slept: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (never backward)."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Record the sleep and advance the clock by it, without waiting."""
        with self._lock:
            self._slept.append(seconds)
            self._now += max(0.0, seconds)

    @property
    def slept(self) -> tuple[float, ...]:
        """Every duration passed to :meth:`sleep`, in order."""
        with self._lock:
            return tuple(self._slept)
