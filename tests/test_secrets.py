"""Secrets never leak: the whole CLI surface, run for real, grepped for known secret values.

The CLI runs (in the ``cli_workers`` processes) against an emulator with a known client secret
and known Management API tokens, through successful and failing runs of every command
(validate, render, plan and drift in every format, plan --out, apply, apply of a saved plan,
import, restore, the embedded emulator and --emulator-url), and every output is searched:
stdout, stderr, the saved plan, the backups, the rate-limit ledger and every other file
written under the working folders (plus the emulator's own log, down to debug, its request log
and its state).
Tokens the emulator issues to the CLI are random, so they are searched by their format
(``secrets.token_urlsafe(32)`` in ``reconciler/emulator/tokens.py``: 43 characters of
``[A-Za-z0-9_-]``).

The emulator is given no ``--client``, so it accepts any client id and secret. The "bad
secret" runs therefore use token credentials holding a token the emulator never issued.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import ssl
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.management.client import ManagementClient
from reconciler.management.endpoint import ssl_setting
from reconciler.model import Credentials
from tests.conftest import (
    CliWorkers,
    Result,
    ServedEmulator,
    cli_env,
    start_emulator,
    stop_emulator,
)

CLIENT_SECRET = "s3cr3t-CLIENT-SECRET-value"
WRONG_TOKEN = "tok3n-VALUE-abc"
CLIENT_ID = "secrets-test-client-id"

#: An access token as the emulator issues them: ``secrets.token_urlsafe(32)``.
ISSUED_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")

CLIENT_TENANT = """\
tenant: sec-client
domain: {url}/tenants/sec-client
credentials:
  client_id: ${{SEC_CLIENT_ID}}
  client_secret: ${{SEC_CLIENT_SECRET}}
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
"""
ISSUED_TOKEN_TENANT = """\
tenant: sec-issued
domain: {url}/tenants/sec-issued
credentials:
  token: ${{SEC_ISSUED_TOKEN}}
prompts:
  signup-password:
    - switch: email
      label: Send a secure code by email
"""
WRONG_TOKEN_TENANT = """\
tenant: sec-token
domain: {url}/tenants/sec-token
credentials:
  token: ${{SEC_TOKEN}}
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
"""

SEED = {
    "login-password": {
        "login-password": {
            "form-footer-start": "<p>edited by hand</p>",
            "form-footer-end": "<p>unmanaged</p>",
        }
    },
    "signup-password": {"signup-password": {"form-footer-start": "<p>edited by hand</p>"}},
}


@pytest.fixture
def emulator(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[ServedEmulator]:
    """An emulator whose own log (debug included) is kept in ``caplog``, to be searched too."""
    caplog.set_level(logging.DEBUG, logger="reconciler")
    served = start_emulator("--rate-limits", "off", cwd=tmp_path)
    try:
        yield served
    finally:
        stop_emulator(served)


def issue_token(emulator: ServedEmulator, tenant: str) -> str:
    """A real token for ``tenant``, asked of the emulator's token endpoint (not the CLI)."""
    answer = httpx.post(
        f"{emulator.url}/tenants/{tenant}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "pre-issuer",
            "client_secret": "pre-issuer-secret",
            "audience": f"{emulator.url}/tenants/{tenant}/api/v2/",
        },
        timeout=10,
    )
    answer.raise_for_status()
    token = answer.json()["access_token"]
    assert isinstance(token, str)
    return token


def run_together(jobs: Sequence[Callable[[], None]]) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


class Runs:
    """Every CLI run of the test, by label, each in a folder of its own under ``base``.

    A folder per run, as separate CI jobs on separate machines would have: the CLI carries its
    rate-limit budget over between runs on one machine (a ledger beside the machine-wide lock
    folder, ``AUTH0_PARTIALS_LOCK_DIR``), and this test is not about waiting for it.
    """

    def __init__(
        self, base: Path, template: Path, env: dict[str, str], workers: CliWorkers
    ) -> None:
        self.base = base
        self.template = template
        self.env = env
        self.workers = workers
        self.results: dict[str, Result] = {}

    def folder(self, label: str) -> Path:
        return self.base / label

    def job(self, label: str, *args: str, files: Sequence[Path] = ()) -> Callable[[], None]:
        cwd = self.folder(label)
        shutil.copytree(self.template, cwd)
        for file in files:
            shutil.copy(file, cwd / file.name)

        # The machine-wide folder (locks, rate-limit ledger) is the run's own too.
        env = {**self.env, "AUTH0_PARTIALS_LOCK_DIR": str(cwd / ".machine" / "locks")}

        def run() -> None:
            self.results[label] = self.workers.run(*args, cwd=cwd, env=env)

        return run

    def run(self, label: str, *args: str, files: Sequence[Path] = ()) -> Result:
        self.job(label, *args, files=files)()
        return self.results[label]

    def together(self, *jobs: tuple[str, ...]) -> None:
        run_together([self.job(label, *args) for label, *args in jobs])


def set_faults(emulator: ServedEmulator, *faults: dict[str, Any]) -> None:
    emulator.admin("POST", "faults", list(faults))


def leaks(text: str, known: Sequence[str]) -> list[str]:
    found = [secret for secret in known if secret in text]
    return found + ISSUED_TOKEN_RE.findall(text)


def test_the_leak_search_finds_what_it_looks_for() -> None:
    token = "Ab3_-" + "x" * 38
    assert leaks(f"Authorization: Bearer {token}\n", []) == [token]
    assert leaks(f'{{"access_token":"{token}"}}', []) == [token]
    assert leaks(f"prefix {CLIENT_SECRET}.", [CLIENT_SECRET]) == [CLIENT_SECRET]
    # Not tokens: digests (64 hex), shorter or longer words, paths.
    assert leaks("sha256:" + "ab12" * 16, []) == []
    assert leaks(".auth0-partials/backups/sec-client/20261126T045546.426333Z-login.json", []) == []


def test_no_secret_or_token_in_any_output(
    tmp_path: Path,
    emulator: ServedEmulator,
    cli_workers: CliWorkers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    template = tmp_path / "template"
    (template / "tenants").mkdir(parents=True)
    (template / "bad").mkdir()
    url = emulator.url
    (template / "tenants" / "sec-client.yaml").write_text(CLIENT_TENANT.format(url=url))
    (template / "tenants" / "sec-issued.yaml").write_text(ISSUED_TOKEN_TENANT.format(url=url))
    (template / "bad" / "sec-token.yaml").write_text(WRONG_TOKEN_TENANT.format(url=url))
    for tenant, prompt in (("sec-client", "login-password"), ("sec-issued", "signup-password")):
        emulator.set_document(tenant, prompt, SEED[prompt])
    issued = issue_token(emulator, "sec-issued")
    assert ISSUED_TOKEN_RE.fullmatch(issued), "the token format assumed here is out of date"
    known = [CLIENT_SECRET, WRONG_TOKEN, issued]
    work = tmp_path / "work"
    runs = Runs(
        work,
        template,
        cli_env(
            SEC_CLIENT_ID=CLIENT_ID,
            SEC_CLIENT_SECRET=CLIENT_SECRET,
            SEC_ISSUED_TOKEN=issued,
            SEC_TOKEN=WRONG_TOKEN,
            AUTH0_PARTIALS_BUDGET="auth0",  # so the rate-limit ledger is written and searched
        ),
        cli_workers,
    )
    client_flags = ("--client-id-env", "SEC_CLIENT_ID", "--client-secret-env", "SEC_CLIENT_SECRET")

    # Offline commands, every read-only format (with drift present), and import.
    runs.together(
        ("validate", "validate", "tenants", "bad"),
        ("render", "render", "tenants", "bad"),
        ("plan-text", "plan", "--detailed-exitcode"),
        ("plan-markdown", "plan", "--format", "markdown"),
        ("plan-json", "plan", "--format", "json"),
        ("drift-text", "drift"),
        ("drift-markdown", "drift", "--format", "markdown"),
        ("drift-json", "drift", "--format", "json"),
        ("plan-out", "plan", "--out", "plan.json"),
        ("plan-embedded", "plan", "--emulator"),
        ("drift-emulator-url", "drift", "--format", "json", "--emulator-url", url),
        ("import", "import", "--tenant", "sec-client", "--domain", f"{url}/tenants/sec-client",
         *client_flags, "--prompt", "login-password", "--out", "imported/sec-client.yaml"),
        ("import-token", "import", "--tenant", "sec-issued", "--domain",
         f"{url}/tenants/sec-issued", "--token-env", "SEC_ISSUED_TOKEN", "--prompt",
         "signup-password"),
        ("import-update", "import", "--update", "tenants/sec-issued.yaml"),
    )  # fmt: skip
    # A saved plan applied, then (drift again) an apply from the tenant files, then a restore.
    runs.run("apply-saved", "apply", "plan.json", "--auto-approve",
             files=[runs.folder("plan-out") / "plan.json"])  # fmt: skip
    for tenant, prompt in (("sec-client", "login-password"), ("sec-issued", "signup-password")):
        emulator.set_document(tenant, prompt, SEED[prompt])
    runs.run("apply", "apply", "--auto-approve")
    runs.run("plan-clean", "plan", "--detailed-exitcode")
    [backup] = (runs.folder("apply") / ".auth0-partials" / "backups").rglob("*login-password.json")
    runs.run("restore", "restore", backup.name, "--auto-approve", files=[backup])
    # A token the emulator never issued: 401 in every command that reads.
    runs.together(
        ("wrong-token-plan", "plan", "bad"),
        ("wrong-token-drift", "drift", "--format", "json", "bad"),
        ("wrong-token-apply", "apply", "--auto-approve", "bad"),
        ("wrong-token-import", "import", "--tenant", "sec-token", "--domain",
         f"{url}/tenants/sec-token", "--token-env", "SEC_TOKEN", "--prompt", "login-password"),
    )  # fmt: skip

    # Failing emulator faults, each run against the client-credentials tenant.
    emulator.set_document("sec-client", "login-password", SEED["login-password"])
    client = "tenants/sec-client.yaml"
    set_faults(emulator, {"kind": "status", "status": 500, "tenant": "sec-client"})
    runs.together(
        ("500-plan", "plan", client),
        ("500-apply", "apply", "--auto-approve", client),
        ("500-drift", "drift", "--format", "markdown", client),
    )
    set_faults(
        emulator, {"kind": "status", "status": 401, "endpoint": "token", "tenant": "sec-client"}
    )
    runs.run("token-refused", "plan", client)
    set_faults(emulator, {"kind": "token_expire_after", "uses": 0, "tenant": "sec-client"})
    runs.run("token-expired", "apply", "--auto-approve", client)
    set_faults(emulator, {"kind": "reset", "endpoint": "token", "tenant": "sec-client"})
    runs.run("token-reset", "drift", client)
    set_faults(emulator, {"kind": "invalid_json", "method": "PUT", "tenant": "sec-client"})
    runs.run("put-garbled", "apply", "--auto-approve", client)
    emulator.admin("DELETE", "faults")

    # The runs did what they should, so the search below searches real output.
    results = runs.results
    expected_codes = {
        "validate": 0, "render": 0, "plan-text": 2, "plan-markdown": 0, "plan-json": 0,
        "drift-text": 2, "drift-markdown": 2, "drift-json": 2, "plan-out": 0,
        "plan-embedded": 0, "drift-emulator-url": 2,
        "import": 0, "import-token": 0, "import-update": 0,
        "apply-saved": 0, "apply": 0, "plan-clean": 0, "restore": 0,
        "wrong-token-plan": 1, "wrong-token-drift": 1, "wrong-token-apply": 1,
        "wrong-token-import": 1,
        "500-plan": 1, "500-apply": 1, "500-drift": 1, "token-refused": 1,
        "token-expired": 1, "token-reset": 1, "put-garbled": 1,
    }  # fmt: skip
    codes = {label: result.code for label, result in results.items()}
    assert codes == expected_codes, {
        k: results[k].output for k in codes if codes[k] != expected_codes.get(k)
    }
    for label, result in results.items():
        assert "Traceback" not in result.output, (label, result.output)
    assert "Invalid token" in results["wrong-token-plan"].stdout
    assert "$SEC_TOKEN" in results["wrong-token-plan"].stdout
    assert "cannot get a Management API token" in results["token-refused"].stdout
    assert "a freshly issued token was rejected too" in results["token-expired"].stdout
    assert "the PUT was answered, so it was probably applied" in results["put-garbled"].stdout
    assert "${SEC_ISSUED_TOKEN}" in results["import-token"].stdout
    imported = (runs.folder("import") / "imported" / "sec-client.yaml").read_text()
    assert "${SEC_CLIENT_SECRET}" in imported
    log = emulator.requests()
    assert any(r["tenant"] == "sec-issued" and r["status"] == 200 and r["prompt"] for r in log)
    assert any(r["tenant"] == "sec-client" and r["path"] == "/oauth/token" for r in log)
    backups = sorted(work.rglob(".auth0-partials/backups/*/*.json"))
    assert len(backups) >= 5, backups  # 2 applies of 2 prompts, the restore, put-garbled
    assert (runs.folder("plan-embedded") / ".auth0-partials" / "emulator" / "state.json").is_file()

    # Now search everything.
    searched: dict[str, str] = {}
    for label, result in results.items():
        searched[f"{label}: stdout"] = result.stdout
        searched[f"{label}: stderr"] = result.stderr
    for path in sorted(p for p in work.rglob("*") if p.is_file()):
        searched[str(path.relative_to(work))] = path.read_bytes().decode("utf-8", "replace")
    searched["emulator request log"] = json.dumps(log)
    searched["emulator state"] = json.dumps(emulator.admin("GET", "state"))
    stop_emulator(emulator)
    assert any(r.name.startswith("reconciler.emulator") for r in caplog.records)
    searched["emulator log"] = caplog.text

    for kind in ("plan.json", "ratelimit.json", "backups/", "imported/sec-client.yaml"):
        assert any(kind in name for name in searched), kind
    found = {name: leaks(text, known) for name, text in searched.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


# -- TLS verification at the library level ---------------------------------------------------


@pytest.mark.parametrize(
    "domain",
    ["login.acme.example", "https://login.acme.example", "login.acme.example:8443/auth0"],
)
def test_tls_verification_cannot_be_turned_off_for_a_real_host(
    domain: str, caplog: pytest.LogCaptureFixture
) -> None:
    credentials = Credentials(kind="token", token_env="ACME_TOKEN")
    with caplog.at_level(logging.WARNING, logger="reconciler.management"):
        client = ManagementClient("acme", domain, credentials, environ={}, verify=False)
    try:
        assert client.tls_verify is True
        assert client.base_url.startswith("https://login.acme.example")
        # What the HTTP client is built with: the one shared context, and it verifies.
        context = ssl_setting(client.tls_verify)
        assert isinstance(context, ssl.SSLContext)
        assert context is ssl_setting(True)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
    finally:
        client.close()
    assert "TLS verification cannot be disabled for login.acme.example" in caplog.text


def test_tls_verification_may_be_turned_off_only_for_loopback() -> None:
    credentials = Credentials(kind="token", token_env="ACME_TOKEN")
    with ManagementClient(
        "local", "https://127.0.0.1:8443/tenants/x", credentials, environ={}, verify=False
    ) as client:
        assert client.tls_verify is False
    with ManagementClient("acme", "login.acme.example", credentials, environ={}) as client:
        assert client.tls_verify is True
