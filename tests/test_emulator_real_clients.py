"""Auth0's own clients against ``emulator serve`` over TLS: auth0-deploy-cli (``a0deploy export``
and ``import`` of prompts, partials included) and auth0-python (the Management API client).

They run when node and the packages are present: auth0-deploy-cli under the npm prefix named by
``EMULATOR_REAL_CLIENTS`` (default ``.cache/real-clients``; ``.ci/run`` installs it there),
auth0-python from the dev extras. With ``CI`` set, a missing one fails the test instead.
The emulator's certificate is a throwaway self-signed one, trusted through
``NODE_EXTRA_CA_CERTS`` (node) and ``SSL_CERT_FILE`` (httpx, which auth0-python uses).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import ssl
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from reconciler.emulator import SEED_PROMPTS, ClientSpec, EmulatorOptions, EmulatorServer
from reconciler.emulator.evidence import SCREENS_BY_PROMPT, SLICE_SCOPES
from reconciler.emulator.seed import (
    ACME_WEB_CLIENT_ID,
    EMAIL_CONNECTION_ID,
    LOGIN_PASSWORDLESS_SWITCH_DRIFTED,
)

PROJECT = Path(__file__).resolve().parents[1]
DEPLOY_SCOPES = frozenset({"read:prompts", "update:prompts", "read:tenant_settings"})
CLIENTS = {
    "deploy-cli": ClientSpec("deploy-secret", DEPLOY_SCOPES),
    "python": ClientSpec("python-secret", frozenset(SLICE_SCOPES)),
}
FIXED_BUTTON = LOGIN_PASSWORDLESS_SWITCH_DRIFTED.replace(
    "Use password instead", "Use Password Instead"
)


def _missing(what: str) -> None:
    """Skip, or fail under CI: the real clients must run there."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run installs it (see its real-clients block)")
    pytest.skip(f"{what} is missing (CI installs it)")


def _a0deploy() -> Path:
    prefix = Path(os.environ.get("EMULATOR_REAL_CLIENTS", PROJECT / ".cache" / "real-clients"))
    binary = prefix / "node_modules" / ".bin" / "a0deploy"
    if shutil.which("node") is None:
        _missing("node")
    if not binary.exists():
        _missing(f"auth0-deploy-cli ({binary})")
    return binary


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        _missing("openssl")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [str(openssl), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def server(certificate: tuple[Path, Path]) -> Iterator[EmulatorServer]:
    cert, key = certificate
    options = EmulatorOptions(seed=True, rate_limits="off", clients=CLIENTS)
    with EmulatorServer(options, tls_cert=cert, tls_key=key) as emulator:
        yield emulator


def _domain(server: EmulatorServer, tenant: str) -> str:
    return server.tenant_base(tenant).removeprefix("https://")


def _a0deploy_run(
    binary: Path, cert: Path, workdir: Path, config: dict[str, Any], *args: str
) -> subprocess.Popen[str]:
    (workdir / "config.json").write_text(json.dumps(config), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AUTH0_")}
    env |= {"NODE_EXTRA_CA_CERTS": str(cert), "NO_COLOR": "1"}
    return subprocess.Popen(
        [str(binary), *args, "-c", "config.json"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> str:
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def test_deploy_cli_exports_and_imports_prompts(
    server: EmulatorServer, certificate: tuple[Path, Path], tmp_path: Path
):
    binary = _a0deploy()
    cert = certificate[0]
    for tenant in ("deploy-export", "deploy-import"):
        # One language keeps the export at ~40 custom-text reads (deploy-cli sends 8 a second).
        settings = server.tenant_state(tenant)["tenant_settings"]
        server.set_tenant_section(
            tenant, "tenant_settings", {**settings, "enabled_locales": ["en"]}
        )
    config = {
        "AUTH0_CLIENT_ID": "deploy-cli",
        "AUTH0_CLIENT_SECRET": "deploy-secret",
        "AUTH0_INCLUDED_ONLY": ["prompts"],
    }
    exported, imported = tmp_path / "export", tmp_path / "import"
    exported.mkdir()
    imported.mkdir()
    desired = {
        "prompts": {
            "universal_login_experience": "new",
            "identifier_first": True,
            "partials": {
                "login-passwordless": {
                    "login-passwordless-email-code": {"form-footer-start": FIXED_BUTTON}
                }
            },
            "customText": {"en": {"login-password": {"login-password": {"title": "Welcome"}}}},
        }
    }
    (imported / "tenant.yaml").write_text(yaml.safe_dump(desired), encoding="utf-8")
    export = _a0deploy_run(
        binary, cert, exported, {**config, "AUTH0_DOMAIN": _domain(server, "deploy-export")},
        "export", "-f", "yaml", "-o", "out",
    )  # fmt: skip
    load = _a0deploy_run(
        binary, cert, imported, {**config, "AUTH0_DOMAIN": _domain(server, "deploy-import")},
        "import", "-i", "tenant.yaml",
    )  # fmt: skip
    _finish(export)
    _finish(load)

    dumped = yaml.safe_load((exported / "out" / "tenant.yaml").read_text(encoding="utf-8"))
    prompts = dumped["prompts"]
    assert prompts["partials"] == SEED_PROMPTS
    assert prompts["identifier_first"] is True
    assert prompts["universal_login_experience"] == "new"
    renderers = list((exported / "out" / "prompts" / "screenRenderSettings").glob("*.json"))
    assert len(renderers) == sum(len(s) for s in SCREENS_BY_PROMPT.values())

    assert (
        server.get_document("deploy-import", "login-passwordless")
        == (desired["prompts"]["partials"]["login-passwordless"])
    )
    state = server.tenant_state("deploy-import")
    assert state["custom_text"] == {
        "login-password": {"en": {"login-password": {"title": "Welcome"}}}
    }
    assert state["prompts"]["login-password"] == SEED_PROMPTS["login-password"]  # untouched

    calls = Counter(
        (entry.tenant, entry.method, entry.status)
        for entry in server.request_log
        if entry.tenant.startswith("deploy-")
    )
    assert {status for (_, _, status) in calls} == {200}  # no refusal, no unknown route
    partials_reads = {
        entry.prompt
        for entry in server.request_log
        if entry.tenant == "deploy-export" and entry.prompt is not None
    }
    assert {"login", "login-password", "login-passwordless", "passkeys"} <= partials_reads


def test_auth0_python_reads_and_writes_the_slice(
    server: EmulatorServer, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
):
    if importlib.util.find_spec("auth0") is None:
        _missing("auth0-python (pip install -e '.[dev]')")
    from auth0.management import ManagementClient

    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # for its token requests
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    with httpx.Client(verify=trust, timeout=10) as transport:
        api = ManagementClient(
            domain=_domain(server, "python"),
            client_id="python",
            client_secret="python-secret",
            httpx_client=transport,
        )
        _use_the_slice(api, server)


def _use_the_slice(api: Any, server: EmulatorServer) -> None:
    assert api.prompts.get_settings().identifier_first is True
    assert api.prompts.update_settings(identifier_first=False).identifier_first is False
    assert api.prompts.partials.get("login-password") == SEED_PROMPTS["login-password"]
    document = {"login": {"form-footer-end": "<p>python</p>"}}
    api.prompts.partials.set("login", request=document)
    assert api.prompts.partials.get("login") == document
    texts = {"login": {"title": "Bonjour"}}
    api.prompts.custom_text.set("login", "fr", request=texts)
    assert api.prompts.custom_text.get("login", "fr") == texts

    listed = api.prompts.rendering.list(include_totals=True, per_page=100, prompt="login")
    assert [config.screen for config in listed] == ["login"]
    one = api.prompts.rendering.get("login-id", "login-id")
    assert (one.tenant, one.rendering_mode) == ("python", "standard")
    api.prompts.rendering.update("login-id", "login-id", use_page_template=True)
    assert api.prompts.rendering.get("login-id", "login-id").use_page_template is True

    template = api.branding.templates.get_universal_login()
    assert "auth0:widget" in str(template)
    assert api.tenants.settings.get().enabled_locales == ["en", "fr"]
    assert [d.domain for d in api.custom_domains.list()] == ["login.python.example"]

    email = list(api.connections.list(name="email"))
    assert [c.id for c in email] == [EMAIL_CONNECTION_ID]
    enabled = api.connections.clients.get(EMAIL_CONNECTION_ID)
    assert [c.client_id for c in enabled] == [ACME_WEB_CLIENT_ID]
    api.connections.clients.update(
        EMAIL_CONNECTION_ID, request=[{"client_id": ACME_WEB_CLIENT_ID, "status": False}]
    )
    assert api.connections.get(EMAIL_CONNECTION_ID).enabled_clients == []

    assert [c.name for c in api.clients.list()] == ["Acme Web", "deploy-cli", "python"]
    grants = list(api.client_grants.list(client_id="python"))
    assert [sorted(g.scope or []) for g in grants] == [sorted(SLICE_SCOPES)]
    statuses = {e.status for e in server.request_log if e.tenant == "python"}
    assert statuses == {200, 204}


def test_a_missing_client_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="is missing"):
        _missing("something")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _missing("something")
