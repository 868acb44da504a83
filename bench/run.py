"""Benchmark auth0-partials against its floors: API calls, wall time, rate limits, cold start.

Run from the project root::

    python bench/run.py            # everything, about 4 minutes on 2 CPUs
    python bench/run.py --quick    # skips the rate-limit section (it needs >= 36 s by design)
    python bench/run.py --json     # the same rows as JSON

Every figure is measured here, against in-process ``EmulatorServer`` instances; API calls are
counted from the emulator's request log and compared with the client's own stats. See
bench/README.md for what each row means and how each floor is defined.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from reconciler.runner import ClientSettings, Connector, apply_plan, make_plan

from reconciler.config import load_tenants
from reconciler.emulator import EmulatorOptions, EmulatorServer, Fault, LoggedRequest
from reconciler.management.client import ManagementClient
from reconciler.model import Credentials, TenantConfig
from reconciler.plans import Plan
from reconciler.writes import ApplyReport

#: Median latency of real Auth0 partials calls (shared/reference/auth0-api.md).
LATENCY = 0.38
#: The three prompts of Auth0's "flexible connection switching" guide: 3 managed prompts.
MANAGED = ("signup-password", "login-password", "login-passwordless")
#: Eight catalogue prompts, for a run that needs more GETs than the burst.
EIGHT_PROMPTS = (
    "login",
    "login-id",
    "login-password",
    "signup",
    "signup-id",
    "signup-password",
    "login-passwordless",
    "confirmation",
)
#: The screen holding the managed insertion point of each prompt (one-screen prompts: itself).
SCREEN = {"login-passwordless": "login-passwordless-email-code"}
#: Client credentials for the generated tenant files (the emulator accepts any).
ENV = {"BENCH_CLIENT_ID": "bench-client", "BENCH_CLIENT_SECRET": "bench-secret-value"}
#: A hand edit of a managed insertion point: makes exactly that prompt change in the plan.
HAND_EDIT = "<p>edited by hand in the dashboard</p>"

COLD_START_TARGET = 0.3
WALL_TARGET_RATIO = 2.0
RATE_LIMIT_TARGET_RATIO = 1.1

log = logging.getLogger("bench")


# ----------------------------------------------------------------------------- result rows


@dataclass
class Row:
    """One line of the table. ``limit`` is the largest ``measured`` that meets the target."""

    key: str
    name: str
    measured: float | None
    unit: Literal["calls", "s", "429s", "ms"]
    floor: float | None = None
    target: str = "—"
    limit: float | None = None
    notes: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.measured is None or not self.floor:
            return None
        return self.measured / self.floor

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return False
        if self.limit is None:
            return None
        return self.measured <= self.limit + 1e-9

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "measured": self.measured,
            "unit": self.unit,
            "floor": self.floor,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "notes": self.notes,
            "details": self.details,
        }


def error_row(key: str, name: str, exc: BaseException) -> Row:
    log.debug("%s failed", key, exc_info=exc)
    return Row(key, name, None, "s", notes=f"error: {type(exc).__name__}: {exc}")


def guarded(key: str, name: str, measure: Callable[[], list[Row]]) -> list[Row]:
    """Run one measurement; a failure becomes an error row instead of ending the benchmark."""
    try:
        return measure()
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return [error_row(key, name, exc)]


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- counting calls


@dataclass(frozen=True)
class Counts:
    """Requests by kind: tokens, GET partials, PUT partials, and how many answered 429."""

    token: int = 0
    get: int = 0
    put: int = 0
    rate_limited: int = 0

    @property
    def partials(self) -> int:
        return self.get + self.put

    def text(self) -> str:
        return f"GET {self.get}, PUT {self.put}, token {self.token}"

    @classmethod
    def from_log(cls, entries: Sequence[LoggedRequest], tenants: set[str] | None = None) -> Counts:
        chosen = [e for e in entries if tenants is None or e.tenant in tenants]
        return cls(
            token=sum(e.prompt is None and e.path.endswith("/oauth/token") for e in chosen),
            get=sum(e.prompt is not None and e.method == "GET" for e in chosen),
            put=sum(e.prompt is not None and e.method == "PUT" for e in chosen),
            rate_limited=sum(e.status == 429 for e in chosen),
        )

    @classmethod
    def from_connector(cls, connector: Connector) -> Counts:
        calls = connector.calls()
        return cls(calls["token"], calls["get"], calls["put"], calls["rate_limited"])

    @classmethod
    def from_cli(cls, stderr: str) -> Counts | None:
        """The CLI's own ``API calls: ...`` line, or None if it printed none."""
        match = re.search(
            r"API calls: (\d+) GET partials, (\d+) PUT partials, (\d+) token"
            r"(?:; \d+ retries, (\d+) answered 429)?",
            stderr,
        )
        if match is None:
            return None
        get, put, token, limited = match.groups()
        return cls(int(token), int(get), int(put), int(limited or 0))


# ----------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class TimedRequest:
    tenant: str
    method: str
    start: float
    end: float


class ClientLog(logging.Handler):
    """Captures the client's debug lines: request timings and rate-budget waits.

    ``ManagementClient`` logs ``METHOD PATH -> STATUS (N ms)`` after every request and
    ``...: waited N s for the GET partials budget`` after a budget wait; that is the timeline.
    """

    _REQUEST = re.compile(r"^(POST|GET|PUT) (\S+) -> \S+ \((\d+) ms\)$")
    _WAIT = re.compile(r"^(?:GET|PUT) (\S+): waited ([\d.]+) s for the (\S+) partials budget$")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((time.perf_counter(), record.getMessage()))

    def requests(self, tenants: set[str] | None = None) -> list[TimedRequest]:
        found: list[TimedRequest] = []
        for at, message in list(self.lines):
            match = self._REQUEST.match(message)
            if match is None:
                continue
            tenant = _tenant_of(match[2])
            if tenants is None or tenant in tenants:
                found.append(TimedRequest(tenant, match[1], at - int(match[3]) / 1000, at))
        return found

    def budget_waits(self, tenant: str) -> list[float]:
        waits: list[float] = []
        for _, message in list(self.lines):
            match = self._WAIT.match(message)
            if match and _tenant_of(match[1]) == tenant and float(match[2]) > 0.05:
                waits.append(float(match[2]))
        return waits


def _tenant_of(path: str) -> str:
    match = re.match(r"^/tenants/([^/]+)/", path)
    return match[1] if match else "default"


@contextmanager
def capture_client_log() -> Iterator[ClientLog]:
    logger = logging.getLogger("reconciler.management.client")
    handler = ClientLog()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # keep the debug lines off the console
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def timeline_summary(requests: list[TimedRequest], started: float) -> dict[str, Any]:
    """Where the time of a many-tenant run went, from the client's request timings."""
    if not requests:
        return {}
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for request in requests:
        first[request.tenant] = min(first.get(request.tenant, request.start), request.start)
        last[request.tenant] = max(last.get(request.tenant, request.end), request.end)
    starts = sorted(first.values())
    spans = [last[t] - first[t] for t in first]
    edges = sorted([(r.start, 1) for r in requests] + [(r.end, -1) for r in requests])
    in_flight = peak = 0
    for _, step in edges:
        in_flight += step
        peak = max(peak, in_flight)
    return {
        "first_request_after_s": round(starts[0] - started, 3),
        "last_tenant_first_request_after_s": round(starts[-1] - started, 3),
        "tenant_start_spread_s": round(starts[-1] - starts[0], 3),
        "median_tenant_span_s": round(statistics.median(spans), 3),
        "peak_requests_in_flight": peak,
    }


# ----------------------------------------------------------------------------- tenant files


def prompt_block(prompt: str) -> list[str]:
    """One managed prompt: a switch button at form-footer-start of its screen."""
    if prompt == "login-passwordless":
        return [
            "  login-passwordless:",
            "    login-passwordless-email-code:",
            "      - switch: Username-Password-Authentication",
            "        label: Use Password Instead",
        ]
    return [f"  {prompt}:", "    - switch: email", "      label: Send a secure code by email"]


def tenant_yaml(name: str, domain: str, prompts: Sequence[str]) -> str:
    lines = [
        f"tenant: {name}",
        f"domain: {domain}",
        "credentials:",
        "  client_id: ${BENCH_CLIENT_ID}",
        "  client_secret: ${BENCH_CLIENT_SECRET}",
        "prompts:",
    ]
    for prompt in prompts:
        lines += prompt_block(prompt)
    return "\n".join(lines) + "\n"


def write_tenants(
    folder: Path, base_url: str, count: int, prefix: str, prompts: Sequence[str] = MANAGED
) -> list[str]:
    """``count`` tenant files named PREFIX-000... pointing at the emulator; returns the names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"{prefix}-{index:04d}" for index in range(count)]
    for name in names:
        domain = f"{base_url}/tenants/{name}"
        (folder / f"{name}.yaml").write_text(tenant_yaml(name, domain, prompts), "utf-8")
    return names


def load(folder: Path) -> list[TenantConfig]:
    return load_tenants([folder], environ=ENV)


def connector(*, rate_limits: bool = True) -> Connector:
    """What the CLI builds: one client (token, budget) per tenant for the whole run."""
    return Connector(ClientSettings(environ=ENV, rate_limits=rate_limits))


def emulator(
    *, latency: float = 0.0, rate_limits: Literal["auth0", "off"] = "off", seed: bool = False
) -> EmulatorServer:
    """An emulator on a free port. ``latency`` delays token calls too (a latency fault): the
    emulator's ``latency_seconds`` applies to partials calls only, real Auth0's to all."""
    faults: tuple[Fault, ...] = ()
    if latency > 0:
        faults = (Fault(kind="latency", seconds=latency, endpoint="token"),)
    options = EmulatorOptions(
        rate_limits=rate_limits, latency_seconds=latency, seed=seed, faults=faults
    )
    return EmulatorServer(options).start()


def apply_as_cli(plan: Plan, api: Connector, *, saved: bool) -> ApplyReport:
    """Apply as ``apply --auto-approve`` does: a saved plan's prompts are read again first
    (``verify_fresh``); a plan made moments before in the same run is not."""
    return apply_plan(plan, api, verify_fresh=saved, saved=saved)


def converge(folder: Path) -> None:
    """Make the tenants match their files (untimed, uncounted setup)."""
    with connector(rate_limits=False) as setup:
        report = apply_as_cli(make_plan(load(folder), setup), setup, saved=False)
    if report.failed:
        raise RuntimeError(f"setup apply failed: {report}")


def drift(server: EmulatorServer, changed: Mapping[str, Sequence[str]]) -> None:
    """Edit the given prompts behind the tool's back (not logged, not rate limited)."""
    for tenant, prompts in changed.items():
        for prompt in prompts:
            screen = SCREEN.get(prompt, prompt)
            server.set_document(tenant, prompt, {screen: {"form-footer-start": HAND_EDIT}})


# ----------------------------------------------------------------------------- the CLI


@dataclass(frozen=True)
class CliRun:
    code: int
    seconds: float
    stdout: str
    stderr: str
    cpu_seconds: float
    """User + system CPU of the process (meaningful when no other child runs meanwhile)."""


@dataclass
class BytecodeCache:
    """Where CLI processes keep compiled bytecode.

    A user's install caches bytecode next to the sources after the first run. An environment
    with ``PYTHONDONTWRITEBYTECODE=1`` (containers often set it) makes every process compile
    reconciler/ from source again. So CLI processes get ``PYTHONPYCACHEPREFIX`` pointing into
    the benchmark's temp dir (nothing is written into the project), warmed once; section 4 also
    shows the uncached figure.
    """

    prefix: Path | None = None

    def warm(self, prefix: Path) -> None:
        self.prefix = prefix
        expect_ok(run_cli("--help", cwd=prefix.parent), "--help (warming the bytecode cache)")


BYTECODE = BytecodeCache()


def cli_env(*, cached: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0_PARTIALS_")}
    env.update(ENV)
    env.update({"NO_COLOR": "1", "PYTHONUTF8": "1"})
    if cached and BYTECODE.prefix is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(BYTECODE.prefix)
    return env


def run_cli(
    *args: str, cwd: Path, program: Sequence[str] | None = None, cached: bool = True
) -> CliRun:
    """One CLI process, timed from spawn to exit."""
    command = [*(program or (sys.executable, "-m", "reconciler")), *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=cli_env(cached=cached),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return CliRun(done.returncode, seconds, done.stdout, done.stderr, cpu)


def expect_ok(run: CliRun, what: str) -> None:
    if run.code != 0:
        raise RuntimeError(f"{what} exited {run.code}: {(run.stdout + run.stderr)[-600:]}")


def cli_default_concurrency() -> int:
    """``--concurrency``'s default, read from the CLI itself."""
    from reconciler.cli import cli

    for param in cli.commands["plan"].params:
        if param.name == "concurrency" and isinstance(param.default, int):
            return param.default
    return 8


# ============================================================================= 1. API calls


def changed_prompts(tenants: Sequence[str]) -> dict[str, list[str]]:
    """Tenant number i changes its first i % 3 managed prompts: a known, uneven set."""
    return {t: list(MANAGED[: i % 3]) for i, t in enumerate(tenants) if i % 3}


def calls_row(
    key: str, name: str, measured: Counts, floor: Counts, client: Counts | None, extra: str = ""
) -> Row:
    notes = f"emulator log: {measured.text()}; floor: {floor.text()}"
    if client is None:
        notes += "; client stats: none printed"
    elif client != measured:
        notes += f"; client stats differ: {client.text()}"
    else:
        notes += "; client stats agree"
    if extra:
        notes += f"; {extra}"
    return Row(
        key,
        name,
        float(measured.partials),
        "calls",
        floor=float(floor.partials),
        target="= floor",
        limit=float(floor.partials),
        notes=notes,
        details={
            "emulator": asdict(measured),
            "floor": asdict(floor),
            "client": asdict(client) if client is not None else None,
        },
    )


def section_calls(work: Path, tenant_count: int) -> list[Row]:
    """Plan, apply and apply of a saved plan: partials calls against 1 GET per managed prompt
    and 1 PUT per changed prompt, in-process (library) and through the CLI."""
    rows: list[Row] = []
    with emulator() as server:
        folder = work / "calls" / "tenants"
        tenants = write_tenants(folder, server.base_url, tenant_count, "calls")
        changed = changed_prompts(tenants)
        k = sum(len(p) for p in changed.values())
        managed = len(MANAGED) * tenant_count
        progress(f"1. API calls: {tenant_count} tenants x 3 prompts, {k} changed prompts")
        converge(folder)
        plan_floor = Counts(token=tenant_count, get=managed)
        apply_floor = Counts(token=tenant_count, get=managed, put=k)
        saved_floor = Counts(token=len(changed), get=k, put=k)
        prefix = f"{tenant_count} tenants × 3 prompts, {k} changed"

        # -- the library, one Connector per operation (as each CLI invocation has)
        drift(server, changed)
        server.clear_request_log()
        with connector() as api:
            plan = make_plan(load(folder), api)
            rows.append(
                calls_row(
                    "1.plan",
                    f"plan, library ({prefix})",
                    Counts.from_log(server.request_log),
                    plan_floor,
                    Counts.from_connector(api),
                    f"plan lists {plan.summary.prompts} prompts to write",
                )
            )
        server.clear_request_log()
        with connector() as api:
            report = apply_as_cli(make_plan(load(folder), api), api, saved=False)
            rows.append(
                calls_row(
                    "1.apply",
                    f"apply, library ({prefix})",
                    Counts.from_log(server.request_log),
                    apply_floor,
                    Counts.from_connector(api),
                    f"{len(report.written)} prompts written",
                )
            )
        drift(server, changed)
        with connector() as api:
            saved = Plan.from_json(json.loads(json.dumps(make_plan(load(folder), api).to_json())))
        server.clear_request_log()
        with connector() as api:
            report = apply_as_cli(saved, api, saved=True)
            rows.append(
                calls_row(
                    "1.apply-saved",
                    f"apply of a saved plan, library ({prefix})",
                    Counts.from_log(server.request_log),
                    saved_floor,
                    Counts.from_connector(api),
                    f"{len(report.written)} prompts written",
                )
            )

        # -- the CLI: the same three operations as separate processes
        cwd = work / "calls"
        drift(server, changed)
        server.clear_request_log()
        run = run_cli("plan", "tenants", cwd=cwd)
        expect_ok(run, "plan")
        rows.append(
            calls_row(
                "1.cli-plan",
                f"plan, CLI ({prefix})",
                Counts.from_log(server.request_log),
                plan_floor,
                Counts.from_cli(run.stderr),
            )
        )
        server.clear_request_log()
        run = run_cli("apply", "--auto-approve", "tenants", cwd=cwd)
        expect_ok(run, "apply")
        rows.append(
            calls_row(
                "1.cli-apply",
                f"apply, CLI ({prefix})",
                Counts.from_log(server.request_log),
                apply_floor,
                Counts.from_cli(run.stderr),
                _written(run.stdout),
            )
        )
        drift(server, changed)
        expect_ok(run_cli("plan", "--out", "plan.json", "tenants", cwd=cwd), "plan --out")
        server.clear_request_log()
        run = run_cli("apply", "--auto-approve", "plan.json", cwd=cwd)
        expect_ok(run, "apply plan.json")
        rows.append(
            calls_row(
                "1.cli-apply-saved",
                f"apply of a saved plan, CLI ({prefix})",
                Counts.from_log(server.request_log),
                saved_floor,
                Counts.from_cli(run.stderr),
                _written(run.stdout),
            )
        )
    return rows


def _written(stdout: str) -> str:
    match = re.search(r"(\d+) prompts? written", stdout)
    return f"{match[1]} prompts written" if match else "no 'written' line"


# ============================================================================= 2. wall time


def wall_floor() -> float:
    """Unlimited concurrency: every tenant's token round trip, then every GET at once."""
    return 2 * LATENCY


def sequential_sum(tenants: int, prompts: int = len(MANAGED)) -> float:
    return tenants * (1 + prompts) * LATENCY


def design_floor(tenants: int, concurrency: int, prompts: int = len(MANAGED)) -> float:
    """This runner's own floor: a tenant's token, its first GET alone, then the other GETs in
    parallel (one more round trip when there are any), tenants ``concurrency`` at a time."""
    waves = -(-tenants // min(concurrency, tenants))
    round_trips = 2 + (1 if prompts > 1 else 0)
    return waves * round_trips * LATENCY


def median_run(repeat: int, once: Callable[[], float]) -> tuple[float, list[float]]:
    samples = [once() for _ in range(repeat)]
    return statistics.median(samples), samples


def listen_overflows() -> int | None:
    """Linux's system-wide count of connections dropped because a listen queue was full
    (``TcpExt: ListenOverflows``); None where /proc/net/netstat is missing."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table["ListenOverflows"]) if "ListenOverflows" in table else None
    return None


class OverflowCounter:
    """Listen-queue overflows during some runs (system-wide: other work on the host counts)."""

    def __init__(self) -> None:
        self.total: int | None = 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        before = listen_overflows()
        try:
            yield
        finally:
            after = listen_overflows()
            if before is None or after is None or self.total is None:
                self.total = None
            else:
                self.total += after - before

    def text(self) -> str:
        return "n/a" if self.total is None else str(self.total)


@contextmanager
def listen_backlog(size: int) -> Iterator[int | None]:
    """Diagnostic only, never a fix: the listen backlog of emulators made inside, set on the
    emulator's private server class (socketserver's ``request_queue_size``, default 5).
    Yields the previous size, or None when the class is not there (then nothing changes)."""
    from reconciler.emulator import server as server_module

    server_class = getattr(server_module, "_HTTPServer", None)
    if server_class is None:
        yield None
        return
    previous = int(server_class.request_queue_size)
    server_class.request_queue_size = size
    try:
        yield previous
    finally:
        server_class.request_queue_size = previous


def emulator_concurrency_row(
    key: str, name: str, server: EmulatorServer, requests: int = 50
) -> list[Row]:
    """Are the emulator's sleeps concurrent? ``requests`` GETs at once, each on a new
    connection (connect included, as a client's first request), against one GET's latency."""
    split = urlsplit(server.base_url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    token_response = httpx.post(
        f"{server.tenant_base('concurrency')}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
        timeout=30,
    )
    token = str(token_response.json()["access_token"])
    barrier = threading.Barrier(requests)

    def one(_: int) -> tuple[float, float, float, int]:
        barrier.wait()
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            connection.connect()
            connected = time.perf_counter()
            connection.request(
                "GET",
                "/tenants/concurrency/api/v2/prompts/login/partials",
                headers={"Authorization": f"Bearer {token}"},
            )
            response = connection.getresponse()
            response.read()
            return started, connected, time.perf_counter(), response.status
        finally:
            connection.close()

    overflows = OverflowCounter()
    with overflows.counting(), ThreadPoolExecutor(max_workers=requests) as pool:
        results = list(pool.map(one, range(requests)))
    wall = max(r[2] for r in results) - min(r[0] for r in results)
    statuses = sorted({r[3] for r in results})
    connects = sorted(r[1] - r[0] for r in results)
    totals = sorted(r[2] - r[0] for r in results)
    slow = sum(c > 0.5 for c in connects)
    return [
        Row(
            key,
            name,
            wall,
            "s",
            floor=LATENCY,
            target="≤ 1.5× floor",
            limit=1.5 * LATENCY,
            notes=(
                f"fully serialized would be {requests * LATENCY:.1f} s; per request "
                f"{totals[0]:.2f}–{totals[-1]:.2f} s (median {statistics.median(totals):.2f}); "
                f"connect median {statistics.median(connects) * 1000:.0f} ms, max "
                f"{connects[-1] * 1000:.0f} ms, {slow} connects > 0.5 s; listen overflows "
                f"{overflows.text()}; statuses {statuses}"
            ),
            details={"connect_s": connects, "request_s": totals},
        )
    ]


def section_emulator_concurrency(server: EmulatorServer) -> list[Row]:
    rows = emulator_concurrency_row(
        "2.emulator", "emulator: 50 GETs at once, new connection each", server
    )
    with listen_backlog(128) as previous:
        if previous is None:
            return rows
        with emulator(latency=LATENCY) as diagnostic:
            rows += emulator_concurrency_row(
                "2.emulator-backlog",
                f"diagnostic: the same, emulator listen backlog 128 instead of {previous}",
                diagnostic,
            )
    return rows


def section_client_setup() -> list[Row]:
    """What one ManagementClient costs to construct (the Connector builds one per tenant,
    under its lock)."""
    credentials = Credentials(
        kind="client_credentials",
        client_id_env="BENCH_CLIENT_ID",
        client_secret_env="BENCH_CLIENT_SECRET",
    )
    samples: list[float] = []
    for _ in range(20):
        started = time.perf_counter()
        client = ManagementClient("setup", "http://127.0.0.1:9/tenants/setup", credentials)
        samples.append(time.perf_counter() - started)
        client.close()
    per_client = statistics.median(samples)
    return [
        Row(
            "2.client-setup",
            "ManagementClient() construction, one (median of 20)",
            per_client * 1000,
            "ms",
            notes=(
                f"CPU-bound (GIL) and made one at a time under Connector's lock: 50 tenants "
                f"spend ≈ {50 * per_client:.2f} s before the last tenant's first request"
            ),
            details={"samples_ms": [round(s * 1000, 1) for s in samples]},
        )
    ]


def section_wall(work: Path, repeat: int) -> list[Row]:
    """Plan wall time with 380 ms per call, library and CLI, against the floors."""
    rows: list[Row] = []
    default = cli_default_concurrency()
    with emulator(latency=LATENCY) as server:
        progress("2. emulator concurrency check")
        rows += guarded(
            "2.emulator", "emulator concurrency", partial(section_emulator_concurrency, server)
        )
        rows += guarded("2.client-setup", "client setup", section_client_setup)
        folders: dict[int, Path] = {}
        for count in (1, 10, 50):
            folders[count] = work / "wall" / f"n{count}" / "tenants"
            write_tenants(folders[count], server.base_url, count, f"wall{count}")
        with connector() as warm:  # imports, first client: not part of a steady-state run
            make_plan(load(folders[1]), warm)

        cases = [(1, default), (10, default), (50, default), (50, 50)]
        for count, concurrency in cases:
            progress(f"2. plan, library: {count} tenants, concurrency {concurrency}")
            rows += guarded(
                f"2.plan-{count}-c{concurrency}",
                f"plan {count} tenants",
                partial(_library_wall_row, folders[count], count, concurrency, default, repeat),
            )
        for concurrency in (default, 50):  # once each: a CLI run is the in-process one + start
            progress(f"2. plan, CLI: 50 tenants, concurrency {concurrency}")
            rows += guarded(
                f"2.cli-plan-50-c{concurrency}",
                "plan 50 tenants, CLI",
                partial(_cli_wall_row, folders[50].parent, server, 50, concurrency, default, 1),
            )
    return rows


def _wall_notes(count: int, concurrency: int, calls: Counts) -> str:
    return (
        f"sequential sum {sequential_sum(count):.2f} s ({calls.token + calls.get} calls × "
        f"{LATENCY} s); this runner's floor {design_floor(count, concurrency):.2f} s "
        f"(token, first GET, then the other GETs in parallel; {concurrency} tenants at a time)"
    )


def _library_wall_row(
    folder: Path, count: int, concurrency: int, default: int, repeat: int
) -> list[Row]:
    configs = load(folder)
    timelines: list[dict[str, Any]] = []
    counts: list[Counts] = []
    overflows = OverflowCounter()

    def once() -> float:
        with overflows.counting(), capture_client_log() as client_log, connector() as api:
            started = time.perf_counter()
            plan = make_plan(configs, api, concurrency=concurrency)
            elapsed = time.perf_counter() - started
            counts.append(Counts.from_connector(api))
            timelines.append(timeline_summary(client_log.requests(), started))
        if plan.has_errors:
            raise RuntimeError(f"plan failed: {[t.error for t in plan.tenants if t.error]}")
        return elapsed

    wall, samples = median_run(repeat, once)
    timeline = timelines[samples.index(wall)] if wall in samples else timelines[-1]
    label = "CLI default" if concurrency == default else "--concurrency"
    notes = _wall_notes(count, concurrency, counts[-1])
    if timeline:
        notes += (
            f"; timeline: last tenant's first request at "
            f"{timeline['last_tenant_first_request_after_s']:.2f} s, tenant span median "
            f"{timeline['median_tenant_span_s']:.2f} s, requests in flight at most "
            f"{timeline['peak_requests_in_flight']}"
        )
    notes += f"; listen overflows over {repeat} runs: {overflows.text()}"
    return [
        Row(
            f"2.plan-{count}-c{concurrency}",
            f"plan {count} tenant{'s' if count > 1 else ''} × 3, library, concurrency "
            f"{concurrency} ({label})",
            wall,
            "s",
            floor=wall_floor(),
            target=f"≤ {WALL_TARGET_RATIO:g}× floor",
            limit=WALL_TARGET_RATIO * wall_floor(),
            notes=notes,
            details={
                "samples_s": [round(s, 3) for s in samples],
                "timeline": timeline,
                "sequential_sum_s": sequential_sum(count),
                "design_floor_s": design_floor(count, concurrency),
            },
        )
    ]


def _cli_wall_row(
    cwd: Path, server: EmulatorServer, count: int, concurrency: int, default: int, repeat: int
) -> list[Row]:
    # The emulator of this section has no rate limits; without `--budget off` the client's
    # budget ledger (carried between runs in the same folder) would make a later run wait.
    args = ["plan", "tenants", "--budget", "off"]
    if concurrency != default:
        args[1:1] = ["--concurrency", str(concurrency)]
    runs: list[CliRun] = []
    overflows = OverflowCounter()

    def once() -> float:
        server.clear_request_log()
        with overflows.counting():
            run = run_cli(*args, cwd=cwd)
        expect_ok(run, " ".join(args))
        runs.append(run)
        return run.seconds

    wall, samples = median_run(repeat, once)
    calls = Counts.from_log(server.request_log)
    label = "CLI default" if concurrency == default else "--concurrency"
    return [
        Row(
            f"2.cli-plan-{count}-c{concurrency}",
            f"plan {count} tenants × 3, CLI process, concurrency {concurrency} ({label})",
            wall,
            "s",
            floor=wall_floor(),
            target=f"≤ {WALL_TARGET_RATIO:g}× floor",
            limit=WALL_TARGET_RATIO * wall_floor(),
            notes=(
                _wall_notes(count, concurrency, calls)
                + f"; includes interpreter start; listen overflows over {repeat} runs: "
                + overflows.text()
            ),
            details={"samples_s": [round(s, 3) for s in samples], "command": args},
        )
    ]


# ============================================================================= 3. rate limits


def rate_floor(entries: Sequence[LoggedRequest], options: EmulatorOptions) -> float:
    """The calls a run needed (answers other than 429) beyond the burst wait one refill
    interval each; GET and PUT buckets refill side by side, so the busier one sets the floor."""
    needed = [e for e in entries if e.prompt is not None and e.status != 429]
    gets = sum(e.method == "GET" for e in needed)
    puts = sum(e.method == "PUT" for e in needed)
    interval = 60.0 / options.rate_limit_per_minute
    beyond = max(gets - options.rate_limit_burst, puts - options.rate_limit_burst, 0)
    return beyond * interval


#: The CLI with the client's debug log on stderr (timestamps in ms since start): the same
#: code path as ``auth0-partials``, plus the lines that say what it waited for and why.
DEBUG_CLI = """\
import logging, sys
logging.basicConfig(level=logging.DEBUG, format="%(relativeCreated)d ms %(message)s")
for noisy in ("httpx", "httpcore"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
from reconciler.cli import main
sys.argv[0] = "auth0-partials"
main()
"""


def waits_in(stderr: str) -> list[str]:
    """What a debug-logged CLI run waited for: budget waits and retry pauses."""
    found: list[str] = []
    for line in stderr.splitlines():
        if match := re.search(r"waited ([\d.]+) s for the (\S+) partials budget", line):
            if float(match[1]) > 0.05:
                found.append(f"{match[2]} budget wait {float(match[1]):.1f} s")
        elif match := re.search(r"(GET|PUT) \S+: retry \d+/\d+ in ([\d.]+) s", line):
            found.append(f"{match[1]} 429/5xx retry pause {float(match[2]):.1f} s")
    return found


def _waits_text(waits: list[float]) -> str:
    return ", ".join(f"{w:.1f}" for w in waits) + " s" if waits else "none"


def scenario_inprocess_sequence(work: Path, client_log: ClientLog) -> list[Row]:
    """plan → apply → plan for one tenant, one Connector (one token, one budget)."""
    tenant = "rl-library"
    with emulator(rate_limits="auth0", seed=True) as server:
        folder = work / "rl-library" / "tenants"
        names = write_tenants(folder, server.base_url, 1, tenant)
        configs = load(folder)
        marks = [time.perf_counter()]
        with connector() as api:
            first = make_plan(configs, api)
            marks.append(time.perf_counter())
            report = apply_as_cli(make_plan(configs, api), api, saved=False)
            marks.append(time.perf_counter())
            last = make_plan(configs, api)
            marks.append(time.perf_counter())
            client = Counts.from_connector(api)
        counted = Counts.from_log(server.request_log)
        floor = rate_floor(server.request_log, server.options)
    waits = client_log.budget_waits(names[0])
    steps = [b - a for a, b in pairwise(marks)]
    total = marks[-1] - marks[0]
    outcome = (
        f"first plan {first.summary.prompts} to write, {len(report.written)} written, "
        f"last plan {'no changes' if not last.has_changes else 'still has changes'}"
    )
    timing = (
        f"plan {steps[0]:.1f} s, apply {steps[1]:.1f} s, plan {steps[2]:.1f} s; client budget "
        f"waits {_waits_text(waits)}"
    )
    return [
        Row(
            "3.library-429",
            "plan → apply → plan, 1 tenant × 3, library (one Connector): 429 answers",
            float(counted.rate_limited),
            "429s",
            floor=0,
            target="0",
            limit=0,
            notes=f"{counted.text()}; client counted {client.rate_limited} 429s; {outcome}",
            details={"emulator": asdict(counted), "client": asdict(client)},
        ),
        Row(
            "3.library-wall",
            "plan → apply → plan, 1 tenant × 3, library: wall time (info)",
            total,
            "s",
            floor=floor,
            notes=f"{counted.get} GETs, burst {server.options.rate_limit_burst}: floor "
            f"({counted.get} - {server.options.rate_limit_burst}) × 12 s; {timing}",
            details={"steps_s": steps, "budget_waits_s": waits},
        ),
    ]


def scenario_cli_sequence(work: Path) -> list[Row]:
    """plan → apply → plan as three CLI processes: each starts with a fresh budget."""
    with emulator(rate_limits="auth0", seed=True) as server:
        cwd = work / "rl-cli"
        write_tenants(cwd / "tenants", server.base_url, 1, "rl-cli")
        program = (sys.executable, "-c", DEBUG_CLI)
        commands = [
            ("plan", "tenants"),
            ("apply", "--auto-approve", "tenants"),
            ("plan", "--detailed-exitcode", "tenants"),
        ]
        runs = [run_cli(*command, cwd=cwd, program=program) for command in commands]
        counted = Counts.from_log(server.request_log)
        floor = rate_floor(server.request_log, server.options)
        statuses = [(e.method, e.prompt, e.status) for e in server.request_log]
    client = [Counts.from_cli(run.stderr) for run in runs]
    reported = sum(c.rate_limited for c in client if c is not None)
    total = sum(run.seconds for run in runs)
    per_process = "; ".join(
        f"{command[0]} {run.seconds:.1f} s (exit {run.code}): "
        + (", ".join(waits_in(run.stderr)) or "no waits")
        for command, run in zip(commands, runs, strict=True)
    )
    return [
        Row(
            "3.cli-429",
            "plan → apply → plan, 1 tenant × 3, three CLI processes: 429 answers",
            float(counted.rate_limited),
            "429s",
            floor=0,
            target="0",
            limit=0,
            notes=(
                f"{counted.text()} (a 429 is retried, so it counts as a GET); the CLIs "
                f"reported {reported} 429s; {per_process}"
            ),
            details={"requests": statuses, "seconds": [run.seconds for run in runs]},
        ),
        Row(
            "3.cli-wall",
            "plan → apply → plan, 1 tenant × 3, three CLI processes: wall time (info)",
            total,
            "s",
            floor=floor,
            notes=(
                f"sum of the three processes; floor ({counted.get - counted.rate_limited} GETs "
                f"answered - burst {server.options.rate_limit_burst}) × 12 s"
            ),
        ),
    ]


def scenario_eight_prompts(work: Path, client_log: ClientLog) -> list[Row]:
    """One tenant with 8 managed prompts: 8 GETs, 3 more than the burst."""
    with emulator(rate_limits="auth0") as server:
        folder = work / "rl-eight" / "tenants"
        names = write_tenants(folder, server.base_url, 1, "rl-eight", EIGHT_PROMPTS)
        configs = load(folder)
        started = time.perf_counter()
        with connector() as api:
            plan = make_plan(configs, api)
        wall = time.perf_counter() - started
        counted = Counts.from_log(server.request_log)
        floor = rate_floor(server.request_log, server.options)
    if plan.has_errors:
        raise RuntimeError(f"plan failed: {[t.error for t in plan.tenants if t.error]}")
    waits = client_log.budget_waits(names[0])
    return [
        Row(
            "3.eight-wall",
            "plan 1 tenant × 8 prompts, rate limits auth0 (5 burst, 5/min): wall time",
            wall,
            "s",
            floor=floor,
            target=f"≤ {RATE_LIMIT_TARGET_RATIO:g}× floor",
            limit=RATE_LIMIT_TARGET_RATIO * floor,
            notes=(
                f"{counted.text()}, {counted.rate_limited} answered 429; floor "
                f"({counted.get} - {server.options.rate_limit_burst}) × 12 s; client budget "
                f"waits {_waits_text(waits)}"
            ),
            details={"budget_waits_s": waits},
        )
    ]


def section_rate_limits(work: Path) -> list[Row]:
    """The three scenarios run side by side: each has its own emulator and tenant, so their
    buckets are independent, and they mostly sleep."""
    progress("3. rate limits: three scenarios in parallel, about 1.5 minutes")
    with capture_client_log() as client_log, ThreadPoolExecutor(max_workers=3) as pool:
        futures = [
            pool.submit(
                guarded,
                "3.library-429",
                "plan → apply → plan, library",
                lambda: scenario_inprocess_sequence(work, client_log),
            ),
            pool.submit(
                guarded,
                "3.cli-429",
                "plan → apply → plan, CLI",
                lambda: scenario_cli_sequence(work),
            ),
            pool.submit(
                guarded,
                "3.eight-wall",
                "plan 1 tenant × 8 prompts",
                lambda: scenario_eight_prompts(work, client_log),
            ),
        ]
        return [row for future in futures for row in future.result()]


# ============================================================================= 4. cold start


@dataclass
class Samples:
    """Wall and CPU seconds of repeated runs of one command."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, run: CliRun) -> None:
        self.wall.append(run.seconds)
        self.cpu.append(run.cpu_seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    def text(self) -> str:
        return (
            f"median {self.median:.2f} s (min {min(self.wall):.2f}), CPU median "
            f"{statistics.median(self.cpu):.2f} s"
        )


def time_command(
    command: Sequence[str], runs: int, cwd: Path, *, uncached_runs: int = 0
) -> tuple[Samples, Samples]:
    """``runs`` runs with the bytecode cache and ``uncached_runs`` without, interleaved so
    both see the same background load."""
    cached, uncached = Samples(), Samples()
    for index in range(max(runs, uncached_runs)):
        for samples, use_cache, count in ((cached, True, runs), (uncached, False, uncached_runs)):
            if index < count:
                run = run_cli(cwd=cwd, program=command, cached=use_cache)
                expect_ok(run, " ".join(command))
                samples.add(run)
    return cached, uncached


@dataclass(frozen=True)
class ImportEntry:
    name: str
    depth: int
    self_ms: float
    cumulative_ms: float
    importer: str | None


def import_times(cwd: Path) -> list[ImportEntry]:
    """``python -X importtime -m reconciler --help``, parsed, with each module's importer."""
    run = run_cli(
        cwd=cwd, program=(sys.executable, "-X", "importtime", "-m", "reconciler", "--help")
    )
    raw: list[tuple[str, int, float, float]] = []
    for line in run.stderr.splitlines():
        match = re.match(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)$", line)
        if match:
            depth = len(match[3]) // 2
            raw.append((match[4], depth, int(match[1]) / 1000, int(match[2]) / 1000))
    entries: list[ImportEntry] = []
    for index, (name, depth, self_ms, cumulative) in enumerate(raw):
        # -X importtime prints a module after everything it imported: its importer follows.
        importer = next((n for n, d, _, _ in raw[index + 1 :] if d < depth), None)
        entries.append(ImportEntry(name, depth, self_ms, cumulative, importer))
    return entries


@dataclass(frozen=True)
class HeavyImport:
    package: str
    cumulative_ms: float
    importer: str
    via: str

    def text(self) -> str:
        if self.importer == self.via:
            return f"{self.package} {self.cumulative_ms:.0f} ms (from {self.via})"
        return f"{self.package} {self.cumulative_ms:.0f} ms (from {self.importer}, via {self.via})"


def heaviest_imports(entries: list[ImportEntry], top: int = 6) -> list[HeavyImport]:
    """The heaviest third-party packages (cumulative, so nested ones overlap), who imported
    each, and the first reconciler module on the way."""
    by_name = {e.name: e for e in entries}
    found: list[HeavyImport] = []
    for entry in entries:
        root = entry.name.split(".")[0]
        if (
            "." in entry.name
            or root in sys.stdlib_module_names
            or root in ("reconciler", "site", "encodings")
        ):
            continue
        ancestors: list[str] = []
        above = entry.importer
        while above is not None and above not in ancestors:
            ancestors.append(above)
            parent = by_name.get(above)
            above = parent.importer if parent else None
        # ``import pygments.lexers`` loads ``pygments`` inside it: skip the package's own names.
        importer = next((a for a in ancestors if a.split(".")[0] != root), "?")
        via = next((a for a in ancestors if a.split(".")[0] == "reconciler"), "?")
        found.append(HeavyImport(entry.name, entry.cumulative_ms, importer, via))
    return sorted(found, key=lambda item: -item.cumulative_ms)[:top]


def cold_start_row(
    key: str, name: str, command: Sequence[str], runs: int, cwd: Path, notes: str
) -> tuple[Row, float]:
    cached, uncached = time_command(command, runs, cwd, uncached_runs=max(1, runs // 2))
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE")
    row = Row(
        key,
        name,
        cached.median,
        "s",
        target=f"< {COLD_START_TARGET} s",
        limit=COLD_START_TARGET,
        notes=(
            f"{notes}; bytecode cached: {cached.text()}; with this environment as is "
            f"(PYTHONDONTWRITEBYTECODE={flag or 'unset'}, {len(uncached.wall)} runs): "
            f"{uncached.text()}"
        ),
        details={"cached": cached.__dict__, "uncached": uncached.__dict__},
    )
    return row, cached.median


def section_cold_start(work: Path, runs: int) -> list[Row]:
    cwd = work / "cold"
    cwd.mkdir(parents=True, exist_ok=True)
    progress(f"4. cold start, median of {runs}")
    baseline, _ = time_command((sys.executable, "-c", "pass"), runs, cwd)
    row, wall = cold_start_row(
        "4.help-module",
        f"`python -m reconciler --help` (median of {runs})",
        (sys.executable, "-m", "reconciler", "--help"),
        runs,
        cwd,
        f"`python -c pass` alone: {baseline.text()}",
    )
    if wall > COLD_START_TARGET:
        entries = import_times(cwd)
        heavy = heaviest_imports(entries)
        imports_ms = sum(e.cumulative_ms for e in entries if e.depth == 0)
        cli_ms = next((e.cumulative_ms for e in entries if e.name == "reconciler.cli"), 0.0)
        own_ms = sum(e.self_ms for e in entries if e.name.split(".")[0] == "reconciler")
        row.notes += (
            f"; -X importtime: all imports {imports_ms:.0f} ms, reconciler.cli "
            f"{cli_ms:.0f} ms of which reconciler's own modules {own_ms:.0f} ms; heaviest: "
            + ", ".join(item.text() for item in heavy)
        )
        row.details["heaviest_imports"] = [item.__dict__ for item in heavy]
        row.details["python_startup"] = baseline.__dict__
    rows = [row]
    script = shutil.which("auth0-partials")
    if script is None:
        beside = Path(sys.executable).parent / "auth0-partials"
        script = str(beside) if beside.exists() else None
    if script is not None:
        shim = " (a pyenv shim: adds pyenv's own start)" if "shims" in script else ""
        script_row, _ = cold_start_row(
            "4.help-script",
            f"`auth0-partials --help`, console script (median of {runs})",
            (script, "--help"),
            runs,
            cwd,
            script + shim,
        )
        rows.append(script_row)
    return rows


def section_validate(work: Path, files: int, runs: int) -> list[Row]:
    cwd = work / "validate"
    folder = cwd / "tenants"
    write_tenants(folder, "http://127.0.0.1:9", files, "val")
    progress(f"4. validate {files} files, median of {runs}")
    samples = Samples()
    last = ""
    for _ in range(runs):
        run = run_cli("validate", "tenants", cwd=cwd)
        expect_ok(run, "validate")
        samples.add(run)
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    started = time.perf_counter()
    load_tenants([folder], environ=ENV)
    in_process = time.perf_counter() - started
    return [
        Row(
            "4.validate",
            f"`validate` over {files} generated tenant files × 3 prompts, CLI (median of {runs})",
            samples.median,
            "s",
            notes=(
                f"{samples.text()}; {samples.median / files * 1000:.1f} ms per file; "
                f"in-process load_tenants {in_process:.2f} s "
                f"({in_process / files * 1000:.1f} ms per file); last line: {last!r}"
            ),
            details={"samples": samples.__dict__, "load_tenants_s": in_process},
        )
    ]


# ============================================================================= output


def machine_facts() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "httpx": httpx.__version__,
    }


def format_measured(row: Row) -> str:
    if row.measured is None:
        return "error"
    if row.unit in ("calls", "429s"):
        return f"{row.measured:.0f}"
    if row.unit == "ms":
        return f"{row.measured:.1f} ms"
    return f"{row.measured:.2f} s"


def format_floor(row: Row) -> str:
    if row.floor is None:
        return "—"
    if row.unit in ("calls", "429s"):
        return f"{row.floor:.0f}"
    return f"{row.floor:.2f} s"


def markdown(rows: list[Row], facts: Mapping[str, str], command: str, elapsed: float) -> str:
    lines = [
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), Python {facts['python']}, "
        f"httpx {facts['httpx']}, {facts['platform']}; load average {facts['load_average']}. "
        f"Command: `{command}`; benchmark took {elapsed:.0f} s. CLI processes use a warmed "
        "bytecode cache (PYTHONPYCACHEPREFIX in the temp dir).",
        "",
        "| # | measurement | measured | floor | ratio | target | met | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
        met = {True: "yes", False: "**NO**", None: "info"}[row.met]
        notes = row.notes.replace("|", "\\|")
        lines.append(
            f"| {row.key} | {row.name} | {format_measured(row)} | {format_floor(row)} | "
            f"{ratio} | {row.target} | {met} | {notes} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip section 3 (rate limits: at least 36 s each by design) and repeat once",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument(
        "--sections",
        default="1,2,3,4",
        help="comma-separated sections to run (1 calls, 2 wall time, 3 rate limits, 4 start)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per wall-time row")
    parser.add_argument("--cold-runs", type=int, default=10, help="runs per cold-start row")
    parser.add_argument("--tenants", type=int, default=10, help="tenants for section 1")
    parser.add_argument("--validate-files", type=int, default=1000)
    parser.add_argument("-v", "--verbose", action="store_true", help="log bench details")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    repeat = 1 if args.quick else max(1, args.repeat)
    if args.quick:
        sections.discard("3")
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="auth0-partials-bench-") as temp:
        work = Path(temp)
        load_before = os.getloadavg()
        BYTECODE.warm(work / "pycache")
        if "1" in sections:
            rows += guarded("1", "API calls", lambda: section_calls(work, args.tenants))
        if "2" in sections:
            rows += guarded("2", "wall time", lambda: section_wall(work, repeat))
        if "4" in sections:
            rows += guarded(
                "4.help", "cold start", lambda: section_cold_start(work, args.cold_runs)
            )
            rows += guarded(
                "4.validate",
                "validate",
                lambda: section_validate(work, args.validate_files, 1 if args.quick else 3),
            )
        if "3" in sections:
            rows += guarded("3", "rate limits", lambda: section_rate_limits(work))
    rows.sort(key=lambda row: row.key.split(".")[0])
    elapsed = time.perf_counter() - started
    facts = machine_facts()
    facts["load_average"] = (
        f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after (1-minute)"
    )
    command = " ".join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])])
    if args.json:
        payload = {
            "machine": facts,
            "command": command,
            "seconds": elapsed,
            "rows": [row.to_json() for row in rows],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(markdown(rows, facts, command, elapsed))
    return 1 if any(row.measured is None for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
