"""Side by side with auth0-deploy-cli: the same prompts, the same emulator, over TLS.

``a0deploy export`` (prompts only) against ``auth0-partials plan``, both reading a tenant's
prompts; ``a0deploy import`` of the three prompts' partials against ``auth0-partials apply`` of
the same tenant file with one prompt edited by hand. The emulator serves TLS with a throwaway
self-signed certificate (trusted through ``NODE_EXTRA_CA_CERTS`` and ``SSL_CERT_FILE``), with
Auth0's latency and without rate limits. auth0-deploy-cli is looked for under the npm prefix
named by ``EMULATOR_REAL_CLIENTS`` (default ``.cache/real-clients``, where ``.ci/run`` installs
it); without node, openssl or it, the rows are skipped with a note.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.context import Context
from bench.harness import Row, Sample, load_average, progress, run_process
from bench.tenants import (
    ENV,
    LATENCY,
    MANAGED,
    Counts,
    cli,
    emulator,
    hand_edit,
    in_line,
    state_env,
    write_tenants,
)
from reconciler.config import load_tenant
from reconciler.desired import partials_document
from reconciler.emulator import SLICE_SCOPES, ClientSpec, EmulatorServer

DEPLOY_SCOPES = frozenset({"read:prompts", "update:prompts", "read:tenant_settings"})
CLIENTS = {
    "deploy-cli": ClientSpec("deploy-secret", DEPLOY_SCOPES),
    ENV["BENCH_CLIENT_ID"]: ClientSpec(ENV["BENCH_CLIENT_SECRET"], frozenset(SLICE_SCOPES)),
}


def _a0deploy(project: Path) -> Path | str:
    """The a0deploy binary, or why it cannot run."""
    prefix = Path(os.environ.get("EMULATOR_REAL_CLIENTS", project / ".cache" / "real-clients"))
    binary = prefix / "node_modules" / ".bin" / "a0deploy"
    if shutil.which("node") is None:
        return "node is not installed"
    if shutil.which("openssl") is None:
        return "openssl is not installed"
    if not binary.exists():
        return f"auth0-deploy-cli is not installed at {binary} (.ci/run installs it)"
    return binary


def _certificate(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _skipped(reason: str) -> list[Row]:
    names = {
        "deploy.a0deploy-export": "`a0deploy export` (prompts), TLS",
        "deploy.ours-plan": "`auth0-partials plan` of the same tenant, TLS",
        "deploy.a0deploy-import": "`a0deploy import` of 3 prompts' partials, TLS",
        "deploy.ours-apply": "`auth0-partials apply` of the same 3 prompts, TLS",
    }
    return [Row(key, name, notes=f"skipped: {reason}") for key, name in names.items()]


def rows(context: Context) -> list[Row]:
    found = _a0deploy(context.project)
    if not isinstance(found, Path):
        progress(f"deploy-cli: skipped ({found})")
        return _skipped(found)
    progress(f"deploy-cli: a0deploy export/import against auth0-partials ({context.repeat} runs)")
    cert, key = _certificate(context.workdir / "tls")
    options = {"clients": CLIENTS}
    with emulator(tls=(cert, key), options=options) as server:
        for tenant in ("deploy-export", "deploy-import", "ours-plan", "ours-apply"):
            settings = server.tenant_state(tenant)["tenant_settings"]
            server.set_tenant_section(
                tenant, "tenant_settings", {**settings, "enabled_locales": ["en"]}
            )
        folder = context.workdir / "deploy"
        (ours_plan,) = write_tenants(folder / "plan", server.base_url, ["ours-plan"])
        (ours_apply,) = write_tenants(folder / "apply", server.base_url, ["ours-apply"])
        in_line(server, ours_apply, MANAGED)
        node_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AUTH0_")},
            "NODE_EXTRA_CA_CERTS": str(cert),
            "NO_COLOR": "1",
        }

        def a0deploy(tenant: str, workdir: Path, *args: str) -> list[str]:
            workdir.mkdir(parents=True, exist_ok=True)
            config = {
                "AUTH0_DOMAIN": server.tenant_base(tenant).removeprefix("https://"),
                "AUTH0_CLIENT_ID": "deploy-cli",
                "AUTH0_CLIENT_SECRET": "deploy-secret",
                "AUTH0_INCLUDED_ONLY": ["prompts"],
            }
            (workdir / "config.json").write_text(json.dumps(config), "utf-8")
            return [str(found), *args, "-c", "config.json"]

        imported = folder / "a0-import"
        imported.mkdir(parents=True, exist_ok=True)
        (imported / "tenant.yaml").write_text(yaml.safe_dump(_deploy_input(ours_plan)), "utf-8")
        export_runs = [
            (a0deploy("deploy-export", folder / f"a0-export-{i}", "export", "-f", "yaml", "-o",
                      "out"), folder / f"a0-export-{i}")
            for i in range(context.repeat + 1)
        ]  # fmt: skip
        import_argv = a0deploy("deploy-import", imported, "import", "-i", "tenant.yaml")
        result = [
            _measure(context, server, "deploy-export", "deploy.a0deploy-export",
                     "`a0deploy export` (prompts), TLS", export_runs, node_env),
            _measure(context, server, "ours-plan", "deploy.ours-plan",
                     "`auth0-partials plan` of the same tenant's 3 prompts, TLS",
                     [(cli("plan", str(ours_plan), "-q"), ours_plan.parent)] * (context.repeat + 1),
                     None, cert),
            _measure(context, server, "deploy-import", "deploy.a0deploy-import",
                     "`a0deploy import` of 3 prompts' partials, TLS",
                     [(import_argv, imported)] * (context.repeat + 1), node_env),
            _measure(context, server, "ours-apply", "deploy.ours-apply",
                     "`auth0-partials apply` of the same 3 prompts (1 edited by hand), TLS",
                     [(cli("apply", str(ours_apply), "--auto-approve", "-q"), ours_apply.parent)]
                     * (context.repeat + 1), None, cert,
                     before=lambda: hand_edit(server, "ours-apply", "login-password")),
        ]  # fmt: skip
    return result


def _deploy_input(file: Path) -> dict[str, object]:
    """auth0-deploy-cli's tenant.yaml holding the partials the tenant file declares."""
    config = load_tenant(file, environ=ENV)
    partials: dict[str, dict[str, dict[str, str]]] = {}
    for prompt in config.prompts:
        for (screen, slot), text in partials_document(config, prompt).entries.items():
            partials.setdefault(prompt.name, {}).setdefault(screen, {})[slot] = text
    return {"prompts": {"partials": partials}}


def _measure(
    context: Context,
    server: EmulatorServer,
    tenant: str,
    key: str,
    name: str,
    runs: list[tuple[list[str], Path]],
    env: dict[str, str] | None,
    cert: Path | None = None,
    before: Callable[[], None] | None = None,
) -> Row:
    samples: list[Sample] = []
    counts: list[Counts] = []
    error = None
    started = load_average()
    for index, (argv, cwd) in enumerate(runs):
        if before is not None:
            before()
        server.clear_request_log()
        with state_env({"SSL_CERT_FILE": str(cert)} if cert else None) as ours:
            done = run_process(argv, env=env if env is not None else ours, cwd=cwd, timeout=300)
        if done.returncode not in (0, 2):
            error = f"exited {done.returncode}: {(done.stdout + done.stderr)[-300:]}"
            break
        if index:  # the first run warms up
            samples.append(done.sample)
            counts.append(Counts.of([e for e in server.request_log if e.tenant == tenant]))
    return Row(
        key,
        name,
        samples=samples,
        load=(started, load_average()),
        error=error,
        notes=f"calls per run: {counts[0].text()}; every call {LATENCY} s" if counts else "",
    )
