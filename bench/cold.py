"""Cold start: ``--help`` of the CLI against ``python -c pass``, runs interleaved.

Each run is a new process, so it pays the interpreter start and every import the command needs;
bytecode is cached as an ordinary install caches it (a first, uncounted run of each writes it).
``python -c pass`` runs between them, so all three see the same load.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.context import Context
from bench.harness import Row, Sample, Target, load_average, progress, run_process, spread

HELP_TARGET_RATIO = 2.5


def _script() -> str | None:
    """The ``auth0-partials`` console script next to this Python, or on PATH."""
    beside = Path(sys.executable).with_name("auth0-partials")
    if beside.exists():
        return str(beside)
    return shutil.which("auth0-partials")


def rows(context: Context) -> list[Row]:
    progress(f"cold start: {context.cold_runs} runs each, interleaved")
    commands: dict[str, list[str]] = {
        "python": [sys.executable, "-c", "pass"],
        "help-module": [sys.executable, "-m", "reconciler", "--help"],
    }
    script = _script()
    if script is not None:
        commands["help-script"] = [script, "--help"]
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    errors: dict[str, str] = {}
    before = load_average()
    for argv in commands.values():
        run_process(argv)
    for _ in range(context.cold_runs):
        for name, argv in commands.items():
            done = run_process(argv)
            if done.returncode != 0:
                errors[name] = f"exited {done.returncode}: {done.stderr[-200:]}"
            samples[name].append(done.sample)
    load = (before, load_average())
    baseline = spread([s.wall for s in samples["python"]]).median
    limit = HELP_TARGET_RATIO * baseline
    result = [
        Row(
            "cold.python",
            "`python -c pass` (interleaved with the rows below)",
            samples=samples["python"],
            load=load,
            notes="the baseline of the two rows below, measured beside them",
        )
    ]
    labels = {
        "help-module": "`python -m reconciler --help`, cold",
        "help-script": "`auth0-partials --help` (console script), cold",
    }
    for name in ("help-module", "help-script"):
        if name not in commands:
            result.append(
                Row(f"cold.{name}", labels[name], error="the console script is not installed")
            )
            continue
        result.append(
            Row(
                f"cold.{name}",
                labels[name],
                samples=samples[name],
                floor=baseline,
                baseline=f"`python -c pass` {baseline:.3f} s",
                target=Target(limit, f"≤ {HELP_TARGET_RATIO}× baseline ({limit:.3f} s)"),
                load=load,
                error=errors.get(name),
                notes="floor: the interpreter starting and exiting; what is above it is imports",
            )
        )
    return result
