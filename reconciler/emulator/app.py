"""The emulator's behaviour, free of sockets: one request in, one :class:`Reply` out.

Tenants: the default tenant at the root, any tenant ``T`` under ``/tenants/T`` (created on first
use; names match ``[a-z0-9][a-z0-9._-]*``). A tenant's canonical base URL is ``SCHEME://HOST``
(+ ``/tenants/T`` for any tenant but the default), HOST being the request's Host header; its
Management API audience is ``{base}/api/v2/``.

Routes: ``POST /oauth/token`` (:mod:`.token_endpoint`) and the Management API routes of the
``api_*`` modules (the list is in ``docs/emulator.md``). Admin endpoints: :mod:`.admin`. The
Universal Login pages, ``/authorize`` and ``/u/...`` (:mod:`.login_pages`), are served before
all of the below: no token, no rate limit, no faults, not logged.

A Management API request goes through, in order: route lookup (hapi's 404 for a path or
method no route serves, before anything else); ``latency`` faults; ``status``/``timeout``/
``reset``/``late_put`` faults; ``latency_seconds``; authentication (401) and scope (403,
``insufficient_scope``); the rate limits (429: global bucket, then the endpoint's); path
validation (400: the recordings show a 429 winning over it); the route itself (its 400s, 402s,
403s, 404s); then the answer, which ``truncated``/``invalid_json``/``oversize``/``drip`` faults
may spoil and after which a ``concurrent_writer`` fault may change a partials document. Every
answer carries the ``x-ratelimit-*`` headers (:mod:`.limits` says which bucket's).
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, unquote

from reconciler.emulator import (
    api_branding,
    api_clients,
    api_connections,
    api_custom_text,
    api_partials,
    api_prompts,
    api_rendering,
    api_tenant,
)
from reconciler.emulator.admin import handle_admin
from reconciler.emulator.documents import Document, check_shape
from reconciler.emulator.faults import (
    DEFAULT_RETRY_AFTER,
    Fault,
    FaultContext,
    FaultKind,
    FaultSet,
)
from reconciler.emulator.limits import ENDPOINT_LIMIT_MESSAGE, RateDecision, RateLimiter
from reconciler.emulator.login_pages import handle_page, handle_transactions_admin, is_page_path
from reconciler.emulator.options import EmulatorOptions
from reconciler.emulator.requestlog import LoggedRequest, RequestLog
from reconciler.emulator.responses import (
    ApiError,
    Headers,
    Reply,
    auth0_error,
    auth0_error_body,
    error_code_for,
    json_reply,
    not_found,
    oauth_error,
    reason,
)
from reconciler.emulator.routing import Call, Route, match
from reconciler.emulator.seed import seed_tenant
from reconciler.emulator.store import TenantStore
from reconciler.emulator.tenant import DEFAULT_TENANT, TENANT_NAME, Tenant
from reconciler.emulator.token_endpoint import token_answer, token_params
from reconciler.emulator.tokens import (
    EXPIRED_TOKEN,
    MISSING_AUTHENTICATION,
    AccessToken,
    AuthFailure,
    TokenIssuer,
)
from reconciler.emulator.transactions import TransactionStore
from reconciler.emulator.validation import RequestInvalid

logger = logging.getLogger("reconciler.emulator")

_TENANT_PREFIX = re.compile(r"^/tenants/(?P<tenant>[^/]+)(?P<rest>/.*)?$")

#: Every Management API route, in the order they are matched.
ROUTES: tuple[Route, ...] = (
    *api_partials.ROUTES,
    *api_prompts.ROUTES,
    *api_custom_text.ROUTES,
    *api_rendering.ROUTES,
    *api_branding.ROUTES,
    *api_tenant.ROUTES,
    *api_connections.ROUTES,
    *api_clients.ROUTES,
)

_NOT_JSON_BODY = b"<html><body><h1>502 Bad Gateway</h1>upstream answered garbage</body></html>"
_OVERSIZE_CHUNK = 64 * 1024


@dataclass(frozen=True)
class IncomingRequest:
    """One HTTP request as the socket layer hands it over. ``headers`` keys are lower-case;
    ``query`` is the raw query string; ``scheme`` is how the server is served."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""
    query: str = ""
    scheme: str = "http"
    server_host: str = "127.0.0.1"


def _oversize_chunks(size: int) -> Iterator[bytes]:
    """``{"padding":"xxx…"}``, exactly ``size`` bytes, in chunks."""
    head, tail = b'{"padding":"', b'"}'
    yield head
    left = size - len(head) - len(tail)
    block = b"x" * _OVERSIZE_CHUNK
    while left > 0:
        step = min(left, _OVERSIZE_CHUNK)
        yield block[:step]
        left -= step
    yield tail


class Emulator:
    """Tenants, tokens, rate limits, faults and the request log behind one ``handle``."""

    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.store = TenantStore(options.state_file, seed_tenant if options.seed else Tenant.fresh)
        self.limiter = RateLimiter(
            options.rate_limits,
            options.clock,
            burst=options.rate_limit_burst,
            refill_per_minute=options.rate_limit_per_minute,
            global_burst=options.global_rate_limit_burst,
            global_per_second=options.global_rate_limit_per_second,
        )
        self.tokens = TokenIssuer()
        self.faults = FaultSet(options.faults, random.Random(options.fault_seed))
        self.log = RequestLog(options.request_log_limit)
        self.transactions = TransactionStore()

    # -- the request log ---------------------------------------------------------------------

    @property
    def request_log(self) -> list[LoggedRequest]:
        return self.log.entries()

    def clear_request_log(self) -> int:
        return self.log.clear()

    # -- out-of-band access ------------------------------------------------------------------

    def get_document(self, tenant: str, prompt: str) -> Document:
        return self.store.get(tenant, prompt)

    def set_document(self, tenant: str, prompt: str, document: object) -> Document:
        """Store ``document`` as if someone edited the tenant by hand: no checks beyond shape."""
        try:
            return self.store.put(tenant, prompt, check_shape(document))
        except RequestInvalid as exc:
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
        if path == "/__emulator/transactions" or path.startswith("/__emulator/transactions/"):
            return handle_transactions_admin(self, request.method, path)
        if path == "/__emulator" or path.startswith("/__emulator/"):
            return handle_admin(self, request)
        tenant, rest = DEFAULT_TENANT, path
        prefixed = _TENANT_PREFIX.match(path)
        if prefixed:
            tenant, rest = unquote(prefixed["tenant"]), prefixed["rest"] or "/"
            if not TENANT_NAME.fullmatch(tenant):
                reply = auth0_error(404, f"Unknown tenant {tenant!r}: use [a-z0-9][a-z0-9._-]*")
                self.log.record(LoggedRequest(tenant, request.method, rest, 404, None))
                return reply
        if is_page_path(rest):  # Universal Login pages: no token, not logged, no faults
            return handle_page(self, tenant, path.removesuffix(rest), rest, request)
        host = request.headers.get("host") or request.server_host
        base = f"{request.scheme}://{host}"
        if tenant != DEFAULT_TENANT:
            base += f"/tenants/{tenant}"
        if rest == "/oauth/token" and request.method == "POST":
            return self._token(tenant, base, rest, request)
        found = match(ROUTES, request.method, rest)
        if found is None:
            self.log.record(LoggedRequest(tenant, request.method, rest, 404, None))
            return not_found()
        route, params = found
        query = {
            key.removesuffix("[]"): values
            for key, values in parse_qs(request.query, keep_blank_values=True).items()
        }
        call = Call(
            tenant, base, request.method, params, query, request.headers, request.body, self.options
        )
        prompt = params.get("prompt") if route.family == "partials" else None
        context = FaultContext(tenant, request.method, prompt, route.family)
        struck = self._strike_before(context, call, route)
        reply = struck if struck is not None else self._serve(call, route, context)
        self.log.record(LoggedRequest(tenant, request.method, rest, reply.status, prompt))
        return reply

    # -- faults ------------------------------------------------------------------------------

    def _strike_before(
        self, context: FaultContext, call: Call | None = None, route: Route | None = None
    ) -> Reply | None:
        for fault in self.faults.take_all(frozenset({"latency"}), context):
            self.options.sleep(fault.seconds or 0.0)
        kinds: set[FaultKind] = {"status", "timeout", "reset"}
        if call is not None and call.method in ("PUT", "PATCH"):
            kinds.add("late_put")
        struck = self.faults.take(frozenset(kinds), context)
        if struck is None:
            return None
        if struck.kind == "timeout":
            return Reply(0, disposition="hold", hold_seconds=struck.hold_seconds)
        if struck.kind == "reset":
            return Reply(0, disposition="reset")
        if struck.kind == "late_put" and call is not None and route is not None:
            write_call, write_route = call, route

            def land() -> None:
                self._serve(write_call, write_route, context)

            return Reply(0, disposition="hold", hold_seconds=struck.hold_seconds, after_hold=land)
        return self._status_fault(struck, context, route)

    def _status_fault(self, fault: Fault, context: FaultContext, route: Route | None) -> Reply:
        status = fault.status
        headers: Headers = ()
        if status == 429:
            wait = DEFAULT_RETRY_AFTER if fault.retry_after is None else fault.retry_after
            bucket = route.bucket if route is not None else None
            headers = self.limiter.exhausted(bucket, self.options.clock(), wait).headers()
            if fault.retry_after is not None:
                headers = (*headers, ("Retry-After", str(fault.retry_after)))
        message = ENDPOINT_LIMIT_MESSAGE if status == 429 else reason(status)
        if context.endpoint == "token":
            return oauth_error(status, error_code_for(status), message, headers)
        return auth0_error(status, message, error_code_for(status), headers)

    def _strike_after(self, context: FaultContext, reply: Reply) -> Reply:
        if reply.disposition != "send":
            return reply
        if 200 <= reply.status < 300:
            spoilers: frozenset[FaultKind] = frozenset({"truncated", "invalid_json", "oversize"})
            fault = self.faults.take(spoilers, context)
            if fault is not None and fault.kind == "truncated":
                reply = replace(reply, disposition="truncate")
            elif fault is not None and fault.kind == "invalid_json":
                reply = replace(reply, status=200, body=_NOT_JSON_BODY)
            elif fault is not None:
                size = fault.oversize_bytes
                headers = tuple(h for h in reply.headers if h[0].lower() != "content-type")
                reply = replace(
                    reply,
                    status=200,
                    body=b"",
                    headers=(("Content-Type", "application/json; charset=utf-8"), *headers),
                    chunks=lambda: _oversize_chunks(size),
                    length=size,
                )
        drip = self.faults.take(frozenset({"drip"}), context)
        if drip is not None:
            reply = replace(reply, drip_seconds=drip.drip_seconds)
        return reply

    # -- /oauth/token ------------------------------------------------------------------------

    def _token(self, tenant: str, base: str, path: str, request: IncomingRequest) -> Reply:
        context = FaultContext(tenant, "POST", None, "token")
        reply = self._strike_before(context)
        if reply is None:
            self._latency()
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            params = token_params(content_type, request.body)
            with self.store.locked(tenant) as model:
                answer = token_answer(params, model, f"{base}/api/v2/", self.options, self.tokens)
            reply = self._strike_after(context, answer)
        self.log.record(LoggedRequest(tenant, "POST", path, reply.status, None))
        return reply

    def _latency(self) -> None:
        if self.options.latency_seconds > 0:
            self.options.sleep(self.options.latency_seconds)

    # -- the Management API ------------------------------------------------------------------

    def _limit_headers(self, decision: RateDecision) -> Headers:
        snapshot = decision.global_bucket
        if (
            decision.endpoint_bucket is not None
            and decision.refused_by != "global"
            and self.options.partials_rate_limit_headers == "endpoint"
        ):
            snapshot = decision.endpoint_bucket
        return snapshot.headers()

    def _serve(self, call: Call, route: Route, context: FaultContext) -> Reply:
        self._latency()
        self.store.ensure_tenant(call.tenant)
        refused = self._authenticate(call, route, context)
        if refused is not None:
            return self._strike_after(context, refused)
        decision = self.limiter.take(call.tenant, route.bucket)
        headers = self._limit_headers(decision)
        if not decision.allowed:
            reply = auth0_error(429, decision.message, "too_many_requests", headers)
            return self._strike_after(context, reply)
        with self.store.locked(call.tenant) as tenant:
            try:
                reply = route.handler(call, tenant)
            except ApiError as exc:
                reply = auth0_error(exc.status, exc.message, exc.error_code)
            if route.writes and 200 <= reply.status < 300:
                self.store.persist()
        reply = replace(reply, headers=(*reply.headers, *headers))
        reply = self._strike_after(context, reply)
        if route.family == "partials" and call.method == "GET" and reply.status == 200:
            # The answer is already built: the client sees the old document, the store the
            # other writer's. Done before sending, so no test can race it.
            writer = self.faults.take(frozenset({"concurrent_writer"}), context)
            if writer is not None and writer.document is not None:
                self.store.put(call.tenant, call.params["prompt"], writer.document)
        return reply

    def _peek_headers(self, call: Call, route: Route) -> Headers:
        """The limit headers of an answer refused before the limiter, which spends nothing."""
        return self._limit_headers(self.limiter.peek(call.tenant, route.bucket))

    def _unauthorized(self, message: str, headers: Headers) -> Reply:
        body = auth0_error_body(401, message)
        challenge = "Bearer"
        if message != MISSING_AUTHENTICATION:
            body["attributes"] = {"error": message}
            challenge = f'Bearer error="invalid_token", error_description="{message}"'
        return json_reply(401, body, (("WWW-Authenticate", challenge), *headers))

    def _authenticate(self, call: Call, route: Route, context: FaultContext) -> Reply | None:
        """None when the token may call ``route``; else the 401 or 403 answer."""
        token = self.tokens.check(
            call.tenant, call.headers.get("authorization"), self.options.clock()
        )
        if isinstance(token, AuthFailure):
            return self._unauthorized(token.message, self._peek_headers(call, route))
        if self._expire_by_fault(token, context):
            return self._unauthorized(EXPIRED_TOKEN, self._peek_headers(call, route))
        if not any(scope in token.scopes for scope in route.scopes):
            expected = ", ".join(route.scopes)
            message = f"Insufficient scope, expected any of: {expected}"
            headers = self._peek_headers(call, route)
            return auth0_error(403, message, "insufficient_scope", headers)
        self.tokens.record_use(token)
        return None

    def _expire_by_fault(self, token: AccessToken, context: FaultContext) -> bool:
        used = token.uses
        fault = self.faults.take(
            frozenset({"token_expire_after"}), context, when=lambda f: used >= f.uses
        )
        if fault is None:
            return False
        self.tokens.expire(token)
        return True
