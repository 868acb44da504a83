"""The emulator as a process users run: state file, seeded tenant, TLS, ``serve()`` and its
clean exit on SIGTERM / Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
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

PROJECT = Path(__file__).resolve().parents[1]
SEED_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "seed"
    / "configure-flexible-connection-switching.txt"
)
LOGIN_DOC = {"login": {"form-footer-start": "<p>kept</p>"}}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def token(http: httpx.Client, base: str) -> str:
    response = http.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"},
    )
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
    assert json.loads(state.read_text(encoding="utf-8")) == {
        "tenants": {"acme": {"prompts": {"login": LOGIN_DOC}}}
    }
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
    assert json.loads(state.read_text(encoding="utf-8")) == {"tenants": {"acme": {"prompts": {}}}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"tenants": []}', "no 'tenants' object"),
        ('{"tenants": {"a": {}}}', "no 'prompts' object"),
        ('{"tenants": {"a": {"prompts": {"login": {"login": "x"}}}}}', "Expected type object"),
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
