"""Connections, their enabled clients (both endpoints, one record) and clients, on a seeded
tenant."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator import EmulatorOptions, EmulatorServer, ManualClock
from reconciler.emulator.seed import (
    ACME_WEB_CLIENT_ID,
    DATABASE_CONNECTION_ID,
    EMAIL_CONNECTION_ID,
    GOOGLE_CONNECTION_ID,
    SMS_CONNECTION_ID,
)
from tests.test_emulator import Tenant, fetch_token

CONNECTIONS = "/api/v2/connections"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    clock = ManualClock()
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, rate_limits="off", seed=True)
    with EmulatorServer(options) as server:
        yield server


@pytest.fixture
def acme(http: httpx.Client, emulator: EmulatorServer) -> Tenant:
    base = emulator.tenant_base("acme")
    return Tenant(http, base, fetch_token(http, base))


def _clients_of(acme: Tenant, connection_id: str) -> list[str]:
    answer = acme.call("GET", f"{CONNECTIONS}/{connection_id}/clients").json()
    return [c["client_id"] for c in answer["clients"]]


def test_list_filters_by_name_and_strategy(acme: Tenant):
    every = acme.call("GET", CONNECTIONS).json()
    assert [c["name"] for c in every] == [
        "Username-Password-Authentication",
        "email",
        "sms",
        "google-oauth2",
    ]
    assert all("enabled_clients" not in c for c in every)  # ConnectionForList (OAS)
    by_name = acme.call("GET", CONNECTIONS, params={"name": "email"}).json()
    assert [c["id"] for c in by_name] == [EMAIL_CONNECTION_ID]
    passwordless = acme.call("GET", CONNECTIONS, params={"strategy": ["email", "sms"]}).json()
    assert [c["id"] for c in passwordless] == [EMAIL_CONNECTION_ID, SMS_CONNECTION_ID]
    assert acme.call("GET", CONNECTIONS, params={"name": "nope"}).json() == []


def test_list_pages_and_trims(acme: Tenant):
    page = acme.call(
        "GET", CONNECTIONS, params={"per_page": "2", "page": "1", "include_totals": "true"}
    ).json()
    assert (page["start"], page["limit"], page["total"]) == (2, 2, 4)
    assert [c["id"] for c in page["connections"]] == [SMS_CONNECTION_ID, GOOGLE_CONNECTION_ID]
    trimmed = acme.call("GET", CONNECTIONS, params={"fields": "id", "per_page": "1"}).json()
    assert trimmed == [{"id": DATABASE_CONNECTION_ID, "is_domain_connection": False}]  # recorded
    checkpoint = acme.call("GET", CONNECTIONS, params={"take": "3"}).json()
    assert [c["id"] for c in checkpoint["connections"]][-1] == SMS_CONNECTION_ID
    assert checkpoint["next"] == GOOGLE_CONNECTION_ID
    rest = acme.call("GET", CONNECTIONS, params={"take": "3", "from": checkpoint["next"]}).json()
    assert [c["id"] for c in rest["connections"]] == [GOOGLE_CONNECTION_ID]
    assert "next" not in rest
    too_many = acme.call("GET", CONNECTIONS, params={"per_page": "101"})
    assert too_many.status_code == 400


def test_checkpoint_pages_trimmed_by_fields(acme: Tenant, emulator: EmulatorServer):
    first = acme.call("GET", CONNECTIONS, params={"fields": "name", "take": "1"})
    assert first.status_code == 200
    database = {"name": "Username-Password-Authentication", "is_domain_connection": False}
    assert first.json() == {"connections": [database], "next": EMAIL_CONNECTION_ID}
    second = acme.call(
        "GET", CONNECTIONS, params={"fields": "name", "take": "1", "from": first.json()["next"]}
    ).json()
    assert second == {
        "connections": [{"name": "email", "is_domain_connection": False}],
        "next": SMS_CONNECTION_ID,
    }
    admin = f"{emulator.base_url}/__emulator/tenants/acme/clients"
    other = "OtherApp0000000000000000000000001"
    stored = acme.http.get(admin).json()
    added = {"tenant": "acme", "client_id": other, "name": "Other App", "app_type": "spa"}
    assert acme.http.put(admin, json=[*stored, added]).status_code == 200
    clients = acme.call("GET", "/api/v2/clients", params={"fields": "name", "take": "1"})
    assert clients.status_code == 200
    assert clients.json() == {"clients": [{"tenant": "acme", "name": "Acme Web"}], "next": other}
    rest = acme.call(
        "GET", "/api/v2/clients", params={"fields": "name", "take": "1", "from": other}
    ).json()
    assert rest == {"clients": [{"tenant": "acme", "name": "Other App"}]}


def test_one_connection_and_a_missing_one(acme: Tenant):
    connection = acme.call("GET", f"{CONNECTIONS}/{SMS_CONNECTION_ID}").json()
    assert connection["name"] == "sms"
    assert connection["strategy"] == "sms"
    assert connection["enabled_clients"] == [ACME_WEB_CLIENT_ID]
    missing = acme.call("GET", f"{CONNECTIONS}/con_nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The connection does not exist",
        "errorCode": "inexistent_connection",
    }
    assert acme.call("GET", f"{CONNECTIONS}/con_nope/clients").status_code == 404


def test_both_enablement_endpoints_share_one_record(acme: Tenant):
    other = "OtherApp0000000000000000000000001"
    changes = [{"client_id": other, "status": True}, {"client_id": ACME_WEB_CLIENT_ID,
                                                      "status": False}]  # fmt: skip
    answer = acme.call("PATCH", f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}/clients", json=changes)
    assert (answer.status_code, answer.content) == (204, b"")
    assert _clients_of(acme, EMAIL_CONNECTION_ID) == [other]
    full = acme.call("GET", f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}").json()
    assert full["enabled_clients"] == [other]
    patched = acme.call(
        "PATCH", f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}",
        json={"enabled_clients": [ACME_WEB_CLIENT_ID, other]},
    )  # fmt: skip
    assert patched.status_code == 200
    assert patched.json()["enabled_clients"] == [ACME_WEB_CLIENT_ID, other]
    assert _clients_of(acme, EMAIL_CONNECTION_ID) == [ACME_WEB_CLIENT_ID, other]
    paged = acme.call(
        "GET", f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}/clients", params={"take": "1"}
    ).json()
    assert paged == {"clients": [{"client_id": ACME_WEB_CLIENT_ID}], "next": other}


def test_patch_replaces_options_and_rewrites_display_name(acme: Tenant):
    path = f"{CONNECTIONS}/{GOOGLE_CONNECTION_ID}"
    answer = acme.call("PATCH", path, json={"options": {"email": True}})
    assert answer.status_code == 200
    assert answer.json()["options"] == {"email": True}  # the whole options object
    assert answer.json()["display_name"] == "google-oauth2"  # OAS: overwritten with the name
    named = acme.call("PATCH", path, json={"display_name": "Google"}).json()
    assert named["display_name"] == "Google"
    assert acme.call("GET", path).json()["options"] == {"email": True}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}", {"name": "renamed"},
         "Payload validation error: 'Additional properties not allowed: name'."),
        (f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}", {},
         "Payload validation error: 'Too few properties defined (0), minimum 1'."),
        (f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}/clients", [],
         "Payload validation error: 'Array is too short (0), minimum 1'."),
        (f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}/clients", [{"client_id": "x"}],
         "Payload validation error: 'Missing required property: status' on property 0."),
        (f"{CONNECTIONS}/{EMAIL_CONNECTION_ID}/clients",
         [{"client_id": f"c{i}", "status": True} for i in range(51)],
         "Payload validation error: 'Array is too long (51), maximum 50'."),
    ],
)  # fmt: skip
def test_connection_refusals(acme: Tenant, path: str, body: object, message: str):
    answer = acme.call("PATCH", path, json=body)
    assert answer.status_code == 400
    assert answer.json()["message"] == message
    assert _clients_of(acme, EMAIL_CONNECTION_ID) == [ACME_WEB_CLIENT_ID]


def test_clients_list_acme_web_without_secrets(acme: Tenant):
    clients = acme.call("GET", "/api/v2/clients").json()
    assert [c["name"] for c in clients] == ["Acme Web"]
    acme_web = clients[0]
    assert acme_web["client_id"] == ACME_WEB_CLIENT_ID
    assert acme_web["custom_login_page_on"] is False
    assert not any("secret" in key for key in acme_web)
    assert acme.call("GET", "/api/v2/clients", params={"app_type": "spa"}).json() == []
    trimmed = acme.call("GET", "/api/v2/clients", params={"fields": "client_id"}).json()
    assert trimmed == [{"tenant": "acme", "client_id": ACME_WEB_CLIENT_ID}]  # recorded
    totals = acme.call("GET", "/api/v2/clients", params={"include_totals": "true"}).json()
    assert (totals["total"], totals["limit"]) == (1, 50)
