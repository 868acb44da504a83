"""Every route's authentication, scope and rate limits: 401, 403 ``insufficient_scope``, the
global bucket and which bucket the headers describe."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator import ClientSpec, EmulatorOptions, EmulatorServer, ManualClock
from reconciler.emulator.app import ROUTES
from reconciler.emulator.routing import Route
from tests.test_emulator import Tenant, fetch_token

#: A path for each route template.
EXAMPLE = {
    "{prompt}": "login",
    "{screen}": "login",
    "{language}": "en",
    "{id}": "con_x",
}


def _path(route: Route) -> str:
    path = route.template
    for placeholder, value in EXAMPLE.items():
        path = path.replace(placeholder, value)
    return path


IDS = [f"{r.method} {r.template}" for r in ROUTES]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def nobody() -> Iterator[EmulatorServer]:
    """One declared client whose grant has a scope no route wants."""
    clock = ManualClock()
    options = EmulatorOptions(
        clock=clock,
        sleep=clock.sleep,
        rate_limits="off",
        clients={"nobody": ClientSpec("s", frozenset({"read:users"}))},
    )
    with EmulatorServer(options) as server:
        yield server


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_every_route_wants_a_token(http: httpx.Client, nobody: EmulatorServer, route: Route):
    answer = http.request(route.method, nobody.base_url + _path(route), json={})
    assert answer.status_code == 401
    assert answer.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Missing authentication",
    }
    assert "x-ratelimit-limit" in answer.headers


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_every_route_wants_its_scope(http: httpx.Client, nobody: EmulatorServer, route: Route):
    tenant = Tenant(http, nobody.base_url, fetch_token(http, nobody.base_url, "nobody", "s"))
    answer = tenant.call(route.method, _path(route), json={})
    assert answer.status_code == 403
    assert answer.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": f"Insufficient scope, expected any of: {', '.join(route.scopes)}",
        "errorCode": "insufficient_scope",
    }


def test_any_listed_scope_will_do(http: httpx.Client):
    clock = ManualClock()
    clients = {"summary": ClientSpec("s", frozenset({"read:client_summary"}))}
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, clients=clients)
    with EmulatorServer(options) as server:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url, "summary", "s"))
        assert tenant.call("GET", "/api/v2/clients").status_code == 200


# -- the global bucket -------------------------------------------------------------------------


def _limits(answer: httpx.Response) -> tuple[int, int, int]:
    return tuple(int(answer.headers[f"x-ratelimit-{k}"]) for k in ("limit", "remaining", "reset"))  # type: ignore[return-value]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def limited(http: httpx.Client, clock: ManualClock) -> Iterator[Tenant]:
    options = EmulatorOptions(clock=clock, sleep=clock.sleep)  # the documented defaults
    with EmulatorServer(options) as server:
        yield Tenant(http, server.base_url, fetch_token(http, server.base_url))


def test_the_global_bucket_models_an_enterprise_non_production_tenant(
    limited: Tenant, clock: ManualClock
):
    now = int(clock())
    seen = [limited.call("GET", "/api/v2/prompts") for _ in range(10)]
    assert {a.status_code for a in seen} == {200}
    assert [_limits(a)[1] for a in seen] == list(range(9, -1, -1))
    assert {_limits(a)[0] for a in seen} == {10}
    assert {_limits(a)[2] for a in seen} == {now + 1}  # 2 per second: next token within 0.5 s
    eleventh = limited.call("GET", "/api/v2/custom-domains")
    assert eleventh.status_code == 429
    assert eleventh.json() == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Global limit has been reached",
        "errorCode": "too_many_requests",
    }
    clock.advance(0.5)
    assert limited.call("GET", "/api/v2/prompts").status_code == 200


def test_partials_spend_the_global_bucket_too(limited: Tenant, clock: ManualClock):
    for _ in range(5):
        assert limited.get("login").status_code == 200
    for _ in range(5):
        assert limited.call("GET", "/api/v2/prompts").status_code == 200
    refused = limited.get("login")  # both buckets are empty: the global one is checked first
    assert refused.status_code == 429
    assert refused.json()["message"] == "Global limit has been reached"
    assert _limits(refused)[0] == 10  # a global refusal describes the global bucket
    clock.advance(5)
    endpoint = limited.get("login")
    assert endpoint.json()["message"] == "Endpoint limit has been reached"
    assert _limits(endpoint)[:2] == (5, 0)


def test_a_429_spends_nothing(limited: Tenant, clock: ManualClock):
    for _ in range(5):
        limited.get("login")
    for _ in range(3):
        assert limited.get("login").status_code == 429
    # 5 + 0 spent: the refused GETs did not touch the global bucket.
    assert _limits(limited.call("GET", "/api/v2/prompts"))[1] == 4


def test_partials_headers_may_describe_the_global_bucket(http: httpx.Client, clock: ManualClock):
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, partials_rate_limit_headers="global")
    with EmulatorServer(options) as server:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        assert _limits(tenant.get("login"))[:2] == (10, 9)


def test_the_global_bucket_is_configurable(http: httpx.Client, clock: ManualClock):
    options = EmulatorOptions(
        clock=clock, sleep=clock.sleep, global_rate_limit_burst=50, global_rate_limit_per_second=16
    )
    with EmulatorServer(options) as server:
        tenant = Tenant(http, server.base_url, fetch_token(http, server.base_url))
        statuses = [tenant.call("GET", "/api/v2/prompts").status_code for _ in range(51)]
        assert statuses == [200] * 50 + [429]
        with pytest.raises(ValueError, match="global rate limit"):
            EmulatorOptions(global_rate_limit_burst=0)
