"""The click layer: help for every command, exit codes, offline commands (the CI examples are
checked in tests/test_examples.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from tests.conftest import PROJECT


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(command_paths(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", command_paths(cli), ids=lambda p: " ".join(p))
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help and len(command.help) > 40


def test_usage_error_exits_1_not_2() -> None:
    result = CliRunner().invoke(cli, ["plan", "--format", "yaml"])
    assert result.exit_code == 1
    assert "Invalid value for '--format'" in result.output


def test_validate_reports_file_and_line(tmp_path: Path) -> None:
    bad = PROJECT / "tests" / "fixtures" / "config" / "bad-unknown-prompt.yaml"
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1
    assert re.search(r"bad-unknown-prompt\.yaml:\d+:\d+", result.output)
    assert "Traceback" not in result.output


def test_validate_and_render_the_shipped_examples() -> None:
    env = {
        "ACME_DEV_CLIENT_ID": "x",
        "ACME_DEV_CLIENT_SECRET": "x",
        "ACME_PROD_CLIENT_ID": "x",
        "ACME_PROD_CLIENT_SECRET": "x",
    }
    examples = str(PROJECT / "tenants")
    result = CliRunner(env=env).invoke(cli, ["validate", examples])
    assert result.exit_code == 0, result.output
    assert "2 tenant files valid." in result.output
    rendered = CliRunner().invoke(cli, ["render", examples])
    assert rendered.exit_code == 0, rendered.output
    data = json.loads(rendered.output)
    signup = data["acme-dev"]["signup-password"]["signup-password"]["form-footer-start"]
    assert signup.startswith('<form method="post" data-form-secondary="true">')
    assert "Send a secure code by email" in signup


def test_a_target_that_matches_nothing_is_an_error() -> None:
    result = CliRunner().invoke(cli, ["render", str(PROJECT / "tenants"), "--target", "acme-qa"])
    assert result.exit_code == 1
    assert "--target acme-qa matches no tenant or managed prompt" in result.output
    assert "acme-dev, acme-prod" in result.output
    ok = CliRunner().invoke(
        cli, ["render", str(PROJECT / "tenants"), "--target", "acme-dev/login-password"]
    )
    assert ok.exit_code == 0, ok.output
    assert list(json.loads(ok.output)["acme-dev"]) == ["login-password"]
