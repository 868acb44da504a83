"""The Auth0 Management API client for prompt partials: the only module that speaks HTTP.

``ManagementClient.get_partials`` / ``put_partials`` read and replace one prompt's document.
Around them:

* **Token**: client credentials (``POST /oauth/token``) cached until shortly before expiry, or a
  pre-issued token from an environment variable. Secrets are read at first use and held in
  ``_Secret`` wrappers; they never reach an exception, a log line, ``repr()`` or ``stats``.
* **Budget**: a token from the tenant's ``PartialsBudget`` before every partials request (never
  for the token request), synced from the ``x-ratelimit-*`` headers of every answer.
* **Retries**: 408, 429, 500, 502, 503, 504 and transport errors, waiting ``Retry-After`` first,
  then ``x-ratelimit-reset`` (429 only), else capped exponential backoff with full jitter, and
  never past the run deadline.
* **Errors**: every failure is an ``Auth0PartialsError`` with a hint; httpx types stay here.
  A failed or partial read raises: it is never returned as a document, so it never leads to a
  write.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import json
import logging
import math
import os
import random as random_module
import re
import ssl
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, NamedTuple
from urllib.parse import quote, urlsplit

import httpx

from reconciler import __version__
from reconciler.errors import (
    ApiError,
    Auth0PartialsError,
    ConfigError,
    RateLimitError,
    TransportError,
)
from reconciler.model import Credentials, PromptDocument
from reconciler.ratelimit import BudgetExhausted, PartialsBudget, TokenBucket

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
PARTIALS_RATE_NOTE: Final = (
    "Auth0 allows 5 reads and 5 writes of prompt partials per minute per tenant"
)
_HOST_RE: Final = re.compile(
    r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$"
)
_REDACTED: Final = "[redacted]"
#: Token-shaped text is scrubbed from server messages even when it is not a token we know.
_TOKEN_LIKE_RE: Final = re.compile(
    r"(?i:bearer)\s+\S+|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"
)


# --------------------------------------------------------------------------- endpoints


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8, ``::1`` (and ::ffff:127.x); brackets allowed."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name.rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _domain_error(domain: str, problem: str, hint: str) -> ConfigError:
    return ConfigError(f"domain {domain!r}: {problem}", hint=hint)


def endpoint_base(domain: str) -> str:
    """The base URL for a tenant file's ``domain``: ``host[:port][/path]``, https implied.

    An explicit ``https://`` is accepted; ``http://`` only for loopback hosts (the emulator).
    A path suffix is kept (the emulator serves tenants under ``/tenants/NAME``); a trailing
    slash is dropped.
    """
    text = domain.strip()
    scheme = "https"
    if "://" in text:
        given, text = text.split("://", 1)
        scheme = given.lower()
        if scheme not in ("http", "https"):
            raise _domain_error(
                domain, f"unsupported scheme {given!r}", "write the bare host, e.g. login.acme.com"
            )
    if "@" in text.split("/", 1)[0]:
        # Do not echo it: user info in a URL is usually a credential.
        raise ConfigError(
            "a tenant domain must not contain user info (user@host)",
            hint="write the bare host, e.g. login.acme.com; credentials go under `credentials`",
        )
    parts = urlsplit("//" + text)
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise _domain_error(
            domain, "a query or fragment is not allowed", "write host[:port][/path]"
        )
    host = parts.hostname or ""
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise _domain_error(domain, "invalid port", "write host[:port][/path]") from None
    if not _valid_host(host):
        raise _domain_error(domain, "not a valid host name", "write host[:port][/path]")
    path = parts.path.rstrip("/")
    if any(ch.isspace() for ch in path):
        raise _domain_error(domain, "whitespace in the path", "write host[:port][/path]")
    if scheme == "http" and not is_loopback(host):
        raise _domain_error(
            domain,
            "plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost)",
            "drop the http:// prefix (https is implied); http is meant for the local emulator",
        )
    return f"{scheme}://{parts.netloc}{path}"


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_RE.match(host))
    return True


def tls_verify(base_url: str, verify: bool | str) -> bool | str:
    """The TLS verification actually used: always on for hosts that are not loopback.

    ``verify=False`` is honoured only for loopback hosts (a local emulator with a self-signed
    certificate); elsewhere it is ignored with a warning. A CA bundle path keeps verification on,
    so it is accepted for any host.
    """
    host = urlsplit(base_url).hostname or ""
    if verify is False and not is_loopback(host):
        logger.warning("TLS verification cannot be disabled for %s; it stays on", host)
        return True
    return verify


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """One verifying context for every client: building one costs tens of milliseconds, which
    adds up over hundreds of tenants. The same context httpx builds by default."""
    return httpx.create_ssl_context()


def _ssl_setting(verify: bool | str) -> bool | ssl.SSLContext:
    """httpx 0.28 deprecates CA paths as strings: build the context ourselves."""
    if verify is True:
        return _default_ssl_context()
    if not isinstance(verify, str):
        return verify
    try:
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load the CA bundle {verify!r}: {exc}",
            hint="pass the path of a PEM file holding the CA certificate(s)",
        ) from None


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


class _Secret:
    """A secret string that does not show itself in repr(), str() or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


class _SecretForm(dict[str, str]):
    """The token request's form: a dict that hides its values from repr() (and tracebacks)."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{key!r}: <secret>" for key in self) + "}"

    __str__ = __repr__


class _Environ(Mapping[str, str]):
    """Where secrets come from; repr() does not list the environment."""

    def __init__(self, source: Mapping[str, str]) -> None:
        self._source = source

    def __getitem__(self, key: str) -> str:
        return self._source[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __repr__(self) -> str:
        return "<environ>"


class _BearerAuth(httpx.Auth):
    """Sets the Authorization header at send time, so it sits in no logged structure."""

    def __init__(self, token: _Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(<secret>)"


@dataclass(frozen=True)
class _CachedToken:
    token: _Secret
    expires_at: float | None  # on the client's monotonic clock; None: until a 401


@dataclass(frozen=True)
class _Outcome:
    """The last answer of a request after retries; ``gave_up`` says why retrying stopped."""

    response: httpx.Response
    gave_up: str | None = None
    wait: float | None = None  # what the next retry would have waited


@dataclass(frozen=True)
class _ErrorBody:
    message: str | None
    error_code: str | None


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


def _error_body(response: httpx.Response) -> _ErrorBody:
    """Auth0's ``{statusCode, error, message, errorCode}`` or OAuth's ``{error, ...}``."""
    try:
        data: Any = json.loads(response.content)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        text = response.content[:200].decode("utf-8", "replace").strip()
        return _ErrorBody(text or None, None)

    def text_of(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    # Auth0's API puts the reason phrase in "error"; OAuth (/oauth/token) puts the code there.
    code = text_of("errorCode") or (None if "statusCode" in data else text_of("error"))
    message = text_of("message") or text_of("error_description") or text_of("error")
    return _ErrorBody(message, code)


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
    if isinstance(exc, httpx.UnsupportedProtocol) or _is_tls_failure(exc):
        return False
    return isinstance(exc, httpx.TransportError)


def _is_tls_failure(exc: Exception) -> bool:
    return "CERTIFICATE_VERIFY_FAILED" in str(exc) or isinstance(exc, ssl.SSLError)


def _transport_hint(exc: Exception, method: str, timeout: float) -> str:
    if _is_tls_failure(exc):
        hint = "TLS verification failed: check the domain, or pass the CA bundle of a proxy"
    elif isinstance(exc, httpx.TimeoutException):
        hint = f"no answer within {timeout:g} s: Auth0 or the network is slow; rerun later"
    elif isinstance(exc, httpx.ConnectError):
        hint = "could not connect: check the tenant's domain, DNS, network and proxy settings"
    elif isinstance(exc, httpx.ProxyError):
        hint = "the HTTP proxy failed: check HTTPS_PROXY / NO_PROXY"
    else:
        hint = "the connection broke before a complete answer arrived; rerun"
    if method == "PUT":
        hint += "; the PUT may or may not have been applied: run plan to see the live state"
    elif method == "GET":
        hint += " (nothing was read, so nothing was written)"
    return hint


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
        self.audience = credentials.audience or f"https://{split.netloc}{split.path}/api/v2/"
        self.tls_verify = tls_verify(self.base_url, verify)
        self.stats = ClientStats()
        self.deadline = deadline
        self._credentials = credentials
        self._environ = _Environ(os.environ if environ is None else environ)
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
        self._secrets: list[_Secret] = []  # longest first, for redaction
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            verify=_ssl_setting(self.tls_verify),
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
            method, path, content=content, headers=headers, auth=_BearerAuth(refused), bucket=bucket
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
        status = response.status_code
        if method == "PUT":
            hint = (
                "the PUT was answered, so it was probably applied: run plan to see the live state"
            )
        else:
            hint = (
                "a truncated answer or a proxy page? Nothing was read, so nothing will be "
                "written; rerun"
            )
        return TransportError(
            f"{self.tenant}: {method} {path} answered {status} but {self._redact(problem)}",
            hint=hint,
        )

    # ------------------------------------------------------------------ token

    def _auth(self) -> _BearerAuth:
        return _BearerAuth(self._access_token())

    def _access_token(self) -> _Secret:
        with self._token_lock:
            return self._access_token_locked()

    def _access_token_locked(self) -> _Secret:
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

    def _read_env(self, variable: str | None, what: str) -> _Secret:
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
        self._remember_secret(value)
        return _Secret(value)

    def _remember_secret(self, value: str) -> None:
        if value and all(value != known.reveal() for known in self._secrets):
            self._secrets.append(_Secret(value))
            self._secrets.sort(key=lambda secret: len(secret.reveal()), reverse=True)

    def _request_token(self) -> _CachedToken:
        creds = self._credentials
        client_id = self._read_env(creds.client_id_env, "client id")
        client_secret = self._read_env(creds.client_secret_env, "client secret")
        path = f"{self._base_path}/oauth/token"
        form = _SecretForm(
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
        self._remember_secret(token)
        expires_in = data.get("expires_in")
        expires_at = None
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
            expires_at = started + float(expires_in)
        return _CachedToken(_Secret(token), expires_at)

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
        for secret in self._secrets:
            text = text.replace(secret.reveal(), _REDACTED)
        return _TOKEN_LIKE_RE.sub(_REDACTED, text)

    def _transport_error(
        self, method: str, path: str, exc: Exception, attempt: int
    ) -> TransportError:
        detail = self._redact(str(exc)) or "no detail"
        tries = f" after {attempt} attempts" if attempt > 1 else ""
        return TransportError(
            f"{self.tenant}: {method} {path} failed{tries}: {type(exc).__name__}: {detail}",
            hint=_transport_hint(exc, method, self._timeout),
        )

    def _api_error(self, method: str, path: str, prompt: str, outcome: _Outcome) -> ApiError:
        response = outcome.response
        body = _error_body(response)
        status = response.status_code
        message = self._redact(body.message or response.reason_phrase or f"HTTP {status}")
        if outcome.gave_up:
            message += f" ({outcome.gave_up})"
        hint: str | None
        if status == 401:
            hint = self._unauthorized_hint()
        elif status in (301, 302, 303, 307, 308):
            hint = self._redirect_hint(response)
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

    def _unauthorized_hint(self) -> str:
        creds = self._credentials
        if creds.kind == "token":
            return (
                f"the token in ${creds.token_env} was rejected: it may have expired or belong "
                "to another tenant or audience; issue a new Management API token"
            )
        return (
            "a freshly issued token was rejected too: check that the client in "
            f"${creds.client_id_env} / ${creds.client_secret_env} belongs to this tenant, the "
            f"audience ({self.audience}) and the token expiry"
        )

    def _redirect_hint(self, response: httpx.Response) -> str:
        target = urlsplit(response.headers.get("location", "")).hostname
        where = f" to {target}" if target else ""
        return f"the domain redirects{where}: set `domain` to the host that serves the API"

    def _token_error(self, path: str, outcome: _Outcome) -> ApiError:
        response = outcome.response
        body = _error_body(response)
        status = response.status_code
        message = self._redact(body.message or response.reason_phrase or f"HTTP {status}")
        if outcome.gave_up:
            message += f" ({outcome.gave_up})"
        creds = self._credentials
        if status in (400, 401):
            hint = (
                f"check the client id and secret in ${creds.client_id_env} and "
                f"${creds.client_secret_env} (a Machine to Machine application of this tenant)"
                f" and the audience {self.audience}"
            )
        elif status == 403:
            hint = (
                "authorize the Machine to Machine application for the Auth0 Management API "
                f"(audience {self.audience}) with the scopes read:prompts and update:prompts"
            )
        elif status == 404:
            hint = f"nothing serves {path}: check the tenant's domain"
        elif status == 429:
            hint = "the token endpoint's rate limit is exhausted: wait a minute and rerun"
        elif status >= 500:
            hint = "Auth0 had a server error issuing the token; check status.auth0.com and rerun"
        else:
            hint = "see the message; check the tenant's domain and credentials"
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


def _rate_limit_hint(wait: float | None) -> str:
    when = f"wait {math.ceil(wait)} s" if wait is not None and wait > 0 else "wait a minute"
    return f"{PARTIALS_RATE_NOTE}: {when} and rerun"


def api_hint(
    status: int,
    error_code: str | None,
    message: str,
    *,
    method: str,
    prompt: str,
    wait: float | None = None,
) -> str | None:
    """The next step for an error answer of the partials endpoints (401 and 3xx aside)."""
    lowered = message.lower()
    if "custom domain" in lowered:
        return (
            "prompt partials need a custom domain on the tenant: add one under Branding > "
            "Custom Domains (one pending verification is enough), then rerun"
        )
    if status == 400:
        if method == "GET" or "invalid value" in lowered:
            return (
                f"Auth0 does not know the prompt {prompt!r} on this tenant: check its spelling, "
                "or whether it is an early-access prompt (e.g. passkeys) this tenant lacks"
            )
        return (
            "Auth0 rejected the document: check the screen and insertion point names of this "
            "prompt and the 10,000-character limit per partial"
        )
    if status == 403:
        if error_code == "insufficient_scope":
            scope = "read:prompts" if method == "GET" else "update:prompts"
            return (
                f"grant the scope {scope} to the Machine to Machine application on the Auth0 "
                "Management API (read:prompts for plan and drift, update:prompts for apply), "
                "then rerun so a new token carries it"
            )
        return (
            "the tenant refused: check that its plan includes prompt partials and the Universal "
            "Login prerequisites (custom domain, custom page template, Customize Login Page off)"
        )
    if status == 404:
        return (
            "nothing answers at this path: check the tenant's `domain` (Auth0 answers 200 {} for "
            "a prompt without partials, so a 404 means a wrong host or path)"
        )
    if status == 408:
        return "Auth0 timed out the request even after retries; rerun later"
    if status == 429:
        return _rate_limit_hint(wait)
    if status >= 500:
        return (
            "Auth0 answered with a server error even after retries; check status.auth0.com and "
            "rerun later (a failed read never leads to a write)"
        )
    return None
