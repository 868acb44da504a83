"""The emulator's behaviour, free of sockets: one request in, one :class:`Reply` out.

Routes (for the default tenant at the root, and for any tenant under ``/tenants/{name}``,
created on first use; names match ``[a-z0-9][a-z0-9._-]*``):

- ``POST /oauth/token``: client credentials, form-encoded or JSON.
- ``GET`` / ``PUT /api/v2/prompts/{prompt}/partials``.

Admin endpoints (JSON, root only, not logged, not rate limited):

- ``GET /__emulator/requests`` (the request log), ``DELETE /__emulator/requests``
- ``GET /__emulator/state`` (the state file's format)
- ``GET`` / ``PUT /__emulator/tenants/{tenant}/prompts/{prompt}`` (read / out-of-band change)
- ``GET`` / ``POST`` / ``DELETE /__emulator/faults`` (POST replaces the set with a JSON list)

A partials request goes through, in order: latency faults; ``status``/``timeout``/``reset``
faults; ``latency_seconds``; authentication (401) and scope (403); the rate limit (429);
the prompt's existence (400, Auth0's recorded path validation error: the recordings show a 429
winning over it); the body (400); then the answer, which ``truncated``/``invalid_json`` faults
may spoil and after which a ``concurrent_writer`` fault may change the stored document.
Every answer of a partials endpoint carries the ``x-ratelimit-*`` headers.

[gap] ``/oauth/token`` refusals, in the Authentication API's OAuth shape
(``{"error", "error_description"}``): a body that is neither form-encoded nor JSON, or no
``grant_type``: 400 ``invalid_request``; another grant type: 400 ``unsupported_grant_type``;
missing, unknown or wrong client credentials: 401 ``access_denied`` "Unauthorized"; an
``audience`` that is not a ``.../api/v2/`` URL: 403 ``access_denied`` "Service not enabled
within domain: <audience>". Any audience ending in ``/api/v2/`` is accepted.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, unquote

from reconciler.emulator.documents import (
    Document,
    DocumentError,
    check_shape,
    parse_json,
    path_validation_message,
    prompt_available,
    validate_put,
)
from reconciler.emulator.faults import DEFAULT_RETRY_AFTER, Fault, FaultContext, FaultSet
from reconciler.emulator.limits import Bucket, RateLimiter, RateLimitSnapshot
from reconciler.emulator.options import EmulatorOptions
from reconciler.emulator.responses import (
    Headers,
    Reply,
    auth0_error,
    auth0_error_body,
    json_reply,
    not_found,
    oauth_error,
    reason,
)
from reconciler.emulator.seed import seed_documents
from reconciler.emulator.store import TenantStore
from reconciler.emulator.tokens import (
    DEFAULT_SCOPES,
    EXPIRED_TOKEN,
    MISSING_AUTHENTICATION,
    AccessToken,
    AuthFailure,
    TokenIssuer,
)

logger = logging.getLogger("reconciler.emulator")

DEFAULT_TENANT = "default"
TENANT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")

_TENANT_PREFIX = re.compile(r"^/tenants/(?P<tenant>[^/]+)(?P<rest>/.*)?$")
_PARTIALS = re.compile(r"^/api/v2/prompts/(?P<prompt>[^/]+)/partials$")
_ADMIN_PROMPT = re.compile(r"^/__emulator/tenants/(?P<tenant>[^/]+)/prompts/(?P<prompt>[^/]+)$")

_RATE_LIMITED = "Endpoint limit has been reached"
_SCOPE_FOR: dict[str, str] = {"GET": "read:prompts", "PUT": "update:prompts"}
_NOT_JSON_BODY = b"<html><body><h1>502 Bad Gateway</h1>upstream answered garbage</body></html>"


@dataclass(frozen=True)
class IncomingRequest:
    """One HTTP request as the socket layer hands it over. ``headers`` keys are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class LoggedRequest:
    """One token or partials request. ``path`` is Auth0's path, without ``/tenants/{name}``;
    ``status`` is 0 when no answer was sent (``reset`` and ``timeout`` faults). No headers,
    bodies or tokens are kept."""

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


def _error_code(status: int) -> str:
    return reason(status).lower().replace(" ", "_").replace("-", "_")


class Emulator:
    """Tenants, tokens, rate limits, faults and the request log behind one ``handle``."""

    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.store = TenantStore(options.state_file, seed_documents if options.seed else None)
        self.limiter = RateLimiter(
            options.rate_limits,
            options.clock,
            burst=options.rate_limit_burst,
            refill_per_minute=options.rate_limit_per_minute,
        )
        self.tokens = TokenIssuer()
        self.faults = FaultSet(options.faults, random.Random(options.fault_seed))
        self._log: deque[LoggedRequest] = deque(maxlen=options.request_log_limit)
        self._log_lock = threading.Lock()

    # -- the request log ---------------------------------------------------------------------

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> int:
        with self._log_lock:
            count = len(self._log)
            self._log.clear()
            return count

    def _record(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self._log.append(entry)

    # -- out-of-band access ------------------------------------------------------------------

    def get_document(self, tenant: str, prompt: str) -> Document:
        return self.store.get(tenant, prompt)

    def set_document(self, tenant: str, prompt: str, document: object) -> Document:
        """Store ``document`` as if someone edited the tenant by hand: no checks beyond shape."""
        try:
            return self.store.put(tenant, prompt, check_shape(document))
        except DocumentError as exc:
            raise ValueError(exc.message) from exc

    # -- routing -----------------------------------------------------------------------------

    def handle(self, request: IncomingRequest) -> Reply:
        try:
            return self._route(request)
        except Exception:  # never let a bug kill the connection without an answer
            logger.exception("emulator: unexpected error on %s %s", request.method, request.path)
            return auth0_error(500, "Internal Server Error", "internal_server_error")

    def _route(self, request: IncomingRequest) -> Reply:
        path = request.path
        if path == "/__emulator" or path.startswith("/__emulator/"):
            return self._admin(request)
        tenant, rest = DEFAULT_TENANT, path
        prefixed = _TENANT_PREFIX.match(path)
        if prefixed:
            tenant, rest = unquote(prefixed["tenant"]), prefixed["rest"] or "/"
            if not TENANT_NAME.fullmatch(tenant):
                return auth0_error(404, f"Unknown tenant {tenant!r}: use [a-z0-9][a-z0-9._-]*")
        if rest == "/oauth/token" and request.method == "POST":
            return self._token(tenant, rest, request)
        partials = _PARTIALS.match(rest)
        if partials and request.method in _SCOPE_FOR:
            return self._partials(tenant, unquote(partials["prompt"]), rest, request)
        return not_found()

    # -- faults ------------------------------------------------------------------------------

    def _strike_before(self, request: FaultContext) -> Reply | None:
        for fault in self.faults.take_all(frozenset({"latency"}), request):
            self.options.sleep(fault.seconds or 0.0)
        struck = self.faults.take(frozenset({"status", "timeout", "reset"}), request)
        if struck is None:
            return None
        if struck.kind == "timeout":
            return Reply(0, disposition="hold", hold_seconds=struck.hold_seconds)
        if struck.kind == "reset":
            return Reply(0, disposition="reset")
        return self._status_fault(struck, request)

    def _status_fault(self, fault: Fault, request: FaultContext) -> Reply:
        status = fault.status
        headers: Headers = ()
        if status == 429:
            wait = DEFAULT_RETRY_AFTER if fault.retry_after is None else fault.retry_after
            headers = self.limiter.exhausted(self.options.clock(), wait).headers()
            if fault.retry_after is not None:
                headers = (*headers, ("Retry-After", str(fault.retry_after)))
        message = _RATE_LIMITED if status == 429 else reason(status)
        if request.endpoint == "token":
            reply = oauth_error(status, _error_code(status), message)
            return replace(reply, headers=(*reply.headers, *headers))
        return auth0_error(status, message, _error_code(status), headers)

    def _strike_after(self, request: FaultContext, reply: Reply) -> Reply:
        if not 200 <= reply.status < 300 or reply.disposition != "send":
            return reply
        fault = self.faults.take(frozenset({"truncated", "invalid_json"}), request)
        if fault is None:
            return reply
        if fault.kind == "truncated":
            return replace(reply, disposition="truncate")
        return replace(reply, status=200, body=_NOT_JSON_BODY)

    # -- /oauth/token ------------------------------------------------------------------------

    def _token(self, tenant: str, path: str, request: IncomingRequest) -> Reply:
        self.store.ensure_tenant(tenant)
        context = FaultContext(tenant, "POST", None, "token")
        reply = self._strike_before(context)
        if reply is None:
            reply = self._strike_after(context, self._token_answer(tenant, request))
        self._record(LoggedRequest(tenant, "POST", path, reply.status, None))
        return reply

    def _token_params(self, request: IncomingRequest) -> dict[str, str] | None:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        text = request.body.decode("utf-8", errors="replace")
        if content_type == "application/json" or (
            not content_type and text.lstrip().startswith("{")
        ):
            try:
                data = parse_json(request.body)
            except DocumentError:
                return None
            if not isinstance(data, dict):
                return None
            return {k: v for k, v in data.items() if isinstance(v, str)}
        if content_type in ("", "application/x-www-form-urlencoded"):
            return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        return None

    def _token_answer(self, tenant: str, request: IncomingRequest) -> Reply:
        params = self._token_params(request)
        if params is None:
            return oauth_error(400, "invalid_request", "Invalid request body")
        grant_type = params.get("grant_type")
        if not grant_type:
            return oauth_error(400, "invalid_request", "Missing required parameter: grant_type")
        if grant_type != "client_credentials":
            return oauth_error(
                400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}"
            )
        client_id = params.get("client_id", "")
        secret = params.get("client_secret", "")
        if not client_id or not secret:
            return oauth_error(401, "access_denied", "Unauthorized")
        scopes = DEFAULT_SCOPES
        if self.options.clients is not None:
            spec = self.options.clients.get(client_id)
            if spec is None or not spec.secret_matches(secret):
                return oauth_error(401, "access_denied", "Unauthorized")
            scopes = spec.scopes
        audience = params.get("audience")
        if audience and not audience.rstrip("/").endswith("/api/v2"):
            return oauth_error(
                403, "access_denied", f"Service not enabled within domain: {audience}"
            )
        ttl = self.options.token_ttl
        token = self.tokens.issue(tenant, client_id, scopes, self.options.clock(), ttl)
        body = {
            "access_token": token,
            "expires_in": ttl,
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }
        return json_reply(200, body, (("Cache-Control", "no-store"), ("Pragma", "no-cache")))

    # -- /api/v2/prompts/{prompt}/partials ---------------------------------------------------

    def _partials(self, tenant: str, prompt: str, path: str, request: IncomingRequest) -> Reply:
        self.store.ensure_tenant(tenant)
        context = FaultContext(tenant, request.method, prompt, "partials")
        reply = self._strike_before(context)
        if reply is None:
            if self.options.latency_seconds > 0:
                self.options.sleep(self.options.latency_seconds)
            reply = self._strike_after(context, self._partials_answer(tenant, prompt, request))
            if request.method == "GET" and reply.status == 200:
                # The answer is already built: the client sees the old document, the store
                # the other writer's. Done before sending, so no test can race it.
                writer = self.faults.take(frozenset({"concurrent_writer"}), context)
                if writer is not None and writer.document is not None:
                    self.store.put(tenant, prompt, writer.document)
        self._record(LoggedRequest(tenant, request.method, path, reply.status, prompt))
        return reply

    def _unauthorized(self, message: str, limits: RateLimitSnapshot) -> Reply:
        body = auth0_error_body(401, message)
        if message != MISSING_AUTHENTICATION:
            body["attributes"] = {"error": message}
        challenge = "Bearer"
        if message != MISSING_AUTHENTICATION:
            challenge = f'Bearer error="invalid_token", error_description="{message}"'
        headers = (("WWW-Authenticate", challenge),)
        return json_reply(401, body, (*headers, *limits.headers()))

    def _authenticate(
        self, tenant: str, prompt: str, request: IncomingRequest, bucket: Bucket
    ) -> AccessToken | Reply:
        token = self.tokens.check(
            tenant, request.headers.get("authorization"), self.options.clock()
        )
        if isinstance(token, AuthFailure):
            return self._unauthorized(token.message, self.limiter.peek(tenant, bucket))
        context = FaultContext(tenant, request.method, prompt, "partials")
        used = token.uses
        if self.faults.take(
            frozenset({"token_expire_after"}), context, when=lambda f: used >= f.uses
        ):
            self.tokens.expire(token)
            return self._unauthorized(EXPIRED_TOKEN, self.limiter.peek(tenant, bucket))
        scope = _SCOPE_FOR[request.method]
        if scope not in token.scopes:
            return auth0_error(
                403,
                f"Insufficient scope, expected any of: {scope}",
                "insufficient_scope",
                self.limiter.peek(tenant, bucket).headers(),
            )
        self.tokens.record_use(token)
        return token

    def _partials_answer(self, tenant: str, prompt: str, request: IncomingRequest) -> Reply:
        bucket: Bucket = "get" if request.method == "GET" else "put"
        token = self._authenticate(tenant, prompt, request, bucket)
        if isinstance(token, Reply):
            return token
        allowed, limits = self.limiter.take(tenant, bucket)
        headers = limits.headers()
        if not allowed:
            return auth0_error(429, _RATE_LIMITED, "too_many_requests", headers)
        if not prompt_available(prompt, self.options.early_access):
            return auth0_error(400, path_validation_message(prompt), "bad_request", headers)
        if request.method == "GET":  # a GET body (Go sends "null") is ignored, as Auth0 does
            return json_reply(200, self.store.get(tenant, prompt), headers)
        try:
            document = validate_put(prompt, request.body, strict=self.options.strict_validation)
        except DocumentError as exc:
            return auth0_error(400, exc.message, exc.error_code, headers)
        return json_reply(200, self.store.put(tenant, prompt, document), headers)

    # -- /__emulator/ ------------------------------------------------------------------------

    def _admin(self, request: IncomingRequest) -> Reply:
        method, path = request.method, request.path
        if path == "/__emulator/requests":
            if method == "GET":
                return json_reply(200, [entry.to_json() for entry in self.request_log])
            if method == "DELETE":
                return json_reply(200, {"cleared": self.clear_request_log()})
        elif path == "/__emulator/state" and method == "GET":
            return json_reply(200, self.store.snapshot())
        elif path == "/__emulator/faults":
            return self._admin_faults(method, request.body)
        elif match := _ADMIN_PROMPT.match(path):
            tenant, prompt = unquote(match["tenant"]), unquote(match["prompt"])
            if not TENANT_NAME.fullmatch(tenant):
                return auth0_error(400, f"Invalid tenant name {tenant!r}", "bad_request")
            if method == "GET":
                return json_reply(200, self.get_document(tenant, prompt))
            if method == "PUT":
                try:
                    document = check_shape(parse_json(request.body))
                except DocumentError as exc:
                    return auth0_error(400, exc.message, exc.error_code)
                return json_reply(200, self.store.put(tenant, prompt, document))
        return not_found()

    def _admin_faults(self, method: str, body: bytes) -> Reply:
        if method == "GET":
            return json_reply(200, self.faults.describe())
        if method == "DELETE":
            self.faults.clear()
            return json_reply(200, [])
        if method != "POST":
            return not_found()
        try:
            data = parse_json(body)
            if not isinstance(data, list):
                raise ValueError("expected a JSON list of fault objects")
            faults = [Fault.from_json(item) for item in data]
        except DocumentError as exc:
            return auth0_error(400, exc.message, "bad_request")
        except ValueError as exc:
            return auth0_error(400, str(exc), "bad_request")
        self.faults.replace(faults)
        return json_reply(200, self.faults.describe())
