"""``POST /oauth/token`` as Auth0 answers it: the canonical audience, client grants, scopes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator import (
    SLICE_SCOPES,
    ClientSpec,
    EmulatorOptions,
    EmulatorServer,
    ManualClock,
    parse_client,
)
from tests.test_emulator import Tenant, fetch_token, token_form

NO_GRANT = (
    'Client is not authorized to access "{}". You need to create a "client-grant" associated '
    "to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(clock=clock, sleep=clock.sleep)) as server:
        yield server


@pytest.fixture
def closed(clock: ManualClock) -> Iterator[EmulatorServer]:
    """Only declared clients: a reader, a writer, and one without a client grant."""
    clients = dict(
        parse_client(spec)
        for spec in ("reader=r-secret@read:prompts", "writer=w-secret", "orphan=o-secret@-")
    )
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, clients=clients)
    with EmulatorServer(options) as server:
        yield server


def _token(http: httpx.Client, base: str, **form: str) -> httpx.Response:
    return http.post(f"{base}/oauth/token", data=form)


def test_the_audience_is_the_tenants_canonical_one(http: httpx.Client, emulator: EmulatorServer):
    root, acme = emulator.base_url, emulator.tenant_base("acme")
    assert _token(http, root, **token_form(root)).status_code == 200
    assert _token(http, acme, **token_form(acme)).status_code == 200
    # A tenant's token is asked at its own base URL: another tenant's audience is refused.
    wrong = _token(http, acme, **token_form(root))
    assert wrong.status_code == 403
    assert wrong.json() == {
        "error": "access_denied",
        "error_description": f"Service not enabled within domain: {root}/api/v2/",
    }


@pytest.mark.parametrize(
    "audience",
    [
        "https://login.acme.example/api/v2/",  # the tenant's custom domain
        "https://acme.eu.auth0.com/api/v2/",
        "https://example.com/userinfo",
        "{base}/api/v2",  # no trailing slash
    ],
)
def test_any_other_audience_is_not_enabled(
    http: httpx.Client, emulator: EmulatorServer, audience: str
):
    base = emulator.tenant_base("acme")
    audience = audience.format(base=base)
    answer = _token(http, base, **{**token_form(base), "audience": audience})
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "access_denied",
        "error_description": f"Service not enabled within domain: {audience}",
    }


def test_a_missing_audience_is_refused(http: httpx.Client, emulator: EmulatorServer):
    form = token_form(emulator.base_url)
    del form["audience"]
    answer = _token(http, emulator.base_url, **form)
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "access_denied",
        "error_description": "Non-global clients are not allowed access to APIv1",
    }


def test_the_default_tenant_under_its_prefix_keeps_the_root_audience(
    http: httpx.Client, emulator: EmulatorServer
):
    prefixed = emulator.tenant_base("default")
    assert _token(http, prefixed, **token_form(prefixed)).status_code == 403
    assert _token(http, prefixed, **token_form(emulator.base_url)).status_code == 200


def test_the_host_header_names_the_base_url(http: httpx.Client, emulator: EmulatorServer):
    port = emulator.port
    form = {**token_form(f"http://localhost:{port}/tenants/acme")}
    url = f"{emulator.tenant_base('acme')}/oauth/token"
    assert http.post(url, data=form).status_code == 403  # Host is 127.0.0.1:PORT
    named = http.post(url, data=form, headers={"Host": f"localhost:{port}"})
    assert named.status_code == 200


def test_without_declared_clients_every_client_gets_every_scope(
    http: httpx.Client, emulator: EmulatorServer
):
    answer = _token(http, emulator.base_url, **token_form(emulator.base_url, "any", "thing"))
    assert answer.json()["scope"].split() == sorted(SLICE_SCOPES)


def test_declared_clients_get_their_grants_scopes(http: httpx.Client, closed: EmulatorServer):
    base = closed.tenant_base("acme")
    reader = _token(http, base, **token_form(base, "reader", "r-secret")).json()
    writer = _token(http, base, **token_form(base, "writer", "w-secret")).json()
    assert reader["scope"] == "read:prompts"
    assert writer["scope"] == "read:prompts update:prompts"  # the default of --client


def test_a_client_without_a_grant_is_refused_a_token(http: httpx.Client, closed: EmulatorServer):
    base = closed.tenant_base("acme")
    answer = _token(http, base, **token_form(base, "orphan", "o-secret"))
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "access_denied",
        "error_description": NO_GRANT.format(f"{base}/api/v2/"),
    }
    wrong_secret = _token(http, base, **token_form(base, "orphan", "nope"))
    assert wrong_secret.status_code == 401  # the client is checked before its grant


def test_client_grants_list_the_declared_grants(http: httpx.Client, closed: EmulatorServer):
    base = closed.tenant_base("acme")
    token = fetch_token(http, base, "writer", "w-secret")
    tenant = Tenant(http, base, token)
    # writer's token has read:prompts update:prompts only: reading grants needs its scope.
    denied = tenant.call("GET", "/api/v2/client-grants")
    assert denied.status_code == 403
    assert denied.json()["message"] == "Insufficient scope, expected any of: read:client_grants"
    closed.set_tenant_section(
        "acme",
        "client_grants",
        [{"id": "cgr_admin", "client_id": "writer", "audience": "/api/v2/",
          "scope": ["read:client_grants", "read:clients", "update:prompts"]}],
    )  # fmt: skip
    token = fetch_token(http, base, "writer", "w-secret")  # a stored grant wins
    grants = Tenant(http, base, token).call("GET", "/api/v2/client-grants").json()
    assert grants == [
        {"id": "cgr_admin", "client_id": "writer", "audience": f"{base}/api/v2/",
         "scope": ["read:client_grants", "read:clients", "update:prompts"]},
        {"id": grants[1]["id"], "client_id": "reader", "audience": f"{base}/api/v2/",
         "scope": ["read:prompts"]},
        {"id": grants[2]["id"], "client_id": "writer", "audience": f"{base}/api/v2/",
         "scope": ["read:prompts", "update:prompts"]},
    ]  # fmt: skip
    filtered = Tenant(http, base, token).call(
        "GET", "/api/v2/client-grants", params={"client_id": "reader", "include_totals": "true"}
    )
    assert filtered.json() == {"start": 0, "limit": 50, "total": 1, "client_grants": [grants[1]]}
    clients = Tenant(http, base, token).call("GET", "/api/v2/clients").json()
    assert [c["client_id"] for c in clients] == ["reader", "writer", "orphan"]
    assert all(c["app_type"] == "non_interactive" for c in clients)
    assert not any("secret" in key for client in clients for key in client)


@pytest.mark.parametrize(
    ("spec", "scopes"),
    [
        ("a=s", frozenset({"read:prompts", "update:prompts"})),
        ("a=s@read:prompts", frozenset({"read:prompts"})),
        ("a=s@read:prompts, update:branding", frozenset({"read:prompts", "update:branding"})),
        ("a=s@-", None),
    ],
)
def test_parse_client(spec: str, scopes: frozenset[str] | None):
    client_id, parsed = parse_client(spec)
    assert client_id == "a"
    assert parsed.scopes == scopes
    assert parsed.secret_matches("s")


@pytest.mark.parametrize("spec", ["a", "=s", "a=", "a=s@"])
def test_parse_client_refuses_bad_specs(spec: str):
    with pytest.raises(ValueError, match="--client"):
        parse_client(spec)


def test_client_spec_without_grant(http: httpx.Client, clock: ManualClock):
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, clients={"x": ClientSpec("s", None)})
    with EmulatorServer(options) as server:
        answer = _token(http, server.base_url, **token_form(server.base_url, "x", "s"))
        assert answer.status_code == 403
