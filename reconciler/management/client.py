"""The Auth0 Management API client of one tenant.

``ManagementClient.get_document`` / ``put_document`` read and replace one document (a prompt's
partials, or its custom text in one language); ``get_json`` reads the other endpoints the checks
need. Around them:

* **Token**: client credentials (``POST /oauth/token``) cached until shortly before expiry, or a
  pre-issued token from an environment variable. Secrets are read at first use and held in
  ``Secret`` wrappers (``secrets``); they never reach an exception, a log line, ``repr()`` or
  ``stats``. A 401 refreshes the token once.
* **Budget**: partials requests take a token from the tenant's ``PartialsBudget`` (Auth0's
  5-per-minute buckets); other endpoints sit on Auth0's much larger global bucket, where a 429
  is retried.
* **Sending**: ``transport.Sender``: bounded answers, retries, waits, write outcomes.
* **Errors**: every failure is an ``Auth0PartialsError`` with a hint (``api_errors``). A failed
  or partial read raises: it is never returned as a document, so it never leads to a write.

The tenant's ``domain`` becomes a base URL and TLS verification is decided in ``endpoint``.
Proxies from the environment are never used for plain-http loopback endpoints (the emulator).
"""

from __future__ import annotations

import json
import logging
import os
import random as random_module
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from reconciler.documents import Document, DocumentKey, content_problem
from reconciler.domains import endpoint_base, is_loopback
from reconciler.errors import ApiError, Auth0PartialsError, RateLimitError, TransportError
from reconciler.management.api_errors import (
    api_hint,
    bad_body_hint,
    error_body,
    redirect_hint,
    token_hint,
    unauthorized_hint,
)
from reconciler.management.endpoint import ssl_setting, tls_verify
from reconciler.management.ratelimit import BudgetBucket, PartialsBudget
from reconciler.management.secrets import BearerAuth, Environ, Redactor, Secret, SecretForm
from reconciler.management.transport import (
    DEFAULT_RETRY,
    MAX_BODY_BYTES,
    Answer,
    ClientStats,
    ConnectionPools,
    Outcome,
    RetryPolicy,
    Sender,
    Wait,
)
from reconciler.model import Credentials
from reconciler.version import __version__

__all__ = ["ManagementClient"]

logger = logging.getLogger("reconciler.management")


@dataclass(frozen=True)
class _CachedToken:
    token: Secret
    expires_at: float | None  # on the client's monotonic clock; None: until a 401


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


class ManagementClient:
    """Reads and replaces documents of one tenant. Use as a context manager.

    ``deadline`` is an absolute time on ``clock`` (default ``time.monotonic``) for the whole run:
    no budget wait or retry sleep goes past it. ``wall_clock`` (UNIX seconds) turns
    ``x-ratelimit-reset`` and ``Retry-After`` dates into waits when an answer has no ``Date``.
    Thread-safe: a tenant's documents may be read concurrently; one token request serves all.
    ``pools`` (a run's ``ConnectionPools``) shares connections with the run's other clients of
    the same host; without it the client has its own.
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
        retry: RetryPolicy = DEFAULT_RETRY,
        timeout: float = 30.0,
        verify: bool | str = True,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        random: random_module.Random | None = None,
        token_refresh_margin: float = 60.0,
        on_wait: Callable[[Wait], None] | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        pools: ConnectionPools | None = None,
    ) -> None:
        self.tenant = tenant
        self.base_url = endpoint_base(domain)
        split = urlsplit(self.base_url)
        self._origin = f"{split.scheme}://{split.netloc}"
        self._base_path = split.path
        self.audience = credentials.audience or f"{self.base_url}/api/v2/"
        self.tls_verify = tls_verify(self.base_url, verify)
        self._credentials = credentials
        self._environ = Environ(os.environ if environ is None else environ)
        self._budget = budget if budget is not None else PartialsBudget(clock=clock, sleep=sleep)
        self._clock = clock
        self._refresh_margin = token_refresh_margin
        self._token: _CachedToken | None = None
        self._token_lock = threading.Lock()
        self._redactor = Redactor()
        verify_setting = ssl_setting(self.tls_verify) if split.scheme == "https" else False
        if transport is None and pools is not None:
            transport = pools.transport(self._origin, verify_setting)
        http = httpx.Client(
            transport=transport,
            timeout=timeout,
            verify=verify_setting,
            follow_redirects=False,  # a redirect must not carry the token to another host
            # Environment proxies (and .netrc) never apply to a plain-http loopback endpoint:
            # they would see the client secret and the token in clear text.
            trust_env=not (split.scheme == "http" and is_loopback(split.hostname or "")),
            headers={"User-Agent": f"auth0-partials/{__version__}", "Accept": "application/json"},
        )
        self._sender = Sender(
            tenant=tenant,
            http=http,
            redactor=self._redactor,
            timeout=timeout,
            retry=retry,
            deadline=deadline,
            clock=clock,
            sleep=sleep,
            wall_clock=wall_clock,
            random=random if random is not None else random_module.Random(),
            on_wait=on_wait,
            max_body_bytes=max_body_bytes,
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
        self._sender.http.close()

    @property
    def stats(self) -> ClientStats:
        return self._sender.stats

    # ------------------------------------------------------------------ public calls

    def get_document(self, key: DocumentKey) -> Document:
        """The document's live content (``{}`` when nothing is set). Raises rather than guess."""
        path = self._document_path(key)
        answer = self._api_call("GET", path, str(key), kind="read", bucket=self._bucket(key, "GET"))
        return Document.from_json(key, self._document_body(answer, "GET", path))

    def put_document(self, document: Document) -> Document:
        """Replace the whole document; returns the document Auth0 echoed."""
        key = document.key
        path = self._document_path(key)
        body = json.dumps(document.to_json(), ensure_ascii=False).encode("utf-8")
        answer = self._api_call(
            "PUT", path, str(key), kind="write", bucket=self._bucket(key, "PUT"), content=body
        )
        return Document.from_json(key, self._document_body(answer, "PUT", path))

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> object:
        """``GET /api/v2/{path}`` of a read-only endpoint, parsed (for the checks)."""
        full = f"{self._base_path}/api/v2/{path.lstrip('/')}"
        answer = self._api_call("GET", full, path, kind="other", params=params)
        try:
            return json.loads(answer.content)
        except ValueError:
            raise self._bad_body("GET", full, answer, "the body is not valid JSON") from None

    # ------------------------------------------------------------------ requests

    def _document_path(self, key: DocumentKey) -> str:
        if not key.prompt:
            raise ValueError("prompt name must not be empty")
        prompt = quote(key.prompt, safe="")
        if key.kind == "partials":
            return f"{self._base_path}/api/v2/prompts/{prompt}/partials"
        language = quote(key.language or "", safe="")
        return f"{self._base_path}/api/v2/prompts/{prompt}/custom-text/{language}"

    def _bucket(self, key: DocumentKey, method: str) -> BudgetBucket | None:
        """Partials have their own buckets; custom text lives on the global one alone."""
        return self._budget.for_method(method) if key.kind == "partials" else None

    def _api_call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        kind: str,
        bucket: BudgetBucket | None = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Answer:
        headers = {"Content-Type": "application/json"} if content is not None else None

        def send(auth: httpx.Auth) -> Outcome:
            request = self._sender.http.build_request(
                method, self._origin + path, content=content, headers=headers, params=params
            )
            return self._sender.send(
                request,
                kind=kind,
                auth=auth,
                bucket=bucket,
                management=self._budget.management,
                what=what,
            )

        refused = self._access_token()
        outcome = send(BearerAuth(refused))
        if outcome.answer.status == 401 and self._credentials.kind == "client_credentials":
            logger.debug("%s %s: 401, refreshing the token once", method, path)
            with self._token_lock:
                # Another request in flight may have replaced the token already: drop only the
                # token that was refused, so concurrent 401s cost one token request in all.
                if self._token is not None and self._token.token is refused:
                    self._token = None
            outcome = send(BearerAuth(self._access_token()))
        if outcome.answer.is_success:
            return outcome.answer
        raise self._api_error(method, path, what, outcome)

    def _document_body(self, answer: Answer, method: str, path: str) -> dict[str, Any]:
        """The body as ``{screen: {slot: text}}``, or TransportError: never a guess."""
        try:
            data = json.loads(answer.content, object_pairs_hook=_reject_duplicates)
        except ValueError as exc:
            problem = "is empty" if not answer.content else f"is not valid JSON ({exc})"
            raise self._bad_body(method, path, answer, f"the body {problem}") from None
        shape = content_problem(data)
        if shape is not None:
            raise self._bad_body(method, path, answer, f"the body is not a document: {shape}")
        assert isinstance(data, dict)
        return data

    def _bad_body(self, method: str, path: str, answer: Answer, problem: str) -> TransportError:
        return TransportError(
            f"{self.tenant}: {method} {path} answered {answer.status} but "
            f"{self._redactor.redact(problem)}",
            hint=bad_body_hint(method),
        )

    # ------------------------------------------------------------------ token

    def authenticate(self) -> None:
        """Get the token now, unless one is cached (a pre-issued token costs no request): the
        requests that follow can then go at once, and bad credentials fail once, here."""
        self._access_token()

    def _access_token(self) -> Secret:
        with self._token_lock:
            creds = self._credentials
            if creds.kind == "token":
                if self._token is None:
                    self._token = _CachedToken(
                        self._read_env(creds.token_env, "Management API token"), None
                    )
                return self._token.token
            cached = self._token
            if cached is not None and (
                cached.expires_at is None
                or self._clock() < cached.expires_at - self._refresh_margin
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
        request = self._sender.http.build_request("POST", self._origin + path, data=form)
        outcome = self._sender.send(request, kind="token", what="token")
        if not outcome.answer.is_success:
            raise self._token_error(path, outcome)
        try:
            data: Any = json.loads(outcome.answer.content)
        except ValueError:
            data = None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise TransportError(
                f"{self.tenant}: POST {path} answered {outcome.answer.status} without an "
                "access_token",
                hint="check that the domain is the tenant's Auth0 domain",
            )
        self._redactor.remember(token)
        expires_in = data.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
            expires_at = started + float(expires_in)
        return _CachedToken(Secret(token), expires_at)

    # ------------------------------------------------------------------ errors

    def _api_error(self, method: str, path: str, what: str, outcome: Outcome) -> ApiError:
        answer = outcome.answer
        body = error_body(answer.content)
        status = answer.status
        message = self._redactor.redact(body.message or answer.reason or f"HTTP {status}")
        if outcome.gave_up:
            message += f" ({outcome.gave_up})"
        hint: str | None
        if status == 401:
            hint = unauthorized_hint(self._credentials, self.audience)
        elif status in (301, 302, 303, 307, 308):
            hint = redirect_hint(answer.headers.get("location", ""))
        else:
            hint = api_hint(
                status, body.error_code, message, method=method, what=what, wait=outcome.wait
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

    def _token_error(self, path: str, outcome: Outcome) -> ApiError:
        answer = outcome.answer
        body = error_body(answer.content)
        status = answer.status
        message = self._redactor.redact(body.message or answer.reason or f"HTTP {status}")
        if outcome.gave_up:
            message += f" ({outcome.gave_up})"
        cls = RateLimitError if status == 429 else ApiError
        return cls(
            f"cannot get a Management API token: {message}",
            status=status,
            method="POST",
            path=path,
            error_code=body.error_code,
            tenant=self.tenant,
            hint=token_hint(status, path, self._credentials, self.audience, message),
        )
