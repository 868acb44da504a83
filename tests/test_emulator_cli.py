"""``auth0-partials emulator serve``: its options reach the emulator, bad ones are usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from tests.test_emulator import Tenant, fetch_token, token_form

PROJECT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--client", "no-secret"], "expected ID=SECRET"),
        (["--client", "a=s@"], "no scopes after @"),
        (["--fault", "explode"], "unknown fault kind"),
        (["--tls-cert", __file__], "go together"),
        (["--validation", "loose"], "'loose' is not one of"),
        (["--global-burst", "0"], "0 is not in the range"),
    ],
)
def test_bad_options_are_usage_errors(args: list[str], message: str):
    result = CliRunner().invoke(cli, ["emulator", "serve", "--port", "0", *args])
    assert result.exit_code == 1  # the project's exit code for usage errors
    assert message in result.output


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """One ``emulator serve`` process with the options under test."""
    args = [
        "--port", "0", "--seed", "--validation", "strict", "--unavailable-prompt", "passkeys",
        "--global-burst", "5", "--global-rate", "0.001",
        "--client", "ci=secret@read:prompts,update:prompts",
        "--partials-rate-limit-headers", "global", "--latency", "0",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on" in line, process.stderr.read() if process.stderr else line
        yield line.split("listening on", 1)[1].split()[0]
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_serve_options_reach_the_emulator(served: str):
    with httpx.Client(timeout=5) as http:
        assert http.post(f"{served}/oauth/token", data=token_form(served)).status_code == 401
        tenant = Tenant(http, served, fetch_token(http, served, "ci", "secret"))  # --client
        assert tenant.get("login-password").json()["login-password"]  # --seed
        assert tenant.get("passkeys").status_code == 400  # --unavailable-prompt
        strict = tenant.put("login", {"not-a-screen": {"form-footer-end": "x"}})
        assert strict.status_code == 400  # --validation strict
        settings = tenant.call("GET", "/api/v2/prompts")
        assert settings.headers["x-ratelimit-limit"] == "5"  # --global-burst
        assert tenant.get("login").headers["x-ratelimit-limit"] == "5"  # headers: global
        assert tenant.get("login").status_code == 429  # 5 calls: the global bucket is empty
