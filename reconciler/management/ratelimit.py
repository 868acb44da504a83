"""Client-side token buckets that keep a run inside Auth0's rate limits.

Auth0 gives the prompt partials endpoints their own tiny buckets per tenant: GET partials burst
5, refill 5 per minute; PUT partials the same. Spending them blindly ends in 429s, and tools
that shrug off a 429 on a read lose data. So the client takes a token from the right bucket
before every partials request, and syncs the bucket with the ``x-ratelimit-*`` headers of the
answers.

Design choices:

* Waiting past the run deadline raises ``BudgetExhausted``, an ``Auth0PartialsError`` defined
  here. It is deliberately *not* a ``RateLimitError``: no 429 was received; the local budget
  predicts one and the deadline leaves no time to wait for the next token.
* ``observe`` only ever *lowers* the local count. The headers may describe the global Management
  API bucket (50 burst) rather than the partials one (5 burst), so trusting them to raise the
  count could spend a budget the server does not have. The bucket therefore never grants more
  than its own capacity plus its own refill over any window.
* An unlimited bucket (``refill_per_second=math.inf``) never waits and ignores ``observe``; it is
  meant for the emulator with rate limits off.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path

from reconciler.errors import Auth0PartialsError
from reconciler.files import write_atomic

Clock = Callable[[], float]
Sleep = Callable[[float], None]

#: Auth0's documented partials buckets (Enterprise, Essentials and Professional plans).
PARTIALS_BURST = 5
PARTIALS_PER_MINUTE = 5.0

#: Auth0's smallest global Management API bucket of a paid tenant (non-production).
GLOBAL_BURST = 10
GLOBAL_PER_SECOND = 2.0

#: Float slack: a token that is 0.999999999 present after an exact sleep counts as present.
_EPSILON = 1e-9


class BudgetExhausted(Auth0PartialsError):
    """The next token arrives only after the run deadline. ``wait`` is the seconds it needs."""

    def __init__(self, message: str, *, wait: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.wait = wait


class BudgetBucket:
    """A thread-safe token bucket on an injectable monotonic clock.

    ``capacity`` tokens at most; ``refill_per_second`` tokens flow back continuously.
    ``max_reset_wait`` caps how long a server's ``x-ratelimit-reset`` may hold the bucket shut
    (a skewed or odd header must not stall a run for hours; a real 429 still gets its own wait).
    """

    def __init__(
        self,
        capacity: int,
        refill_per_second: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        max_reset_wait: float = 300.0,
        name: str = "bucket",
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        if not refill_per_second > 0:
            raise ValueError(f"refill_per_second must be positive, not {refill_per_second}")
        if not max_reset_wait >= 0:
            raise ValueError(f"max_reset_wait must not be negative, not {max_reset_wait}")
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self.max_reset_wait = max_reset_wait
        self.name = name
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(capacity)
        self._updated = clock()

    def __repr__(self) -> str:
        return (
            f"BudgetBucket({self.name!r}, capacity={self.capacity}, "
            f"refill_per_second={self.refill_per_second})"
        )

    @property
    def unlimited(self) -> bool:
        return math.isinf(self.refill_per_second)

    def available(self) -> float:
        """Tokens in the bucket now (may be negative after ``observe`` of an empty server)."""
        if self.unlimited:
            return math.inf
        with self._lock:
            self._refill(self._clock())
            return self._tokens

    def acquire(
        self, deadline: float | None = None, *, announce: Callable[[float], None] | None = None
    ) -> float:
        """Take one token, sleeping until one is there. Returns the seconds waited.

        ``deadline`` is an absolute time on this bucket's clock. If the next token would only
        arrive after it, raise ``BudgetExhausted`` at once instead of sleeping. ``announce`` is
        told each wait before it starts.
        """
        if self.unlimited:
            return 0.0
        start = self._clock()
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                if self._tokens >= 1.0 - _EPSILON:
                    self._tokens -= 1.0
                    return max(0.0, now - start)
                wait = (1.0 - self._tokens) / self.refill_per_second
            if deadline is not None and now + wait > deadline:
                raise BudgetExhausted(
                    f"the {self.name} rate budget has its next token in {wait:.1f} s, "
                    "after the run deadline",
                    wait=wait,
                    hint="wait for the budget to refill and rerun, or allow the run more time",
                )
            # Sleep outside the lock so other threads can observe() or give up meanwhile.
            if announce is not None:
                announce(wait)
            self._sleep(wait)

    def observe(self, remaining: int | None, reset_epoch: float | None, now_epoch: float) -> None:
        """Sync with a server's ``x-ratelimit-remaining`` / ``x-ratelimit-reset`` headers.

        Only lowers the local count. ``remaining == 0`` with a ``reset_epoch`` (UNIX seconds,
        compared with ``now_epoch``) shuts the bucket so that its next token arrives exactly at
        the reset, and not before.
        """
        if self.unlimited or remaining is None:
            return
        allowed = float(max(0, remaining))
        if remaining <= 0 and reset_epoch is not None:
            # Auth0 does not say whether the reset is the next token or a full bucket; the
            # bucket refills continuously, so the next token is due by one refill interval.
            wait = min(
                max(0.0, reset_epoch - now_epoch),
                self.max_reset_wait,
                1.0 / self.refill_per_second,
            )
            allowed = 1.0 - wait * self.refill_per_second
        with self._lock:
            self._refill(self._clock())
            self._tokens = min(self._tokens, allowed)

    def _refill(self, now: float) -> None:
        """Add what flowed in since the last update. Call with the lock held."""
        if now <= self._updated:
            return
        gained = (now - self._updated) * self.refill_per_second
        self._tokens = min(float(self.capacity), self._tokens + gained)
        self._updated = now


class PartialsBudget:
    """One tenant's budget: a bucket for GET partials, one for PUT partials, and the global
    Management API bucket every request spends from as well.

    The defaults are Auth0's documented partials buckets (burst 5, 5 per minute each way), so an
    ordinary run of at most 5 reads and 5 writes never waits, and the smallest global bucket
    of a paid tenant (non-production: burst 10, 2 per second), which a run touches only through
    the checks and custom text. Share one budget between all clients of the same tenant; its
    clock must be the clock of the deadlines passed to it.
    """

    def __init__(
        self,
        read_burst: int = PARTIALS_BURST,
        read_per_minute: float = PARTIALS_PER_MINUTE,
        write_burst: int = PARTIALS_BURST,
        write_per_minute: float = PARTIALS_PER_MINUTE,
        *,
        global_burst: int = GLOBAL_BURST,
        global_per_second: float = GLOBAL_PER_SECOND,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.read = BudgetBucket(
            read_burst, read_per_minute / 60.0, clock=clock, sleep=sleep, name="GET partials"
        )
        self.write = BudgetBucket(
            write_burst, write_per_minute / 60.0, clock=clock, sleep=sleep, name="PUT partials"
        )
        self.management = BudgetBucket(
            global_burst, global_per_second, clock=clock, sleep=sleep, name="Management API"
        )

    @classmethod
    def unlimited(
        cls, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> PartialsBudget:
        """A budget that never waits: for the emulator with its rate limits turned off."""
        return cls(
            1,
            math.inf,
            1,
            math.inf,
            global_burst=1,
            global_per_second=math.inf,
            clock=clock,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"PartialsBudget(read={self.read!r}, write={self.write!r})"

    def for_method(self, method: str) -> BudgetBucket:
        """The bucket a partials request spends from: GET reads, PUT writes."""
        upper = method.upper()
        if upper == "GET":
            return self.read
        if upper == "PUT":
            return self.write
        raise ValueError(f"no partials bucket for method {method!r}")


class BudgetLedger:
    """Carries partials budgets from one run to the next on the same machine.

    Auth0's buckets outlive a process: a plan followed at once by an apply shares them. The
    ledger stores each bucket's level at the end of a run and, at the start of the next, lowers
    the fresh budget to that level plus what has refilled since. It can only lower a budget,
    so a missing, stale or unreadable ledger costs nothing but a possible 429 (still retried).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._levels: dict[str, dict[str, list[float]]] | None = None
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, list[float]]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _start_levels(self) -> dict[str, dict[str, list[float]]]:
        """The ledger as the run found it, read once however many tenants restore from it."""
        with self._lock:
            if self._levels is None:
                self._levels = self._read()
            return self._levels

    def restore(self, key: str, budget: PartialsBudget, now_epoch: float) -> None:
        entry = self._start_levels().get(key)
        if not isinstance(entry, dict):
            return
        for name, bucket in _buckets(budget):
            saved = entry.get(name)
            if bucket.unlimited or not (isinstance(saved, list) and len(saved) == 2):
                continue
            try:
                tokens, at = float(saved[0]), float(saved[1])
            except (TypeError, ValueError):
                continue
            level = tokens + max(0.0, now_epoch - at) * bucket.refill_per_second
            if level >= bucket.capacity:
                continue
            if level >= 1.0:
                bucket.observe(math.floor(level), None, now_epoch)
            else:
                bucket.observe(0, now_epoch + (1.0 - level) / bucket.refill_per_second, now_epoch)

    def save(self, levels: dict[str, PartialsBudget], now_epoch: float) -> None:
        data = self._read()
        for key, budget in levels.items():
            if budget.read.unlimited:
                continue
            data[key] = {name: [bucket.available(), now_epoch] for name, bucket in _buckets(budget)}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True))
        except OSError:
            pass  # the ledger is an optimisation; a read-only folder must not fail a run


def _buckets(budget: PartialsBudget) -> tuple[tuple[str, BudgetBucket], ...]:
    return (("read", budget.read), ("write", budget.write), ("management", budget.management))
