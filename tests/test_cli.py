"""The click layer: help for every command, exit codes, offline commands (the CI examples are
checked in tests/test_examples.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from tests.conftest import PROJECT, ServedEmulator, cli_env, run_cli


def subcommands(group: click.Group) -> dict[str, click.Command]:
    """A group's commands, loaded as a run loads them (the top group loads its on use)."""
    ctx = click.Context(group)
    found = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(subcommands(group).items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(command_paths(command, (*prefix, name)))
    return found


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = subcommands(command)[name]
    return command


def listed_line(path: tuple[str, ...]) -> str:
    """The command's line in its group's ``--help`` command list (continuations joined)."""
    result = CliRunner().invoke(cli, [*path[:-1], "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    listing = result.output.split("Commands:\n", 1)[1].splitlines()
    for index, line in enumerate(listing):
        name, _, text = line.strip().partition(" ")
        if name == path[-1]:
            rest = []
            for more in listing[index + 1 :]:
                if not more.startswith(" " * 6):
                    break
                rest.append(more.strip())
            return " ".join([text.strip(), *rest])
    raise AssertionError(f"{path[-1]} is not in the list:\n{result.output}")


#: The commands that run many tenants at once.
CONCURRENT = {("plan",), ("apply",), ("drift",), ("doctor",), ("preview",)}


@pytest.mark.parametrize("path", command_paths(cli), ids=lambda p: " ".join(p))
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0
    assert "Usage:" in result.output
    command = command_at(path)
    assert command.help and len(command.help) > 40
    # The first paragraph of the help is whole sentences, and so is the command's line in the
    # command list (never cut off with "...").
    first = " ".join(command.help.split("\n\n", 1)[0].split())
    assert first.endswith("."), first
    assert first in " ".join(result.output.split())
    line = listed_line(path)
    assert not line.endswith("..."), line
    assert line.endswith(".") and line[0].isupper(), line
    # Where PATHS are taken, the help says they default to tenants/.
    if any(isinstance(p, click.Argument) and p.name == "paths" for p in command.params):
        assert "default: tenants/" in command.help or "default to tenants/" in command.help
    options = {opt for param in command.params for opt in param.opts}
    assert ("--concurrency" in options) == (path in CONCURRENT), path


def test_the_command_list_is_each_commands_own_short_help() -> None:
    from reconciler.cli import COMMANDS

    loaded = subcommands(cli)
    assert sorted(loaded) == sorted(COMMANDS)
    for name, command in loaded.items():
        assert COMMANDS[name][2] == command.get_short_help_str(1000), name
        assert command.name == name


def test_top_level_help_loads_no_command_and_not_the_library() -> None:
    code = (
        "import sys; from reconciler.cli import cli\n"
        "try:\n    cli.main(['--help'], prog_name='auth0-partials')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('reconciler.')"
        " or m in ('httpx', 'yaml', 'jsonschema', 'deepdiff', 'logging')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT
    )
    loaded = done.stdout.strip().splitlines()[-1]
    assert loaded == "['reconciler.cli', 'reconciler.errors', 'reconciler.version']", loaded


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


def test_apply_takes_one_saved_plan_alone(tmp_path: Path) -> None:
    for args, message in (
        (["plan.json", "plan.json"], "apply takes one saved plan (PLAN.json) alone"),
        (["plan.json", "tenants"], "apply takes one saved plan (PLAN.json) alone"),
        (["plan.json", "--target", "a"], "--target cannot narrow a saved plan"),
    ):
        result = run_cli("apply", *args, cwd=tmp_path)
        assert result.code == 1, result.output
        assert message in result.stderr
        assert "Usage:" in result.stderr
        assert "Traceback" not in result.output


TENANT = """\
tenant: {name}
domain: {domain}
credentials:
  client_id: ${{CLI_TEST_ID}}
  client_secret: ${{CLI_TEST_SECRET}}
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
"""


def test_validate_needs_no_secrets_unless_required(tmp_path: Path) -> None:
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "acme.yaml").write_text(
        TENANT.format(name="acme", domain="acme.eu.auth0.com")
    )
    # A file that manages no prompt yet is valid, and listed.
    (tmp_path / "tenants" / "empty.yaml").write_text(
        "tenant: empty\ndomain: empty.eu.auth0.com\ncredentials: {token: '${CLI_TEST_TOKEN}'}\n"
    )
    unset = run_cli("validate", cwd=tmp_path)
    assert unset.code == 0, unset.output
    assert "ok  tenants/acme.yaml  acme: 1 insertion points" in unset.stdout
    assert "ok  tenants/empty.yaml  empty: 0 insertion points" in unset.stdout
    assert "2 tenant files valid (3 warnings)." in unset.stdout
    for variable, line in (("CLI_TEST_ID", 4), ("CLI_TEST_SECRET", 5)):
        assert (
            f"warning: tenants/acme.yaml:{line}:{14 if line == 4 else 18}: environment variable "
            f"{variable} is not set" in unset.stderr
        ), unset.stderr
    assert "CLI_TEST_TOKEN is not set" in unset.stderr
    assert "Error" not in unset.stderr

    required = run_cli("validate", "--require-env", cwd=tmp_path)
    assert required.code == 1
    assert "Error: 3 problems in 2 files:" in required.stderr, required.stderr
    assert "tenants/acme.yaml:4:14: environment variable CLI_TEST_ID is not set" in required.stderr
    assert "valid" not in required.stdout

    env = cli_env(CLI_TEST_ID="id", CLI_TEST_SECRET="secret", CLI_TEST_TOKEN="token")
    both = run_cli("validate", "--require-env", cwd=tmp_path, env=env)
    assert both.code == 0, both.output
    assert "2 tenant files valid." in both.stdout
    assert both.stderr == ""


def test_plan_with_the_embedded_emulator_needs_no_valid_credentials(tmp_path: Path) -> None:
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "acme.yaml").write_text(
        TENANT.format(name="acme", domain="acme.eu.auth0.com")
    )
    (tmp_path / "tenants" / "tokened.yaml").write_text(
        TENANT.format(name="tokened", domain="tokened.eu.auth0.com").replace(
            "  client_id: ${CLI_TEST_ID}\n  client_secret: ${CLI_TEST_SECRET}\n",
            "  token: ${CLI_TEST_TOKEN}\n",
        )
    )
    # Set or not, and whatever they hold, the tenants' variables do not matter to --emulator:
    # its tokens exist only while it runs.
    for env in (cli_env(), cli_env(CLI_TEST_TOKEN="a-token-the-emulator-never-issued")):
        result = run_cli("plan", "--emulator", "--detailed-exitcode", cwd=tmp_path, env=env)
        assert result.code == 0, result.output  # the seed holds these very buttons
        assert "could not be planned" not in result.stdout
        assert "tokened (" in result.stdout and "acme (" in result.stdout
        assert "No changes. Live documents match the tenant files." in result.stdout
        assert "API calls: 2 GET, 0 PUT, 2 token" in result.stderr


def test_import_out_refuses_an_existing_file_without_force(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    target = tmp_path / "acme.yaml"
    target.write_text("# mine\n")
    args = (
        "import",
        "--tenant",
        "acme",
        "--domain",
        f"{served_emulator.url}/tenants/acme",
        "--client-id-env",
        "CLI_TEST_ID",
        "--client-secret-env",
        "CLI_TEST_SECRET",
        "--prompt",
        "login-password",
        "--out",
        "acme.yaml",
    )
    env = cli_env(CLI_TEST_ID="id", CLI_TEST_SECRET="secret")
    served_emulator.clear_requests()
    refused = run_cli(*args, cwd=tmp_path, env=env)
    assert refused.code == 1, refused.output
    assert "acme.yaml exists; nothing was written" in refused.stderr
    assert "--force" in refused.stderr and "--update acme.yaml" in refused.stderr
    assert target.read_text() == "# mine\n"
    assert served_emulator.requests() == []  # refused before any request

    forced = run_cli(*args, "--force", cwd=tmp_path, env=env)
    assert forced.code == 0, forced.output
    assert "Wrote acme.yaml (1 prompt read)." in forced.stderr
    written = target.read_text()
    assert written.startswith("# yaml-language-server") or "tenant: acme" in written
    assert run_cli("validate", "acme.yaml", cwd=tmp_path, env=env).code == 0
