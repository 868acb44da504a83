"""``validate`` of 1,000 tenant files (3 prompts each): offline, through the CLI.

No network: the row is process start, imports, and reading, checking and building every file.
"""

from __future__ import annotations

import sys

from bench.context import Context
from bench.harness import Row, Sample, Target, measured_row, progress, run_process
from bench.tenants import cli, names, state_env, write_tenants

FILES = 1000
TARGET = 3.0


def rows(context: Context, files: int = FILES) -> list[Row]:
    folder = context.workdir / "validate" / "tenants"
    write_tenants(folder, "http://127.0.0.1:9", names("validate", files))
    argv = cli("validate", str(folder))
    progress(f"validate: {files} files ({context.repeat} runs + 1 warm-up)")

    def runs() -> list[Sample]:
        samples = []
        with state_env() as env:
            for index in range(context.repeat + 1):
                done = run_process(argv, env=env, cwd=folder.parent)
                if done.returncode != 0:
                    raise RuntimeError(f"validate exited {done.returncode}: {done.stderr[-300:]}")
                if index:
                    samples.append(done.sample)
        return samples

    row = measured_row(
        Row(
            "validate.files-1000",
            f"`validate` of {files:,} files × 3 prompts, CLI",
            floor=context.baselines["python"].median if "python" in context.baselines else None,
            baseline=context.baseline_text("python"),
            target=Target(TARGET, f"≤ {TARGET:.0f} s"),
        ),
        runs,
    )
    if row.wall is not None:
        start = context.baselines.get("python")
        above = row.wall.median - (start.median if start else 0.0)
        row.notes = (
            f"floor: the interpreter starting; {above / files * 1000:.2f} ms per file above it "
            f"(imports included); Python {sys.version_info.major}.{sys.version_info.minor}"
        )
    return [row]
