"""Auth0's rate limits: a plan and an apply of 8 prompts, each run on a tenant of its own.

The emulator enforces Auth0's partials buckets (burst 5, refilled at 5 per minute, one token
every 12 s; GET and PUT apart) and adds Auth0's latency ``L`` = 0.38 s to every call; the CLI
keeps its own client-side budget (the default). A tenant file manages 8 catalogue prompts, one
switch button each.

Floors (derived in bench/README.md):

* **plan 8** = ``(8 - 5) x 12 s + 2 L`` = 36.76 s: five reads fit the burst (at once,
  after the token), the sixth to eighth wait for refills 12 s apart.
* **apply 8, 6 written** = ``(8 + 5 - 5) x 12 s + 3 L`` = 97.14 s. ``apply`` plans first (the 8
  reads above), then writes each changed document on a read at most ``--max-read-age`` (5 s)
  old. The plan's reads end 12 s apart, so only the last one is fresh when writing starts: the
  other five written documents are read again, each read waiting 12 s for a GET token. That is
  13 GETs, the last starting ``(13 - 5) x 12 s`` after the first, then its answer and its PUT.
  (The six PUTs fit the PUT bucket: they come 12 s apart.) An apply that wrote each document
  right after its first read would need 36 s + 3 L; this design trades that for never writing
  on a read older than 5 s.

The client paces itself on its budget: it sends a read when its bucket has a token, and the
emulator takes the token when it answers, one latency later; so each wait beyond the burst
costs one more latency than the floor (3 × 0.38 s for the plan, 8 × 0.38 s for the apply).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bench.context import Context
from bench.harness import Finished, Row, Sample, Target, load_average, progress, run_process
from bench.tenants import (
    EIGHT,
    LATENCY,
    Counts,
    cli,
    emulator,
    hand_edit,
    in_line,
    state_env,
    write_tenants,
)
from reconciler.emulator import EmulatorServer

BURST = 5
REFILL_SECONDS = 12.0
UNCHANGED = ("confirmation", "login")  # in line with the file; the other 6 are written
PLAN_FLOOR = (len(EIGHT) - BURST) * REFILL_SECONDS + 2 * LATENCY
WRITTEN = len(EIGHT) - len(UNCHANGED)
APPLY_READS = len(EIGHT) + WRITTEN - 1
APPLY_FLOOR = (APPLY_READS - BURST) * REFILL_SECONDS + 3 * LATENCY
APPLY_TARGET_RATIO = 1.1


#: Seconds between the starts of the side-by-side runs, so their interpreter starts and imports
#: do not compete for the CPUs (each run is timed from its own start).
STAGGER = 1.0


def _in_parallel(runs: list[tuple[list[str], Path]]) -> list[Finished]:
    """Run the commands side by side (each on its own tenant, so its own buckets), starting
    ``STAGGER`` seconds apart."""
    results: list[Finished | None] = [None] * len(runs)

    def one(index: int, argv: list[str], cwd: Path) -> None:
        with state_env() as env:
            results[index] = run_process(argv, env=env, cwd=cwd, timeout=900)

    threads = [
        threading.Thread(target=one, args=(i, argv, cwd)) for i, (argv, cwd) in enumerate(runs)
    ]
    for thread in threads:
        thread.start()
        time.sleep(STAGGER)
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]


def _prepare(server: EmulatorServer, folder: Path, tenants: list[str], apply: bool) -> list[Path]:
    files = write_tenants(folder, server.base_url, tenants, EIGHT)
    for file, tenant in zip(files, tenants, strict=True):
        if apply:
            in_line(server, file, UNCHANGED)
            for prompt in EIGHT:
                if prompt not in UNCHANGED:
                    hand_edit(server, tenant, prompt)
    return files


def rows(context: Context) -> list[Row]:
    runs = context.repeat
    progress(
        f"rates: plan and apply of 8 prompts, {runs} runs of each side by side (about "
        f"{APPLY_FLOOR:.0f} s)"
    )
    with emulator(limits="auth0") as server:
        plan_files = _prepare(
            server, context.workdir / "rates-plan", [f"plan8-{i}" for i in range(runs)], False
        )
        apply_files = _prepare(
            server, context.workdir / "rates-apply", [f"apply8-{i}" for i in range(runs)], True
        )
        for file in (plan_files[0], apply_files[0]):  # warm bytecode and files, no network
            with state_env() as env:
                run_process(cli("validate", str(file)), env=env, cwd=file.parent)
        server.clear_request_log()
        before = load_average()
        commands = [(cli("plan", str(f), "-q"), f.parent) for f in plan_files]
        commands += [(cli("apply", str(f), "--auto-approve", "-q"), f.parent) for f in apply_files]
        finished = _in_parallel(commands)
        load = (before, load_average())
        log = server.request_log
    plans, applies = finished[:runs], finished[runs:]
    plan_counts = Counts.of([e for e in log if e.tenant.startswith("plan8-")])
    apply_counts = Counts.of([e for e in log if e.tenant.startswith("apply8-")])
    return [
        _row(
            "rates.plan-8",
            "plan of 8 prompts at Auth0's limits, CLI",
            plans,
            PLAN_FLOOR,
            None,
            load,
            f"calls in all {runs} runs: {plan_counts.text()}; floor per run: 1 token, 8 GET",
        ),
        _row(
            "rates.apply-8",
            f"apply of 8 prompts ({WRITTEN} written) at Auth0's limits, CLI",
            applies,
            APPLY_FLOOR,
            Target(
                APPLY_TARGET_RATIO * APPLY_FLOOR,
                f"≤ {APPLY_TARGET_RATIO}× floor ({APPLY_TARGET_RATIO * APPLY_FLOOR:.1f} s)",
            ),
            load,
            f"calls in all {runs} runs: {apply_counts.text()}; floor per run: 1 token, "
            f"{APPLY_READS} GET ({len(EIGHT)} to plan, {WRITTEN - 1} fresh reads before "
            f"writing), {WRITTEN} PUT",
        ),
        Row(
            "rates.429",
            "429 answers in all these runs",
            unit="429s",
            value=float(plan_counts.rate_limited + apply_counts.rate_limited),
            floor=None,
            target=Target(0, "0"),
            load=load,
            notes="the client's budget keeps every run inside Auth0's buckets",
        ),
    ]


def _row(
    key: str,
    name: str,
    finished: list[Finished],
    floor: float,
    target: Target | None,
    load: tuple[float, float],
    notes: str,
) -> Row:
    failed = [f for f in finished if f.returncode not in (0, 2)]
    samples: list[Sample] = [f.sample for f in finished]
    return Row(
        key,
        name,
        samples=samples,
        floor=floor,
        target=target,
        load=load,
        notes=notes,
        error=f"exited {failed[0].returncode}: {failed[0].stderr[-300:]}" if failed else None,
    )
