"""ManagementClient against httpx.MockTransport: no network, an injected clock, no real sleeps."""

from __future__ import annotations

import json
import logging
import random
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from reconciler.documents import Document, DocumentKey
from reconciler.domains import endpoint_base, is_loopback
from reconciler.errors import (
    ApiError,
    Auth0PartialsError,
    ConfigError,
    RateLimitError,
    TransportError,
    WriteOutcomeUnknown,
)
from reconciler.management.client import ManagementClient
from reconciler.management.endpoint import tls_verify
from reconciler.management.ratelimit import BudgetExhausted, PartialsBudget
from reconciler.management.transport import RequestRecord, RetryPolicy, Wait, parse_retry_after
from reconciler.model import Credentials

SECRET = "SECRET-XYZ"
TOKEN = "TOKEN-XYZ"
EPOCH = 1_700_000_000.0
ENV = {"ACME_ID": "client-123", "ACME_SECRET": SECRET, "ACME_TOKEN": TOKEN + "-preissued"}
CLIENT_CREDS = Credentials(
    "client_credentials", client_id_env="ACME_ID", client_secret_env="ACME_SECRET"
)
TOKEN_CREDS = Credentials("token", token_env="ACME_TOKEN")
UNKNOWN_PROMPT = {
    "statusCode": 400,
    "error": "Bad Request",
    "message": "Path validation error: 'Invalid value \"passkeys\"' on property prompt "
    "(Name of the prompt).",
    "errorCode": "bad_request",
}
DOC = {"login-password": {"form-footer-start": "<form>switch</form>"}}


def partials(prompt: str) -> DocumentKey:
    return DocumentKey.partials(prompt)


def doc(prompt: str, screens: dict[str, dict[str, str]]) -> Document:
    return Document(partials(prompt), screens)


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return EPOCH + self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class FakeAuth0:
    """Answers /oauth/token with fresh tokens, documents (partials, custom text) with stored
    ones and other endpoints from ``other``, unless a queued reply says otherwise."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.token_replies: deque[Reply] = deque()
        self.api_replies: deque[Reply] = deque()
        self.documents: dict[str, Any] = {}  # by prompt, or "PROMPT/custom-text/LANGUAGE"
        self.other: dict[str, Any] = {}  # other endpoints, by path after /api/v2/
        self.issued = 0
        self.expires_in: int | None = 86400

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = (
            self.token_replies if request.url.path.endswith("/oauth/token") else self.api_replies
        )
        if queue:
            reply = queue.popleft()
            if isinstance(reply, Exception):
                raise reply
            return reply(request) if callable(reply) else reply
        if request.url.path.endswith("/oauth/token"):
            self.issued += 1
            body: dict[str, Any] = {
                "access_token": f"{TOKEN}-{self.issued}",
                "token_type": "Bearer",
            }
            if self.expires_in is not None:
                body["expires_in"] = self.expires_in
            return httpx.Response(200, json=body)
        resource = request.url.path.split("/api/v2/", 1)[1]
        if not resource.startswith("prompts/"):
            if resource in self.other:
                return httpx.Response(200, json=self.other[resource])
            return error(404, "Not Found")
        # prompts/P/partials -> "P"; prompts/P/custom-text/L -> "P/custom-text/L"
        name = resource.removeprefix("prompts/").removesuffix("/partials")
        if request.method == "PUT":
            self.documents[name] = json.loads(request.content)
        return httpx.Response(200, json=self.documents.get(name, {}))

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if not r.url.path.endswith("/oauth/token")]

    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith("/oauth/token")]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server() -> FakeAuth0:
    return FakeAuth0()


def make_client(
    server: FakeAuth0,
    clock: FakeClock,
    *,
    domain: str = "login.acme.com",
    credentials: Credentials = CLIENT_CREDS,
    environ: dict[str, str] | None = None,
    budget: PartialsBudget | None = None,
    unlimited: bool = True,
    **kwargs: Any,
) -> ManagementClient:
    if budget is None and unlimited:
        budget = PartialsBudget.unlimited(clock=clock, sleep=clock.sleep)
    kwargs.setdefault("retry", RetryPolicy(jitter=False))
    return ManagementClient(
        "acme-dev",
        domain,
        credentials,
        environ=ENV if environ is None else environ,
        transport=httpx.MockTransport(server),
        budget=budget,
        clock=clock,
        sleep=clock.sleep,
        wall_clock=clock.wall,
        random=random.Random(7),
        **kwargs,
    )


def error(status: int, message: str, code: str | None = None, **headers: str) -> httpx.Response:
    body: dict[str, Any] = {"statusCode": status, "error": "Error", "message": message}
    if code:
        body["errorCode"] = code
    return httpx.Response(status, json=body, headers=headers)


# ------------------------------------------------------------------ endpoints


@pytest.mark.parametrize(
    ("domain", "base"),
    [
        ("login.acme.com", "https://login.acme.com"),
        ("  login.acme.com/ ", "https://login.acme.com"),
        ("https://acme.eu.auth0.com", "https://acme.eu.auth0.com"),
        ("HTTPS://acme.eu.auth0.com", "https://acme.eu.auth0.com"),
        ("login.acme.com:8443", "https://login.acme.com:8443"),
        ("127.0.0.1:8765/tenants/x", "https://127.0.0.1:8765/tenants/x"),
        ("http://127.0.0.1:8765/tenants/x/", "http://127.0.0.1:8765/tenants/x"),
        ("http://localhost:8765", "http://localhost:8765"),
        ("http://[::1]:8765/tenants/a", "http://[::1]:8765/tenants/a"),
        ("http://127.9.9.9", "http://127.9.9.9"),
    ],
)
def test_endpoint_base(domain: str, base: str) -> None:
    assert endpoint_base(domain) == base


@pytest.mark.parametrize(
    "domain",
    [
        "http://login.acme.com",
        "http://10.0.0.1:8080",
        "http://[2001:db8::1]",
        "http://localhost.evil.com",
        "ftp://login.acme.com",
        "",
        "https://",
        "login.acme.com:notaport",
        "login.acme.com?x=1",
        "login acme.com",
        "user:pw@login.acme.com",
    ],
)
def test_endpoint_base_refuses(domain: str) -> None:
    with pytest.raises(ConfigError) as info:
        endpoint_base(domain)
    assert info.value.hint
    assert "pw" not in str(info.value)


def test_plain_http_refused_for_non_loopback(server: FakeAuth0, clock: FakeClock) -> None:
    with pytest.raises(ConfigError, match="only for loopback") as info:
        make_client(server, clock, domain="http://login.acme.com")
    assert "https" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.255.0.3", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("128.0.0.1", False),
        ("login.acme.com", False),
        ("localhost.acme.com", False),
        ("0.0.0.0", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_verify_cannot_be_disabled_for_non_loopback(
    server: FakeAuth0, clock: FakeClock, tmp_path: Any
) -> None:
    assert tls_verify("https://login.acme.com", False) is True
    assert tls_verify("https://127.0.0.1:8765", False) is False
    assert tls_verify("https://login.acme.com", "/etc/ca.pem") == "/etc/ca.pem"
    assert make_client(server, clock, verify=False).tls_verify is True
    assert (
        make_client(server, clock, domain="https://localhost:1", verify=False).tls_verify is False
    )
    with pytest.raises(ConfigError, match="CA bundle"):
        make_client(server, clock, verify=str(tmp_path / "missing.pem"))


# ------------------------------------------------------------------ token


def test_one_token_for_many_calls(server: FakeAuth0, clock: FakeClock) -> None:
    server.documents["login-password"] = DOC
    with make_client(server, clock) as client:
        for _ in range(3):
            assert client.get_document(partials("login-password")).to_json() == DOC
        client.put_document(doc("login-password", DOC))
    assert client.stats.token_requests == 1
    (token_request,) = server.token_requests()
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-123"],
        "client_secret": [SECRET],
        "audience": ["https://login.acme.com/api/v2/"],
    }
    assert "authorization" not in token_request.headers
    for request in server.api_requests():
        assert request.headers["authorization"] == f"Bearer {TOKEN}-1"


def test_token_refreshed_near_expiry(server: FakeAuth0, clock: FakeClock) -> None:
    server.expires_in = 120
    client = make_client(server, clock, token_refresh_margin=60.0)
    client.get_document(partials("login"))
    clock.now += 59
    client.get_document(partials("login"))
    assert client.stats.token_requests == 1
    clock.now += 2  # 61 s after issue: within 60 s of expiry
    client.get_document(partials("login"))
    assert client.stats.token_requests == 2
    assert server.api_requests()[-1].headers["authorization"] == f"Bearer {TOKEN}-2"


def test_token_without_expiry_is_kept_until_401(server: FakeAuth0, clock: FakeClock) -> None:
    server.expires_in = None
    client = make_client(server, clock)
    client.get_document(partials("login"))
    clock.now += 10**6
    client.get_document(partials("login"))
    assert client.stats.token_requests == 1


def test_custom_audience_and_emulator_paths(server: FakeAuth0, clock: FakeClock) -> None:
    creds = Credentials(
        "client_credentials",
        client_id_env="ACME_ID",
        client_secret_env="ACME_SECRET",
        audience="https://acme.eu.auth0.com/api/v2/",
    )
    client = make_client(
        server, clock, domain="http://127.0.0.1:8765/tenants/acme", credentials=creds
    )
    client.get_document(partials("login-passwordless"))
    token_request, get_request = server.requests
    assert str(token_request.url) == "http://127.0.0.1:8765/tenants/acme/oauth/token"
    assert parse_qs(token_request.content.decode())["audience"] == [creds.audience]
    assert get_request.url.path == "/tenants/acme/api/v2/prompts/login-passwordless/partials"
    assert client.stats.log[-1] == RequestRecord(
        "GET", "/tenants/acme/api/v2/prompts/login-passwordless/partials", 200
    )
    default = make_client(server, clock, domain="http://127.0.0.1:8765/tenants/acme")
    assert default.audience == "http://127.0.0.1:8765/tenants/acme/api/v2/"


@pytest.mark.parametrize("missing", ["ACME_ID", "ACME_SECRET"])
def test_unset_secret_names_the_variable(server: FakeAuth0, clock: FakeClock, missing: str) -> None:
    environ = {k: v for k, v in ENV.items() if k != missing}
    client = make_client(server, clock, environ=environ)
    with pytest.raises(Auth0PartialsError) as info:
        client.get_document(partials("login"))
    assert missing in str(info.value)
    assert SECRET not in str(info.value)
    assert server.requests == []


def test_secrets_read_at_first_use(server: FakeAuth0, clock: FakeClock) -> None:
    environ: dict[str, str] = {}
    client = make_client(server, clock, environ=environ)  # constructing needs no secret
    environ.update(ENV)
    client.get_document(partials("login"))
    assert client.stats.token_requests == 1


def test_pre_issued_token(server: FakeAuth0, clock: FakeClock) -> None:
    client = make_client(server, clock, credentials=TOKEN_CREDS)
    client.get_document(partials("login"))
    client.get_document(partials("signup"))
    assert client.stats.token_requests == 0
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}-preissued"


def test_pre_issued_token_unset(server: FakeAuth0, clock: FakeClock) -> None:
    client = make_client(server, clock, credentials=TOKEN_CREDS, environ={})
    with pytest.raises(Auth0PartialsError, match="ACME_TOKEN"):
        client.get_document(partials("login"))


def test_pre_issued_token_401_is_not_refreshed(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.append(error(401, "Invalid token"))
    client = make_client(server, clock, credentials=TOKEN_CREDS)
    with pytest.raises(ApiError) as info:
        client.get_document(partials("login"))
    assert info.value.status == 401
    assert "$ACME_TOKEN" in (info.value.hint or "")
    assert len(server.requests) == 1


def test_401_refreshes_token_once_then_succeeds(server: FakeAuth0, clock: FakeClock) -> None:
    server.documents["login"] = {"login": {"form-footer-end": "x"}}
    server.api_replies.append(error(401, "Expired token"))
    client = make_client(server, clock)
    assert client.get_document(partials("login")).get("login", "form-footer-end") == "x"
    assert client.stats.token_requests == 2
    assert server.api_requests()[-1].headers["authorization"] == f"Bearer {TOKEN}-2"


def test_second_401_is_an_api_error(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.extend([error(401, "Invalid token"), error(401, "Invalid token")])
    client = make_client(server, clock)
    with pytest.raises(ApiError) as info:
        client.get_document(partials("login"))
    assert info.value.status == 401
    assert "credentials" in str(info.value) or "client" in (info.value.hint or "")
    assert "ACME_ID" in (info.value.hint or "")
    assert client.stats.token_requests == 2
    assert len(server.api_requests()) == 2


@pytest.mark.parametrize(
    ("status", "body", "hint_part"),
    [
        (401, {"error": "access_denied", "error_description": "Unauthorized"}, "$ACME_SECRET"),
        (
            403,
            {
                "error": "access_denied",
                "error_description": 'Client is not authorized to access "https://x/api/v2/".',
            },
            "update:prompts",
        ),
        (404, {"error": "not_found"}, "domain"),
    ],
)
def test_token_endpoint_errors(
    server: FakeAuth0, clock: FakeClock, status: int, body: dict[str, str], hint_part: str
) -> None:
    server.token_replies.append(httpx.Response(status, json=body))
    client = make_client(server, clock)
    with pytest.raises(ApiError) as info:
        client.get_document(partials("login"))
    assert info.value.status == status
    assert info.value.path == "/oauth/token"
    assert info.value.error_code == body["error"]
    assert hint_part in (info.value.hint or "")
    assert server.api_requests() == []


def test_token_answer_without_access_token(server: FakeAuth0, clock: FakeClock) -> None:
    server.token_replies.append(httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(TransportError, match="access_token"):
        make_client(server, clock).get_document(partials("login"))


# ------------------------------------------------------------------ documents


def test_put_sends_document_and_returns_echo(server: FakeAuth0, clock: FakeClock) -> None:
    client = make_client(server, clock)
    document = doc("login-password", {"login-password": {"form-footer-start": "<b>é</b>"}})
    echoed = client.put_document(document)
    assert echoed == Document.from_json(partials("login-password"), document.to_json())
    put = server.api_requests()[-1]
    assert put.method == "PUT"
    assert put.headers["content-type"] == "application/json"
    assert json.loads(put.content) == document.to_json()
    assert client.stats.document_writes == 1


def test_empty_document(server: FakeAuth0, clock: FakeClock) -> None:
    assert make_client(server, clock).get_document(partials("login")).is_empty()


def test_prompt_name_is_quoted(server: FakeAuth0, clock: FakeClock) -> None:
    make_client(server, clock).get_document(partials("a/b"))
    assert server.api_requests()[0].url.raw_path == b"/api/v2/prompts/a%2Fb/partials"


def test_custom_text_path_and_no_partials_budget(server: FakeAuth0, clock: FakeClock) -> None:
    # Custom text is under Auth0's global Management API limit, not the partials buckets.
    budget = PartialsBudget(1, 5.0, 1, 5.0, clock=clock, sleep=clock.sleep)
    client = make_client(server, clock, budget=budget)
    key = DocumentKey.custom_text("login-id", "fr")
    text = Document(key, {"login-id": {"title": "Bonjour é", "description": "x"}})
    for _ in range(3):
        assert client.put_document(text) == text
        assert client.get_document(key) == text
    assert clock.sleeps == []
    assert budget.read.available() == 1 and budget.write.available() == 1  # none spent
    paths = {r.url.raw_path for r in server.api_requests()}
    assert paths == {b"/api/v2/prompts/login-id/custom-text/fr"}
    assert server.documents == {"login-id/custom-text/fr": text.to_json()}
    assert (client.stats.document_reads, client.stats.document_writes) == (3, 3)
    # ... while partials still spend their budget: the second read waits for a token.
    client.get_document(partials("login-id"))
    client.get_document(partials("login-id"))
    assert clock.sleeps == [pytest.approx(12.0)]


def test_custom_text_language_is_quoted(server: FakeAuth0, clock: FakeClock) -> None:
    make_client(server, clock).get_document(DocumentKey.custom_text("login", "pt/BR"))
    assert server.api_requests()[0].url.raw_path == b"/api/v2/prompts/login/custom-text/pt%2FBR"


def test_get_json_reads_other_endpoints(server: FakeAuth0, clock: FakeClock) -> None:
    server.other["branding/templates/universal-login"] = {"body": "<html>{%- auth0:widget -%}"}
    budget = PartialsBudget(1, 5.0, 1, 5.0, clock=clock, sleep=clock.sleep)
    client = make_client(server, clock, budget=budget)
    for _ in range(3):
        assert client.get_json("branding/templates/universal-login") == {
            "body": "<html>{%- auth0:widget -%}"
        }
    assert client.get_json("/branding/templates/universal-login", {"fields": "body"}) == {
        "body": "<html>{%- auth0:widget -%}"
    }
    last = server.api_requests()[-1]
    assert (last.method, last.url.path, last.url.params["fields"]) == (
        "GET",
        "/api/v2/branding/templates/universal-login",
        "body",
    )
    assert last.headers["authorization"] == f"Bearer {TOKEN}-1"
    assert (client.stats.other_reads, client.stats.document_reads) == (4, 0)
    assert clock.sleeps == [] and budget.read.available() == 1


@pytest.mark.parametrize("call", ["json", "custom-text"])
def test_a_retried_call_without_a_bucket_of_its_own_spends_the_global_budget_once_a_try(
    server: FakeAuth0, clock: FakeClock, call: str
) -> None:
    server.other["tenants/settings"] = {"enabled_locales": ["en"]}
    server.api_replies.append(error(503, "Service Unavailable"))
    budget = PartialsBudget(global_burst=10, global_per_second=1e-9, clock=clock, sleep=clock.sleep)
    client = make_client(server, clock, budget=budget)
    if call == "json":
        client.get_json("tenants/settings")
    else:
        client.get_document(DocumentKey.custom_text("login", "en"))
    assert len(server.api_requests()) == 2
    assert budget.management.available() == pytest.approx(10 - 2)  # one token a try, not two


def test_get_json_errors(server: FakeAuth0, clock: FakeClock) -> None:
    client = make_client(server, clock, domain="http://127.0.0.1:8765/tenants/acme")
    with pytest.raises(ApiError) as info:
        client.get_json("custom-domains")
    assert (info.value.status, info.value.method) == (404, "GET")
    assert info.value.path == "/tenants/acme/api/v2/custom-domains"
    server.api_replies.append(httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(TransportError, match="not valid JSON"):
        client.get_json("custom-domains")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"login": {"form-footer-start": "<form>', "not valid JSON"),
        (b"<html>proxy</html>", "not valid JSON"),
        (b"", "empty"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[]", "not an object"),
        (b"null", "not an object"),
        (b'{"login": "x"}', "not an object"),
        (b'{"login": {"form-footer-start": 5}}', "not a string"),
        (b'{"login": {"form-footer-start": null}}', "not a string"),
        (b'{"login": {"form-footer-start": {"a": "b"}}}', "not a string"),
        (b'{"login": {}, "login": {}}', "duplicate"),
    ],
)
def test_unusable_200_body_is_a_transport_error(
    server: FakeAuth0, clock: FakeClock, content: bytes, problem: str
) -> None:
    server.api_replies.append(httpx.Response(200, content=content))
    client = make_client(server, clock)
    with pytest.raises(TransportError, match=problem) as info:
        client.get_document(partials("login"))
    assert "nothing will be written" in (info.value.hint or "")
    assert client.stats.document_reads == 1  # not retried: costs no more budget


def test_unusable_put_echo(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.append(httpx.Response(200, content=b""))
    with pytest.raises(TransportError) as info:
        make_client(server, clock).put_document(doc("login", {}))
    assert "plan" in (info.value.hint or "")


# ------------------------------------------------------------------ error mapping


@pytest.mark.parametrize(
    ("method", "reply", "cls", "code", "hint_part"),
    [
        (
            "GET",
            httpx.Response(400, json=UNKNOWN_PROMPT),
            ApiError,
            "bad_request",
            "does not know 'passkeys'",
        ),
        (
            "PUT",
            error(400, "Payload validation error", "bad_request"),
            ApiError,
            "bad_request",
            "10,000",
        ),
        (
            "GET",
            error(403, "Insufficient scope, expected any of: read:prompts", "insufficient_scope"),
            ApiError,
            "insufficient_scope",
            "read:prompts to the Machine",
        ),
        (
            "PUT",
            error(403, "Insufficient scope, expected any of: update:prompts", "insufficient_scope"),
            ApiError,
            "insufficient_scope",
            "update:prompts to the Machine",
        ),
        (
            "GET",
            error(
                403,
                "This feature requires at least one custom domain to be configured for the tenant.",
                "operation_not_supported",
            ),
            ApiError,
            "operation_not_supported",
            "custom domain",
        ),
        (
            "GET",
            error(
                400,
                "This feature requires at least one custom domain to be configured for the tenant.",
            ),
            ApiError,
            None,
            "Custom Domains",
        ),
        ("GET", error(403, "Forbidden"), ApiError, None, "plan"),
        ("GET", error(404, "Not Found"), ApiError, None, "domain"),
        (
            "GET",
            error(429, "Endpoint limit has been reached", "too_many_requests"),
            RateLimitError,
            "too_many_requests",
            "5 reads and 5 writes",
        ),
        ("GET", error(500, "Internal error"), ApiError, None, "status.auth0.com"),
        (
            "PUT",
            httpx.Response(502, text="<html>Bad gateway</html>"),
            ApiError,
            None,
            "server error",
        ),
        ("GET", error(408, "Request Timeout"), ApiError, None, "timed out"),
        (
            "GET",
            httpx.Response(302, headers={"location": "https://elsewhere.example/login"}),
            ApiError,
            None,
            "elsewhere.example",
        ),
    ],
)
def test_error_mapping(
    server: FakeAuth0,
    clock: FakeClock,
    method: str,
    reply: httpx.Response,
    cls: type[ApiError],
    code: str | None,
    hint_part: str,
) -> None:
    server.api_replies.extend([reply] * 10)
    client = make_client(server, clock, retry=RetryPolicy(max_attempts=2, jitter=False))
    with pytest.raises(ApiError) as info:
        if method == "GET":
            client.get_document(partials("passkeys"))
        else:
            client.put_document(doc("passkeys", {}))
    exc = info.value
    assert type(exc) is cls
    assert (exc.status, exc.method, exc.tenant, exc.error_code) == (
        reply.status_code,
        method,
        "acme-dev",
        code,
    )
    assert exc.path == "/api/v2/prompts/passkeys/partials"
    assert hint_part in (exc.hint or ""), exc.hint
    assert "acme-dev: " + method in str(exc)


# ------------------------------------------------------------------ retries


def test_429_honours_retry_after_seconds(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.append(error(429, "Endpoint limit has been reached", **{"retry-after": "7"}))
    client = make_client(server, clock, unlimited=False)  # default partials budget
    client.get_document(partials("login"))
    assert clock.sleeps == [pytest.approx(7.0)]  # and no extra wait for the budget
    assert (client.stats.retries, client.stats.rate_limited, client.stats.document_reads) == (
        1,
        1,
        2,
    )


def test_429_honours_retry_after_http_date(server: FakeAuth0, clock: FakeClock) -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    later = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
    server.api_replies.append(
        error(
            429,
            "Endpoint limit has been reached",
            date=format_datetime(now, usegmt=True),
            **{"retry-after": format_datetime(later, usegmt=True)},
        )
    )
    make_client(server, clock).get_document(partials("login"))
    assert clock.sleeps == [pytest.approx(10.0)]


def test_429_honours_ratelimit_reset(server: FakeAuth0, clock: FakeClock) -> None:
    reset = str(int(clock.wall() + 12))
    server.api_replies.append(
        error(
            429,
            "Endpoint limit has been reached",
            **{"x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        )
    )
    client = make_client(server, clock, unlimited=False)
    client.get_document(partials("login"))
    assert clock.sleeps == [pytest.approx(12.0)]


def test_backoff_without_headers(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.extend([error(503, "Unavailable"), error(503, "Unavailable")])
    make_client(server, clock).get_document(partials("login"))
    assert clock.sleeps == [0.5, 1.0]


def test_backoff_is_capped_and_jittered(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.extend([error(500, "boom")] * 3)
    policy = RetryPolicy(max_attempts=4, base_delay=10.0, max_delay=15.0, jitter=False)
    make_client(server, clock, retry=policy).get_document(partials("login"))
    assert clock.sleeps == [10.0, 15.0, 15.0]

    jittered = FakeClock()
    server.api_replies.extend([error(500, "boom")] * 3)
    policy = RetryPolicy(max_attempts=4, base_delay=10.0, max_delay=15.0, jitter=True)
    make_client(server, jittered, retry=policy).get_document(partials("login"))
    assert len(jittered.sleeps) == 3
    assert all(0 <= s <= cap for s, cap in zip(jittered.sleeps, [10.0, 15.0, 15.0], strict=True))
    assert len(set(jittered.sleeps)) == 3


def test_retries_stop_at_max_attempts(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.extend([error(429, "Endpoint limit has been reached")] * 20)
    client = make_client(server, clock, retry=RetryPolicy(max_attempts=3, jitter=False))
    with pytest.raises(RateLimitError, match="gave up after 3 attempts") as info:
        client.get_document(partials("login"))
    assert len(server.api_requests()) == 3
    assert clock.sleeps == [0.5, 1.0]
    assert client.stats.rate_limited == 3
    assert "rerun" in (info.value.hint or "")


def test_deadline_is_never_slept_past(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.append(
        error(429, "Endpoint limit has been reached", **{"retry-after": "30"})
    )
    client = make_client(server, clock, deadline=clock.now + 10)
    with pytest.raises(RateLimitError, match="deadline") as info:
        client.get_document(partials("login"))
    assert clock.sleeps == []
    assert "wait 30 s" in (info.value.hint or "")


def test_deadline_stops_backoff(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.extend([error(503, "Unavailable")] * 10)
    policy = RetryPolicy(base_delay=4.0, jitter=False)
    deadline = clock.now + 10
    client = make_client(server, clock, retry=policy, deadline=deadline)
    with pytest.raises(ApiError, match="deadline"):
        client.get_document(partials("login"))
    assert clock.sleeps == [4.0]  # 4 then 8 would end at 12 > 10
    assert clock.now <= deadline


def test_long_retry_after_is_not_waited_for(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.append(error(429, "Global limit has been reached", **{"retry-after": "600"}))
    with pytest.raises(RateLimitError) as info:
        make_client(server, clock).get_document(partials("login"))
    assert clock.sleeps == []
    assert "wait 600 s" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after(value, now) == expected


# ------------------------------------------------------------------ transport errors


def test_transport_error_after_retries(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.extend([httpx.ConnectError("connection refused")] * 5)
    client = make_client(server, clock)
    with pytest.raises(TransportError) as info:
        client.get_document(partials("login"))
    exc = info.value
    assert not isinstance(exc.__cause__, httpx.HTTPError)
    assert exc.__suppress_context__
    assert "acme-dev: GET /api/v2/prompts/login/partials" in str(exc)
    assert "connect" in (exc.hint or "")
    assert len(server.api_requests()) == 5
    assert client.stats.log[-1] == RequestRecord("GET", "/api/v2/prompts/login/partials", None)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx.ReadError("connection reset by peer"),
    ],
)
def test_transport_error_then_success(server: FakeAuth0, clock: FakeClock, exc: Exception) -> None:
    server.api_replies.append(exc)
    client = make_client(server, clock)
    assert client.get_document(partials("login")).is_empty()
    assert client.stats.retries == 1


def _landed_then(server: FakeAuth0, exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    """The PUT lands on the server, then its answer is lost."""

    def reply(request: httpx.Request) -> httpx.Response:
        server.documents[request.url.path.split("/")[-2]] = json.loads(request.content)
        raise exc

    return reply


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("timed out"),
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx.WriteError("broken pipe"),
    ],
)
def test_put_whose_answer_is_lost_is_not_resent(
    server: FakeAuth0, clock: FakeClock, exc: Exception
) -> None:
    server.api_replies.append(_landed_then(server, exc))
    client = make_client(server, clock)
    document = doc("login", {"login": {"form-footer-start": "x"}})
    with pytest.raises(WriteOutcomeUnknown) as info:
        client.put_document(document)
    assert isinstance(info.value, TransportError)
    assert [r.method for r in server.api_requests()] == ["PUT"]  # never resent
    assert clock.sleeps == []
    assert (client.stats.document_writes, client.stats.retries) == (1, 0)
    message = str(info.value)
    assert "acme-dev: PUT /api/v2/prompts/login/partials" in message
    assert type(exc).__name__ in message
    assert "may or may not have landed" in message
    assert "read again" in (info.value.hint or "")
    assert "plan" in (info.value.hint or "")
    # Reading finds out what happened: here, the write landed.
    assert client.get_document(partials("login")) == document


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError("connection refused"), httpx.ConnectTimeout("timed out")]
)
def test_put_that_never_connected_is_retried(
    server: FakeAuth0, clock: FakeClock, exc: Exception
) -> None:
    server.api_replies.append(exc)
    client = make_client(server, clock)
    document = doc("login", {"login": {"form-footer-start": "x"}})
    assert client.put_document(document) == document
    assert [r.method for r in server.api_requests()] == ["PUT", "PUT"]
    assert client.stats.retries == 1
    assert server.documents["login"] == document.to_json()


def test_put_that_never_connects_fails_with_nothing_written(
    server: FakeAuth0, clock: FakeClock
) -> None:
    server.api_replies.extend([httpx.ConnectError("connection refused")] * 5)
    client = make_client(server, clock)
    with pytest.raises(TransportError) as info:
        client.put_document(doc("login", {}))
    assert not isinstance(info.value, WriteOutcomeUnknown)
    assert len(server.api_requests()) == 5
    assert "could not connect" in (info.value.hint or "")


def _trickle(
    clock: FakeClock, seconds_per_byte: float
) -> Callable[[httpx.Request], httpx.Response]:
    """An answer that arrives one byte every ``seconds_per_byte`` (on the fake clock)."""

    def reply(request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            for byte in b'{"login": {"form-footer-start": "trickled"}}':
                clock.now += seconds_per_byte
                yield bytes([byte])

        return httpx.Response(200, content=body())

    return reply


def test_get_retries_an_answer_trickled_past_the_timeout(
    server: FakeAuth0, clock: FakeClock
) -> None:
    server.documents["login"] = DOC
    server.api_replies.append(_trickle(clock, 10.0))
    client = make_client(server, clock, timeout=30.0)
    assert client.get_document(partials("login")).to_json() == DOC
    assert (client.stats.document_reads, client.stats.retries) == (2, 1)
    assert client.stats.log[1] == RequestRecord("GET", "/api/v2/prompts/login/partials", None)


def test_get_trickled_every_time_fails_naming_the_timeout(
    server: FakeAuth0, clock: FakeClock
) -> None:
    server.api_replies.extend([_trickle(clock, 10.0)] * 2)
    client = make_client(server, clock, timeout=30.0, retry=RetryPolicy(2, jitter=False))
    with pytest.raises(TransportError, match="longer than 30 s in all after 2 attempts"):
        client.get_document(partials("login"))


def test_put_answer_trickled_past_the_timeout_is_not_resent(
    server: FakeAuth0, clock: FakeClock
) -> None:
    server.api_replies.append(_trickle(clock, 10.0))
    client = make_client(server, clock, timeout=30.0)
    with pytest.raises(WriteOutcomeUnknown):
        client.put_document(doc("login", {"login": {"form-footer-start": "x"}}))
    assert [r.method for r in server.api_requests()] == ["PUT"]


def test_an_answer_in_time_is_not_cut_off(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.append(_trickle(clock, 0.5))  # 45 bytes in 22.5 s, within 30 s
    client = make_client(server, clock, timeout=30.0)
    assert client.get_document(partials("login")).get("login", "form-footer-start") == "trickled"
    assert client.stats.retries == 0


def test_tls_failure_is_not_retried(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.append(
        httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    )
    client = make_client(server, clock)
    with pytest.raises(TransportError) as info:
        client.get_document(partials("login"))
    assert "TLS verification failed" in (info.value.hint or "")
    assert len(server.api_requests()) == 1


def test_token_endpoint_transport_error(server: FakeAuth0, clock: FakeClock) -> None:
    server.token_replies.extend([httpx.ConnectError("refused")] * 5)
    with pytest.raises(TransportError, match="/oauth/token"):
        make_client(server, clock).get_document(partials("login"))


# ------------------------------------------------------------------ budget


def test_six_gets_wait_for_the_sixth(server: FakeAuth0, clock: FakeClock) -> None:
    client = make_client(server, clock, unlimited=False)
    for _ in range(5):
        client.get_document(partials("login"))
    assert clock.sleeps == []
    client.get_document(partials("login"))
    assert clock.sleeps == [pytest.approx(12.0)]


def test_waits_are_announced(server: FakeAuth0, clock: FakeClock) -> None:
    waits: list[Wait] = []
    client = make_client(server, clock, unlimited=False, on_wait=waits.append)
    for _ in range(5):
        client.get_document(partials("login"))
    assert waits == []
    client.get_document(partials("login"))
    (wait,) = waits
    assert (wait.tenant, wait.seconds) == ("acme-dev", pytest.approx(12.0))
    assert "GET partials" in wait.why and "login" in wait.why
    retries: list[Wait] = []
    unlimited = make_client(server, clock, on_wait=retries.append)
    server.api_replies.extend([error(503, "Unavailable"), error(503, "x", **{"retry-after": "5"})])
    unlimited.get_document(partials("signup"))
    assert clock.sleeps[-2:] == [0.5, 5.0]
    (retry,) = retries  # the 0.5 s backoff is too short to be said
    assert retry.seconds == 5.0
    assert "503" in retry.why and "signup" in retry.why


def test_five_reads_and_five_writes_never_wait(server: FakeAuth0, clock: FakeClock) -> None:
    client = make_client(server, clock, unlimited=False)
    for name in ["login", "signup", "login-id", "signup-id", "login-password"]:
        client.put_document(doc(name, client.get_document(partials(name)).to_json()))
    assert clock.sleeps == []
    assert (client.stats.document_reads, client.stats.document_writes) == (5, 5)


def test_token_request_spends_no_budget(server: FakeAuth0, clock: FakeClock) -> None:
    budget = PartialsBudget(1, 5.0, 1, 5.0, clock=clock, sleep=clock.sleep)
    client = make_client(server, clock, budget=budget)
    client.get_document(partials("login"))
    assert clock.sleeps == []
    assert client.stats.token_requests == 1


def test_budget_observes_headers(server: FakeAuth0, clock: FakeClock) -> None:
    reset = str(int(clock.wall() + 30))
    server.api_replies.append(
        httpx.Response(
            200, json={}, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
        )
    )
    client = make_client(server, clock, unlimited=False)
    client.get_document(partials("login"))
    assert clock.sleeps == []
    client.get_document(partials("login"))
    assert clock.sleeps == [pytest.approx(12.0)]  # one refill interval, not the full reset


def test_budget_respects_deadline(server: FakeAuth0, clock: FakeClock) -> None:
    client = make_client(server, clock, unlimited=False, deadline=clock.now + 5)
    for _ in range(5):
        client.get_document(partials("login"))
    with pytest.raises(BudgetExhausted) as info:
        client.get_document(partials("login"))
    assert clock.sleeps == []
    assert "acme-dev: GET" in str(info.value)
    assert "5 reads and 5 writes" in (info.value.hint or "")
    assert len(server.api_requests()) == 5


# ------------------------------------------------------------------ stats, logging, secrets


def test_stats_log(server: FakeAuth0, clock: FakeClock) -> None:
    server.api_replies.append(error(503, "x"))
    client = make_client(server, clock)
    client.get_document(partials("login"))
    assert client.stats.log == [
        RequestRecord("POST", "/oauth/token", 200),
        RequestRecord("GET", "/api/v2/prompts/login/partials", 503),
        RequestRecord("GET", "/api/v2/prompts/login/partials", 200),
    ]
    assert (client.stats.token_requests, client.stats.document_reads, client.stats.retries) == (
        1,
        2,
        1,
    )


def _reflect(status: int, *, shape: str = "auth0") -> Callable[[httpx.Request], httpx.Response]:
    """A server that echoes what it was sent (Authorization header, form body) into its answer."""

    def reply(request: httpx.Request) -> httpx.Response:
        echo = f"got {request.headers.get('authorization')} {request.content.decode()}"
        if shape == "oauth":
            return httpx.Response(
                status, json={"error": "access_denied", "error_description": echo}
            )
        if shape == "text":
            return httpx.Response(status, text=echo)
        if shape == "leaf":
            return httpx.Response(status, json={"login": {"form-content": [echo]}})
        return error(status, echo, "insufficient_scope" if status == 403 else None)

    return reply


def _raise(exc_type: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def reply(request: httpx.Request) -> httpx.Response:
        raise exc_type(f"failed {request.headers.get('authorization')} {request.content.decode()}")

    return reply


def _failures() -> list[tuple[Credentials, bool, list[Reply]]]:
    """(credentials, replies go to the token endpoint, replies): every way a call can fail."""
    return [
        (CLIENT_CREDS, True, [_reflect(401, shape="oauth")]),
        (CLIENT_CREDS, True, [_reflect(403, shape="oauth")]),
        (CLIENT_CREDS, True, [_reflect(200, shape="text")]),
        (CLIENT_CREDS, True, [_raise(httpx.ConnectError)] * 5),
        (CLIENT_CREDS, True, [_reflect(429, shape="text")] * 5),
        (CLIENT_CREDS, False, [_reflect(401), _reflect(401)]),
        (CLIENT_CREDS, False, [_reflect(403)]),
        (CLIENT_CREDS, False, [_reflect(429)] * 5),
        (CLIENT_CREDS, False, [_reflect(500, shape="text")] * 5),
        (CLIENT_CREDS, False, [_raise(httpx.ReadTimeout)] * 5),
        (CLIENT_CREDS, False, [_raise(httpx.RemoteProtocolError)] * 5),
        (CLIENT_CREDS, False, [_reflect(200, shape="text")]),
        (CLIENT_CREDS, False, [_reflect(200, shape="leaf")]),
        (TOKEN_CREDS, False, [_reflect(401)]),
        (TOKEN_CREDS, False, [_reflect(400, shape="text")]),
        (TOKEN_CREDS, False, [_reflect(404)]),
    ]


def test_secrets_never_leak(
    server: FakeAuth0, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    for credentials, to_token, replies in _failures():
        for method in ("GET", "PUT"):
            server.token_replies.clear()
            server.api_replies.clear()
            (server.token_replies if to_token else server.api_replies).extend(replies)
            client = make_client(server, clock, credentials=credentials)
            with pytest.raises(Auth0PartialsError) as info:
                if method == "GET":
                    client.get_document(partials("login"))
                else:
                    client.put_document(doc("login", {"login": {"a": "b"}}))
            exc = info.value
            seen += [str(exc), repr(exc), repr(client), repr(client.stats), str(exc.args)]
            seen += [repr(vars(exc)), repr(vars(client))]
    seen.append(caplog.text)
    assert len(seen) > 50
    for text in seen:
        assert SECRET not in text
        assert TOKEN not in text
    assert "[redacted]" in "".join(seen)  # the echoed secrets were there and were scrubbed
    assert "GET /api/v2/prompts/login/partials" in caplog.text


def test_server_error_hint_depends_on_the_method() -> None:
    from reconciler.management.api_errors import api_hint

    read = api_hint(503, None, "Service Unavailable", method="GET", what="login")
    write = api_hint(503, None, "Service Unavailable", method="PUT", what="login")
    assert read is not None and "a failed read never leads to a write" in read
    assert write is not None and "see whether the write landed" in write
