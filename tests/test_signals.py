"""Ctrl-C and SIGTERM, sent to a real CLI process: it stops at once (not after the wait it was
in), says what it did, prints no traceback, and exits 130 or 143.

The emulator runs in this process; the CLI is a subprocess, because signals go to processes.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ServedEmulator, cli_env, start_emulator, stop_emulator

PROMPTS = (
    "login",
    "login-id",
    "login-password",
    "signup",
    "signup-id",
    "signup-password",
    "login-passwordless",
)


def tenant_file(base: str) -> str:
    lines = [
        "tenant: acme",
        f"domain: {base}/tenants/acme",
        "credentials:",
        "  client_id: ${ID}",
        "  client_secret: ${SECRET}",
        "prompts:",
    ]
    for prompt in PROMPTS:
        if prompt == "login-passwordless":
            lines += [f"  {prompt}:", "    login-passwordless-email-code:", "      - raw: <p>x</p>"]
        else:
            lines += [f"  {prompt}:", "    - raw: <p>x</p>"]
    return "\n".join(lines) + "\n"


class Running:
    """A CLI process whose stderr is read line by line as it comes."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stderr: list[str] = []
        self.heard = threading.Event()
        self.wanted = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            if self.wanted and self.wanted in line:
                self.heard.set()

    def wait_for(self, text: str, timeout: float = 60) -> None:
        self.wanted = text
        if any(text in line for line in self.stderr):
            return
        assert self.heard.wait(timeout), f"never printed {text!r}: {''.join(self.stderr)}"

    def stop(self, signum: int, *, before: float) -> tuple[int, str, str]:
        """Send ``signum``; the process must be gone within ``before`` seconds: less than what
        it was waiting for, so it did not finish the wait first."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=before)
        self._reader.join(5)
        assert self.process.stdout is not None and self.process.stderr is not None
        stdout = self.process.stdout.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return code, stdout, "".join(self.stderr)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[ServedEmulator]:
    emulator = start_emulator("--seed", "--rate-limits", "auth0", cwd=tmp_path)
    try:
        yield emulator
    finally:
        stop_emulator(emulator)


def project(tmp_path: Path, emulator: ServedEmulator) -> Path:
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "acme.yaml").write_text(tenant_file(emulator.url))
    return tmp_path


def env(tmp_path: Path, budget: str = "auth0") -> dict[str, str]:
    return cli_env(
        ID="id",
        SECRET="secret",
        AUTH0_PARTIALS_BUDGET=budget,
        AUTH0_PARTIALS_LOCK_DIR=str(tmp_path / "locks"),
        HOME=str(tmp_path),
    )


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_a_budget_wait_stops_the_run_at_once(
    tmp_path: Path, limited: ServedEmulator, signum: int, code: int
) -> None:
    folder = project(tmp_path, limited)
    run = Running(["plan", "--no-checks"], folder, env(tmp_path))
    run.wait_for("waiting 12 s for the GET partials budget")
    assert any(re.search(r"\(\d of 7 read\)", line) for line in run.stderr), run.stderr
    exit_code, _, stderr = run.stop(signum, before=5)  # the wait had 12 s to go
    assert exit_code == code
    assert "Traceback" not in stderr
    assert "Interrupted: nothing was written." in stderr


def test_an_interrupted_apply_says_what_it_wrote_and_where_the_backups_are(
    tmp_path: Path,
) -> None:
    # Every call takes a second and the budget is off: apply writes one prompt a second.
    emulator = start_emulator("--seed", "--rate-limits", "off", "--latency", "1000", cwd=tmp_path)
    try:
        folder = project(tmp_path, emulator)
        run = Running(
            ["apply", "--auto-approve", "--no-checks"],
            folder,
            env(tmp_path, budget="off"),
        )
        assert run.process.stdout is not None
        first = run.process.stdout.readline()
        while "written" not in first:
            first = run.process.stdout.readline()
        exit_code, stdout, stderr = run.stop(signal.SIGINT, before=5)
        state = json.dumps(emulator.admin("GET", "state"))
    finally:
        stop_emulator(emulator)
    assert exit_code == 130
    assert "Traceback" not in stderr
    assert "Apply interrupted:" in stdout
    assert "backed up in" in stdout
    written = int(stdout.split("Apply interrupted: ")[1].split(" document")[0])
    assert 1 <= written < len(PROMPTS)
    assert f", {len(PROMPTS) - written} not written." in stdout  # the rest of the plan
    assert state.count("<p>x</p>") >= written
