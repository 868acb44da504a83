"""Baselines measured at the start of every run, that every other row is shown beside.

* ``python -c pass``: an interpreter that starts and exits (the same Python as the CLI runs).
* a bare httpx GET: a process that imports httpx and sends one GET to an emulator with Auth0's
  latency; no reconciler code. A CLI row that reads tenants cannot beat it.
"""

from __future__ import annotations

import sys

from bench.context import Context
from bench.harness import Row, Sample, measured_row, progress, run_process, spread
from bench.tenants import LATENCY, emulator

HTTPX_GET = (
    "import sys, httpx\n"
    "answer = httpx.get(sys.argv[1])\n"
    "sys.exit(0 if answer.status_code == 401 else 1)\n"
)


def _runs(argv: list[str], count: int) -> list[Sample]:
    samples = []
    run_process(argv)  # warm the file cache and the bytecode
    for _ in range(count):
        done = run_process(argv)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-300:]}")
        samples.append(done.sample)
    return samples


def rows(context: Context) -> list[Row]:
    progress("baselines: python -c pass, a bare httpx GET")
    python = measured_row(
        Row("baseline.python", "`python -c pass`"),
        lambda: _runs([sys.executable, "-c", "pass"], context.cold_runs),
    )
    with emulator() as server:
        url = f"{server.base_url}/tenants/baseline/api/v2/prompts/login/partials"
        get = measured_row(
            Row(
                "baseline.httpx-get",
                "bare httpx GET (process: start, import httpx, one GET)",
                floor=LATENCY,
                notes=f"one round trip of {LATENCY} s (the emulator's latency) is its floor; "
                "the answer is a 401 (no token), after the same latency",
            ),
            lambda: _runs([sys.executable, "-c", HTTPX_GET, url], context.repeat),
        )
    for name, row in (("python", python), ("httpx-get", get)):
        if row.samples:
            context.baselines[name] = spread([s.wall for s in row.samples])
    return [python, get]
