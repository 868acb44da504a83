"""Auth0's Management API rate limits: token buckets per tenant.

Facts (``auth0-api.md``, "Rate limits"; rate-limit-use-cases.mdx):

- GET partials and PUT partials each have their own bucket per tenant ("endpoint" buckets):
  burst 5, refilled continuously at 5 per minute (Enterprise and Essentials/Professional).
- A global Management API bucket per tenant sits on top of every route. Auth0's figures: 50
  burst / 16 per second (Enterprise, production tenant), 10 burst / 2 per second (Enterprise,
  non-production tenant), 2 per second (Free). The default here models an Enterprise
  **non-production** tenant (10 / 2 per second), the kind a CI emulator stands in for; the
  global limit is evaluated before the endpoint limit.
- Every answer carries ``x-ratelimit-limit``, ``x-ratelimit-remaining`` and
  ``x-ratelimit-reset``, the last being "the UNIX timestamp, in seconds, of the expected time
  when additional requests will be added to the bucket": here the second at which the next token
  arrives (rounded up), or now when the bucket is full.
- An empty bucket answers 429 ("Endpoint limit has been reached" / "Global limit has been
  reached").

[GAP] choices: a 429 spends no token of either bucket; which bucket the headers of a partials
answer describe is unknown: the endpoint bucket by default (``EmulatorOptions.
partials_rate_limit_headers="global"`` switches), except that a 429 of the global bucket always
describes the global bucket. With ``rate_limits="off"`` nothing is limited and the headers carry
large numbers.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

#: An endpoint bucket: the partials GET or PUT bucket.
Bucket = Literal["get", "put"]
RateLimitMode = Literal["auth0", "off"]

#: What the headers say when limits are off.
UNLIMITED = 1_000_000
#: Tolerance for float arithmetic on token counts.
_EPSILON = 1e-9

ENDPOINT_LIMIT_MESSAGE = "Endpoint limit has been reached"
GLOBAL_LIMIT_MESSAGE = "Global limit has been reached"


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

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.capacity), self._tokens + elapsed * self.refill_per_second)
        self._updated = max(self._updated, now)

    def has_token(self) -> bool:
        return self._tokens >= 1.0 - _EPSILON  # 12 s at 5/min must buy a whole token

    def take(self) -> None:
        self._tokens = max(0.0, self._tokens - 1.0)

    def snapshot(self, now: float) -> RateLimitSnapshot:
        """The headers' view: ``reset`` is when the next token arrives (now when full)."""
        remaining = math.floor(self._tokens + _EPSILON)
        if remaining >= self.capacity:
            next_at = now
        else:
            missing = (remaining + 1) - self._tokens
            next_at = now + max(0.0, missing) / self.refill_per_second
        return RateLimitSnapshot(self.capacity, remaining, math.ceil(next_at - _EPSILON))


@dataclass(frozen=True)
class RateDecision:
    """One request's pass through the limiter."""

    allowed: bool
    #: Which bucket refused it: ``"global"``, ``"endpoint"`` or None.
    refused_by: Literal["global", "endpoint"] | None
    global_bucket: RateLimitSnapshot
    endpoint_bucket: RateLimitSnapshot | None

    @property
    def message(self) -> str:
        return GLOBAL_LIMIT_MESSAGE if self.refused_by == "global" else ENDPOINT_LIMIT_MESSAGE


class RateLimiter:
    """Per tenant: one global bucket and the two partials buckets. Thread-safe."""

    def __init__(
        self,
        mode: RateLimitMode,
        clock: Callable[[], float],
        *,
        burst: int = 5,
        refill_per_minute: float = 5.0,
        global_burst: int = 10,
        global_per_second: float = 2.0,
    ) -> None:
        if burst < 1 or refill_per_minute <= 0 or global_burst < 1 or global_per_second <= 0:
            raise ValueError("rate limits need a burst of at least 1 and a positive refill rate")
        self.mode = mode
        self._clock = clock
        self._sizes: dict[str, tuple[int, float]] = {
            "get": (burst, refill_per_minute / 60.0),
            "put": (burst, refill_per_minute / 60.0),
            "global": (global_burst, global_per_second),
        }
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, tenant: str, kind: str, now: float) -> TokenBucket:
        key = (tenant, kind)
        bucket = self._buckets.get(key)
        if bucket is None:
            capacity, rate = self._sizes[kind]
            bucket = self._buckets[key] = TokenBucket(capacity, rate, now)
        bucket.refill(now)
        return bucket

    def _unlimited(self, now: float) -> RateLimitSnapshot:
        return RateLimitSnapshot(UNLIMITED, UNLIMITED, int(now))

    def take(self, tenant: str, endpoint: Bucket | None) -> RateDecision:
        """Spend one token of the global bucket and of ``endpoint``'s, or none of either."""
        return self._decide(tenant, endpoint, spend=True)

    def peek(self, tenant: str, endpoint: Bucket | None) -> RateDecision:
        """The buckets' state, spending nothing (for answers that do not reach the limiter)."""
        return self._decide(tenant, endpoint, spend=False)

    def _decide(self, tenant: str, endpoint: Bucket | None, *, spend: bool) -> RateDecision:
        """The buckets' state after spending a token of each, when ``spend`` and both have one."""
        now = self._clock()
        if self.mode == "off":
            free = self._unlimited(now)
            return RateDecision(True, None, free, free if endpoint else None)
        with self._lock:
            overall = self._bucket(tenant, "global", now)
            own = self._bucket(tenant, endpoint, now) if endpoint else None
            refused: Literal["global", "endpoint"] | None = None
            if spend:
                if not overall.has_token():
                    refused = "global"
                elif own is not None and not own.has_token():
                    refused = "endpoint"
                else:
                    overall.take()
                    if own is not None:
                        own.take()
            return RateDecision(
                refused is None,
                refused,
                overall.snapshot(now),
                own.snapshot(now) if own is not None else None,
            )

    def exhausted(
        self, endpoint: Bucket | None, now: float, retry_after: float
    ) -> RateLimitSnapshot:
        """Headers for an injected 429: nothing left, the next token after ``retry_after``."""
        capacity = self._sizes[endpoint or "global"][0]
        return RateLimitSnapshot(capacity, 0, math.ceil(now + retry_after))
