"""Prompt settings, custom text and rendering settings over real sockets."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator import EmulatorOptions, EmulatorServer, ManualClock
from reconciler.emulator.evidence import SCREENS_BY_PROMPT
from tests.test_emulator import Tenant, fetch_token

TEXTS = "/api/v2/prompts/{}/custom-text/{}"
RENDERING = "/api/v2/prompts/{}/screen/{}/rendering"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _serve(clock: ManualClock, **overrides: object) -> EmulatorServer:
    options = EmulatorOptions(
        clock=clock,
        sleep=clock.sleep,
        rate_limits="off",
        **overrides,  # type: ignore[arg-type]
    )
    return EmulatorServer(options).start()


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[EmulatorServer]:
    server = _serve(clock)
    yield server
    server.stop()


@pytest.fixture
def acme(http: httpx.Client, emulator: EmulatorServer) -> Tenant:
    base = emulator.tenant_base("acme")
    return Tenant(http, base, fetch_token(http, base))


def _bad_request(response: httpx.Response, message: str, code: str = "invalid_body") -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": message,
        "errorCode": code,
    }


# -- GET / PATCH /prompts ----------------------------------------------------------------------


def test_prompt_settings_default_and_patch_answers_the_full_settings(acme: Tenant):
    assert acme.call("GET", "/api/v2/prompts").json() == {
        "universal_login_experience": "new",
        "identifier_first": False,
        "webauthn_platform_first_factor": False,
    }
    patched = acme.call("PATCH", "/api/v2/prompts", json={"identifier_first": True})
    assert patched.status_code == 200
    assert patched.json() == {
        "universal_login_experience": "new",
        "identifier_first": True,
        "webauthn_platform_first_factor": False,
    }
    acme.call("PATCH", "/api/v2/prompts", json={"universal_login_experience": "classic"})
    assert acme.call("GET", "/api/v2/prompts").json()["universal_login_experience"] == "classic"
    reset = acme.call("PATCH", "/api/v2/prompts", json={"identifier_first": None})
    assert reset.json()["identifier_first"] is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"partials": {}},  # deploy-cli#916, recorded
         "Payload validation error: 'Additional properties not allowed: partials'."),
        ({}, "Payload validation error: 'Too few properties defined (0), minimum 1'."),
        ({"universal_login_experience": "newest"},
         "Payload validation error: 'No enum match for: newest' on property "
         "universal_login_experience."),
        ({"identifier_first": "yes"},
         "Payload validation error: 'Expected type boolean,null but found type string' on "
         "property identifier_first."),
        ([], "Payload validation error: 'Expected type object but found type array'."),
    ],
)  # fmt: skip
def test_prompt_settings_refusals(acme: Tenant, body: object, message: str):
    _bad_request(acme.call("PATCH", "/api/v2/prompts", json=body), message)
    assert acme.call("GET", "/api/v2/prompts").json()["identifier_first"] is False


def test_a_body_that_is_not_json_answers_400(acme: Tenant):
    answer = acme.call(
        "PATCH", "/api/v2/prompts", content=b"{", headers={"Content-Type": "application/json"}
    )
    _bad_request(answer, "Invalid request payload JSON format")


# -- custom text -------------------------------------------------------------------------------


def test_custom_text_put_replaces_the_whole_document_and_empty_clears(acme: Tenant):
    path = TEXTS.format("login", "fr")
    assert acme.call("GET", path).json() == {}
    first = {"login": {"title": "Bienvenue", "var-switch": "Recevoir un code"}}
    answer = acme.call("PUT", path, json=first)
    assert answer.status_code == 200
    assert answer.json() == first
    second = {"login": {"description": "Connectez-vous"}}
    acme.call("PUT", path, json=second)
    assert acme.call("GET", path).json() == second  # not merged
    assert acme.call("GET", TEXTS.format("login", "en")).json() == {}  # per language
    assert acme.call("PUT", path, json={}).json() == {}
    assert acme.call("GET", path).json() == {}


@pytest.mark.parametrize(
    ("prompt", "language", "message"),
    [
        ("no-such", "en", "Path validation error: 'Invalid value \"no-such\"' on property "
                          "prompt (Name of the prompt)."),
        ("login", "xx", "Path validation error: 'Invalid value \"xx\"' on property language "
                        "(Language to update)."),
    ],
)  # fmt: skip
def test_custom_text_path_validation(acme: Tenant, prompt: str, language: str, message: str):
    path = TEXTS.format(prompt, language)
    _bad_request(acme.call("GET", path), message, "bad_request")
    _bad_request(acme.call("PUT", path, json={}), message, "bad_request")


def test_custom_text_knows_every_documented_prompt(acme: Tenant):
    for prompt in ("async-approval-flow", "confirmation", "mfa-otp", "common"):
        assert acme.call("GET", TEXTS.format(prompt, "pt-BR")).status_code == 200


def test_custom_text_accepts_any_key_but_not_more_than_30_variables(acme: Tenant):
    path = TEXTS.format("login-password", "en")
    anything = {"login-password": {"someKeyAuth0MayNotKnow": "x"}, "other-screen": {}}
    assert acme.call("PUT", path, json=anything).status_code == 200
    many = {"login-password": {f"var-v{i}": "x" for i in range(31)}}
    _bad_request(
        acme.call("PUT", path, json=many),
        "Payload validation error: 'Too many custom variables (31), maximum 30' on property "
        "login-password.",
    )
    _bad_request(
        acme.call("PUT", path, json=["x"]),
        "Payload validation error: 'Expected type object but found type array'.",
    )


def test_strict_custom_text_refuses_screens_of_other_prompts(
    http: httpx.Client, clock: ManualClock
):
    server = _serve(clock, validation="strict")
    try:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        path = TEXTS.format("login", "en")
        _bad_request(
            tenant.call("PUT", path, json={"signup": {"title": "x"}}),
            "Payload validation error: 'Additional properties not allowed: signup'.",
        )
        _bad_request(
            tenant.call("PUT", path, json={"login": {"title": 1}}),
            "Payload validation error: 'Expected type string but found type integer' on "
            "property login.title.",
        )
    finally:
        server.stop()


# -- rendering ---------------------------------------------------------------------------------


def test_rendering_patch_merges_and_echoes_the_request(acme: Tenant):
    path = RENDERING.format("login-id", "login-id")
    assert acme.call("GET", path).json() == {
        "tenant": "acme",
        "prompt": "login-id",
        "screen": "login-id",
        "rendering_mode": "standard",
    }
    advanced = {
        "rendering_mode": "advanced",
        "context_configuration": ["branding.settings", "client.metadata.plan"],
        "head_tags": [{"tag": "script", "attributes": {"src": "https://cdn.example/a.js"}}],
    }
    answer = acme.call("PATCH", path, json=advanced)
    assert answer.status_code == 200
    assert answer.json() == advanced
    assert acme.call("PATCH", path, json={"use_page_template": True}).json() == {
        "use_page_template": True
    }
    assert acme.call("PATCH", path, json={}).json() == {}
    assert acme.call("GET", path).json() == {
        "tenant": "acme",
        "prompt": "login-id",
        "screen": "login-id",
        **advanced,
        "use_page_template": True,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rendering_mode": "fancy"},
         "Payload validation error: 'No enum match for: fancy' on property rendering_mode."),
        ({"partials": {}},
         "Payload validation error: 'Additional properties not allowed: partials'."),
        ({"context_configuration": ["client.metadata.a.b"]},
         "Payload validation error: 'Data does not match any schemas from 'oneOf'' on "
         "property context_configuration.0."),
    ],
)  # fmt: skip
def test_rendering_patch_refusals(acme: Tenant, body: object, message: str):
    _bad_request(acme.call("PATCH", RENDERING.format("login", "login"), json=body), message)


@pytest.mark.parametrize(
    ("prompt", "screen", "name", "description"),
    [
        ("nope", "login", "prompt", "Name of the prompt"),
        ("login", "nope", "screen", "Name of the screen"),
    ],
)
def test_rendering_path_validation(
    acme: Tenant, prompt: str, screen: str, name: str, description: str
):
    value = prompt if name == "prompt" else screen
    message = (
        f"Path validation error: 'Invalid value \"{value}\"' on property {name} ({description})."
    )
    _bad_request(acme.call("GET", RENDERING.format(prompt, screen)), message, "bad_request")


def test_rendering_of_a_screen_needs_a_custom_domain_the_list_does_not(
    acme: Tenant, emulator: EmulatorServer
):
    emulator.set_tenant_section("acme", "custom_domains", [])
    for method, body in (("GET", None), ("PATCH", {"rendering_mode": "standard"})):
        answer = acme.call(method, RENDERING.format("login", "login"), json=body)
        assert answer.status_code == 403
        assert answer.json() == {  # recorded (deploy-cli 0d425455)
            "statusCode": 403,
            "error": "Forbidden",
            "message": "This feature requires at least one custom domain to be configured for "
            "the tenant.",
            "errorCode": "operation_not_supported",
        }
    listed = acme.call("GET", "/api/v2/prompts/rendering", params={"include_totals": "true"})
    assert listed.json() == {"configs": [], "start": 0, "limit": 50, "total": 0}


def test_rendering_without_the_plan_answers_402(acme: Tenant, emulator: EmulatorServer):
    emulator.set_tenant_section("acme", "features", {"advanced_customizations": False})
    for path in ("/api/v2/prompts/rendering", RENDERING.format("login", "login")):
        answer = acme.call("GET", path)
        assert answer.status_code == 402
        assert answer.json() == {
            "statusCode": 402,
            "error": "Payment Required",
            "message": "A paid subscription is required to use Advanced Customizations.",
        }


def _configure(acme: Tenant, pairs: list[tuple[str, str, str]]) -> None:
    for prompt, screen, mode in pairs:
        body: dict[str, object] = {"rendering_mode": mode}
        if mode == "advanced":
            body |= {"context_configuration": ["screen.texts"], "head_tags": []}
        assert acme.call("PATCH", RENDERING.format(prompt, screen), json=body).status_code == 200


def test_rendering_list_filters_and_pages(acme: Tenant):
    _configure(
        acme,
        [
            ("login", "login", "standard"),
            ("login-id", "login-id", "advanced"),
            ("signup", "signup", "advanced"),
            ("login-passwordless", "login-passwordless-email-code", "standard"),
        ],
    )
    every = acme.call("GET", "/api/v2/prompts/rendering").json()
    assert [(c["prompt"], c["screen"]) for c in every] == [
        ("login", "login"),
        ("login-id", "login-id"),
        ("signup", "signup"),
        ("login-passwordless", "login-passwordless-email-code"),
    ]
    assert all("tenant" not in c for c in every)  # recorded: list items carry no tenant
    advanced = acme.call(
        "GET", "/api/v2/prompts/rendering", params={"rendering_mode": "advanced"}
    ).json()
    assert [c["prompt"] for c in advanced] == ["login-id", "signup"]
    # start and limit are "before filtering", total counts every configuration (OAS).
    page = acme.call(
        "GET",
        "/api/v2/prompts/rendering",
        params={"page": "1", "per_page": "2", "include_totals": "true", "prompt": "signup"},
    ).json()
    assert page["start"] == 2 and page["limit"] == 2 and page["total"] == 4
    assert [c["screen"] for c in page["configs"]] == ["signup"]
    trimmed = acme.call(
        "GET", "/api/v2/prompts/rendering", params={"fields": "screen", "per_page": "1"}
    ).json()
    assert trimmed == [{"screen": "login"}]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"per_page": "101"},
         "Query validation error: 'Value 101 is greater than maximum 100' on property per_page."),
        ({"page": "-1"},
         "Query validation error: 'Value -1 is less than minimum 0' on property page."),
        ({"per_page": "ten"},
         "Query validation error: 'Expected type integer but found type string' on property "
         "per_page."),
        ({"rendering_mode": "fancy"},
         "Query validation error: 'No enum match for: fancy' on property rendering_mode."),
    ],
)  # fmt: skip
def test_rendering_list_query_validation(acme: Tenant, params: dict[str, str], message: str):
    answer = acme.call("GET", "/api/v2/prompts/rendering", params=params)
    _bad_request(answer, message, "invalid_query_string")


def test_strict_rendering_rules(http: httpx.Client, clock: ManualClock):
    server = _serve(clock, validation="strict")
    try:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        _bad_request(
            tenant.call("PATCH", RENDERING.format("login", "login"),
                        json={"rendering_mode": "advanced"}),
            "Payload validation error: 'Missing required property: context_configuration'.",
        )  # fmt: skip
        _bad_request(
            tenant.call("GET", RENDERING.format("login", "signup")),
            "Path validation error: 'Invalid value \"signup\"' on property screen "
            "(Name of the screen).",
            "bad_request",
        )
    finally:
        server.stop()


def test_every_screen_of_every_prompt_is_addressable(acme: Tenant):
    for prompt, screens in SCREENS_BY_PROMPT.items():
        for screen in screens:
            assert acme.call("GET", RENDERING.format(prompt, screen)).status_code == 200
