"""Auth0's rate limits for the partials endpoints: token buckets per tenant.

Facts (``auth0-api.md``, "Rate limits"): GET partials and PUT partials each have their own
bucket per tenant, burst 5, refilled continuously at 5 per minute. Every answer carries
``x-ratelimit-limit``, ``x-ratelimit-remaining`` and ``x-ratelimit-reset`` (UNIX seconds when
the bucket is full again). An empty bucket answers 429; a 429 costs nothing.

With ``rate_limits="off"`` nothing is limited and the headers carry large numbers.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Bucket = Literal["get", "put"]
RateLimitMode = Literal["auth0", "off"]

#: What the headers say when limits are off.
UNLIMITED = 1_000_000
#: Tolerance for float arithmetic on token counts.
_EPSILON = 1e-9


@dataclass(frozen=True)
class RateLimitSnapshot:
    """A bucket's state as the ``x-ratelimit-*`` headers tell it."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> tuple[tuple[str, str], ...]:
        return (
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(self.reset)),
        )


class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``refill_per_second``. Not thread-safe."""

    def __init__(self, capacity: int, refill_per_second: float, now: float) -> None:
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self._tokens = float(capacity)
        self._updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.capacity), self._tokens + elapsed * self.refill_per_second)
        self._updated = max(self._updated, now)

    def try_take(self, now: float) -> bool:
        """Take one token if there is one."""
        self._refill(now)
        if self._tokens >= 1.0 - _EPSILON:  # 12 s at 5/min must buy a whole token
            self._tokens = max(0.0, self._tokens - 1.0)
            return True
        return False

    def snapshot(self, now: float) -> RateLimitSnapshot:
        self._refill(now)
        missing = float(self.capacity) - self._tokens
        full_at = now + missing / self.refill_per_second if self.refill_per_second > 0 else now
        return RateLimitSnapshot(
            limit=self.capacity,
            remaining=math.floor(self._tokens + _EPSILON),
            reset=math.ceil(full_at - _EPSILON),
        )


class RateLimiter:
    """One GET bucket and one PUT bucket per tenant. Thread-safe."""

    def __init__(
        self,
        mode: RateLimitMode,
        clock: Callable[[], float],
        *,
        burst: int = 5,
        refill_per_minute: float = 5.0,
    ) -> None:
        if burst < 1 or refill_per_minute <= 0:
            raise ValueError("rate limits need a burst of at least 1 and a positive refill rate")
        self.mode = mode
        self._clock = clock
        self._burst = burst
        self._per_second = refill_per_minute / 60.0
        self._buckets: dict[tuple[str, Bucket], TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, tenant: str, kind: Bucket, now: float) -> TokenBucket:
        key = (tenant, kind)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self._burst, self._per_second, now)
        return bucket

    def _unlimited(self, now: float) -> RateLimitSnapshot:
        return RateLimitSnapshot(UNLIMITED, UNLIMITED, int(now))

    def take(self, tenant: str, kind: Bucket) -> tuple[bool, RateLimitSnapshot]:
        """Spend one token; ``(False, snapshot)`` when the bucket is empty (nothing spent)."""
        now = self._clock()
        if self.mode == "off":
            return True, self._unlimited(now)
        with self._lock:
            bucket = self._bucket(tenant, kind, now)
            allowed = bucket.try_take(now)
            return allowed, bucket.snapshot(now)

    def peek(self, tenant: str, kind: Bucket) -> RateLimitSnapshot:
        """The bucket's state, spending nothing (for answers that do not reach the limiter)."""
        now = self._clock()
        if self.mode == "off":
            return self._unlimited(now)
        with self._lock:
            return self._bucket(tenant, kind, now).snapshot(now)

    def exhausted(self, now: float, retry_after: float) -> RateLimitSnapshot:
        """Headers for an injected 429: nothing left, full again after ``retry_after``."""
        return RateLimitSnapshot(self._burst, 0, math.ceil(now + retry_after))
