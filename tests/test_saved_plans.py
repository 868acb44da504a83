"""Saved plans end to end: the CLI against emulators on real sockets, as a CI job runs them.

The attack these tests pin down: a pull request's job writes the plan artifact, and the apply
job runs it with the writer's secrets. A plan edited to send those secrets elsewhere, re-sealed
with the project's own checksum, must be refused before any request leaves the machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.documents import sha256_of
from reconciler.emulator import EmulatorOptions, EmulatorServer

ENV = {
    "ACME_ID": "client-id",
    "ACME_SECRET": "client-secret-value",
    "NO_COLOR": "1",
    "AUTH0_PARTIALS_BUDGET": "off",
}


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        result = runner.invoke(cli, list(args), env={**ENV, **(env or {})}, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def emulators() -> Iterator[tuple[EmulatorServer, EmulatorServer]]:
    first = EmulatorServer(EmulatorOptions(rate_limits="off", seed=True)).start()
    second = EmulatorServer(EmulatorOptions(rate_limits="off", seed=True)).start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def tenant_file(base: str) -> str:
    return f"""\
tenant: acme-dev
domain: {base}
credentials:
  client_id: ${{ACME_ID}}
  client_secret: ${{ACME_SECRET}}
prompts:
  login-passwordless:
    login-passwordless-email-code:
      - switch: Username-Password-Authentication
        label: Use Password Instead
"""


@pytest.fixture
def project(
    tmp_path: Path,
    emulators: tuple[EmulatorServer, EmulatorServer],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    monkeypatch.setenv("AUTH0_PARTIALS_LOCK_DIR", str(tmp_path / "locks"))
    (tmp_path / "tenants").mkdir()
    base = emulators[0].tenant_base("acme-dev")
    (tmp_path / "tenants" / "acme-dev.yaml").write_text(tenant_file(base))
    return tmp_path


def reseal(path: Path, edit: object) -> None:
    data = json.loads(path.read_text())
    data.pop("checksum")
    edit(data)  # type: ignore[operator]
    data["checksum"] = sha256_of(data)
    path.write_text(json.dumps(data))


def test_a_plan_redirected_to_another_host_sends_that_host_nothing(
    project: Path, emulators: tuple[EmulatorServer, EmulatorServer]
) -> None:
    first, second = emulators
    assert run(project, "plan", "--out", "plan.json").code == 0
    reseal(
        project / "plan.json",
        lambda d: d["tenants"][0].update(domain=second.tenant_base("acme-dev")),
    )
    first.clear_request_log()
    second.clear_request_log()
    result = run(project, "apply", "plan.json")
    assert result.code == 1
    assert "disagree on its domain" in result.stderr
    assert "nothing was read or written" in result.stderr
    assert second.request_log == []
    assert first.request_log == []


def test_a_plan_whose_tenant_file_is_missing_is_refused_without_a_request(
    project: Path, emulators: tuple[EmulatorServer, EmulatorServer]
) -> None:
    assert run(project, "plan", "--out", "plan.json").code == 0
    (project / "tenants" / "acme-dev.yaml").unlink()
    emulators[0].clear_request_log()
    result = run(project, "apply", "plan.json")
    assert result.code == 1
    assert "tenants/acme-dev.yaml is not in this folder" in result.stderr
    assert emulators[0].request_log == []


def test_a_domain_renamed_in_the_file_after_planning_is_refused(
    project: Path, emulators: tuple[EmulatorServer, EmulatorServer]
) -> None:
    first, second = emulators
    assert run(project, "plan", "--out", "plan.json").code == 0
    (project / "tenants" / "acme-dev.yaml").write_text(tenant_file(second.tenant_base("acme-dev")))
    first.clear_request_log()
    result = run(project, "apply", "plan.json")
    assert result.code == 1 and "disagree on its domain" in result.stderr
    assert first.request_log == [] and second.request_log == []


def test_a_reviewed_plan_applies_exactly_and_needs_no_confirmation(
    project: Path, emulators: tuple[EmulatorServer, EmulatorServer]
) -> None:
    first, _ = emulators
    assert run(project, "plan", "--out", "plan.json").code == 0
    first.clear_request_log()
    result = run(project, "apply", "plan.json")
    assert result.code == 0, result.stderr
    assert "written  acme-dev/login-passwordless" in result.stdout
    methods = [(r.method, r.prompt) for r in first.request_log if r.prompt]
    assert methods == [("GET", "login-passwordless"), ("PUT", "login-passwordless")]
    live = first.get_document("acme-dev", "login-passwordless")
    assert "Use Password Instead" in live["login-passwordless-email-code"]["form-footer-start"]


def test_a_signed_plan_is_required_once_the_key_is_set(
    project: Path, emulators: tuple[EmulatorServer, EmulatorServer]
) -> None:
    key = {"AUTH0_PARTIALS_PLAN_KEY": "ci-key"}
    assert run(project, "plan", "--out", "unsigned.json").code == 0
    assert run(project, "plan", "--out", "signed.json", env=key).code == 0
    refused = run(project, "apply", "unsigned.json", env=key)
    assert refused.code == 1 and "not signed" in refused.stderr
    assert run(project, "apply", "signed.json", env=key).code == 0


def test_a_stale_saved_plan_writes_nothing(
    project: Path, emulators: tuple[EmulatorServer, EmulatorServer]
) -> None:
    first, _ = emulators
    assert run(project, "plan", "--out", "plan.json").code == 0
    first.set_document(
        "acme-dev",
        "login-passwordless",
        {"login-passwordless-email-code": {"form-footer-end": "<p>x</p>"}},
    )
    first.clear_request_log()
    result = run(project, "apply", "plan.json")
    assert result.code == 1
    assert "saved plan is stale" in result.stderr
    assert [r.method for r in first.request_log if r.prompt] == ["GET"]
