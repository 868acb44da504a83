"""How a run opens its clients: in parallel (a tenant waits only for its own), one per tenant,
and on connection pools shared by the tenants of one host; and the plan's cheap checks, which
run alongside the reads once a tenant's first document is read."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

import reconciler
from reconciler.emulator import ClientSpec, EmulatorOptions, EmulatorServer
from reconciler.management.transport import ConnectionPools
from reconciler.session import Redirect, Session, SessionSettings

ENVIRON = {"ID": "client", "SECRET": "secret"}
TENANT_FILE = """\
tenant: {name}
domain: {base}
credentials:
  client_id: ${{ID}}
  client_secret: ${{SECRET}}
prompts:
  signup-password:
    - switch: email
      label: Send a secure code by email
  login-password:
    - switch: email
      label: Send a secure code by email
  login-passwordless:
    login-passwordless-email-code:
      - switch: Username-Password-Authentication
        label: Use Password Instead
"""


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer(
        EmulatorOptions(rate_limits="off", seed=True, clients={"client": ClientSpec("secret")})
    ).start()
    try:
        yield server
    finally:
        server.stop()


def tenant_files(tmp_path: Path, server: EmulatorServer, *names: str) -> Path:
    folder = tmp_path / "tenants"
    folder.mkdir(exist_ok=True)
    for name in names:
        text = TENANT_FILE.format(name=name, base=server.tenant_base(name))
        (folder / f"{name}.yaml").write_text(text, "utf-8")
    return folder


def test_tenants_open_their_clients_at_the_same_time(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    configs = reconciler.load([tenant_files(tmp_path, emulator, "one", "two")], environ=ENVIRON)
    both_opening = threading.Barrier(2, timeout=10)

    def base_for(tenant: str) -> str:
        # Each tenant's opening waits here for the other's: were clients opened one at a time,
        # under one lock, the barrier would break instead.
        both_opening.wait()
        return emulator.tenant_base(tenant)

    settings = SessionSettings(redirect=Redirect(base_for), budget=False, environ=ENVIRON)
    with Session(settings) as session, ThreadPoolExecutor(2) as pool:
        clients = list(pool.map(session.client, configs))
    assert [c.tenant for c in clients] == ["one", "two"]


def test_a_tenant_opens_one_client_whatever_asks_for_it(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    (config,) = reconciler.load([tenant_files(tmp_path, emulator, "one")], environ=ENVIRON)
    opened: list[str] = []

    def base_for(tenant: str) -> str:
        opened.append(tenant)
        return emulator.tenant_base(tenant)

    settings = SessionSettings(redirect=Redirect(base_for), budget=False, environ=ENVIRON)
    with Session(settings) as session, ThreadPoolExecutor(8) as pool:
        clients = set(pool.map(lambda _: session.client(config), range(32)))
    assert len(clients) == 1
    assert opened == ["one"]


def test_a_client_closed_early_leaves_the_shared_pool_to_the_others(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    folder = tenant_files(tmp_path, emulator, *(f"t{i}" for i in range(6)))
    configs = reconciler.load([folder], environ=ENVIRON)
    with Session(SessionSettings(budget=False, environ=ENVIRON)) as session:
        plan = reconciler.plan(configs, session=session, concurrency=1, checks=False)
        session.client(configs[0]).close()
        again = reconciler.plan(configs[1:], session=session, concurrency=1, checks=False)
    assert not plan.has_errors and not again.has_errors


class _CountingServer(ThreadingHTTPServer):
    """Answers 200 to everything, keeping connections open; counts the connections."""

    daemon_threads = True
    accepted = 0

    def get_request(self) -> tuple[socket.socket, Any]:
        self.accepted += 1
        return super().get_request()


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize(("per_host", "connections"), [(1, 1), (2, 2)])
def test_clients_of_one_host_share_a_pool_and_its_connections(
    per_host: int, connections: int
) -> None:
    server = _CountingServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    pools = ConnectionPools(per_host=per_host)
    try:
        for _ in range(2):  # two clients, one after the other
            with httpx.Client(transport=pools.transport(origin, False)) as client:
                assert client.get(origin + "/").status_code == 200
        assert pools.counts() == {origin: per_host}
        assert server.accepted == connections
        pools.transport("http://127.0.0.1:9", False)
        assert pools.counts() == {origin: per_host, "http://127.0.0.1:9": 1}
    finally:
        pools.close()
        server.shutdown()
        server.server_close()


def test_the_checks_and_reads_go_together_after_the_token_and_a_failed_tenant_sends_none(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    folder = tenant_files(tmp_path, emulator, "good", "refused")
    configs = reconciler.load([folder], environ=ENVIRON)
    wrong = {**ENVIRON, "SECRET": "wrong"}

    def environ_of(tenant: str) -> dict[str, str]:
        return wrong if tenant == "refused" else ENVIRON

    plans = {}
    for config in configs:
        settings = SessionSettings(budget=False, environ=environ_of(config.name))
        with Session(settings) as session:
            plans[config.name] = reconciler.plan([config], session=session)
    log = emulator.request_log
    good = [(e.method, e.path, e.prompt) for e in log if e.tenant == "good"]
    assert good[0][1].endswith("/oauth/token")  # the token first, alone
    assert sum(e[1].endswith("/oauth/token") for e in good) == 1
    assert sum(e[2] is not None for e in good) == 3  # the three documents
    assert sum(e[2] is None and not e[1].endswith("/oauth/token") for e in good) == 3
    refused = [(e.method, e.path) for e in log if e.tenant == "refused"]
    assert refused == [("POST", "/oauth/token")]  # one token request, no check sent
    assert plans["refused"].has_errors and not plans["good"].has_errors
