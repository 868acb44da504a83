"""The emulator's idea of Auth0 against Auth0's own OpenAPI document (a copy under
``tests/fixtures/emulator``), and against the client's catalogue: each catches the other's
mistakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler import catalog
from reconciler.emulator import enums, evidence, oas_schemas
from reconciler.emulator.app import ROUTES

OAS = json.loads(
    (Path(__file__).parent / "fixtures" / "emulator" / "management-api-ul-slice.json").read_text(
        encoding="utf-8"
    )
)
SCHEMAS: dict[str, Any] = OAS["components"]["schemas"]
KEEP = ("type", "pattern", "enum", "maxLength", "minLength", "minimum", "maximum",
        "minItems", "maxItems")  # fmt: skip


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**SCHEMAS[schema["$ref"].split("/")[-1]], **extra}
    return schema


def reduce(schema: dict[str, Any], expand: int) -> dict[str, Any]:
    """The reduction ``oas_schemas``' docstring describes."""
    schema = resolve(schema)
    out = {key: schema[key] for key in KEEP if key in schema}
    if "oneOf" in schema:
        out["oneOf"] = [reduce(branch, expand) for branch in schema["oneOf"]]
    if "items" in schema:
        out["items"] = reduce(schema["items"], expand)
    if expand > 0 and ("properties" in schema or "additionalProperties" in schema):
        for key in ("additionalProperties", "minProperties", "required"):
            if key in schema:
                out[key] = schema[key]
        if "properties" in schema:
            out["properties"] = {
                name: reduce(child, expand - 1) for name, child in schema["properties"].items()
            }
    return out


def _operation(method: str, template: str) -> dict[str, Any]:
    path = template.removeprefix("/api/v2")
    return dict(OAS["paths"][path][method.lower()])


def _body_schema(method: str, template: str) -> dict[str, Any]:
    content = _operation(method, template)["requestBody"]["content"]
    return dict(content["application/json"]["schema"])


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("PROMPT_GROUPS", "PromptGroupNameEnum"),
        ("SCREEN_NAMES", "ScreenGroupNameEnum"),
        ("LANGUAGES", "PromptLanguageEnum"),
        ("LOCALES", "TenantSettingsSupportedLocalesEnum"),
        ("PARTIAL_GROUPS", "PartialGroupsEnum"),
        ("CONNECTION_STRATEGIES", "ConnectionStrategyEnum"),
    ],
)
def test_enums_are_the_documents(name: str, key: str):
    assert list(getattr(enums, name)) == SCHEMAS[key]["enum"]


@pytest.mark.parametrize(
    ("name", "method", "template"),
    [
        ("PROMPT_SETTINGS_BODY", "PATCH", "/api/v2/prompts"),
        ("TENANT_SETTINGS_BODY", "PATCH", "/api/v2/tenants/settings"),
        ("RENDERING_BODY", "PATCH", "/api/v2/prompts/{prompt}/screen/{screen}/rendering"),
        ("TEMPLATE_BODY", "PUT", "/api/v2/branding/templates/universal-login"),
        ("CONNECTION_BODY", "PATCH", "/api/v2/connections/{id}"),
        ("CONNECTION_CLIENTS_BODY", "PATCH", "/api/v2/connections/{id}/clients"),
        ("CUSTOM_TEXT_BODY", "PUT", "/api/v2/prompts/{prompt}/custom-text/{language}"),
        ("PARTIALS_BODY", "PUT", "/api/v2/prompts/{prompt}/partials"),
    ],
)
def test_body_schemas_are_the_documents_reduced(name: str, method: str, template: str):
    assert getattr(oas_schemas, name) == reduce(_body_schema(method, template), 1)


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("RENDERING_LIST_QUERY", "/api/v2/prompts/rendering"),
        ("CONNECTIONS_LIST_QUERY", "/api/v2/connections"),
        ("CONNECTION_CLIENTS_QUERY", "/api/v2/connections/{id}/clients"),
        ("CLIENTS_LIST_QUERY", "/api/v2/clients"),
        ("CLIENT_GRANTS_LIST_QUERY", "/api/v2/client-grants"),
        ("CUSTOM_DOMAINS_LIST_QUERY", "/api/v2/custom-domains"),
        ("TENANT_SETTINGS_QUERY", "/api/v2/tenants/settings"),
    ],
)
def test_query_schemas_are_the_documents_reduced(name: str, template: str):
    parameters = _operation("GET", template)["parameters"]
    expected = {p["name"]: reduce(p["schema"], 0) for p in parameters if p["in"] == "query"}
    assert getattr(oas_schemas, name) == expected


def test_every_route_is_in_the_document_with_its_scopes():
    for route in ROUTES:
        operation = _operation(route.method, route.template)
        documented = next(s["oAuth2ClientCredentials"] for s in operation["security"] if
                          "oAuth2ClientCredentials" in s)  # fmt: skip
        assert list(route.scopes) == documented, route.template
        assert route.scopes[0] in evidence.SLICE_SCOPES


def test_every_slice_scope_serves_some_route():
    assert set(evidence.SLICE_SCOPES) == {route.scopes[0] for route in ROUTES}


def test_path_parameter_descriptions_are_the_documents():
    for route in ROUTES:
        for parameter in _operation(route.method, route.template).get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] != "id":
                described = evidence.PATH_PARAMETER_DESCRIPTIONS[parameter["name"]]
                assert parameter["description"].rstrip(".") == described


def test_screens_by_prompt_cover_the_documents_prompts_and_screens():
    assert list(evidence.SCREENS_BY_PROMPT) == SCHEMAS["PromptGroupNameEnum"]["enum"]
    screens = [s for group in evidence.SCREENS_BY_PROMPT.values() for s in group]
    assert len(screens) == len(set(screens))
    assert set(screens) == set(SCHEMAS["ScreenGroupNameEnum"]["enum"])


def test_partials_prompts_are_the_documents_plus_the_sdks_newer_one():
    documented = set(SCHEMAS["PartialGroupsEnum"]["enum"])
    assert set(evidence.PARTIALS_PROMPTS) - documented == {"confirmation"}
    assert documented <= set(evidence.PARTIALS_PROMPTS)
    for prompt in evidence.PARTIALS_PROMPTS.values():
        assert set(prompt.screens) <= set(evidence.SCREENS_BY_PROMPT[prompt.name])


def test_the_template_limit_is_the_documents():
    body = resolve(_body_schema("PUT", "/api/v2/branding/templates/universal-login"))
    assert body["oneOf"][0]["maxLength"] == evidence.MAX_TEMPLATE_CHARS


def test_the_emulator_and_the_client_agree_on_the_partials_catalogue():
    """Two independent readings of the evidence: a difference is a mistake in one of them."""
    assert set(evidence.PARTIALS_PROMPTS) == set(catalog.PROMPTS)
    for name, prompt in evidence.PARTIALS_PROMPTS.items():
        spec = catalog.PROMPTS[name]
        assert prompt.screens == spec.screens, name
        assert prompt.insertion_points == spec.insertion_points, name
    assert evidence.MAX_PARTIAL_CHARS == catalog.MAX_PARTIAL_CHARS
    assert evidence.STANDARD_INSERTION_POINTS == catalog.STANDARD_INSERTION_POINTS


def test_the_emulator_does_not_import_the_clients_catalogue():
    package = Path(evidence.__file__).parent
    for module in package.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "reconciler.catalog" not in text.replace("``reconciler.catalog``", ""), module.name
