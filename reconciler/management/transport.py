"""Sending one request to Auth0: bounded answers, retries, waits, and what was sent.

``Sender.send`` sends a request and returns the final ``Answer`` after retries, or raises
``TransportError`` when no usable answer came:

* **Bounded answers**: every answer is read as a stream and cut off when it takes longer than
  the timeout in total (not per byte: a server that trickles one byte at a time cannot hold a
  run) or grows past ``max_body_bytes``.
* **Retries**: 408, 429, 500, 502, 503, 504 and transport errors, waiting ``Retry-After`` first,
  then ``x-ratelimit-reset`` (429 only), else capped exponential backoff with full jitter, never
  past the run deadline. A write whose request may have reached the server (the connection
  broke or timed out after sending) is **not** retried: ``WriteOutcomeUnknown`` says so, and
  the caller finds out by reading.
* **Budget**: a token from the request's client-side bucket before every attempt, synced from the
  ``x-ratelimit-*`` headers of every answer; long waits are announced through ``on_wait``.

``ConnectionPools`` keeps one connection pool per origin for a run's clients: tenants served by
one host (an emulator) share their connections; on Auth0 each tenant has its own host, so its
own pool.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random as random_module
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, NamedTuple

import httpx

from reconciler.errors import TransportError, WriteOutcomeUnknown
from reconciler.management.api_errors import PARTIALS_RATE_NOTE, is_tls_failure, transport_hint
from reconciler.management.ratelimit import BudgetBucket, BudgetExhausted
from reconciler.management.secrets import Redactor

logger = logging.getLogger("reconciler.management")

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})

#: Largest answer read, in bytes: far above any document (2 screens x 6 insertion points x
#: 10,000 characters, JSON-escaped) and any page of the read-only endpoints.
MAX_BODY_BYTES: Final = 8 * 1024 * 1024

#: Waits at least this long are announced (``on_wait``).
ANNOUNCED_WAIT: Final = 1.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry 408/429/5xx and transport errors.

    ``max_attempts`` counts every request, the first one included. Backoff for attempt n is
    ``min(max_delay, base_delay * 2**(n-1))``, drawn uniformly from [0, that] with ``jitter``.
    A server asking (``Retry-After`` / ``x-ratelimit-reset``) for more than ``max_retry_after``
    seconds is not waited for: the error is raised with the wait in its hint.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: bool = True
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays must not be negative")

    def backoff(self, attempt: int, rng: random_module.Random) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        cap = min(self.max_delay, self.base_delay * 2.0 ** min(attempt - 1, 60))
        return rng.uniform(0.0, cap) if self.jitter else cap


#: The retry policy of every client that is not given one (frozen, so it can be shared).
DEFAULT_RETRY = RetryPolicy()


class RequestRecord(NamedTuple):
    """One HTTP request sent; ``status`` is None when no answer came."""

    method: str
    path: str
    status: int | None


@dataclass
class ClientStats:
    """What a client did. Counts are requests sent (retries included)."""

    token_requests: int = 0
    document_reads: int = 0
    document_writes: int = 0
    other_reads: int = 0
    retries: int = 0
    rate_limited: int = 0
    log: list[RequestRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """A complete answer: status, headers (lower-case names) and the whole body."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    reason: str = ""

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Wait:
    """A wait about to happen: ``why`` is a short phrase (``the partials read budget``)."""

    tenant: str
    seconds: float
    why: str


@dataclass(frozen=True)
class Outcome:
    """The last answer of a request after retries; ``gave_up`` says why retrying stopped."""

    answer: Answer
    gave_up: str | None = None
    wait: float | None = None  # what the next retry would have waited


#: Connections of one pool: not capped (the run's threads bound them); a few idle ones kept for
#: the next tenant on the same host.
POOL_LIMITS: Final = httpx.Limits(
    max_connections=None, max_keepalive_connections=4, keepalive_expiry=5.0
)
#: Pools per host, handed out in turn: tenants share connections, and each pool stays small
#: (httpcore scans a pool's every connection for each request and answer).
POOLS_PER_HOST: Final = 128


class _SharedTransport(httpx.BaseTransport):
    """A client's view of a shared pool: closing the client leaves the pool to its owner."""

    def __init__(self, pool: httpx.HTTPTransport) -> None:
        self._pool = pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._pool.handle_request(request)

    def close(self) -> None:
        pass


class ConnectionPools:
    """Connection pools shared by the clients given them: ``per_host`` pools per origin and TLS
    setting, handed out in turn, so a host's tenants reuse each other's idle connections.
    Thread-safe. Closing it closes every pool (after the clients are done)."""

    def __init__(self, limits: httpx.Limits = POOL_LIMITS, per_host: int = POOLS_PER_HOST) -> None:
        self._limits = limits
        self._per_host = per_host
        self._pools: dict[tuple[str, int], list[httpx.HTTPTransport]] = {}
        self._handed: dict[tuple[str, int], int] = {}
        self._verify: list[bool | ssl.SSLContext] = []  # keeps each ``verify`` (and its id) alive
        self._lock = threading.Lock()

    def transport(self, origin: str, verify: bool | ssl.SSLContext) -> httpx.BaseTransport:
        """A pool for ``origin`` (``scheme://host:port``) checked with ``verify``."""
        key = (origin, id(verify))
        with self._lock:
            pools = self._pools.setdefault(key, [])
            turn = self._handed.get(key, 0)
            self._handed[key] = turn + 1
            if len(pools) < self._per_host:
                pools.append(httpx.HTTPTransport(verify=verify, limits=self._limits))
                self._verify.append(verify)
            pool = pools[turn % len(pools)]
        return _SharedTransport(pool)

    def counts(self) -> dict[str, int]:
        """Pools opened so far, per origin."""
        with self._lock:
            counts: dict[str, int] = {}
            for (origin, _), pools in self._pools.items():
                counts[origin] = counts.get(origin, 0) + len(pools)
            return counts

    def close(self) -> None:
        with self._lock:
            pools = [pool for host in self._pools.values() for pool in host]
            self._pools.clear()
            self._handed.clear()
            self._verify.clear()
        for pool in pools:
            pool.close()


class AnswerTooLarge(Exception):
    pass


class AnswerTooSlow(Exception):
    pass


def parse_http_date(text: str) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def parse_retry_after(value: str | None, now_epoch: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        when = parse_http_date(text)
        if when is None:
            return None
        seconds = when.timestamp() - now_epoch
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def header_float(answer: Answer, name: str) -> float | None:
    raw = answer.headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _retryable(exc: Exception) -> bool:
    """Transport errors are retried, except those a retry cannot fix (TLS trust, bad scheme)."""
    if isinstance(exc, httpx.UnsupportedProtocol) or is_tls_failure(exc):
        return False
    return isinstance(exc, httpx.TransportError | AnswerTooSlow)


def _not_sent(exc: Exception) -> bool:
    """The request certainly did not reach the server (safe to resend a write)."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.ProxyError)


@dataclass
class Sender:
    """Sends a tenant's requests; shared by its threads (stats under a lock)."""

    tenant: str
    http: httpx.Client
    redactor: Redactor
    timeout: float
    retry: RetryPolicy = DEFAULT_RETRY
    deadline: float | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    wall_clock: Callable[[], float] = time.time
    random: random_module.Random = field(default_factory=random_module.Random)
    on_wait: Callable[[Wait], None] | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    stats: ClientStats = field(default_factory=ClientStats)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(
        self,
        request: httpx.Request,
        *,
        kind: str,
        auth: httpx.Auth | None = None,
        bucket: BudgetBucket | None = None,
        management: BudgetBucket | None = None,
        what: str = "",
    ) -> Outcome:
        """Send with retries; return the last answer, raise TransportError if none came.

        ``kind`` counts the request (``token``, ``read``, ``write``, ``other``); ``what`` names
        the document or resource for wait announcements. ``bucket`` is the request's own
        client-side bucket (the partials ones), ``management`` the global one it also spends
        from; the answer's ``x-ratelimit-*`` headers sync the first of them given.
        """
        method, path = request.method, request.url.path
        attempt = 0
        while True:
            attempt += 1
            for spent in (bucket, management):
                if spent is not None:
                    self._acquire(spent, method, path, what)
            started = self.clock()
            try:
                answer = self._exchange(request, auth, started)
            except (httpx.HTTPError, httpx.InvalidURL, AnswerTooSlow, AnswerTooLarge) as exc:
                self._record(kind, method, path, None)
                self._raise_or_retry(exc, method, path, attempt)
                continue
            self._record(kind, method, path, answer.status)
            now_epoch = self._now_epoch(answer)
            synced = bucket or management  # the one the headers describe
            if synced is not None:
                remaining = header_float(answer, "x-ratelimit-remaining")
                reset = header_float(answer, "x-ratelimit-reset")
                synced.observe(None if remaining is None else int(remaining), reset, now_epoch)
            if answer.status == 429:
                with self._lock:
                    self.stats.rate_limited += 1
            if answer.status not in RETRYABLE_STATUSES:
                return Outcome(answer)
            delay, asked = self._retry_delay(answer, attempt, now_epoch, synced)
            if answer.status == 429 and synced is not None:
                # The server's bucket is empty: no local token until the retry is due.
                synced.observe(0, now_epoch + delay, now_epoch)
            if asked and delay > self.retry.max_retry_after:
                return Outcome(answer, f"Auth0 asks to wait {delay:.0f} s", delay)
            if attempt >= self.retry.max_attempts:
                return Outcome(answer, f"gave up after {attempt} attempts", delay)
            if self._past_deadline(delay):
                return Outcome(
                    answer, f"the run deadline leaves no time to wait {delay:.1f} s", delay
                )
            self._pause(method, path, attempt, delay, f"Auth0's answer {answer.status} ({what})")

    # -- one exchange ------------------------------------------------------------------------

    def _exchange(self, request: httpx.Request, auth: httpx.Auth | None, started: float) -> Answer:
        """One request and its whole answer, within ``timeout`` in total."""
        response = self.http.send(request, auth=auth, stream=True)
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_body_bytes:
                    raise AnswerTooLarge
                if self.clock() - started > self.timeout:
                    raise AnswerTooSlow
        finally:
            response.close()
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.status_code, headers, bytes(body), response.reason_phrase)

    def _raise_or_retry(self, exc: Exception, method: str, path: str, attempt: int) -> None:
        error = self._transport_error(method, path, exc, attempt)
        if method != "GET" and method != "POST" and not _not_sent(exc):
            raise WriteOutcomeUnknown(
                f"{self.tenant}: {method} {path}: the answer was lost "
                f"({type(exc).__name__}: {self.redactor.redact(str(exc)) or 'no detail'}); "
                "the write may or may not have landed",
                hint="the document is read again to find out; run `auth0-partials plan` "
                "before editing the prompt by hand",
            ) from None
        if not _retryable(exc) or attempt >= self.retry.max_attempts:
            raise error from None
        delay = self.retry.backoff(attempt, self.random)
        if self._past_deadline(delay):
            error.message += " (the run deadline leaves no time to retry)"
            raise error from None
        self._pause(method, path, attempt, delay, "a broken connection")

    def _transport_error(
        self, method: str, path: str, exc: Exception, attempt: int
    ) -> TransportError:
        tries = f" after {attempt} attempts" if attempt > 1 else ""
        if isinstance(exc, AnswerTooLarge):
            return TransportError(
                f"{self.tenant}: {method} {path}: the answer is larger than "
                f"{self.max_body_bytes // (1024 * 1024)} MiB{tries}; it was not read",
                hint="a proxy or a wrong domain? A document is far smaller; nothing was written",
            )
        if isinstance(exc, AnswerTooSlow):
            return TransportError(
                f"{self.tenant}: {method} {path}: the answer took longer than "
                f"{self.timeout:g} s in all{tries}",
                hint="Auth0 or the network is slow, or something trickles the answer; "
                "rerun later (nothing was written)",
            )
        detail = self.redactor.redact(str(exc)) or "no detail"
        return TransportError(
            f"{self.tenant}: {method} {path} failed{tries}: {type(exc).__name__}: {detail}",
            hint=transport_hint(exc, method, self.timeout),
        )

    # -- waiting -----------------------------------------------------------------------------

    def _acquire(self, bucket: BudgetBucket, method: str, path: str, what: str) -> None:
        def announce(seconds: float) -> None:
            if self.on_wait is not None and seconds >= ANNOUNCED_WAIT:
                self.on_wait(Wait(self.tenant, seconds, f"the {bucket.name} budget ({what})"))

        try:
            waited = bucket.acquire(self.deadline, announce=announce)
        except BudgetExhausted as exc:
            raise BudgetExhausted(
                f"{self.tenant}: {method} {path}: the {bucket.name} budget has its next token in "
                f"{exc.wait:.0f} s, after the run deadline",
                wait=exc.wait,
                hint=f"{PARTIALS_RATE_NOTE}: rerun in a minute, or allow the run more time",
            ) from None
        if waited > 0:
            logger.debug(
                "%s %s: waited %.1f s for the %s budget", method, path, waited, bucket.name
            )

    def _retry_delay(
        self, answer: Answer, attempt: int, now_epoch: float, bucket: BudgetBucket | None
    ) -> tuple[float, bool]:
        """(seconds, asked by the server): Retry-After, then x-ratelimit-reset, then backoff.

        ``x-ratelimit-reset`` is when Auth0 adds the next request to the bucket; a server that
        means "bucket full" instead is capped at one refill interval of the local bucket.
        """
        retry_after = parse_retry_after(answer.headers.get("retry-after"), now_epoch)
        if retry_after is not None:
            return retry_after, True
        if answer.status == 429:
            reset = header_float(answer, "x-ratelimit-reset")
            if reset is not None and reset - now_epoch > 0:
                wait = reset - now_epoch
                if bucket is not None and not bucket.unlimited:
                    wait = min(wait, 1.0 / bucket.refill_per_second)
                return wait, True
        return self.retry.backoff(attempt, self.random), False

    def _past_deadline(self, delay: float) -> bool:
        return self.deadline is not None and self.clock() + delay > self.deadline

    def _pause(self, method: str, path: str, attempt: int, delay: float, why: str) -> None:
        logger.debug(
            "%s %s: retry %d/%d in %.2f s",
            method,
            path,
            attempt + 1,
            self.retry.max_attempts,
            delay,
        )
        with self._lock:
            self.stats.retries += 1
        if self.on_wait is not None and delay >= ANNOUNCED_WAIT:
            self.on_wait(Wait(self.tenant, delay, f"a retry after {why}"))
        self.sleep(delay)

    def _now_epoch(self, answer: Answer) -> float:
        """The server's notion of now (its Date header) so clock skew does not skew waits."""
        when = parse_http_date(answer.headers.get("date", ""))
        return when.timestamp() if when is not None else self.wall_clock()

    def _record(self, kind: str, method: str, path: str, status: int | None) -> None:
        with self._lock:
            if kind == "token":
                self.stats.token_requests += 1
            elif kind == "read":
                self.stats.document_reads += 1
            elif kind == "write":
                self.stats.document_writes += 1
            else:
                self.stats.other_reads += 1
            self.stats.log.append(RequestRecord(method, path, status))
        logger.debug("%s %s -> %s", method, path, status or "no answer")
