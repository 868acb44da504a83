"""The page template, tenant settings and custom domains over real sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator import EmulatorOptions, EmulatorServer, ManualClock
from reconciler.emulator.evidence import MAX_TEMPLATE_CHARS
from tests.test_emulator import Tenant, fetch_token

TEMPLATE = "/api/v2/branding/templates/universal-login"
PAGE = "<html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
NEEDS_DOMAIN = "This feature requires at least one custom domain to be configured for the tenant."


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    clock = ManualClock()
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, rate_limits="off")
    with EmulatorServer(options) as server:
        yield server


@pytest.fixture
def acme(http: httpx.Client, emulator: EmulatorServer) -> Tenant:
    base = emulator.tenant_base("acme")
    return Tenant(http, base, fetch_token(http, base))


# -- the page template -------------------------------------------------------------------------


def test_no_template_answers_the_recorded_404(acme: Tenant):
    answer = acme.call("GET", TEMPLATE)
    assert answer.status_code == 404
    assert answer.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "Template does not exist.",
        "errorCode": "inexistent_templates_universal_login",
    }


def test_first_put_creates_then_updates_and_delete_removes(acme: Tenant):
    created = acme.call("PUT", TEMPLATE, json=PAGE)  # a JSON string, as go-auth0 sends it
    assert (created.status_code, created.json()) == (201, {})
    assert acme.call("GET", TEMPLATE).json() == {"body": PAGE}
    other = PAGE.replace("<body>", "<body class='x'>")
    updated = acme.call("PUT", TEMPLATE, json={"template": other})
    assert (updated.status_code, updated.content) == (204, b"")
    assert acme.call("GET", TEMPLATE).json() == {"body": other}
    deleted = acme.call("DELETE", TEMPLATE)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert acme.call("GET", TEMPLATE).status_code == 404
    assert acme.call("PUT", TEMPLATE, json=PAGE).status_code == 201


def test_a_template_may_come_as_html_or_a_form(acme: Tenant):
    html = acme.call("PUT", TEMPLATE, content=PAGE, headers={"Content-Type": "text/html"})
    assert html.status_code == 201
    form = acme.call("PUT", TEMPLATE, content=f"template={PAGE.replace('%', '%25')}",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert form.status_code == 204
    assert acme.call("GET", TEMPLATE).json() == {"body": PAGE}


@pytest.mark.parametrize(
    "template",
    [
        "<html><body>{%- auth0:widget -%}</body></html>",
        "<html><head>{%- auth0:head -%}</head><body></body></html>",
        "<html>{%- auth0:head -%}{%- auth0:head -%}{%- auth0:widget -%}</html>",
    ],
)
def test_the_tags_are_checked_with_auth0s_message(acme: Tenant, template: str):
    answer = acme.call("PUT", TEMPLATE, json=template)
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "The template must contain a single auth0:head tag and at least one auth0:widget tag."
    )
    assert acme.call("GET", TEMPLATE).status_code == 404


def test_the_tags_may_be_written_without_whitespace_control(acme: Tenant):
    page = "<html><head>{% auth0:head %}</head><body>{% auth0:widget %}</body></html>"
    assert acme.call("PUT", TEMPLATE, json=page).status_code == 201


def test_the_length_limit(acme: Tenant):
    filler = "x" * (MAX_TEMPLATE_CHARS - len(PAGE))
    assert acme.call("PUT", TEMPLATE, json=PAGE + filler).status_code == 201
    answer = acme.call("PUT", TEMPLATE, json={"template": PAGE + filler + "y"})
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "Payload content length greater than maximum allowed: 102400."
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"body": PAGE}, "Payload validation error: 'Data does not match any schemas from "
                         "'oneOf''."),
        (7, "Payload validation error: 'Data does not match any schemas from 'oneOf''."),
    ],
)  # fmt: skip
def test_other_bodies_are_refused(acme: Tenant, body: object, message: str):
    answer = acme.call("PUT", TEMPLATE, json=body)
    assert answer.status_code == 400
    assert answer.json()["message"] == message


def test_the_template_needs_a_custom_domain(acme: Tenant, emulator: EmulatorServer):
    emulator.set_tenant_section("acme", "custom_domains", [])
    for method in ("GET", "PUT", "DELETE"):
        answer = acme.call(method, TEMPLATE, json=PAGE if method == "PUT" else None)
        assert answer.status_code == 400
        assert answer.json() == {
            "statusCode": 400,
            "error": "Bad Request",
            "message": NEEDS_DOMAIN,
            "errorCode": "operation_not_supported",
        }


def test_a_plan_without_templates_answers_402(acme: Tenant, emulator: EmulatorServer):
    emulator.set_tenant_section("acme", "features", {"page_templates": False})
    answer = acme.call("GET", TEMPLATE)
    assert answer.status_code == 402
    assert answer.json() == {
        "statusCode": 402,
        "error": "Payment Required",
        "message": "A paid subscription is required for this feature.",
    }


# -- tenant settings ---------------------------------------------------------------------------


def test_tenant_settings_patch_answers_the_full_settings(acme: Tenant):
    before = acme.call("GET", "/api/v2/tenants/settings").json()
    assert before["enabled_locales"] == ["en"]
    assert before["friendly_name"] == "acme"
    answer = acme.call(
        "PATCH",
        "/api/v2/tenants/settings",
        json={
            "enabled_locales": ["fr", "en"],
            "friendly_name": "Acme",
            "flags": {"enable_sso": True},
        },
    )
    assert answer.status_code == 200
    after = answer.json()
    assert after["enabled_locales"] == ["fr", "en"]  # the first is the default language
    assert after["friendly_name"] == "Acme"
    assert after["flags"] == {**before["flags"], "enable_sso": True}  # merged one level deep
    assert acme.call("GET", "/api/v2/tenants/settings").json() == after
    trimmed = acme.call(
        "GET", "/api/v2/tenants/settings", params={"fields": "friendly_name,enabled_locales"}
    )
    assert trimmed.json() == {"enabled_locales": ["fr", "en"], "friendly_name": "Acme"}
    excluded = acme.call(
        "GET",
        "/api/v2/tenants/settings",
        params={"fields": "flags", "include_fields": "false"},
    ).json()
    assert "flags" not in excluded and "friendly_name" in excluded


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"enabled_locales": ["en", "xx"]},
         "Payload validation error: 'No enum match for: xx' on property enabled_locales.1."),
        ({"default_language": "fr"},
         "Payload validation error: 'Additional properties not allowed: default_language'."),
        ({}, "Payload validation error: 'Too few properties defined (0), minimum 1'."),
        ({"session_lifetime": 0},
         "Payload validation error: 'Value 0 is less than minimum 1' on property "
         "session_lifetime."),
        ({"friendly_name": 5},
         "Payload validation error: 'Expected type string but found type integer' on "
         "property friendly_name."),
    ],
)  # fmt: skip
def test_tenant_settings_refusals(acme: Tenant, body: object, message: str):
    answer = acme.call("PATCH", "/api/v2/tenants/settings", json=body)
    assert answer.status_code == 400
    assert answer.json()["message"] == message
    assert answer.json()["errorCode"] == "invalid_body"


# -- custom domains ----------------------------------------------------------------------------


def test_every_tenant_has_a_ready_custom_domain(acme: Tenant, http: httpx.Client,
                                                emulator: EmulatorServer):  # fmt: skip
    domains = acme.call("GET", "/api/v2/custom-domains").json()
    assert domains == [
        {
            "custom_domain_id": "cd_SeedCustomDom001",
            "domain": "login.acme.example",
            "primary": True,
            "status": "ready",
            "type": "auth0_managed_certs",
            "verification": {
                "methods": [
                    {
                        "name": "CNAME",
                        "record": "acme-cd-seedcustomdom001.edge.tenants.auth0.com",
                        "domain": "login.acme.example",
                    }
                ]
            },
            "tls_policy": "recommended",
        }
    ]
    root = Tenant(http, emulator.base_url, fetch_token(http, emulator.base_url))
    root_domains = root.call("GET", "/api/v2/custom-domains").json()
    assert [d["domain"] for d in root_domains] == ["login.default.example"]
    assert acme.call("GET", "/api/v2/custom-domains", params={"fields": "domain"}).json() == [
        {"domain": "login.acme.example"}
    ]
    page = acme.call("GET", "/api/v2/custom-domains", params={"take": "1"}).json()
    assert json.dumps(page).startswith('{"custom_domains": [')
    assert "next" not in page
