"""The benchmark's world: generated tenant files, in-process emulators, and the CLI as a child.

Tenant files point at an emulator served from the benchmark's own process (a thread-per-
connection ``EmulatorServer``), so a CLI run is a separate process with its own CPU and memory,
as against a served emulator. Every CLI run gets a fresh state folder (``AUTH0_PARTIALS_LOCK_DIR``
and the rate-limit ledger beside it): no run inherits another's budget.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconciler.config import load_tenant
from reconciler.desired import partials_document
from reconciler.emulator import EmulatorOptions, EmulatorServer, LoggedRequest

#: Median latency of real Auth0 Management API calls (token endpoint included).
LATENCY = 0.38
#: The three prompts of Auth0's "flexible connection switching" guide.
MANAGED = ("signup-password", "login-password", "login-passwordless")
#: Eight catalogue prompts: a run that needs more partials reads than Auth0's burst of five.
EIGHT = (
    "confirmation",
    "login",
    "login-id",
    "login-password",
    "login-passwordless",
    "signup",
    "signup-id",
    "signup-password",
)
#: Client credentials the generated files name (the emulators accept any client).
ENV = {"BENCH_CLIENT_ID": "bench-client", "BENCH_CLIENT_SECRET": "bench-secret-value"}
#: A hand edit of a managed insertion point: that prompt then has one change to write.
HAND_EDIT = "<p>edited by hand in the dashboard</p>"


def prompt_lines(prompt: str) -> list[str]:
    """One managed prompt: a switch button at form-footer-start of its screen."""
    if prompt == "login-passwordless":
        return [
            "  login-passwordless:",
            "    login-passwordless-email-code:",
            "      - switch: Username-Password-Authentication",
            "        label: Use Password Instead",
        ]
    return [f"  {prompt}:", "    - switch: email", "      label: Send a secure code by email"]


def tenant_yaml(name: str, domain: str, prompts: Sequence[str]) -> str:
    lines = [
        f"tenant: {name}",
        f"domain: {domain}",
        "credentials:",
        "  client_id: ${BENCH_CLIENT_ID}",
        "  client_secret: ${BENCH_CLIENT_SECRET}",
        "prompts:",
    ]
    for prompt in prompts:
        lines += prompt_lines(prompt)
    return "\n".join(lines) + "\n"


def write_tenants(
    folder: Path, base_url: str, names: Sequence[str], prompts: Sequence[str] = MANAGED
) -> list[Path]:
    """One tenant file per name in ``folder``, each pointing at its emulator tenant."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name in names:
        file = folder / f"{name}.yaml"
        file.write_text(tenant_yaml(name, f"{base_url}/tenants/{name}", prompts), "utf-8")
        files.append(file)
    return files


def names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{index:04d}" for index in range(count)]


def in_line(server: EmulatorServer, file: Path, prompts: Sequence[str]) -> None:
    """Make ``prompts`` of the file's tenant hold exactly what the file declares (out of band:
    not logged, not rate limited)."""
    config = load_tenant(file, environ=ENV)
    for prompt in config.prompts:
        if prompt.name not in prompts:
            continue
        desired = partials_document(config, prompt)
        document: dict[str, dict[str, str]] = {}
        for (screen, slot), text in desired.entries.items():
            document.setdefault(screen, {})[slot] = text
        server.set_document(config.name, prompt.name, document)


def hand_edit(server: EmulatorServer, tenant: str, prompt: str) -> None:
    """Change the managed insertion point of ``prompt`` behind the tool's back."""
    screen = "login-passwordless-email-code" if prompt == "login-passwordless" else prompt
    server.set_document(tenant, prompt, {screen: {"form-footer-start": HAND_EDIT}})


@contextmanager
def emulator(
    *,
    latency: float = LATENCY,
    limits: str = "off",
    tls: tuple[Path, Path] | None = None,
    options: Mapping[str, object] | None = None,
) -> Iterator[EmulatorServer]:
    """An emulator serving from this process (seeded tenants, ``latency`` on every call)."""
    chosen = EmulatorOptions(
        seed=True,
        latency_seconds=latency,
        rate_limits="auth0" if limits == "auth0" else "off",
        **dict(options or {}),  # type: ignore[arg-type]
    )
    cert, key = tls if tls is not None else (None, None)
    with EmulatorServer(chosen, tls_cert=cert, tls_key=key) as server:
        yield server


@dataclass(frozen=True)
class Counts:
    """API calls by kind, from an emulator's request log."""

    token: int = 0
    get: int = 0
    put: int = 0
    other: int = 0
    rate_limited: int = 0

    @classmethod
    def of(cls, entries: Sequence[LoggedRequest]) -> Counts:
        return cls(
            token=sum(e.path.endswith("/oauth/token") for e in entries),
            get=sum(e.prompt is not None and e.method == "GET" for e in entries),
            put=sum(e.prompt is not None and e.method == "PUT" for e in entries),
            other=sum(e.prompt is None and not e.path.endswith("/oauth/token") for e in entries),
            rate_limited=sum(e.status == 429 for e in entries),
        )

    def text(self) -> str:
        text = f"{self.token} token, {self.get} GET, {self.put} PUT, {self.other} other"
        return text + (f", {self.rate_limited} answered 429" if self.rate_limited else "")


def cli(*args: str) -> list[str]:
    """``python -m reconciler ARGS``: the CLI with its interpreter start."""
    return [sys.executable, "-m", "reconciler", *args]


@contextmanager
def state_env(extra: Mapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """The environment of one CLI run: the tenant files' variables, no colour, and a fresh
    state folder (locks and the rate-limit ledger), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-state-") as state:
        env = {
            **os.environ,
            **ENV,
            "NO_COLOR": "1",
            "AUTH0_PARTIALS_LOCK_DIR": str(Path(state) / "locks"),
            **dict(extra or {}),
        }
        env.pop("AUTH0_PARTIALS_BUDGET", None)
        yield env
