"""Shell completion through click's own mechanism: scripts for bash, zsh and fish, commands
and options, and tenant and prompt names for --target read from the tenant files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.shell_completion import BashComplete
from click.testing import CliRunner

from reconciler.cli import cli
from tests.conftest import PROJECT

TENANTS = PROJECT / "tenants"
COMPLETE_VAR = "_AUTH0_PARTIALS_COMPLETE"


def complete(args: list[str], incomplete: str) -> list[str]:
    """What the shell would be offered after ``auth0-partials ARGS INCOMPLETE<TAB>``."""
    completer = BashComplete(cli, {}, "auth0-partials", COMPLETE_VAR)
    return [item.value for item in completer.get_completions(args, incomplete)]


def shell(words: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """The real entry point as bash calls it: COMP_WORDS and COMP_CWORD in the environment."""
    environment = {COMPLETE_VAR: "bash_complete", "COMP_WORDS": words, **(env or {})}
    environment["COMP_CWORD"] = str(len(words.split(" ")) - 1)
    result = CliRunner().invoke(cli, [], prog_name="auth0-partials", env=environment)
    return result.exit_code, result.output


@pytest.mark.parametrize("name", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_script_that_calls_back(name: str) -> None:
    result = CliRunner().invoke(
        cli, [], prog_name="auth0-partials", env={COMPLETE_VAR: f"{name}_source"}
    )
    assert result.exit_code == 0
    assert f"{COMPLETE_VAR}={name}_complete" in result.output.replace('"', "")


def test_commands_and_options_complete() -> None:
    assert {"plan", "apply", "drift", "validate", "render", "emulator"} <= set(complete([], ""))
    assert complete(["plan"], "--det") == ["--detailed-exitcode"]
    assert complete(["drift"], "--fail") == ["--fail-on-unmanaged"]


def test_target_completes_tenant_names_of_the_given_paths() -> None:
    assert complete(["plan", str(TENANTS), "--target"], "") == ["acme-dev", "acme-prod"]
    assert complete(["drift", str(TENANTS), "--target"], "acme-p") == ["acme-prod"]
    single = TENANTS / "acme-dev.yaml"
    assert complete(["render", str(single), "--target"], "") == ["acme-dev"]


def test_target_after_a_slash_completes_the_tenants_managed_prompts() -> None:
    assert complete(["plan", str(TENANTS), "--target"], "acme-dev/") == [
        "acme-dev/signup-password",
        "acme-dev/login-password",
        "acme-dev/login-passwordless",
    ]
    assert complete(["apply", str(TENANTS), "--target"], "acme-prod/login-pass") == [
        "acme-prod/login-password",
        "acme-prod/login-passwordless",
    ]
    assert complete(["plan", str(TENANTS), "--target"], "acme-qa/") == []


def test_target_reads_tenants_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(TENANTS, tmp_path / "tenants")
    monkeypatch.chdir(tmp_path)
    assert complete(["plan", "--target"], "") == ["acme-dev", "acme-prod"]


def test_bad_files_are_skipped_silently(tmp_path: Path) -> None:
    folder = tmp_path / "tenants"
    (folder / ".hidden").mkdir(parents=True)
    (folder / "good.yaml").write_text("tenant: good\nprompts:\n  login-id: []\n")
    (folder / "broken.yaml").write_text("tenant: [unclosed\n")
    (folder / "list.yml").write_text("- just a list\n")
    (folder / "nameless.yaml").write_text("domain: x\n")
    (folder / "binary.yaml").write_bytes(b"\xff\xfe\x00tenant")
    (folder / ".hidden" / "secret.yaml").write_text("tenant: hidden\n")
    (folder / "notes.txt").write_text("tenant: text\n")
    assert complete(["plan", str(folder), "--target"], "") == ["good"]
    assert complete(["plan", str(folder), "--target"], "good/") == ["good/login-id"]
    missing = str(tmp_path / "missing")
    assert complete(["plan", missing, "--target"], "") == []


def test_the_shell_entry_point_prints_only_candidates(tmp_path: Path) -> None:
    code, output = shell(f"auth0-partials plan {TENANTS} --target acme-d")
    assert code == 0
    assert output.splitlines() == ["plain,acme-dev"]
    (tmp_path / "broken.yaml").write_text("tenant: acme\nprompts: [\n")
    code, output = shell(f"auth0-partials plan {tmp_path} --target ")
    assert (code, output.strip()) == (0, "")  # no candidates, and nothing else either
