"""The emulator's Auth0 semantics over real sockets: tokens, partials, errors, rate limits,
tenants, the request log and the admin endpoints. Time is a ManualClock: no real waiting.

The helpers here (``Tenant``, ``fetch_token``, ``start``) serve the other emulator test files."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from reconciler.emulator import (
    SLICE_SCOPES,
    ClientSpec,
    EmulatorOptions,
    EmulatorServer,
    LoggedRequest,
    ManualClock,
)
from reconciler.emulator.evidence import MAX_PARTIAL_CHARS

PARTIALS = "/api/v2/prompts/{}/partials"
LOGIN_DOC = {"login": {"form-footer-start": "<p>a</p>", "form-footer-end": "<p>b</p>"}}


@dataclass
class Tenant:
    """One tenant of a running emulator, with a valid token."""

    http: httpx.Client
    base: str
    token: str

    def url(self, prompt: str) -> str:
        return self.base + PARTIALS.format(prompt)

    def get(self, prompt: str, token: str | None = None) -> httpx.Response:
        return self.http.get(self.url(prompt), headers=_bearer(token or self.token))

    def put(self, prompt: str, document: object, token: str | None = None) -> httpx.Response:
        return self.http.put(self.url(prompt), json=document, headers=_bearer(token or self.token))

    def call(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        content: bytes | str | None = None,
        params: dict[str, str | list[str]] | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        """Any Management API call, with this tenant's token unless told otherwise."""
        return self.http.request(
            method,
            self.base + path,
            json=json,
            content=content,
            params=params,
            headers={**_bearer(token or self.token), **(headers or {})},
        )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_form(
    base: str, client_id: str = "ci-client", secret: str = "ci-secret"
) -> dict[str, str]:
    """A client-credentials request for the tenant at ``base``, with its canonical audience."""
    return {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
        "audience": f"{base}/api/v2/",
    }


def fetch_token(
    http: httpx.Client, base: str, client_id: str = "ci-client", secret: str = "ci-secret"
) -> str:
    response = http.post(f"{base}/oauth/token", data=token_form(base, client_id, secret))
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert isinstance(token, str)
    return token


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def start(clock: ManualClock, **overrides: object) -> EmulatorServer:
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, **overrides)  # type: ignore[arg-type]
    return EmulatorServer(options).start()


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[EmulatorServer]:
    server = start(clock)
    yield server
    server.stop()


@pytest.fixture
def acme(http: httpx.Client, emulator: EmulatorServer) -> Tenant:
    base = emulator.tenant_base("acme")
    return Tenant(http, base, fetch_token(http, base))


# -- /oauth/token ------------------------------------------------------------------------------


def test_token_form_encoded_answers_auth0_shape(http: httpx.Client, emulator: EmulatorServer):
    response = http.post(
        f"{emulator.base_url}/oauth/token", data=token_form(emulator.base_url, "id", "secret")
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    assert body["expires_in"] == 86_400
    assert body["scope"] == " ".join(sorted(SLICE_SCOPES))  # no --client: every scope
    assert body["token_type"] == "Bearer"


def test_token_json_body_accepted(http: httpx.Client, emulator: EmulatorServer):
    response = http.post(
        f"{emulator.base_url}/oauth/token", json=token_form(emulator.base_url, "id", "s")
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_tokens_are_opaque_random_strings(http: httpx.Client, emulator: EmulatorServer):
    first = fetch_token(http, emulator.base_url, "my-client", "my-secret")
    second = fetch_token(http, emulator.base_url, "my-client", "my-secret")
    assert first != second
    assert len(first) >= 32
    assert "my-client" not in first and "my-secret" not in first


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_id": "a", "client_secret": "b"}, 400, "invalid_request"),
        ({"grant_type": "password", "client_id": "a", "client_secret": "b"}, 400,
         "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "client_id": "a"}, 401, "access_denied"),
    ],
)  # fmt: skip
def test_token_refusals_use_oauth_error_shape(
    http: httpx.Client, emulator: EmulatorServer, form: dict[str, str], status: int, error: str
):
    response = http.post(f"{emulator.base_url}/oauth/token", data=form)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_configured_clients_reject_a_bad_secret(http: httpx.Client, clock: ManualClock):
    server = start(clock, clients={"deployer": ClientSpec("right")})
    try:
        url = f"{server.base_url}/oauth/token"
        bad = http.post(url, data=token_form(server.base_url, "deployer", "wrong"))
        unknown = http.post(url, data=token_form(server.base_url, "nobody", "right"))
        assert bad.status_code == 401
        assert bad.json() == {"error": "access_denied", "error_description": "Unauthorized"}
        assert unknown.status_code == 401
        assert fetch_token(http, server.base_url, "deployer", "right")
    finally:
        server.stop()


def test_client_spec_hides_its_secret():
    assert "hunter2" not in repr(ClientSpec("hunter2"))
    assert ClientSpec("s", "read:prompts").scopes == frozenset({"read:prompts"})  # type: ignore[arg-type]
    assert not ClientSpec("s", None).has_grant


# -- authentication and scopes -----------------------------------------------------------------


def test_missing_token_answers_401(acme: Tenant):
    response = acme.http.get(acme.url("login"))
    assert response.status_code == 401
    assert response.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Missing authentication",
    }


def test_unknown_token_answers_401_invalid_token(acme: Tenant):
    response = acme.get("login", token="not-a-token")
    assert response.status_code == 401
    assert response.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Invalid token",
        "attributes": {"error": "Invalid token"},
    }
    assert "invalid_token" in response.headers["www-authenticate"]


def test_token_works_only_for_the_tenant_that_issued_it(
    http: httpx.Client, emulator: EmulatorServer, acme: Tenant
):
    other = Tenant(http, emulator.tenant_base("other"), acme.token)
    assert acme.get("login").status_code == 200
    response = other.get("login")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid token"


def test_token_expires_after_its_ttl(http: httpx.Client, clock: ManualClock):
    server = start(clock, token_ttl=3600)
    try:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        clock.advance(3599)
        assert tenant.get("login").status_code == 200
        clock.advance(1)
        response = tenant.get("login")
        assert response.status_code == 401
        assert response.json()["message"] == "Expired token received for JSON Web Token validation"
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("scopes", "method", "expected"),
    [("update:prompts", "GET", "read:prompts"), ("read:prompts", "PUT", "update:prompts")],
)
def test_insufficient_scope_answers_403(
    http: httpx.Client, clock: ManualClock, scopes: str, method: str, expected: str
):
    server = start(clock, clients={"app": ClientSpec("secret", frozenset({scopes}))})
    try:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url, "app", "secret"))
        response = tenant.get("login") if method == "GET" else tenant.put("login", {})
        assert response.status_code == 403
        assert response.json() == {
            "statusCode": 403,
            "error": "Forbidden",
            "message": f"Insufficient scope, expected any of: {expected}",
            "errorCode": "insufficient_scope",
        }
        allowed = tenant.put("login", {}) if method == "GET" else tenant.get("login")
        assert allowed.status_code == 200
    finally:
        server.stop()


# -- GET / PUT partials ------------------------------------------------------------------------


def test_get_of_an_empty_prompt_answers_empty_object(acme: Tenant):
    response = acme.get("signup-password")
    assert response.status_code == 200
    assert response.json() == {}
    assert response.headers["content-type"].startswith("application/json")


def test_put_echoes_the_stored_document(acme: Tenant, emulator: EmulatorServer):
    response = acme.put("login", LOGIN_DOC)
    assert response.status_code == 200
    assert response.json() == LOGIN_DOC
    assert acme.get("login").json() == LOGIN_DOC
    assert emulator.get_document("acme", "login") == LOGIN_DOC


def test_go_style_escaped_html_is_stored_decoded(acme: Tenant):
    body = b'{"login":{"form-content-start":"\\u003cdiv\\u003eHi\\u003c/div\\u003e"}}\n'
    response = acme.http.put(
        acme.url("login"),
        content=body,
        headers={**_bearer(acme.token), "Content-Type": "application/json"},
    )
    assert response.json() == {"login": {"form-content-start": "<div>Hi</div>"}}
    assert b"<div>Hi</div>" in response.content


def test_put_replaces_the_whole_document(acme: Tenant):
    acme.put(
        "login-passwordless",
        {
            "login-passwordless-email-code": {"form-footer-start": "a", "form-footer-end": "b"},
            "login-passwordless-sms-otp": {"form-footer-start": "c"},
        },
    )
    response = acme.put(
        "login-passwordless", {"login-passwordless-email-code": {"form-footer-end": "B"}}
    )
    expected = {"login-passwordless-email-code": {"form-footer-end": "B"}}
    assert response.json() == expected
    assert acme.get("login-passwordless").json() == expected


def test_a_screen_sent_empty_is_dropped(acme: Tenant):
    acme.put("login", LOGIN_DOC)
    response = acme.put("login", {"login": {}})
    assert response.status_code == 200
    assert response.json() == {}
    assert acme.get("login").json() == {}


def test_put_of_an_empty_document_clears_the_prompt_only(acme: Tenant):
    acme.put("login", LOGIN_DOC)
    signup = {"signup": {"form-content-end": "<i>keep</i>"}}
    acme.put("signup", signup)
    assert acme.put("login", {}).json() == {}
    assert acme.get("login").json() == {}
    assert acme.get("signup").json() == signup


def test_get_ignores_a_request_body(acme: Tenant):
    acme.put("login", LOGIN_DOC)
    # go-auth0 sends "null" as the body of its GETs (recorded).
    response = acme.http.request(
        "GET", acme.url("login"), content=b"null\n", headers=_bearer(acme.token)
    )
    assert response.status_code == 200
    assert response.json() == LOGIN_DOC


def _path_error(prompt: str) -> dict[str, object]:
    return {
        "statusCode": 400,
        "error": "Bad Request",
        "message": f"Path validation error: 'Invalid value \"{prompt}\"' on property prompt "
        "(Name of the prompt).",
        "errorCode": "bad_request",
    }


@pytest.mark.parametrize("prompt", ["no-such-prompt", "LOGIN", "mfa-otp"])
def test_a_prompt_the_api_lacks_answers_the_recorded_400(acme: Tenant, prompt: str):
    for response in (acme.get(prompt), acme.put(prompt, {})):
        assert response.status_code == 400
        assert response.json() == _path_error(prompt)


@pytest.mark.parametrize("prompt", ["passkeys", "confirmation"])
def test_newer_prompts_are_available_by_default(acme: Tenant, prompt: str):
    assert acme.get(prompt).json() == {}
    screen = "passkey-enrollment" if prompt == "passkeys" else "confirmation"
    document = {screen: {"form-content-start": "<p>x</p>"}}
    assert acme.put(prompt, document).json() == document


def test_an_unavailable_prompt_answers_the_recorded_400(http: httpx.Client, clock: ManualClock):
    server = start(clock, unavailable_prompts=frozenset({"passkeys"}))
    try:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        for response in (tenant.get("passkeys"), tenant.put("passkeys", {})):
            assert response.status_code == 400
            assert response.json() == _path_error("passkeys")
        assert tenant.get("confirmation").status_code == 200
    finally:
        server.stop()


def test_a_partial_may_hold_exactly_the_limit(acme: Tenant):
    html = "x" * MAX_PARTIAL_CHARS
    response = acme.put("login", {"login": {"form-footer-start": html}})
    assert response.status_code == 200
    assert response.json()["login"]["form-footer-start"] == html


def test_a_partial_over_the_limit_answers_400(acme: Tenant):
    acme.put("login", LOGIN_DOC)
    too_long = "é" * (MAX_PARTIAL_CHARS + 1)  # characters, not bytes
    response = acme.put("login", {"login": {"form-footer-start": too_long}})
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "Payload validation error: 'String is too long (10001 chars), maximum 10000'"
        " on property login.form-footer-start.",
        "errorCode": "invalid_body",
    }
    assert acme.get("login").json() == LOGIN_DOC


@pytest.fixture
def strict(http: httpx.Client, clock: ManualClock) -> Iterator[Tenant]:
    server = start(clock, validation="strict")
    try:
        yield Tenant(http, server.base_url, fetch_token(http, server.base_url))
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("prompt", "document", "message"),
    [
        ("login", {"signup": {"form-footer-start": "x"}},
         "Payload validation error: 'Additional properties not allowed: signup'."),
        ("login", {"signup": {"a": "x"}, "other": {"b": "y"}},
         "Payload validation error: 'Additional properties not allowed: signup,other'."),
        ("login", {"login": {"form-content": "x"}},
         "Payload validation error: 'Additional properties not allowed: form-content'"
         " on property login."),
        ("customized-consent", {"customized-consent": {"form-footer-start": "x"}},
         "Payload validation error: 'Additional properties not allowed: form-footer-start'"
         " on property customized-consent."),
    ],
)  # fmt: skip
def test_strict_validation_refuses_unknown_screens_and_insertion_points(
    strict: Tenant, prompt: str, document: dict[str, dict[str, str]], message: str
):
    response = strict.put(prompt, document)
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert response.json()["errorCode"] == "invalid_body"


def test_strict_customized_consent_accepts_form_content(strict: Tenant):
    document = {"customized-consent": {"form-content": "<p>terms</p>"}}
    assert strict.put("customized-consent", document).json() == document


def test_evidence_validation_accepts_unknown_screens_and_points(acme: Tenant):
    # The OAS body schema is free-form: what Auth0 does with these is unknown.
    document = {"login": {"brand-new-point": "x"}, "new-screen": {"a": "b"}}
    assert acme.put("login", document).json() == document
    too_long = {"login": {"form-footer-start": "x" * (MAX_PARTIAL_CHARS + 1)}}
    assert acme.put("login", too_long).status_code == 400


def test_strict_validation_false_is_the_old_spelling_of_evidence(clock: ManualClock):
    assert EmulatorOptions(strict_validation=False).validation == "evidence"
    assert EmulatorOptions(strict_validation=True).validation == "strict"
    assert EmulatorOptions().validation == "evidence"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "Payload validation error: 'Expected type object but found type array'."),
        (b"null", "Payload validation error: 'Expected type object but found type null'."),
        (b'{"login": "x"}', "Payload validation error: 'Expected type object but found type "
                            "string' on property login."),
        (b'{"login": {"form-footer-start": 1}}', "Payload validation error: 'Expected type "
         "string but found type integer' on property login.form-footer-start."),
        (b'{"login": {"form-footer-start": null}}', "Payload validation error: 'Expected type "
         "string but found type null' on property login.form-footer-start."),
        (b'{"login": ', "Invalid request payload JSON format"),
        (b"\xff\xfe", "Invalid request payload JSON format"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_an_object_of_objects_of_strings_answers_400(
    acme: Tenant, body: bytes, message: str
):
    acme.put("login", LOGIN_DOC)
    response = acme.http.put(
        acme.url("login"),
        content=body,
        headers={**_bearer(acme.token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert response.json()["errorCode"] == "invalid_body"
    assert acme.get("login").json() == LOGIN_DOC


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/v2/prompts/login/partials"),
        ("PATCH", "/api/v2/prompts/login/partials"),
        ("GET", "/api/v2/prompts/login"),
        ("GET", "/api/v2/prompts/login/partials/"),
        ("PATCH", "/api/v2/prompts/rendering"),
        ("POST", "/api/v2/connections"),
        ("GET", "/api/v2/users"),
        ("GET", "/oauth/token"),
        ("GET", "/tenants/Not_Valid/api/v2/prompts/login/partials"),
    ],
)
def test_other_routes_answer_hapis_404(
    acme: Tenant, emulator: EmulatorServer, method: str, path: str
):
    response = acme.http.request(method, emulator.base_url + path, headers=_bearer(acme.token))
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404
    if "Not_Valid" not in path:
        assert response.json() == {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
        unauthenticated = acme.http.request(method, emulator.base_url + path)
        assert unauthenticated.status_code == 404  # the route lookup comes before the token


# -- rate limits -------------------------------------------------------------------------------


def _limits(response: httpx.Response) -> tuple[int, int, int]:
    return (
        int(response.headers["x-ratelimit-limit"]),
        int(response.headers["x-ratelimit-remaining"]),
        int(response.headers["x-ratelimit-reset"]),
    )


def test_the_sixth_get_in_a_burst_answers_429(acme: Tenant, clock: ManualClock):
    now = int(clock())
    seen = [_limits(acme.get("login")) for _ in range(5)]
    assert [remaining for _, remaining, _ in seen] == [4, 3, 2, 1, 0]
    assert {limit for limit, _, _ in seen} == {5}
    # Auth0: the reset is when the next request is added to the bucket, not when it is full.
    assert [reset for _, _, reset in seen] == [now + 12] * 5
    sixth = acme.get("login")
    assert sixth.status_code == 429
    assert sixth.json() == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Endpoint limit has been reached",
        "errorCode": "too_many_requests",
    }
    assert _limits(sixth) == (5, 0, now + 12)


def test_the_reset_header_names_the_second_the_next_token_arrives(acme: Tenant, clock: ManualClock):
    for _ in range(5):
        acme.get("login")
    clock.advance(7.5)
    limited = acme.get("login")
    assert limited.status_code == 429
    reset = _limits(limited)[2]
    assert reset == int(clock()) + 5  # 4.5 s to go, rounded up
    clock.advance(reset - clock())
    assert acme.get("login").status_code == 200
    clock.advance(600)
    full = acme.get("login")
    assert _limits(full)[1:] == (4, int(clock()) + 12)


def test_a_429_spends_nothing_and_the_bucket_refills_continuously(acme: Tenant, clock: ManualClock):
    for _ in range(5):
        acme.get("login")
    assert acme.get("login").status_code == 429
    assert acme.get("login").status_code == 429
    clock.advance(11.9)
    assert acme.get("login").status_code == 429
    clock.advance(0.1)  # 12 s: one token at 5 per minute
    assert acme.get("login").status_code == 200
    assert acme.get("login").status_code == 429
    clock.advance(600)  # never more than the burst
    statuses = [acme.get("login").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_put_has_its_own_bucket(acme: Tenant):
    for _ in range(5):
        acme.get("login")
    assert acme.get("login").status_code == 429
    put = acme.put("login", LOGIN_DOC)
    assert put.status_code == 200
    assert _limits(put)[1] == 4
    statuses = [acme.put("login", LOGIN_DOC).status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]


def test_rate_limits_are_per_tenant(http: httpx.Client, emulator: EmulatorServer, acme: Tenant):
    for _ in range(5):
        acme.get("login")
    assert acme.get("login").status_code == 429
    other = Tenant(
        http, emulator.tenant_base("other"), fetch_token(http, emulator.tenant_base("other"))
    )
    assert other.get("login").status_code == 200


def test_errors_of_the_partials_endpoints_carry_rate_limit_headers(acme: Tenant):
    unauthorized = acme.http.get(acme.url("login"))
    assert _limits(unauthorized)[:2] == (5, 5)  # a 401 spends nothing
    bad_prompt = acme.get("no-such-prompt")
    assert bad_prompt.status_code == 400
    assert _limits(bad_prompt)[:2] == (5, 4)


def test_the_recorded_order_429_before_400(acme: Tenant):
    # deploy-cli's recording: GET passkeys answered 429 on a tenant without passkeys.
    for _ in range(5):
        acme.get("login")
    assert acme.get("no-such-prompt").status_code == 429


def test_rate_limits_off(http: httpx.Client, clock: ManualClock):
    server = start(clock, rate_limits="off")
    try:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        responses = [tenant.get("login") for _ in range(20)]
        assert {r.status_code for r in responses} == {200}
        assert int(responses[-1].headers["x-ratelimit-remaining"]) >= 1000
    finally:
        server.stop()


# -- tenants -----------------------------------------------------------------------------------


def test_tenants_are_isolated(http: httpx.Client, emulator: EmulatorServer, acme: Tenant):
    other_base = emulator.tenant_base("globex")
    other = Tenant(http, other_base, fetch_token(http, other_base))
    acme.put("login", LOGIN_DOC)
    assert other.get("login").json() == {}
    assert emulator.get_document("globex", "login") == {}
    assert emulator.get_document("acme", "login") == LOGIN_DOC


def test_the_default_tenant_is_served_at_the_root(http: httpx.Client, emulator: EmulatorServer):
    root = Tenant(http, emulator.base_url, fetch_token(http, emulator.base_url))
    root.put("login", LOGIN_DOC)
    prefixed = Tenant(http, emulator.tenant_base("default"), root.token)
    assert prefixed.get("login").json() == LOGIN_DOC
    assert emulator.tenant_base("x") == f"{emulator.base_url}/tenants/x"
    assert emulator.base_url.startswith("http://127.0.0.1:")


# -- request log, latency, out-of-band changes, admin ------------------------------------------


def test_every_call_is_logged_known_route_or_not(acme: Tenant, emulator: EmulatorServer):
    acme.put("login", LOGIN_DOC)
    acme.get("nope")
    acme.http.get(acme.url("login"))
    acme.call("GET", "/api/v2/prompts?x=1")
    acme.call("GET", "/api/v2/no-such-route")
    acme.http.get(emulator.base_url + "/tenants/Bad_Name/api/v2/prompts")
    assert emulator.request_log == [
        LoggedRequest("acme", "POST", "/oauth/token", 200, None),
        LoggedRequest("acme", "PUT", "/api/v2/prompts/login/partials", 200, "login"),
        LoggedRequest("acme", "GET", "/api/v2/prompts/nope/partials", 400, "nope"),
        LoggedRequest("acme", "GET", "/api/v2/prompts/login/partials", 401, "login"),
        LoggedRequest("acme", "GET", "/api/v2/prompts", 200, None),
        LoggedRequest("acme", "GET", "/api/v2/no-such-route", 404, None),
        LoggedRequest("Bad_Name", "GET", "/api/v2/prompts", 404, None),
    ]
    assert acme.token not in repr(emulator.request_log)
    assert "<p>a</p>" not in repr(emulator.request_log)


def test_latency_delays_every_call_the_token_endpoint_included(
    http: httpx.Client, clock: ManualClock
):
    server = start(clock, latency_seconds=0.38)
    try:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        assert clock.slept == (0.38,)
        tenant.get("login")
        tenant.put("login", {})
        tenant.call("GET", "/api/v2/prompts")
        tenant.call("GET", "/api/v2/custom-domains")
        assert clock.slept == (0.38,) * 5
    finally:
        server.stop()


def test_set_document_is_out_of_band(acme: Tenant, emulator: EmulatorServer):
    before = len(emulator.request_log)
    for _ in range(5):
        emulator.set_document("acme", "login", LOGIN_DOC)
    assert len(emulator.request_log) == before
    assert acme.get("login").json() == LOGIN_DOC
    with pytest.raises(ValueError, match="Expected type object"):
        emulator.set_document("acme", "login", {"login": ["not", "an", "object"]})


def test_admin_request_log(http: httpx.Client, emulator: EmulatorServer, acme: Tenant):
    acme.get("login")
    log = http.get(f"{emulator.base_url}/__emulator/requests").json()
    assert log == [
        {"tenant": "acme", "method": "POST", "path": "/oauth/token", "status": 200,
         "prompt": None},
        {"tenant": "acme", "method": "GET", "path": "/api/v2/prompts/login/partials",
         "status": 200, "prompt": "login"},
    ]  # fmt: skip
    assert http.delete(f"{emulator.base_url}/__emulator/requests").json() == {"cleared": 2}
    assert emulator.request_log == []


def test_admin_state_and_out_of_band_prompt_change(
    http: httpx.Client, emulator: EmulatorServer, acme: Tenant
):
    for _ in range(5):
        acme.put("signup", {})
    assert acme.put("signup", {}).status_code == 429
    admin_url = f"{emulator.base_url}/__emulator/tenants/acme/prompts/login"
    changed = http.put(admin_url, json=LOGIN_DOC)  # not rate limited, not logged
    assert changed.status_code == 200
    assert changed.json() == LOGIN_DOC
    assert http.get(admin_url).json() == LOGIN_DOC
    assert http.put(admin_url, json=["bad"]).status_code == 400
    state = http.get(f"{emulator.base_url}/__emulator/state").json()
    assert list(state["tenants"]) == ["acme"]
    assert state["tenants"]["acme"]["prompts"] == {"login": LOGIN_DOC}
    assert all(entry.prompt != "login" for entry in emulator.request_log)


def test_admin_unknown_path_answers_404(http: httpx.Client, emulator: EmulatorServer):
    assert http.get(f"{emulator.base_url}/__emulator/nothing").status_code == 404


def test_an_unknown_early_access_prompt_accepts_any_screen(http: httpx.Client, clock: ManualClock):
    server = start(clock, early_access=frozenset({"brand-new-prompt"}), validation="strict")
    try:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        document = {"brand-new-screen": {"some-point": "<p>x</p>"}}
        assert tenant.put("brand-new-prompt", document).json() == document
    finally:
        server.stop()


def test_concurrent_clients_share_one_bucket_exactly(acme: Tenant, emulator: EmulatorServer):
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(lambda _: acme.get("login").status_code, range(10)))
    assert statuses == [200] * 5 + [429] * 5
    assert len(emulator.request_log) == 11
