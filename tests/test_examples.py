"""The integrations users copy: the CI examples, the GitHub Action, the pre-commit hook and the
JSON Schemas, each checked against the schema or the CLI it relies on.

The Action's shell steps run here as GitHub runs them (``bash -eo pipefail``, inputs through
``env``, outputs through ``$GITHUB_OUTPUT``) against the real CLI and its embedded emulator;
only the install step (a pip install) and the github-script comment step are left to CI.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from check_jsonschema import main as check_jsonschema
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from reconciler.cli import cli
from reconciler.reports.drift import DRIFT_MARKER
from reconciler.reports.plan import PLAN_MARKER
from tests.conftest import PROJECT, cli_env

GITHUB = sorted((PROJECT / "examples" / "github").glob("*.yml"))
GITLAB = PROJECT / "examples" / "gitlab" / ".gitlab-ci.yml"
ACTION_FILE = PROJECT / "action.yml"
HOOKS_FILE = PROJECT / ".pre-commit-hooks.yaml"
ACTION: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text("utf-8"))
ACTION_USES = re.compile(r"^[\w.-]+/auth0-partials@\S+$")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
DUMMY_CREDENTIALS = {
    f"ACME_{tenant}_CLIENT_{part}": "placeholder"
    for tenant in ("DEV", "PROD")
    for part in ("ID", "SECRET")
}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


# ------------------------------------------------------------ vendored CI schemas


def _check(schema: str, *files: Path) -> tuple[int, str]:
    result = CliRunner().invoke(check_jsonschema, ["--builtin-schema", schema, *map(str, files)])
    return result.exit_code, result.output


def test_github_workflows_match_the_workflow_schema() -> None:
    assert [p.name for p in GITHUB] == ["drift.yml", "fleet.yml", "plan-and-apply.yml"]
    assert _check("vendor.github-workflows", *GITHUB) == (0, "ok -- validation done\n")


def test_the_action_matches_the_action_schema() -> None:
    assert _check("vendor.github-actions", ACTION_FILE) == (0, "ok -- validation done\n")


def test_the_gitlab_example_matches_the_gitlab_schema() -> None:
    assert _check("vendor.gitlab-ci", GITLAB) == (0, "ok -- validation done\n")


def test_the_schema_check_rejects_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    action = _yaml(ACTION_FILE)
    del action["runs"]["steps"][1]["shell"]  # a composite run step must name its shell
    broken.write_text(yaml.safe_dump(action))
    code, output = _check("vendor.github-actions", broken)
    assert code == 1
    assert "Schema validation errors" in output


# ------------------------------------------------------------ the project's JSON Schemas


@pytest.mark.parametrize("path", sorted((PROJECT / "schemas").glob("*.json")), ids=lambda p: p.name)
def test_every_json_schema_is_valid_2020_12_with_a_stable_id(path: Path) -> None:
    schema = json.loads(path.read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://auth0-partials.dev/schemas/{path.name}"


# ------------------------------------------------------------ what the examples invoke


def _action_steps(workflow: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if ACTION_USES.match(step.get("uses", "")):
                yield step


def _assert_known_options(args: list[str]) -> None:
    command = cli.get_command(click.Context(cli), args[0])
    assert command is not None, f"{args}: no such command"
    known = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for arg in args[1:]:
        if arg.startswith("--"):
            assert arg.split("=", 1)[0] in known, f"{args}: {arg} is not an option of {args[0]}"


def test_github_examples_use_the_action_with_its_inputs_and_outputs() -> None:
    commands = []
    for path in GITHUB:
        workflow = _yaml(path)
        text = path.read_text("utf-8")
        for step in _action_steps(workflow):
            given = step.get("with", {})
            assert set(given) <= set(ACTION["inputs"]), f"{path.name}: {given}"
            _assert_known_options([given["command"], *shlex.split(given.get("args", ""))])
            commands.append(given["command"])
            if "id" in step:
                used = set(re.findall(rf"steps\.{step['id']}\.outputs\.([\w-]+)", text))
                assert used, f"{path.name}: step {step['id']} has an id but no output is used"
                assert used <= set(ACTION["outputs"]), f"{path.name}: {used}"
        assert "pip install" not in text
    assert sorted(commands) == [
        "apply",
        "apply",
        "drift",
        "plan",
        "plan",
        "plan",
        "preview",
        "validate",
    ]


def test_the_gitlab_example_uses_only_documented_options() -> None:
    invocations = []
    for job in _yaml(GITLAB).values():
        for line in job.get("script", []) if isinstance(job, dict) else []:
            if line.startswith("auth0-partials "):
                words = shlex.split(re.split(r"\s(?:>|\|\|)\s", line)[0])
                invocations.append(words[1:])
    assert len(invocations) >= 5
    for args in invocations:
        _assert_known_options(args)


def test_the_examples_look_for_the_markers_the_tool_writes() -> None:
    assert PLAN_MARKER in GITLAB.read_text("utf-8")
    assert DRIFT_MARKER in (PROJECT / "examples" / "github" / "drift.yml").read_text("utf-8")
    comment = next(s for s in ACTION["runs"]["steps"] if "github-script" in s.get("uses", ""))
    assert PLAN_MARKER in comment["with"]["script"]
    assert "inputs.command == 'plan'" in comment["if"]


# ------------------------------------------------------------ the action's own shell steps


def test_action_scripts_take_inputs_only_through_the_environment() -> None:
    """An expression inside `run:` would be pasted into the script (script injection)."""
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_action_expressions_name_declared_inputs_and_earlier_steps() -> None:
    seen: set[str] = set()
    text = ACTION_FILE.read_text("utf-8")
    for name in re.findall(r"\binputs\.([\w-]+)", text):
        assert name in ACTION["inputs"], name
    for step in ACTION["runs"]["steps"]:
        for ref in re.findall(r"\bsteps\.([\w-]+)\.outputs", yaml.safe_dump(step)):
            assert ref in seen, f"{step.get('name')}: steps.{ref} is not an earlier step"
        seen.add(step.get("id", ""))
    for output in ACTION["outputs"].values():
        ref = EXPRESSION.fullmatch(output["value"])
        assert ref and ref.group(1).startswith("steps.run.outputs."), output


@dataclass
class StepRun:
    code: int
    outputs: dict[str, str]
    log: str


class ActionRunner:
    """Runs the action's shell steps as a GitHub runner would, in ``workspace``."""

    def __init__(self, tmp_path: Path) -> None:
        self.workspace = tmp_path / "workspace"
        self.temp = tmp_path / "runner-temp"
        self.summary = tmp_path / "summary.md"
        self.temp.mkdir()
        shutil.copytree(PROJECT / "tenants", self.workspace / "tenants")
        self.bin = Path(sys.executable).parent / "auth0-partials"
        assert self.bin.is_file(), "auth0-partials is installed next to the test interpreter"

    def step(
        self,
        step_id: str,
        env: Mapping[str, str] | None = None,
        run_outputs: Mapping[str, str] | None = None,
        **inputs: str,
    ) -> StepRun:
        """Run one step with these inputs (``fail_on_changes`` for ``fail-on-changes``) and,
        for the steps after it, the outputs of the run step."""
        step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)
        values = {
            f"inputs.{name}": str(spec.get("default", ""))
            for name, spec in ACTION["inputs"].items()
        }
        values.update({f"inputs.{k.replace('_', '-')}": v for k, v in inputs.items()})
        values["steps.install.outputs.bin"] = str(self.bin)
        values["github.event.pull_request.number"] = ""
        values.update({f"steps.run.outputs.{k}": v for k, v in (run_outputs or {}).items()})

        def expand(text: str) -> str:
            return EXPRESSION.sub(lambda m: values[m.group(1)], text)

        output_file = self.temp / f"output-{step_id}"
        output_file.write_text("")
        environment = cli_env(
            RUNNER_TEMP=str(self.temp),
            GITHUB_OUTPUT=str(output_file),
            GITHUB_STEP_SUMMARY=str(self.summary),
            **{k: expand(v) for k, v in step.get("env", {}).items()},
            **(env or {}),
        )
        script = self.temp / f"{step_id}.sh"
        script.write_text(step["run"])
        cwd = self.workspace / expand(step.get("working-directory", "."))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = output_file.read_text().splitlines()
        outputs = dict(line.split("=", 1) for line in lines)
        return StepRun(proc.returncode, outputs, proc.stdout + proc.stderr)


def _decide(runner: ActionRunner, exitcode: str, **inputs: str) -> StepRun:
    return runner.step("decide", run_outputs={"exitcode": exitcode}, command="plan", **inputs)


def test_the_action_runs_the_pull_request_flow(tmp_path: Path) -> None:
    runner = ActionRunner(tmp_path)
    plan = runner.step("run", command="plan", args="--emulator")
    assert plan.code == 0, plan.log
    assert plan.outputs["exitcode"] == "2", plan.log  # changes present, not a failed step
    markdown = Path(plan.outputs["markdown"])
    assert markdown.is_relative_to(runner.temp)
    assert markdown.read_text("utf-8").startswith(PLAN_MARKER)
    assert runner.summary.read_text("utf-8") == markdown.read_text("utf-8")
    saved = json.loads(Path(plan.outputs["json"]).read_text("utf-8"))
    schema = json.loads((PROJECT / "schemas" / "plan.schema.json").read_text("utf-8"))
    Draft202012Validator(schema).validate(saved)
    assert Path(plan.outputs["stdout"]) == markdown

    assert _decide(runner, "2").code == 0
    failing = _decide(runner, "2", fail_on_changes="true")
    assert failing.code == 2
    assert "::error::auth0-partials plan: changes present" in failing.log
    assert _decide(runner, "0", fail_on_changes="true").code == 0

    applied = runner.step(
        "run", command="apply", paths=plan.outputs["json"], args="--emulator --auto-approve"
    )
    assert applied.outputs["exitcode"] == "0", applied.log
    assert (applied.outputs["markdown"], applied.outputs["json"]) == ("", "")
    assert "Apply complete" in Path(applied.outputs["stdout"]).read_text("utf-8")

    again = runner.step("run", command="plan", args="--emulator", summary="false")
    assert again.outputs["exitcode"] == "0", again.log
    assert runner.summary.read_text("utf-8") == markdown.read_text("utf-8")  # not appended


def test_the_action_passes_other_commands_and_formats_through(tmp_path: Path) -> None:
    runner = ActionRunner(tmp_path)
    drift = runner.step("run", command="drift", args="--emulator --format json")
    assert drift.outputs["exitcode"] == "2", drift.log
    assert drift.outputs["markdown"] == ""
    report = json.loads(Path(drift.outputs["json"]).read_text("utf-8"))
    schema = json.loads((PROJECT / "schemas" / "drift.schema.json").read_text("utf-8"))
    Draft202012Validator(schema).validate(report)

    valid = runner.step(
        "run", env=DUMMY_CREDENTIALS, command="validate", paths="tenants/acme-dev.yaml"
    )
    assert valid.outputs["exitcode"] == "0", valid.log
    assert "1 tenant file valid." in Path(valid.outputs["stdout"]).read_text("utf-8")

    unknown = runner.step("run", command="frobnicate", paths="")
    assert unknown.code == 0
    assert unknown.outputs["exitcode"] == "1"
    assert "No such command 'frobnicate'" in unknown.log
    failed = _decide(runner, "1")
    assert failed.code == 1
    assert "::error::auth0-partials plan failed (exit code 1)" in failed.log


def test_the_fleet_example_merges_every_shard_it_plans() -> None:
    fleet = _yaml(PROJECT / "examples" / "github" / "fleet.yml")
    shards = fleet["jobs"]["plan"]["strategy"]["matrix"]["shard"]
    assert shards == fleet["jobs"]["apply"]["strategy"]["matrix"]["shard"]
    total = len(shards)
    merge = next(_action_steps({"jobs": {"comment": fleet["jobs"]["comment"]}}))
    merged = re.findall(r"plan-shard-(\d+)-", merge["with"]["args"])
    assert merged == [str(k) for k in shards] == [str(k) for k in range(1, total + 1)]
    assert merge["with"]["paths"] == ""
    (plan,) = _action_steps({"jobs": {"plan": fleet["jobs"]["plan"]}})
    assert f"--shard ${{{{ matrix.shard }}}}/{total} " in plan["with"]["args"]
    assert f"-{total}" in fleet["jobs"]["apply"]["concurrency"]["group"]


def test_the_action_plans_shards_and_merges_them_into_one_comment(tmp_path: Path) -> None:
    runner = ActionRunner(tmp_path)
    shards = [runner.step("run", command="plan", args=f"--emulator --shard {k}/2") for k in (1, 2)]
    plans = [s.outputs["json"] for s in shards]
    assert all(plans) and all(s.outputs["exitcode"] in {"0", "2"} for s in shards)
    args = " ".join(f"--merge {shlex.quote(p)}" for p in plans)
    merged = runner.step("run", command="plan", paths="", args=args)
    assert merged.outputs["exitcode"] == "2", merged.log
    text = Path(merged.outputs["markdown"]).read_text("utf-8")
    assert text.startswith(PLAN_MARKER)
    assert "`acme-dev`" in text and "`acme-prod`" in text
    for plan in plans:  # each shard applies its own plan
        applied = runner.step("run", command="apply", paths=plan, args="--emulator --auto-approve")
        assert applied.outputs["exitcode"] == "0", applied.log


def test_the_action_reports_unusable_inputs(tmp_path: Path) -> None:
    runner = ActionRunner(tmp_path)
    unclosed = runner.step("run", command="plan", args="--target 'acme-dev")
    assert (unclosed.code, unclosed.outputs["exitcode"]) == (0, "1")
    assert "::error::cannot split the paths or args input" in unclosed.log
    empty = runner.step("run", command="")
    assert (empty.code, empty.outputs["exitcode"]) == (0, "1")
    assert "::error::the command input is empty" in empty.log


# ------------------------------------------------------------ the pre-commit hook


def _hook() -> dict[str, Any]:
    hooks = _yaml(HOOKS_FILE)
    assert [h["id"] for h in hooks] == ["auth0-partials-validate"]
    return dict(hooks[0])


def test_the_hook_runs_the_installed_validate_on_tenant_files() -> None:
    hook = _hook()
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    program, *args = shlex.split(hook["entry"])
    pyproject = (PROJECT / "pyproject.toml").read_text("utf-8")
    assert f'{program} = "reconciler.cli:main"' in pyproject
    assert args == ["validate"]
    files = re.compile(hook["files"])
    for name in ("tenants/acme-dev.yaml", "tenants/eu/acme.yml"):
        assert files.search(name), name
    for name in ("tenants/README.md", "examples/tenants/x.yaml", "schemas/tenant.schema.json"):
        assert not files.search(name), name


def test_the_hook_entry_passes_and_fails_as_validate_does(tmp_path: Path) -> None:
    _, *args = shlex.split(_hook()["entry"])
    files = [str(p) for p in sorted((PROJECT / "tenants").glob("*.yaml"))]
    good = CliRunner(env=DUMMY_CREDENTIALS).invoke(cli, [*args, *files])
    assert good.exit_code == 0, good.output
    broken = tmp_path / "acme-qa.yaml"
    broken.write_text("tenant: acme-qa\ndomain: login.qa.acme.example\ncredentails: {}\n")
    bad = CliRunner(env=DUMMY_CREDENTIALS).invoke(cli, [*args, *files, str(broken)])
    assert bad.exit_code == 1
    assert "acme-qa.yaml:3:1" in bad.output
