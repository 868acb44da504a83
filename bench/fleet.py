"""Fleet plans at Auth0's latency: 1, 50, 200 and 1,000 tenants x 3 prompts, through the CLI.

Every call to the emulator takes ``LATENCY`` (0.38 s), the token request included; rate limits
are off (each tenant has its own buckets on Auth0, and a plan of 3 prompts stays within them).
The CLI runs with its default options (``auth0-partials plan FOLDER``: cheap checks on, default
concurrency, client budget on), as a child process: interpreter start and imports included.

Floors:

* **ideal** (``2 x 0.38 = 0.76 s``): each tenant needs its token, then its three reads (and
  the checks' reads), which could all be in flight at once; tenants are independent, so any
  number of them could finish in two round trips. The runner reads that way.
* **the emulator** (``floor.emulator-*``): the same requests from a bare standard-library
  client (``bench.bare``) with 1,024 connections: what this emulator, on this machine, can serve.
  No client of it can do better.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.context import Context
from bench.harness import (
    Row,
    Sample,
    Target,
    listen_overflows,
    measured_row,
    progress,
    run_process,
    spread,
)
from bench.tenants import LATENCY, Counts, cli, emulator, names, state_env, write_tenants
from reconciler.emulator import EmulatorServer

FLEET_FLOOR = 2 * LATENCY
PLAN_50_TARGET = 1.5
PLAN_1000_TARGET = 10.0
RSS_TARGET_MIB = 200.0


def _plan_runs(
    context: Context,
    server: EmulatorServer,
    folder: Path,
    extra: tuple[str, ...],
    log: list[Counts],
    emulator_cpu: list[float],
    overflows: list[int],
) -> list[Sample]:
    samples = []
    for index in range(context.repeat + 1):  # the first run warms up (tenants exist after it)
        with state_env() as env:
            server.clear_request_log()
            emulator_started, dropped = time.process_time(), listen_overflows()
            done = run_process(cli("plan", str(folder), "-q", *extra), env=env, cwd=folder)
            spent = time.process_time() - emulator_started
            dropped = listen_overflows() - dropped
        if done.returncode not in (0, 2):
            raise RuntimeError(f"plan exited {done.returncode}: {done.stderr[-400:]}")
        if "error" in done.stdout.lower():
            raise RuntimeError(f"plan reported an error: {done.stdout[:400]}")
        if index == 0:
            continue
        samples.append(done.sample)
        log.append(Counts.of(server.request_log))
        emulator_cpu.append(spent)
        overflows.append(dropped)
    return samples


def _plan_row(
    context: Context, server: EmulatorServer, size: int, *, checks: bool, folder: Path
) -> Row:
    extra = () if checks else ("--no-checks",)
    label = "" if checks else ", --no-checks"
    key = f"fleet.plan-{size}" + ("" if checks else "-nochecks")
    target = None
    if size == 50 and checks:
        target = Target(PLAN_50_TARGET, f"≤ {PLAN_50_TARGET} s (≤ 2× floor)")
    if size == 1000 and checks:
        target = Target(PLAN_1000_TARGET, f"≤ {PLAN_1000_TARGET:.0f} s")
    row = Row(
        key,
        f"plan {size} × 3 at {LATENCY} s, CLI{label}",
        floor=FLEET_FLOOR,
        target=target,
        baseline=context.baseline_text("python", "httpx-get"),
    )
    counts: list[Counts] = []
    emulator_cpu: list[float] = []
    overflows: list[int] = []
    progress(f"fleet: plan {size} tenants{label} ({context.repeat} runs + 1 warm-up)")
    measured_row(
        row,
        lambda: _plan_runs(context, server, folder, extra, counts, emulator_cpu, overflows),
    )
    if counts:
        expected = Counts(token=size, get=3 * size, other=3 * size if checks else 0)
        sequential = (1 + 3 + (3 if checks else 0)) * size * LATENCY
        agree = all(c == counts[0] for c in counts)
        chain = (
            "2 round trips, 0.76 s (token, then the reads beside the checks' reads)"
            if checks
            else "2 round trips, 0.76 s (token, then the reads)"
        )
        row.notes = (
            f"calls per run: {counts[0].text()} (floor {expected.text()})"
            f"{'' if agree else ' (varied between runs)'}; emulator CPU "
            f"{spread(emulator_cpu).median:.2f} s; connects dropped by a full listen queue: "
            f"{max(overflows)} at most per run; one tenant's chain: {chain}; all calls one "
            f"after another: {sequential:.0f} s"
        )
        row.details = {"counts": [vars(c) for c in counts], "emulator_cpu": emulator_cpu}
    return row


def _bare_row(context: Context, url: str, prefix: str, size: int, *, checks: bool) -> Row:
    per_tenant = 7 if checks else 4
    row = Row(
        f"floor.emulator-{size}" + ("" if checks else "-nochecks"),
        f"the emulator alone: {size} tenants' {per_tenant * size:,} plan requests from a bare "
        "stdlib client, 1,024 connections",
        floor=FLEET_FLOOR,
        baseline=context.baseline_text("httpx-get"),
    )
    argv = [sys.executable, "-m", "bench.bare", url, prefix, str(size)]
    argv += ["--checks"] if checks else []
    inside: list[float] = []

    def runs() -> list[Sample]:
        samples = []
        run_process(argv, cwd=context.project)  # warm-up: creates the tenants
        for _ in range(context.repeat):
            emulator_started = time.process_time()
            done = run_process(argv, cwd=context.project)
            if done.returncode != 0:
                raise RuntimeError(f"bench.bare exited {done.returncode}: {done.stderr[-300:]}")
            result = json.loads(done.stdout)
            if result["failures"]:
                raise RuntimeError(f"bench.bare: {result['failures']} requests failed")
            inside.append(float(result["wall"]))
            samples.append(Sample(done.sample.wall, time.process_time() - emulator_started, None))
        return samples

    progress(f"fleet: the emulator alone, {size} tenants (bare client)")
    measured_row(row, runs)
    if inside:
        requests = per_tenant * size
        first_to_last = spread(inside)
        row.value = first_to_last.median
        row.notes = (
            f"first request to last answer {first_to_last.text()} s "
            f"({requests / first_to_last.median:,.0f} requests/s); the CPU column is the "
            "emulator's (this benchmark's process), not the client's; with process start: "
            f"{row.wall.text() if row.wall else '—'} s"
        )
    return row


def rows(context: Context) -> list[Row]:
    sizes = context.fleet_sizes
    result: list[Row] = []
    with emulator() as server:
        folders = {}
        for size in sizes:
            folder = context.workdir / f"fleet-{size}"
            write_tenants(folder / "tenants", server.base_url, names(f"fleet{size}", size))
            folders[size] = folder / "tenants"
        biggest = max(sizes)
        for checks in (True, False):
            result.append(
                _bare_row(context, server.base_url, f"fleet{biggest}", biggest, checks=checks)
            )
        plans: dict[tuple[int, bool], Row] = {}
        for size in sizes:
            plans[(size, True)] = _plan_row(
                context, server, size, checks=True, folder=folders[size]
            )
        for size in (s for s in sizes if s in (50, 1000)):
            plans[(size, False)] = _plan_row(
                context, server, size, checks=False, folder=folders[size]
            )
        result += [plans[key] for key in sorted(plans, key=lambda k: (not k[1], k[0]))]
    result += _derived(plans)
    return result


def _derived(plans: dict[tuple[int, bool], Row]) -> list[Row]:
    derived = []
    big = plans.get((1000, True))
    if big is not None:
        derived.append(
            Row(
                "fleet.rss-1000",
                "peak RSS of plan 1000 × 3, CLI",
                unit="MiB",
                value=big.rss,
                target=Target(RSS_TARGET_MIB, f"≤ {RSS_TARGET_MIB:.0f} MiB"),
                error=big.error,
                notes="the largest of the runs' peak resident memory (the CLI process alone)",
                load=big.load,
            )
        )
    small = plans.get((50, True))
    if big is not None and small is not None and big.cpu is not None and small.cpu is not None:
        per_tenant = (big.cpu.median - small.cpu.median) / 950 * 1000
        derived.append(
            Row(
                "fleet.cpu-per-tenant",
                "CPU per tenant (plan 1000 minus plan 50, / 950)",
                unit="ms",
                value=per_tenant,
                notes="marginal CPU of one more tenant in the CLI process: load and check its "
                "file, open its client, 7 requests (token, 3 reads, 3 checks), plan it, print it",
            )
        )
    return derived
