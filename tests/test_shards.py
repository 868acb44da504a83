"""A fleet split across a CI matrix: ``--shard K/N`` and ``plan --merge``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.targets import Shard
from tests.conftest import ServedEmulator, cli_env, run_cli, start_emulator, stop_emulator

TENANTS = 200

FILE = """\
tenant: {name}
domain: {base}/tenants/{name}
credentials:
  client_id: ${{ID}}
  client_secret: ${{SECRET}}
prompts:
  login-passwordless:
    login-passwordless-email-code:
      - switch: Username-Password-Authentication
        label: Use Password Instead
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[tuple[Path, ServedEmulator]]:
    emulator = start_emulator("--seed", "--rate-limits", "off", cwd=tmp_path)
    (tmp_path / "tenants").mkdir()
    for number in range(TENANTS):
        name = f"customer-{number:03d}"
        (tmp_path / "tenants" / f"{name}.yaml").write_text(
            FILE.format(name=name, base=emulator.url)
        )
    try:
        yield tmp_path, emulator
    finally:
        stop_emulator(emulator)


def cli(folder: Path, *args: str) -> object:
    return run_cli(*args, cwd=folder, env=cli_env(ID="id", SECRET="secret"))


def test_shards_are_stable_and_cover_every_tenant_once() -> None:
    names = [f"customer-{n:03d}" for n in range(500)]
    shards = [Shard(k, 4) for k in range(1, 5)]
    held = [[name for name in names if shard.holds(name)] for shard in shards]
    assert sorted(n for part in held for n in part) == sorted(names)
    assert all(len(part) > 80 for part in held)  # roughly even
    assert [n for n in reversed(names) if shards[0].holds(n)] == list(reversed(held[0]))
    with pytest.raises(ValueError, match="K/N"):
        Shard.parse("5/4")


def test_four_shards_merge_into_the_plan_of_one_run(fleet: tuple[Path, ServedEmulator]) -> None:
    folder, _ = fleet
    whole = cli(folder, "plan", "--no-checks", "--format", "json")
    assert whole.code == 0  # type: ignore[attr-defined]
    outs = []
    for k in range(1, 5):
        out = f"shard-{k}.json"
        shard = cli(folder, "plan", "--no-checks", "--shard", f"{k}/4", "--out", out, "-q")
        assert shard.code == 0, shard.stderr  # type: ignore[attr-defined]
        outs.append(out)
    merged = cli(folder, "plan", "--format", "json", *(a for o in outs for a in ("--merge", o)))
    assert merged.code == 0, merged.stderr  # type: ignore[attr-defined]
    assert json.loads(merged.stdout) == json.loads(whole.stdout)  # type: ignore[attr-defined]
    markdown = cli(
        folder, "plan", "--format", "markdown", *(a for o in outs for a in ("--merge", o))
    )
    assert markdown.stdout.startswith("<!-- auth0-partials:plan -->")  # type: ignore[attr-defined]
    assert f"in {TENANTS} documents" in markdown.stdout  # type: ignore[attr-defined]


def test_a_saved_shard_plan_applies_alone(fleet: tuple[Path, ServedEmulator]) -> None:
    folder, emulator = fleet
    assert cli(folder, "plan", "--no-checks", "--shard", "2/4", "--out", "s.json", "-q").code == 0  # type: ignore[attr-defined]
    emulator.clear_requests()
    applied = cli(folder, "apply", "s.json", "-q")
    assert applied.code == 0, applied.stderr  # type: ignore[attr-defined]
    written = {r["tenant"] for r in emulator.requests() if r["method"] == "PUT"}
    assert written == {
        f"customer-{n:03d}" for n in range(TENANTS) if Shard(2, 4).holds(f"customer-{n:03d}")
    }
