"""Shared fixtures for end-to-end tests: the real CLI against the real emulator over a socket."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

PROJECT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class ServedEmulator:
    """An `auth0-partials emulator serve` process and its admin endpoints."""

    url: str
    process: subprocess.Popen[str]

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/__emulator/{path}", json=json, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self) -> list[dict[str, Any]]:
        return list(self.admin("GET", "requests"))

    def clear_requests(self) -> None:
        self.admin("DELETE", "requests")

    def partials_calls(self, method: str, tenant: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests()
            if r["method"] == method
            and "/partials" in r["path"]
            and (tenant is None or r["tenant"] == tenant)
        ]

    def document(self, tenant: str, prompt: str) -> dict[str, Any]:
        state = self.admin("GET", "state")
        return dict(state["tenants"].get(tenant, {}).get("prompts", {}).get(prompt, {}))

    def set_document(self, tenant: str, prompt: str, document: dict[str, Any]) -> None:
        self.admin("PUT", f"tenants/{tenant}/prompts/{prompt}", json=document)


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0_PARTIALS_")}
    # Test emulators run without rate limits; tests of the budget set it back to auth0.
    env.update({"NO_COLOR": "1", "PYTHONUTF8": "1", "AUTH0_PARTIALS_BUDGET": "off"})
    env.update(extra)
    return env


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = "") -> Result:
    """Run `python -m reconciler ARGS` as a user would, in ``cwd``."""
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        env=env or cli_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def start_emulator(*args: str, cwd: Path) -> ServedEmulator:
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "serve", "--port", "0", *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"emulator did not start: {line!r} {process.stderr.read()!r}")
    url = line.split("listening on", 1)[1].split()[0]
    return ServedEmulator(url=url, process=process)


def stop_emulator(emulator: ServedEmulator) -> None:
    emulator.process.terminate()
    try:
        emulator.process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a held-open `timeout` fault connection, say
        emulator.process.kill()
        emulator.process.wait(timeout=10)
    for stream in (emulator.process.stdout, emulator.process.stderr):
        if stream:
            stream.close()


@pytest.fixture
def served_emulator(tmp_path: Path) -> Iterator[ServedEmulator]:
    """A seeded emulator process without rate limits (rate limits have their own tests)."""
    emulator = start_emulator("--seed", "--rate-limits", "off", cwd=tmp_path)
    try:
        yield emulator
    finally:
        stop_emulator(emulator)
