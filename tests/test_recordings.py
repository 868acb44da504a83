"""Replay every recorded partials interaction of real Auth0 traffic against the emulator.

The recordings (``shared/reference/recordings``, see its INDEX.md) are go-vcr cassettes from
terraform-provider-auth0 and go-auth0, and a nock extract from auth0-deploy-cli. For each
cassette: a fresh emulator and tenant, a valid token, then every interaction whose path
contains ``/partials``, in order, with the recorded method and body; the answer's status and
its body (compared as parsed JSON maps: Auth0 does not keep key order) must match.

Two kinds of interaction need the emulator put into the recorded tenant's situation:

- Rate limits. The recorded tenants did not hit the documented 5-per-minute partials limit
  (some cassettes hold more than five GETs within a few seconds), so the replay is paced at
  the documented refill rate: the clock moves 12 s before each interaction. Before a
  recorded 429, the GET bucket is drained first, which is what the real tenant's was.
- Early access. ``passkeys`` answered 400 on the older deploy-cli tenant and ``200 {}`` on
  the newer one: a cassette whose recording shows passkeys succeeding runs with
  ``early_access={"passkeys"}``, the others without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from reconciler.emulator import EmulatorOptions, EmulatorServer, ManualClock

RECORDINGS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "recordings"

#: 60 s / 5 tokens: the documented refill interval of the partials buckets.
PACE_SECONDS = 12.0

#: Every partials interaction the recordings hold today. A change means the recordings
#: changed: look at the new interactions, then update this number.
EXPECTED_INTERACTIONS = 139

#: INDEX.md: these two cassettes are empty, the SDK refuses locally and sends nothing.
EMPTY_CASSETTES = {
    "go-auth0/TestPromptManager_GetPartialsGuardGuardError.yaml",
    "go-auth0/TestPromptManager_SetPartialsGuardGuardError.yaml",
}


@dataclass(frozen=True)
class Interaction:
    where: str
    method: str
    path: str
    body: bytes
    status: int
    response: object

    @property
    def prompt(self) -> str:
        match = re.fullmatch(r"/api/v2/prompts/([^/]+)/partials", self.path)
        assert match, self.path
        return match[1]


@dataclass(frozen=True)
class Cassette:
    name: str
    interactions: tuple[Interaction, ...]

    @property
    def needs_early_access(self) -> bool:
        return any(i.prompt == "passkeys" and i.status == 200 for i in self.interactions)


def _go_vcr(path: Path) -> Iterator[Cassette]:
    name = path.relative_to(RECORDINGS).as_posix()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    interactions = []
    for recorded in data.get("interactions", []):
        request, response = recorded["request"], recorded["response"]
        url = urlsplit(request["url"])
        if "/partials" not in url.path:
            continue
        interactions.append(
            Interaction(
                where=f"{name}#{recorded['id']}",
                method=request["method"],
                path=url.path,
                body=(request.get("body") or "").encode("utf-8"),
                status=int(response["code"]),
                response=json.loads(response["body"]),
            )
        )
    yield Cassette(name, tuple(interactions))


def _nock(path: Path) -> Iterator[Cassette]:
    extract = json.loads(path.read_text(encoding="utf-8"))
    for recording, entries in extract.items():
        name = f"{path.relative_to(RECORDINGS).as_posix()}:{recording}"
        interactions = []
        for index, entry in enumerate(entries):
            if "/partials" not in entry["path"]:
                continue
            body = entry.get("body") or ""
            interactions.append(
                Interaction(
                    where=f"{name}#{index}",
                    method=entry["method"],
                    path=urlsplit(entry["path"]).path,
                    body=(body if isinstance(body, str) else json.dumps(body)).encode("utf-8"),
                    status=int(entry["status"]),
                    response=entry["response"],
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
REPLAYED = [c for c in CASSETTES if c.interactions]


def test_the_recordings_are_all_found():
    assert RECORDINGS.is_dir(), f"recordings not found at {RECORDINGS}"
    assert {c.name for c in CASSETTES if not c.interactions} == EMPTY_CASSETTES
    assert sum(len(c.interactions) for c in REPLAYED) == EXPECTED_INTERACTIONS
    assert len(REPLAYED) == 14


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def _tenant_name(cassette: Cassette) -> str:
    return re.sub(r"[^a-z0-9]+", "-", cassette.name.lower()).strip("-")


@pytest.mark.parametrize("cassette", REPLAYED, ids=[c.name for c in REPLAYED])
def test_replay(http: httpx.Client, cassette: Cassette):
    clock = ManualClock()
    early_access = frozenset({"passkeys"}) if cassette.needs_early_access else frozenset()
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, early_access=early_access)
    with EmulatorServer(options) as server:
        base = server.tenant_base(_tenant_name(cassette))
        grant = {"grant_type": "client_credentials", "client_id": "replay", "client_secret": "x"}
        token = http.post(f"{base}/oauth/token", data=grant).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        drained = 0
        for interaction in cassette.interactions:
            clock.advance(PACE_SECONDS)
            if interaction.status == 429:
                drained += _drain_get_bucket(http, base + interaction.path, headers)
            answer = http.request(
                interaction.method, base + interaction.path, content=interaction.body,
                headers=headers,
            )  # fmt: skip
            assert answer.status_code == interaction.status, (interaction.where, answer.text)
            assert answer.json() == interaction.response, interaction.where
            assert "x-ratelimit-remaining" in answer.headers, interaction.where
        # Everything was answered by the emulator and logged: the token, the replayed
        # interactions and the requests that drained a bucket.
        assert len(server.request_log) == 1 + len(cassette.interactions) + drained


def _drain_get_bucket(http: httpx.Client, url: str, headers: dict[str, str]) -> int:
    """Spend the GET bucket down to zero, the state the real tenant was in; how many GETs."""
    for sent in range(1, 11):
        answer = http.get(url, headers=headers)
        if answer.headers["x-ratelimit-remaining"] == "0":
            return sent
    raise AssertionError("the GET bucket did not drain")
