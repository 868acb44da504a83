"""The Auth0 Management API client for prompt partials: the only module that speaks HTTP.

``ManagementClient.get_partials`` / ``put_partials`` read and replace one prompt's document.
Around them:

* **Token**: client credentials (``POST /oauth/token``) cached until shortly before expiry, or a
  pre-issued token from an environment variable. Secrets are read at first use and held in
  ``Secret`` wrappers (``reconciler.secrets``); they never reach an exception, a log line,
  ``repr()`` or ``stats``.
* **Budget**: a token from the tenant's ``PartialsBudget`` before every partials request (never
  for the token request), synced from the ``x-ratelimit-*`` headers of every answer.
* **Retries**: 408, 429, 500, 502, 503, 504 and transport errors, waiting ``Retry-After`` first,
  then ``x-ratelimit-reset`` (429 only), else capped exponential backoff with full jitter, and
  never past the run deadline.
* **Errors**: every failure is an ``Auth0PartialsError`` with a hint (worded in
  ``reconciler.api_errors``); httpx types stay in the client and its helper modules.
  A failed or partial read raises: it is never returned as a document, so it never leads to a
  write.

The tenant's ``domain`` becomes a base URL, and TLS verification is decided, in
``reconciler.endpoint``; ``endpoint_base``, ``is_loopback``, ``tls_verify`` and ``api_hint`` are
re-exported here.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import random as random_module
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, NamedTuple
from urllib.parse import quote, urlsplit

import httpx

from reconciler import __version__
from reconciler.api_errors import (
    PARTIALS_RATE_NOTE,
    api_hint,
    bad_body_hint,
    error_body,
    is_tls_failure,
    redirect_hint,
    token_hint,
    transport_hint,
    unauthorized_hint,
)
from reconciler.endpoint import endpoint_base, is_loopback, ssl_setting, tls_verify
from reconciler.errors import (
    ApiError,
    Auth0PartialsError,
    RateLimitError,
    TransportError,
)
from reconciler.model import Credentials, PromptDocument
from reconciler.ratelimit import BudgetExhausted, PartialsBudget, TokenBucket
from reconciler.secrets import BearerAuth, Environ, Redactor, Secret, SecretForm

__all__ = [
    "RETRYABLE_STATUSES",
    "ClientStats",
    "ManagementClient",
    "RequestRecord",
    "RetryPolicy",
    "api_hint",
    "endpoint_base",
    "is_loopback",
    "parse_retry_after",
    "tls_verify",
]

logger = logging.getLogger("reconciler.client")

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})


# --------------------------------------------------------------------------- values


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


class RequestRecord(NamedTuple):
    """One HTTP request sent; ``status`` is None when no answer came."""

    method: str
    path: str
    status: int | None


@dataclass
class ClientStats:
    """What a client did. Counts are requests sent (retries included)."""

    token_requests: int = 0
    partials_gets: int = 0
    partials_puts: int = 0
    retries: int = 0
    rate_limited: int = 0
    log: list[RequestRecord] = field(default_factory=list)


@dataclass(frozen=True)
class _CachedToken:
    token: Secret
    expires_at: float | None  # on the client's monotonic clock; None: until a 401


@dataclass(frozen=True)
class _Outcome:
    """The last answer of a request after retries; ``gave_up`` says why retrying stopped."""

    response: httpx.Response
    gave_up: str | None = None
    wait: float | None = None  # what the next retry would have waited


# --------------------------------------------------------------------------- helpers


def _parse_http_date(text: str) -> datetime | None:
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
        when = _parse_http_date(text)
        if when is None:
            return None
        seconds = when.timestamp() - now_epoch
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _header_float(response: httpx.Response, name: str) -> float | None:
    raw = response.headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _header_int(response: httpx.Response, name: str) -> int | None:
    value = _header_float(response, name)
    return int(value) if value is not None else None


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _document_shape_problem(data: object) -> str | None:
    """Why ``data`` is not ``{screen: {insertion point: string}}``, or None if it is."""
    if not isinstance(data, dict):
        return f"the top level is a JSON {type(data).__name__}, not an object"
    for screen, points in data.items():
        if not isinstance(points, dict):
            return f"screen {screen!r} is a JSON {type(points).__name__}, not an object"
        for point, html in points.items():
            if not isinstance(html, str):
                return f"{screen}/{point} is a JSON {type(html).__name__}, not a string"
    return None


def _retryable_exception(exc: Exception) -> bool:
    """Transport errors are retried, except those a retry cannot fix (TLS trust, bad scheme)."""
    if isinstance(exc, httpx.UnsupportedProtocol) or is_tls_failure(exc):
        return False
    return isinstance(exc, httpx.TransportError)


# --------------------------------------------------------------------------- client


class ManagementClient:
    """Reads and replaces prompt partials of one tenant. Use as a context manager.

    ``deadline`` is an absolute time on ``clock`` (default ``time.monotonic``) for the whole run:
    no budget wait or retry sleep goes past it. ``wall_clock`` (UNIX seconds) turns
    ``x-ratelimit-reset`` and ``Retry-After`` dates into waits when an answer has no ``Date``.
    Thread-safe: a tenant's prompts may be read concurrently; one token request serves all.
    """

    def __init__(
        self,
        tenant: str,
        domain: str,
        credentials: Credentials,
        *,
        environ: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        budget: PartialsBudget | None = None,
        retry: RetryPolicy = RetryPolicy(),  # frozen, so sharing the default is safe
        timeout: float = 30.0,
        verify: bool | str = True,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        random: random_module.Random | None = None,
        token_refresh_margin: float = 60.0,
    ) -> None:
        self.tenant = tenant
        self.base_url = endpoint_base(domain)
        split = urlsplit(self.base_url)
        self._origin = f"{split.scheme}://{split.netloc}"
        self._base_path = split.path
        self.audience = credentials.audience or f"{self.base_url}/api/v2/"
        self.tls_verify = tls_verify(self.base_url, verify)
        self.stats = ClientStats()
        self.deadline = deadline
        self._credentials = credentials
        self._environ = Environ(os.environ if environ is None else environ)
        self._budget = budget if budget is not None else PartialsBudget(clock=clock, sleep=sleep)
        self._retry = retry
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._random = random if random is not None else random_module.Random()
        self._refresh_margin = token_refresh_margin
        self._token: _CachedToken | None = None
        self._token_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._redactor = Redactor()
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            verify=ssl_setting(self.tls_verify),
            follow_redirects=False,  # a redirect must not carry the token to another host
            headers={"User-Agent": f"auth0-partials/{__version__}", "Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"ManagementClient(tenant={self.tenant!r}, base_url={self.base_url!r})"

    def __enter__(self) -> ManagementClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ public calls

    def get_partials(self, prompt: str) -> PromptDocument:
        """The prompt's live document (``{}`` when nothing is set). Raises rather than guess."""
        path = self._partials_path(prompt)
        response = self._api_call("GET", path, prompt, content=None)
        return PromptDocument.from_json(prompt, self._document(response, "GET", path))

    def put_partials(self, document: PromptDocument) -> PromptDocument:
        """Replace the prompt's whole document; returns the document Auth0 echoed."""
        path = self._partials_path(document.prompt)
        body = json.dumps(document.to_json(), ensure_ascii=False).encode("utf-8")
        response = self._api_call("PUT", path, document.prompt, content=body)
        return PromptDocument.from_json(document.prompt, self._document(response, "PUT", path))

    # ------------------------------------------------------------------ API requests

    def _partials_path(self, prompt: str) -> str:
        if not prompt:
            raise ValueError("prompt name must not be empty")
        return f"{self._base_path}/api/v2/prompts/{quote(prompt, safe='')}/partials"

    def _api_call(
        self, method: str, path: str, prompt: str, *, content: bytes | None
    ) -> httpx.Response:
        bucket = self._budget.for_method(method)
        headers = {"Content-Type": "application/json"} if content is not None else None
        refused = self._access_token()
        outcome = self._send(
            method, path, content=content, headers=headers, auth=BearerAuth(refused), bucket=bucket
        )
        if outcome.response.status_code == 401 and self._credentials.kind == "client_credentials":
            logger.debug("%s %s: 401, refreshing the token once", method, path)
            with self._token_lock:
                # Another read in flight may have replaced the token already: drop only the
                # token that was refused, so concurrent 401s cost one token request in all.
                if self._token is not None and self._token.token is refused:
                    self._token = None
            outcome = self._send(
                method, path, content=content, headers=headers, auth=self._auth(), bucket=bucket
            )
        if outcome.response.is_success:
            return outcome.response
        raise self._api_error(method, path, prompt, outcome)

    def _document(self, response: httpx.Response, method: str, path: str) -> dict[str, Any]:
        """The body as ``{screen: {point: html}}``, or TransportError: never a guess."""
        try:
            data = json.loads(response.content, object_pairs_hook=_reject_duplicates)
        except ValueError as exc:
            problem = "is empty" if not response.content else f"is not valid JSON ({exc})"
            raise self._bad_body(method, path, response, f"the body {problem}") from None
        shape = _document_shape_problem(data)
        if shape is not None:
            raise self._bad_body(
                method, path, response, f"the body is not a partials document: {shape}"
            )
        assert isinstance(data, dict)
        return data

    def _bad_body(
        self, method: str, path: str, response: httpx.Response, problem: str
    ) -> TransportError:
        return TransportError(
            f"{self.tenant}: {method} {path} answered {response.status_code} but "
            f"{self._redact(problem)}",
            hint=bad_body_hint(method),
        )

    # ------------------------------------------------------------------ token

    def _auth(self) -> BearerAuth:
        return BearerAuth(self._access_token())

    def _access_token(self) -> Secret:
        with self._token_lock:
            return self._access_token_locked()

    def _access_token_locked(self) -> Secret:
        creds = self._credentials
        if creds.kind == "token":
            if self._token is None:
                self._token = _CachedToken(
                    self._read_env(creds.token_env, "Management API token"), None
                )
            return self._token.token
        cached = self._token
        if cached is not None and (
            cached.expires_at is None or self._clock() < cached.expires_at - self._refresh_margin
        ):
            return cached.token
        self._token = self._request_token()
        return self._token.token

    def _read_env(self, variable: str | None, what: str) -> Secret:
        if not variable:
            raise Auth0PartialsError(
                f"{self.tenant}: the credentials name no environment variable for the {what}",
                hint="set it in the tenant file's `credentials` as ${VARIABLE}",
            )
        value = self._environ.get(variable)
        if not value:
            raise Auth0PartialsError(
                f"{self.tenant}: environment variable {variable} is not set (it should hold the "
                f"{what})",
                hint=f"export {variable} before running (in CI: add it as a secret)",
            )
        self._redactor.remember(value)
        return Secret(value)

    def _request_token(self) -> _CachedToken:
        creds = self._credentials
        client_id = self._read_env(creds.client_id_env, "client id")
        client_secret = self._read_env(creds.client_secret_env, "client secret")
        path = f"{self._base_path}/oauth/token"
        form = SecretForm(
            grant_type="client_credentials",
            client_id=client_id.reveal(),
            client_secret=client_secret.reveal(),
            audience=self.audience,
        )
        started = self._clock()
        outcome = self._send("POST", path, data=form)
        if not outcome.response.is_success:
            raise self._token_error(path, outcome)
        try:
            data: Any = json.loads(outcome.response.content)
        except ValueError:
            data = None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise TransportError(
                f"{self.tenant}: POST {path} answered {outcome.response.status_code} without an "
                "access_token",
                hint="check that the domain points at the tenant's Auth0 login endpoint",
            )
        self._redactor.remember(token)
        expires_in = data.get("expires_in")
        expires_at = None
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
            expires_at = started + float(expires_in)
        return _CachedToken(Secret(token), expires_at)

    # ------------------------------------------------------------------ transport and retries

    def _send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        bucket: TokenBucket | None = None,
    ) -> _Outcome:
        """Send with retries; return the last answer, raise TransportError if none came.

        PUT is retried like GET, on transport errors too: it replaces the whole document, so
        sending the same document twice leaves the same state (idempotent).
        """
        url = self._origin + path
        attempt = 0
        while True:
            attempt += 1
            if bucket is not None:
                self._acquire(bucket, method, path)
            started = self._clock()
            try:
                response = self._http.request(
                    method, url, content=content, data=data, headers=headers, auth=auth
                )
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                self._record(method, path, None, started)
                error = self._transport_error(method, path, exc, attempt)
                if not _retryable_exception(exc) or attempt >= self._retry.max_attempts:
                    raise error from None
                delay = self._retry.backoff(attempt, self._random)
                if self._past_deadline(delay):
                    error.message += " (the run deadline leaves no time to retry)"
                    raise error from None
                self._pause(method, path, attempt, delay)
                continue
            self._record(method, path, response.status_code, started)
            now_epoch = self._now_epoch(response)
            if bucket is not None:
                remaining = _header_int(response, "x-ratelimit-remaining")
                reset = _header_float(response, "x-ratelimit-reset")
                bucket.observe(remaining, reset, now_epoch)
            status = response.status_code
            if status == 429:
                with self._stats_lock:
                    self.stats.rate_limited += 1
            if status not in RETRYABLE_STATUSES:
                return _Outcome(response)
            delay, asked = self._retry_delay(response, attempt, now_epoch, bucket)
            if status == 429 and bucket is not None:
                # The server's bucket is empty: no local token until the retry is due.
                bucket.observe(0, now_epoch + delay, now_epoch)
            if asked and delay > self._retry.max_retry_after:
                return _Outcome(response, f"Auth0 asks to wait {delay:.0f} s", delay)
            if attempt >= self._retry.max_attempts:
                return _Outcome(response, f"gave up after {attempt} attempts", delay)
            if self._past_deadline(delay):
                return _Outcome(
                    response, f"the run deadline leaves no time to wait {delay:.1f} s", delay
                )
            self._pause(method, path, attempt, delay)

    def _acquire(self, bucket: TokenBucket, method: str, path: str) -> None:
        try:
            waited = bucket.acquire(self.deadline)
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
        self,
        response: httpx.Response,
        attempt: int,
        now_epoch: float,
        bucket: TokenBucket | None = None,
    ) -> tuple[float, bool]:
        """(seconds, asked by the server): Retry-After, then x-ratelimit-reset, then backoff.

        ``x-ratelimit-reset`` may name the moment the bucket is full again rather than the
        next token; a continuously refilling partials bucket has a token by one refill
        interval, so the wait is capped there (a stricter server answers 429 again).
        """
        retry_after = parse_retry_after(response.headers.get("retry-after"), now_epoch)
        if retry_after is not None:
            return retry_after, True
        if response.status_code == 429:
            reset = _header_float(response, "x-ratelimit-reset")
            if reset is not None and reset - now_epoch > 0:
                wait = reset - now_epoch
                if bucket is not None and not bucket.unlimited:
                    wait = min(wait, 1.0 / bucket.refill_per_second)
                return wait, True
        return self._retry.backoff(attempt, self._random), False

    def _past_deadline(self, delay: float) -> bool:
        return self.deadline is not None and self._clock() + delay > self.deadline

    def _pause(self, method: str, path: str, attempt: int, delay: float) -> None:
        logger.debug(
            "%s %s: retry %d/%d in %.2f s",
            method,
            path,
            attempt + 1,
            self._retry.max_attempts,
            delay,
        )
        with self._stats_lock:
            self.stats.retries += 1
        self._sleep(delay)

    def _now_epoch(self, response: httpx.Response) -> float:
        """The server's notion of now (its Date header) so clock skew does not skew waits."""
        when = _parse_http_date(response.headers.get("date", ""))
        return when.timestamp() if when is not None else self._wall_clock()

    def _record(self, method: str, path: str, status: int | None, started: float) -> None:
        with self._stats_lock:
            if path.endswith("/oauth/token"):
                self.stats.token_requests += 1
            elif method == "GET":
                self.stats.partials_gets += 1
            elif method == "PUT":
                self.stats.partials_puts += 1
            self.stats.log.append(RequestRecord(method, path, status))
        elapsed_ms = (self._clock() - started) * 1000.0
        logger.debug("%s %s -> %s (%.0f ms)", method, path, status or "no answer", elapsed_ms)

    # ------------------------------------------------------------------ errors

    def _redact(self, text: str) -> str:
        return self._redactor.redact(text)

    def _transport_error(
        self, method: str, path: str, exc: Exception, attempt: int
    ) -> TransportError:
        detail = self._redact(str(exc)) or "no detail"
        tries = f" after {attempt} attempts" if attempt > 1 else ""
        return TransportError(
            f"{self.tenant}: {method} {path} failed{tries}: {type(exc).__name__}: {detail}",
            hint=transport_hint(exc, method, self._timeout),
        )

    def _api_error(self, method: str, path: str, prompt: str, outcome: _Outcome) -> ApiError:
        response = outcome.response
        body = error_body(response)
        status = response.status_code
        message = self._redact(body.message or response.reason_phrase or f"HTTP {status}")
        if outcome.gave_up:
            message += f" ({outcome.gave_up})"
        hint: str | None
        if status == 401:
            hint = unauthorized_hint(self._credentials, self.audience)
        elif status in (301, 302, 303, 307, 308):
            hint = redirect_hint(response)
        else:
            hint = api_hint(
                status, body.error_code, message, method=method, prompt=prompt, wait=outcome.wait
            )
        cls = RateLimitError if status == 429 else ApiError
        return cls(
            message,
            status=status,
            method=method,
            path=path,
            error_code=body.error_code,
            tenant=self.tenant,
            hint=hint,
        )

    def _token_error(self, path: str, outcome: _Outcome) -> ApiError:
        response = outcome.response
        body = error_body(response)
        status = response.status_code
        message = self._redact(body.message or response.reason_phrase or f"HTTP {status}")
        if outcome.gave_up:
            message += f" ({outcome.gave_up})"
        hint = token_hint(status, path, self._credentials, self.audience)
        cls = RateLimitError if status == 429 else ApiError
        return cls(
            f"cannot get a Management API token: {message}",
            status=status,
            method="POST",
            path=path,
            error_code=body.error_code,
            tenant=self.tenant,
            hint=hint,
        )
