"""The seeded tenant (ready for connection switching) and the admin endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator import SEED_PROMPTS, EmulatorOptions, EmulatorServer, ManualClock
from reconciler.emulator.api_branding import has_required_tags
from reconciler.emulator.evidence import SCREENS_BY_PROMPT
from reconciler.emulator.seed import ACME_WEB_CLIENT_ID, SEED_USER_EMAIL, SEED_USER_PASSWORD
from tests.test_emulator import Tenant, fetch_token


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def seeded() -> Iterator[EmulatorServer]:
    clock = ManualClock()
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, rate_limits="off", seed=True)
    with EmulatorServer(options) as server:
        yield server


@pytest.fixture
def acme(http: httpx.Client, seeded: EmulatorServer) -> Tenant:
    base = seeded.tenant_base("acme")
    return Tenant(http, base, fetch_token(http, base))


# -- the seeded tenant -------------------------------------------------------------------------


def test_the_seeded_tenant_meets_every_prerequisite_of_connection_switching(acme: Tenant):
    domains = acme.call("GET", "/api/v2/custom-domains").json()
    assert [(d["domain"], d["status"]) for d in domains] == [("login.acme.example", "ready")]
    template = acme.call("GET", "/api/v2/branding/templates/universal-login").json()["body"]
    assert "{%- auth0:head -%}" in template and "{%- auth0:widget -%}" in template
    assert has_required_tags(template)
    settings = acme.call("GET", "/api/v2/prompts").json()
    assert settings["universal_login_experience"] == "new"
    assert settings["identifier_first"] is True
    rendering = acme.call(
        "GET", "/api/v2/prompts/rendering", params={"per_page": "100", "include_totals": "true"}
    ).json()
    every_screen = sum(len(screens) for screens in SCREENS_BY_PROMPT.values())
    assert rendering["total"] == every_screen
    assert {c["rendering_mode"] for c in rendering["configs"]} == {"standard"}
    connections = acme.call("GET", "/api/v2/connections").json()
    assert [(c["name"], c["strategy"]) for c in connections] == [
        ("Username-Password-Authentication", "auth0"),
        ("email", "email"),
        ("sms", "sms"),
        ("google-oauth2", "google-oauth2"),
    ]
    for connection in connections:
        enabled = acme.call("GET", f"/api/v2/connections/{connection['id']}/clients").json()
        assert enabled == {"clients": [{"client_id": ACME_WEB_CLIENT_ID}]}
    clients = acme.call("GET", "/api/v2/clients").json()
    assert [(c["name"], c["custom_login_page_on"]) for c in clients] == [("Acme Web", False)]
    locales = acme.call("GET", "/api/v2/tenants/settings").json()["enabled_locales"]
    assert locales == ["en", "fr"]
    for prompt, document in SEED_PROMPTS.items():
        assert acme.get(prompt).json() == document


def test_the_seeded_user_is_kept_hashed(seeded: EmulatorServer, http: httpx.Client):
    assert seeded.check_password("acme", SEED_USER_EMAIL, SEED_USER_PASSWORD)
    assert seeded.check_password("acme", SEED_USER_EMAIL.upper(), SEED_USER_PASSWORD)
    assert not seeded.check_password("acme", SEED_USER_EMAIL, "Tr0ub4dor&3")
    assert not seeded.check_password("acme", "bob@acme.example", SEED_USER_PASSWORD)
    users = http.get(f"{seeded.base_url}/__emulator/tenants/acme/users").json()
    assert [u["email"] for u in users] == [SEED_USER_EMAIL]
    assert SEED_USER_PASSWORD not in str(http.get(f"{seeded.base_url}/__emulator/state").json())


# -- admin endpoints ---------------------------------------------------------------------------


def test_admin_reads_and_sets_any_section(seeded: EmulatorServer, http: httpx.Client, acme: Tenant):
    admin = f"{seeded.base_url}/__emulator/tenants/acme"
    assert http.get(f"{seeded.base_url}/__emulator/tenants").json() == ["acme"]
    whole = http.get(admin).json()
    assert set(whole) >= {"prompts", "connections", "page_template", "features", "users"}
    settings = {"universal_login_experience": "classic", "identifier_first": False}
    assert http.put(f"{admin}/prompt_settings", json=settings).json() == settings
    assert acme.call("GET", "/api/v2/prompts").json() == settings
    assert http.put(f"{admin}/page_template", content=b"null").json() is None
    assert acme.call("GET", "/api/v2/branding/templates/universal-login").status_code == 404
    users = [{"email": "bob@acme.example", "password": "hunter2"}]
    stored = http.put(f"{admin}/users", json=users).json()
    assert "password" not in stored[0] and stored[0]["password_hash"].startswith("pbkdf2")
    assert stored[0]["connection"] == "Username-Password-Authentication"
    assert seeded.check_password("acme", "bob@acme.example", "hunter2")
    assert acme.call("GET", "/api/v2/prompts").status_code == 200
    assert len([e for e in seeded.request_log if e.path.startswith("/__emulator")]) == 0


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("tenants/acme/colour", "red", "unknown tenant section 'colour'"),
        ("tenants/acme/connections", [{"id": "con_x"}], "needs a string 'name'"),
        ("tenants/acme/users", [{"password": "x"}], "'email'"),
        ("tenants/acme/features", {"page_templates": "yes"}, "true or false"),
        ("tenants/Bad_Name/prompts", {}, "Invalid tenant name"),
        ("state", {"tenants": []}, "no 'tenants' object"),
        ("faults", {"kind": "reset"}, "JSON list"),
    ],
)
def test_admin_refuses_malformed_state(
    seeded: EmulatorServer, http: httpx.Client, path: str, body: object, message: str
):
    answer = http.put(f"{seeded.base_url}/__emulator/{path}", json=body)
    if path == "faults":
        answer = http.post(f"{seeded.base_url}/__emulator/{path}", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["message"]


def test_admin_replaces_and_forgets_tenants(seeded: EmulatorServer, http: httpx.Client):
    admin = f"{seeded.base_url}/__emulator"
    bare = http.put(f"{admin}/tenants/bare", json={"connections": []}).json()
    assert bare["connections"] == [] and bare["prompts"] == {}
    assert bare["custom_domains"][0]["domain"] == "login.bare.example"  # defaults fill in
    assert http.delete(f"{admin}/tenants/bare").json() == {"deleted": True}
    assert http.delete(f"{admin}/tenants/bare").json() == {"deleted": False}
    again = http.get(f"{admin}/tenants/bare").json()  # recreated, seeded
    assert again["connections"][0]["name"] == "Username-Password-Authentication"
    state = http.get(f"{admin}/state").json()
    state["tenants"]["bare"]["prompts"] = {"login": {"login": {"form-footer-end": "<p>x</p>"}}}
    replaced = http.put(f"{admin}/state", json=state).json()
    assert replaced["tenants"]["bare"]["prompts"]["login"]["login"] == {
        "form-footer-end": "<p>x</p>"
    }
    assert seeded.get_document("bare", "login") == {"login": {"form-footer-end": "<p>x</p>"}}
    assert http.get(f"{admin}/nothing").status_code == 404
    assert http.post(f"{admin}/tenants/bare").status_code == 404
