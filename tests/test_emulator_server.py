"""The emulator as a process users run: state file, seeded tenant, TLS, ``serve()`` and its
clean exit on SIGTERM / Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.emulator import (
    SEED_PROMPTS,
    EmulatorOptions,
    EmulatorServer,
    EmulatorStateError,
    ManualClock,
)
from reconciler.emulator.seed import (
    LOGIN_PASSWORD_SWITCH,
    LOGIN_PASSWORDLESS_SWITCH_DRIFTED,
    SIGNUP_PASSWORD_SWITCH,
    UNMANAGED_HELP_LINK,
)
from tests.test_emulator import token_form

PROJECT = Path(__file__).resolve().parents[1]
SEED_FILE = (
    Path(__file__).parent / "fixtures" / "emulator" / "configure-flexible-connection-switching.txt"
)
LOGIN_DOC = {"login": {"form-footer-start": "<p>kept</p>"}}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def token(http: httpx.Client, base: str) -> str:
    response = http.post(f"{base}/oauth/token", data=token_form(base, "c", "s"))
    assert response.status_code == 200
    value = response.json()["access_token"]
    assert isinstance(value, str)
    return value


def options(**overrides: object) -> EmulatorOptions:
    clock = ManualClock()
    return EmulatorOptions(clock=clock, sleep=clock.sleep, **overrides)  # type: ignore[arg-type]


# -- state file --------------------------------------------------------------------------------


def test_state_persists_across_a_restart(http: httpx.Client, tmp_path: Path):
    state = tmp_path / "state" / "emulator.json"
    with EmulatorServer(options(state_file=state)) as first:
        base = first.tenant_base("acme")
        response = http.put(
            f"{base}/api/v2/prompts/login/partials", json=LOGIN_DOC, headers=_auth(http, base)
        )
        assert response.status_code == 200
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert list(saved["tenants"]) == ["acme"]
    assert saved["tenants"]["acme"]["prompts"] == {"login": LOGIN_DOC}
    assert sorted(p.name for p in state.parent.iterdir()) == ["emulator.json"]  # no temp files
    with EmulatorServer(options(state_file=state)) as second:
        base = second.tenant_base("acme")
        response = http.get(f"{base}/api/v2/prompts/login/partials", headers=_auth(http, base))
        assert response.json() == LOGIN_DOC
        assert second.get_document("acme", "login") == LOGIN_DOC


def test_state_file_records_out_of_band_changes_and_clears(tmp_path: Path):
    state = tmp_path / "emulator.json"
    with EmulatorServer(options(state_file=state)) as server:
        server.set_document("acme", "signup", {"signup": {"form-content-end": "x"}})
        assert "form-content-end" in state.read_text(encoding="utf-8")
        server.set_document("acme", "signup", {})
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["tenants"]["acme"]["prompts"] == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"tenants": []}', "no 'tenants' object"),
        ('{"tenants": {"a": {}}}', "no 'prompts' object"),
        ('{"tenants": {"a": {"prompts": {"login": {"login": "x"}}}}}', "Expected type object"),
        ('{"tenants": {"a": {"prompts": {}, "connections": [{"id": 1}]}}}', "needs a string"),
        ('{"tenants": {"a": {"prompts": {}, "page_template": 7}}}', "page_template"),
        ('{"tenants": {"a": {"prompts": {}, "colour": "red"}}}', "unknown tenant section"),
    ],
)
def test_a_broken_state_file_is_a_clear_error(tmp_path: Path, content: str, message: str):
    state = tmp_path / "emulator.json"
    state.write_text(content, encoding="utf-8")
    with pytest.raises(EmulatorStateError, match=message) as raised:
        EmulatorServer(options(state_file=state))
    assert str(state) in str(raised.value)


# -- seed --------------------------------------------------------------------------------------


def test_seeded_tenants_start_from_the_hand_configured_tenant(http: httpx.Client):
    with EmulatorServer(options(seed=True)) as server:
        base = server.tenant_base("acme-dev")
        headers = _auth(http, base)
        for prompt, document in SEED_PROMPTS.items():
            answer = http.get(f"{base}/api/v2/prompts/{prompt}/partials", headers=headers)
            assert answer.json() == document
        assert http.get(f"{base}/api/v2/prompts/login/partials", headers=headers).json() == {}
        # A second tenant gets its own copy.
        server.set_document("acme-dev", "login-password", {})
        assert server.get_document("other", "login-password") == SEED_PROMPTS["login-password"]


def test_tenants_known_from_the_state_file_are_not_reseeded(tmp_path: Path):
    state = tmp_path / "emulator.json"
    with EmulatorServer(options(state_file=state)) as server:
        server.set_document("acme", "login", LOGIN_DOC)
    with EmulatorServer(options(state_file=state, seed=True)) as server:
        assert server.get_document("acme", "signup-password") == {}
        assert server.get_document("fresh", "signup-password") == SEED_PROMPTS["signup-password"]


def _seed_payloads() -> list[dict[str, dict[str, str]]]:
    """The JSON each ``curl --data`` of the seed file sends, after the shell's unquoting."""
    text = SEED_FILE.read_text(encoding="utf-8")
    return [json.loads(shlex.split(arg)[0]) for arg in re.findall(r"^  --data (.*)$", text, re.M)]


def test_seed_html_is_copied_exactly_from_the_curl_calls():
    signup, login, passwordless = _seed_payloads()
    assert signup["signup-password"]["form-footer-start"] == SIGNUP_PASSWORD_SWITCH
    assert login["login-password"]["form-footer-start"] == LOGIN_PASSWORD_SWITCH
    original = passwordless["login-passwordless-email-code"]["form-footer-start"]
    assert "type='hidden'  name='state'" in original
    assert (
        original.replace("<span>Use Password Instead</span>", "<span>Use password instead</span>")
        == LOGIN_PASSWORDLESS_SWITCH_DRIFTED
    )
    assert original != LOGIN_PASSWORDLESS_SWITCH_DRIFTED
    assert SEED_PROMPTS == {
        "signup-password": {"signup-password": {"form-footer-start": SIGNUP_PASSWORD_SWITCH}},
        "login-password": {
            "login-password": {
                "form-footer-start": LOGIN_PASSWORD_SWITCH,
                "secondary-actions-end": UNMANAGED_HELP_LINK,
            }
        },
        "login-passwordless": {
            "login-passwordless-email-code": {
                "form-footer-start": LOGIN_PASSWORDLESS_SWITCH_DRIFTED
            }
        },
    }


# -- TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not on PATH")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls(certificate: tuple[Path, Path]):
    cert, key = certificate
    trust = ssl.create_default_context(cafile=str(cert))
    with (
        EmulatorServer(options(), tls_cert=cert, tls_key=key) as server,
        httpx.Client(verify=trust, timeout=5) as client,
    ):
        assert server.base_url.startswith("https://127.0.0.1:")
        base = server.tenant_base("acme")
        headers = _auth(client, base)
        put = client.put(f"{base}/api/v2/prompts/login/partials", json=LOGIN_DOC, headers=headers)
        assert put.status_code == 200
        assert put.json() == LOGIN_DOC
        with pytest.raises(httpx.RemoteProtocolError):  # plain HTTP on the TLS port: hung up
            httpx.get(server.base_url.replace("https", "http") + "/oauth/token", timeout=2)


def test_tls_key_without_cert_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="--tls-cert"):
        EmulatorServer(options(), tls_key=tmp_path / "key.pem")


# -- running it --------------------------------------------------------------------------------


def test_stop_is_idempotent_and_a_stopped_server_cannot_restart():
    server = EmulatorServer(options()).start()
    server.stop()
    server.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        server.start()


SERVE = """
import sys
from reconciler.emulator import EmulatorOptions, serve
serve(EmulatorOptions(rate_limits="off"), "127.0.0.1", 0, None, None,
      lambda line: print(line, flush=True))
print("returned cleanly", flush=True)
"""


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_announces_then_stops_cleanly_on_a_signal(
    http: httpx.Client, stop_signal: signal.Signals
):
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    with subprocess.Popen(
        [sys.executable, "-c", SERVE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.fullmatch(
                r"auth0-partials emulator listening on (http://127\.0\.0\.1:\d+) "
                r"\(rate limits: off\)\n",
                line,
            )
            assert match, line
            assert token(http, match[1])
            process.send_signal(stop_signal)
            out, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err
    assert out == "returned cleanly\n"
    assert "Traceback" not in err


def _auth(http: httpx.Client, base: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(http, base)}"}


# -- the state file's formats ------------------------------------------------------------------


def test_a_state_file_of_the_earlier_format_still_loads(http: httpx.Client, tmp_path: Path):
    state = tmp_path / "emulator.json"
    state.write_text(
        json.dumps({"tenants": {"acme": {"prompts": {"login": LOGIN_DOC}}}}), encoding="utf-8"
    )
    with EmulatorServer(options(state_file=state)) as server:
        assert server.get_document("acme", "login") == LOGIN_DOC
        tenant = server.tenant_state("acme")
        assert tenant["custom_domains"][0]["domain"] == "login.acme.example"
        assert tenant["prompt_settings"]["universal_login_experience"] == "new"
        base = server.tenant_base("acme")
        headers = _auth(http, base)
        domains = http.get(f"{base}/api/v2/custom-domains", headers=headers)
        assert [d["domain"] for d in domains.json()] == ["login.acme.example"]
        http.patch(f"{base}/api/v2/prompts", json={"identifier_first": True}, headers=headers)
    saved = json.loads(state.read_text(encoding="utf-8"))["tenants"]["acme"]
    assert saved["prompts"] == {"login": LOGIN_DOC}
    assert "connections" in saved  # rewritten in the current format


def test_every_section_survives_a_restart(http: httpx.Client, tmp_path: Path):
    state = tmp_path / "emulator.json"
    with EmulatorServer(options(state_file=state, seed=True)) as first:
        base = first.tenant_base("acme")
        headers = _auth(http, base)
        api = f"{base}/api/v2"
        assert http.patch(f"{api}/prompts", json={"identifier_first": False}, headers=headers)
        texts = {"login": {"title": "Bonjour"}}
        assert http.put(f"{api}/prompts/login/custom-text/fr", json=texts, headers=headers)
        first.set_tenant_section("acme", "features", {"advanced_customizations": False})
        before = first.tenant_state("acme")
    with EmulatorServer(options(state_file=state)) as second:
        assert second.tenant_state("acme") == before
        assert before["custom_text"] == {"login": {"fr": texts}}
        assert before["prompt_settings"]["identifier_first"] is False
        assert second.check_password("acme", "alice@acme.example", "correct horse battery staple")
    assert "correct horse" not in state.read_text(encoding="utf-8")


# -- stopping on SIGTERM -----------------------------------------------------------------------

#: ``emulator serve`` on a busy machine: a long GIL switch interval makes each new request
#: thread slow to start, so SIGTERM often lands while the accept loop is starting one (where
#: socketserver catches ``Exception``).
BUSY_SERVE = (
    "import sys; sys.setswitchinterval(0.05)\n"
    "from reconciler.cli import main\n"
    "sys.argv = ['auth0-partials', 'emulator', 'serve', '--port', '0', '--rate-limits', 'off']\n"
    "main()\n"
)
_BIG = json.dumps({"login": {f"p{i}": "x" for i in range(60_000)}}).encode()
HEAVY_PUT = (
    b"PUT /api/v2/prompts/login/partials HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/json\r\nContent-Length: " + str(len(_BIG)).encode()
    + b"\r\n\r\n" + _BIG
)  # fmt: skip


def _flood(url: str, stop: threading.Event) -> None:
    """Keep request threads busy (each parses a large body) until ``stop``."""
    host, port = url.removeprefix("http://").split(":")
    while not stop.is_set():
        with (
            contextlib.suppress(OSError),
            socket.create_connection((host, int(port)), timeout=2) as sock,
        ):
            sock.sendall(HEAVY_PUT)
            sock.recv(64)


@pytest.mark.parametrize("attempt", range(5))
def test_emulator_serve_always_stops_on_sigterm(attempt: int):
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    with subprocess.Popen(
        [sys.executable, "-c", BUSY_SERVE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT,
    ) as process:
        stop = threading.Event()
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split("listening on", 1)[1].split()[0]
            for _ in range(6):
                threading.Thread(target=_flood, args=(url, stop), daemon=True).start()
            stop.wait(0.3)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pytest.fail(f"emulator serve kept serving after SIGTERM (attempt {attempt})")
        finally:
            stop.set()
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)
    assert process.returncode == 0


def test_every_serve_option_has_help():
    from reconciler.cli.emulator import emulator_serve

    missing = [param.name for param in emulator_serve.params if not getattr(param, "help", "")]
    assert missing == []
