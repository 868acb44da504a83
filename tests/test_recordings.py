"""Replay recorded real Auth0 traffic against the emulator.

The recordings (``tests/fixtures/recordings``, origins in ``tests/fixtures/README.md``) are
go-vcr cassettes from terraform-provider-auth0 and go-auth0, and a nock extract from
auth0-deploy-cli. For each cassette: a fresh emulator and tenant, a valid token, then every
interaction whose route the emulator serves, in order, with the recorded method, query and body;
the answer's status and its body (compared as parsed JSON: Auth0 does not keep key order) must
match.

The tenant is put into the recorded tenant's situation first, and kept there:

- Interactions with routes the emulator does not serve but that change the tenant (creating or
  deleting a custom domain, an application or a connection) are applied out of band, with the
  recorded answer as the created object. Others (``GET /branding``, ...) are skipped.
- Custom domains the recorded tenant already had are those its first custom-domain list shows,
  less the ones the cassette created before; a page template it already had shows as a first
  template interaction that finds one (a GET answered 200, a PUT answered 204).
- Rate limits. The recorded tenants did not hit the documented 5-per-minute partials limit
  (some cassettes hold more than five GETs within a few seconds), so the replay is paced at
  the documented refill rate: the clock moves 12 s before each interaction. Before a
  recorded 429, the GET bucket is drained first, which is what the real tenant's was.
- Available prompts. ``passkeys`` answered 400 on the older deploy-cli tenant and ``200 {}``
  on the newer one: a cassette whose recording shows passkeys refused runs with
  ``unavailable_prompts={"passkeys"}``.
- go-auth0's rendering answers name the tenant (``go-auth0-dev.eu.auth0.com``); its cassettes
  run on an emulated tenant of that name.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from reconciler.emulator import EmulatorOptions, EmulatorServer, ManualClock
from reconciler.emulator.app import ROUTES
from reconciler.emulator.routing import match
from tests.test_emulator import token_form

RECORDINGS = Path(__file__).parent / "fixtures" / "recordings"

#: 60 s / 5 tokens: the documented refill interval of the partials buckets.
PACE_SECONDS = 12.0

#: Every interaction the emulator replays, per route family. A change means the recordings
#: changed: look at the new interactions, then update these numbers.
EXPECTED_REPLAYED = {
    "partials": 139,
    "custom_domains": 48,
    "branding": 57,
    "rendering": 16,
    "prompts": 5,
    "custom_text": 3,
    "connections": 6,
}

#: INDEX.md: these two cassettes are empty, the SDK refuses locally and sends nothing.
EMPTY_CASSETTES = {
    "go-auth0/TestPromptManager_GetPartialsGuardGuardError.yaml",
    "go-auth0/TestPromptManager_SetPartialsGuardGuardError.yaml",
}

_CREATED = re.compile(r"^/api/v2/(custom-domains|clients|connections)$")
_DELETED = re.compile(r"^/api/v2/(custom-domains|clients|connections)/(?P<id>[^/]+)$")
_SECTION = {"custom-domains": "custom_domains", "clients": "clients", "connections": "connections"}
_ID_KEY = {"custom_domains": "custom_domain_id", "clients": "client_id", "connections": "id"}


@dataclass(frozen=True)
class Interaction:
    where: str
    method: str
    path: str
    query: str
    body: bytes
    content_type: str
    status: int
    response: object

    @property
    def family(self) -> str | None:
        """The emulator's route family for this request, None when it serves no such route."""
        found = match(ROUTES, self.method, self.path)
        return found[0].family if found else None

    @property
    def prompt(self) -> str | None:
        found = re.fullmatch(r"/api/v2/prompts/([^/]+)/partials", self.path)
        return found[1] if found else None


@dataclass(frozen=True)
class Cassette:
    name: str
    interactions: tuple[Interaction, ...]

    @property
    def replayed(self) -> tuple[Interaction, ...]:
        return tuple(i for i in self.interactions if i.family is not None)

    @property
    def refuses_passkeys(self) -> bool:
        return any(i.prompt == "passkeys" and i.status == 400 for i in self.interactions)

    @property
    def tenant(self) -> str:
        if self.name.startswith("go-auth0-ul/"):
            return "go-auth0-dev.eu.auth0.com"
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


def _parsed(text: str) -> object:
    return json.loads(text) if text.strip() else None


def _go_vcr(path: Path) -> Iterator[Cassette]:
    name = path.relative_to(RECORDINGS).as_posix()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    interactions = []
    for recorded in data.get("interactions", []):
        request, response = recorded["request"], recorded["response"]
        url = urlsplit(request["url"])
        content_type = (request.get("headers") or {}).get("Content-Type", ["application/json"])
        interactions.append(
            Interaction(
                where=f"{name}#{recorded['id']}",
                method=request["method"],
                path=url.path,
                query=url.query,
                body=(request.get("body") or "").encode("utf-8"),
                content_type=content_type[0],
                status=int(response["code"]),
                response=_parsed(response["body"]),
            )
        )
    yield Cassette(name, tuple(interactions))


def _nock(path: Path) -> Iterator[Cassette]:
    extract = json.loads(path.read_text(encoding="utf-8"))
    for recording, entries in extract.items():
        name = f"{path.relative_to(RECORDINGS).as_posix()}:{recording}"
        interactions = []
        for index, entry in enumerate(entries):
            body = entry.get("body") or ""
            url = urlsplit(entry["path"])
            interactions.append(
                Interaction(
                    where=f"{name}#{index}",
                    method=entry["method"],
                    path=url.path,
                    query=url.query,
                    body=(body if isinstance(body, str) else json.dumps(body)).encode("utf-8"),
                    content_type="application/json",
                    status=int(entry["status"]),
                    response=entry["response"] if entry["response"] != "" else None,
                )
            )
        yield Cassette(name, tuple(interactions))


def load_cassettes() -> list[Cassette]:
    cassettes: list[Cassette] = []
    for path in sorted(RECORDINGS.rglob("*.yaml")):
        cassettes.extend(_go_vcr(path))
    for path in sorted(RECORDINGS.rglob("*.json")):
        cassettes.extend(_nock(path))
    return cassettes


CASSETTES = load_cassettes()
REPLAYED = [c for c in CASSETTES if c.replayed]


def test_the_recordings_are_all_found():
    assert RECORDINGS.is_dir(), f"recordings not found at {RECORDINGS}"
    assert {c.name for c in CASSETTES if not c.interactions} == EMPTY_CASSETTES
    counts = Counter(i.family for c in REPLAYED for i in c.replayed)
    assert dict(counts) == EXPECTED_REPLAYED
    assert len(REPLAYED) == 23


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def _initial_domains(cassette: Cassette) -> list[Any]:
    """The custom domains the recorded tenant had before the cassette began."""
    created: set[str] = set()
    for interaction in cassette.interactions:
        if interaction.method == "POST" and interaction.path == "/api/v2/custom-domains":
            assert isinstance(interaction.response, dict)
            created.add(interaction.response["custom_domain_id"])
        elif interaction.family == "custom_domains" and isinstance(interaction.response, list):
            return [d for d in interaction.response if d["custom_domain_id"] not in created]
    return []


def _had_template(cassette: Cassette) -> bool:
    for interaction in cassette.interactions:
        if interaction.family == "branding":
            return (interaction.method, interaction.status) in (("GET", 200), ("PUT", 204))
    return False


def _apply_out_of_band(server: EmulatorServer, tenant: str, interaction: Interaction) -> None:
    """A recorded create or delete of something the emulator does not serve, done directly."""
    created = _CREATED.match(interaction.path)
    deleted = _DELETED.match(interaction.path)
    if interaction.method == "POST" and created and interaction.status == 201:
        section = _SECTION[created[1]]
        items = list(server.tenant_state(tenant)[section])
        assert isinstance(interaction.response, dict)
        item = {k: v for k, v in interaction.response.items() if "secret" not in k}
        items.append(item)
        server.set_tenant_section(tenant, section, items)
    elif interaction.method == "DELETE" and deleted and interaction.status in (202, 204):
        section = _SECTION[deleted[1]]
        key = _ID_KEY[section]
        items = [i for i in server.tenant_state(tenant)[section] if i[key] != deleted["id"]]
        server.set_tenant_section(tenant, section, items)


@pytest.mark.parametrize("cassette", REPLAYED, ids=[c.name for c in REPLAYED])
def test_replay(http: httpx.Client, cassette: Cassette):
    clock = ManualClock()
    unavailable = frozenset({"passkeys"}) if cassette.refuses_passkeys else frozenset()
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, unavailable_prompts=unavailable)
    with EmulatorServer(options) as server:
        tenant = cassette.tenant
        base = server.tenant_base(tenant)
        server.set_tenant_section(tenant, "custom_domains", _initial_domains(cassette))
        if _had_template(cassette):
            template = (
                "<html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
            )
            server.set_tenant_section(tenant, "page_template", template)
        token = http.post(f"{base}/oauth/token", data=token_form(base, "replay", "x"))
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        drained = 0
        for interaction in cassette.interactions:
            if interaction.family is None:
                _apply_out_of_band(server, tenant, interaction)
                continue
            clock.advance(PACE_SECONDS)
            url = base + interaction.path + (f"?{interaction.query}" if interaction.query else "")
            if interaction.status == 429:
                drained += _drain_get_bucket(http, url, headers)
            answer = http.request(
                interaction.method, url, content=interaction.body,
                headers={**headers, "Content-Type": interaction.content_type},
            )  # fmt: skip
            assert answer.status_code == interaction.status, (interaction.where, answer.text)
            got = answer.json() if answer.content else None
            assert got == interaction.response, interaction.where
            assert "x-ratelimit-remaining" in answer.headers, interaction.where
        # Everything was answered by the emulator and logged: the token, the replayed
        # interactions and the requests that drained a bucket.
        assert len(server.request_log) == 1 + len(cassette.replayed) + drained


def _drain_get_bucket(http: httpx.Client, url: str, headers: dict[str, str]) -> int:
    """Spend the GET bucket down to zero, the state the real tenant was in; how many GETs."""
    for sent in range(1, 11):
        answer = http.get(url, headers=headers)
        if answer.headers["x-ratelimit-remaining"] == "0":
            return sent
    raise AssertionError("the GET bucket did not drain")
