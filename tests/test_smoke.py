"""Smoke tests as real processes: what the in-process harness cannot show.

Every other test runs the CLI and the emulator in-process (``tests/conftest.py``); these start
``python -m reconciler`` and the installed ``auth0-partials`` script, so they cover the entry
points, the README's first commands as a newcomer types them, and a served emulator that
answers a CLI process and stops on SIGTERM.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from reconciler import __version__
from reconciler.cli import cli
from tests.conftest import (
    PROJECT,
    run_cli_subprocess,
    start_emulator_subprocess,
    stop_emulator,
)
from tests.test_cli import command_paths

COMMANDS = [(), *command_paths(cli)]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "auth0-partials")
def test_every_command_answers_help(tmp_path: Path, path: tuple[str, ...]) -> None:
    result = run_cli_subprocess(*path, "--help", cwd=tmp_path)
    assert result.code == 0, result.output
    assert result.stdout.startswith(f"Usage: auth0-partials {' '.join(path)}".rstrip())
    assert result.stderr == ""


@pytest.mark.parametrize("script", [False, True], ids=["python -m reconciler", "auth0-partials"])
def test_both_entry_points_run(tmp_path: Path, script: bool) -> None:
    version = run_cli_subprocess("--version", cwd=tmp_path, script=script)
    assert (version.code, version.stdout) == (0, f"auth0-partials, version {__version__}\n")
    usage = run_cli_subprocess("plan", "--no-such-flag", cwd=tmp_path, script=script)
    assert usage.code == 1  # never 2, which means "changes present"
    assert "No such option '--no-such-flag'" in usage.stderr


def readme_demo() -> list[list[str]]:
    """The commands of the README's "Try it" line that run the tool, as argument lists."""
    text = (PROJECT / "README.md").read_text("utf-8")
    block = re.search(r"## Try it.*?```sh\n(.*?)```", text, re.DOTALL)
    assert block, "the README has no 'Try it' shell block"
    steps = [step.split() for step in block.group(1).split("&&")]
    return [step[3:] for step in steps if step[:3] == ["python3", "-m", "reconciler"]]


def test_the_readme_demo_runs_as_written(tmp_path: Path) -> None:
    demo = readme_demo()
    assert demo == [
        ["plan", "--emulator"],
        ["apply", "--emulator", "--auto-approve"],
        ["plan", "--emulator"],
    ]
    shutil.copytree(PROJECT / "tenants", tmp_path / "tenants")
    shutil.copytree(PROJECT / "schemas", tmp_path / "schemas")
    first, applied, again = (run_cli_subprocess(*args, cwd=tmp_path) for args in demo)
    assert first.code == 0, first.output
    assert "label 'Use password instead' → 'Use Password Instead'" in first.stdout
    assert "acme-prod" in first.stdout
    assert applied.code == 0, applied.output
    assert "Apply complete" in applied.stdout
    assert again.code == 0, again.output
    assert "No changes." in again.stdout
    assert (tmp_path / ".auth0-partials" / "emulator" / "state.json").is_file()
    for result in (first, applied, again):
        assert "Traceback" not in result.output


def test_a_served_emulator_answers_a_cli_process_and_stops_on_sigterm(tmp_path: Path) -> None:
    shutil.copytree(PROJECT / "tenants", tmp_path / "tenants")
    emulator = start_emulator_subprocess("--seed", "--rate-limits", "off", cwd=tmp_path)
    process = emulator.process
    assert process is not None
    try:
        result = run_cli_subprocess(
            "drift", "--format", "json", "--emulator-url", emulator.url, cwd=tmp_path
        )
        assert result.code == 2, result.output  # the seed has one button drifted
        statuses = {t["tenant"]: t["status"] for t in json.loads(result.stdout)["tenants"]}
        assert statuses == {"acme-dev": "drifted", "acme-prod": "drifted"}

        # The signal comes once the CLI has exited, while the server waits for connections.
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)  # a bound for a hang, not a speed target
        except subprocess.TimeoutExpired:
            pytest.fail("emulator serve did not stop on SIGTERM")
        assert code == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()
    finally:
        stop_emulator(emulator)
